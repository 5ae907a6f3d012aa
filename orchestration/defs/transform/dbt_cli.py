"""The dbt resource, without the `dbt --version` it would start for every run."""

from __future__ import annotations

import importlib.metadata
from functools import cached_property

from dagster_dbt import DbtCliResource
from packaging import version


class InstalledDbtCliResource(DbtCliResource):
    """dagster-dbt learns the dbt version by running `dbt --version` once per resource, that
    is once per run (about 2.5 s here, a second Python starting dbt). The executable is the
    dbt beside this Python (``dbt_executable()``), the pinned dbt-core package: its version
    is in the package's metadata."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))
