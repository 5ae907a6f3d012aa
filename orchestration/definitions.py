"""The Dagster code location (`dagster dev -m orchestration.definitions`)."""

from orchestration import paths
from orchestration.defs.build import build_definitions

defs = build_definitions(paths.resolve_home())
