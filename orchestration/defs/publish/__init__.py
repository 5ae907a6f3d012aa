"""Publish: the analysts' read-only snapshot."""
