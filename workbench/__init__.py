"""Workbench: qualitative coding of interview transcripts in the terminal."""

__version__ = "0.1.0"
