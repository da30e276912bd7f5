"""Pieces every domain app builds on: the abstract base model and the logging context."""
