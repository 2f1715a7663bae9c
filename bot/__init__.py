"""CareerBot: answers questions about becoming a machine learning engineer, with sources."""

__version__ = "0.1.0"
