"""Benchmarks of the matcher: answer quality on public FAQ data sets, and speed at scale."""
