"""Mendline: alliance ruptures and repairs in psychotherapy transcripts, found locally."""

__version__ = "0.1.0"

__all__ = ["__version__"]
