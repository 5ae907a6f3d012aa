"""Concurrency pools. Every step that writes DuckDB shares one pool of limit 1
(set in the instance's dagster.yaml), so two runs never write the build database at once."""

DUCKDB_WRITER = "duckdb_writer"
