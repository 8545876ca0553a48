"""STAR-L Coach: a practice coach for behavioral interview stories."""

__version__ = "0.1.0"
