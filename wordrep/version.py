"""wordrep's version: one place, imported by the package and everything that stamps it."""
__version__ = "0.1.0"
