"""Great Expectations suites, built from the return definitions, and their validation."""
