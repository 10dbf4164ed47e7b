"""wordrep: train word representations and compare them on similarity and analogy benchmarks."""
__version__ = "0.1.0"
