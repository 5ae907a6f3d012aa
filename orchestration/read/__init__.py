"""Stage 2, read: a workbook, within its limits and in a sandboxed child, becomes a return's
header, typed rows and reading findings."""
