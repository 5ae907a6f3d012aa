"""Pure code with no Dagster decorators: the contract, parsing, archive, loading, publishing."""
