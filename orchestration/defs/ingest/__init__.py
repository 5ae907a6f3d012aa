"""The ingest step in Dagster: archived files are read, validated, loaded and answered."""
