"""The knowledge base: its models, reading and validating the YAML files, quote checks."""
