"""Developer tools the running bot never imports: the gold-set evaluation and the benchmarks."""
