"""Jianghan District indicator warehouse: the Dagster code location and its command line."""
