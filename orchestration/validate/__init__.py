"""Stage 3, validate: the return's expectation suite, the department's history and the file's
name judge what was read; one finding per cell decides the outcome."""
