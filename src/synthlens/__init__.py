"""synthlens: LLM-generated datasets scored on five characteristics against real data."""
__version__ = "0.1.0"
