"""Stage 6, publish: the snapshot analysts read, and reports read from it."""
