"""The dbt resource, without the work dagster-dbt does in this process before each build
that this project never uses."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from functools import cached_property

from dagster_dbt import DbtCliResource
from packaging import version
from pydantic import Field


class InstalledDbtCliResource(DbtCliResource):
    """dagster-dbt learns the dbt version by running `dbt --version` once per resource, that
    is once per run (about 2.5 s here, a second Python starting dbt). The executable is the
    dbt beside this Python (``dbt_executable()``), the pinned dbt-core package: its version
    is in the package's metadata.

    Before each build it also loads dbt's profile and project and registers a dbt adapter in
    this process, used only by ``fetch_row_counts()`` and ``fetch_column_metadata()``: this
    project calls neither (the row counts are the snapshot's metadata, counted once after
    publishing). That cost ~0.6 s of every run of the warm intake worker, ~1.5 s of a
    one-shot run."""

    in_process: bool = Field(
        default=False,
        description=(
            "Build every model in this process, with the project parsed once (runs the "
            "`indicators` command executes); a subset, or a run launched by the UI or the "
            "daemon, starts dbt as a subprocess."
        ),
    )

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None
