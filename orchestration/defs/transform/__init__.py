"""Transform: the dbt project, as assets and asset checks."""
