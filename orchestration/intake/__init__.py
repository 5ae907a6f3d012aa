"""Stage 1, intake: the departments' folders, settling, the archive (every file kept before
anything reads it) and the refusals answered without reading."""
