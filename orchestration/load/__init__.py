"""Stage 4, load: accepted rows with their lineage, and every file's outcome and findings,
into the raw schema of the build database."""
