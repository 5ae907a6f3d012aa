"""`dbt build` in the run's own process, for the runs the `indicators` command executes.

Through dagster-dbt, every build starts a Python that imports dbt (~2.3 s here) and loads
the project (~0.4 s with partial parsing, seconds without, as in a new home) before its
first model. A process that runs builds (the intake worker for hours, `indicators run`
once, the demo and the tests many times) imports dbt once, parses the project once (again
when a dbt file changes), hands the parsed manifest to dbt's programmatic runner
(``dbtRunner``), and turns dbt's result events into the Dagster events dagster-dbt makes of
its subprocess's output (the same dagster-dbt code does it).

The parsed project does not depend on the home: the profile, which names the build
database, is rendered again by every invocation, so a process building several homes
reuses one manifest.

Only a build of every model and test takes this path; a subset chosen in the UI goes
through dagster-dbt's own selection, in a subprocess.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtProject
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from orchestration.defs.transform.project import newest_source_mtime

# The events dagster-dbt turns into materializations and check results; the rest (about
# ten times as many) are only logged, by dbt itself, to the run's log file.
_RESULT_EVENTS = frozenset(
    {"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"}
)

_END = object()  # the last item of a build's queue of results

# dbt keeps global state (flags, adapters, its event manager): one invocation at a time.
_lock = threading.Lock()
_parsed: dict[float, Any] = {}  # at most one: the manifest of the project as it is now


def builds_whole(context: dg.AssetExecutionContext) -> bool:
    """Every model, seed and test of the project selected: no selection to pass to dbt."""
    assets_def = context.assets_def
    return (
        context.selected_asset_keys == assets_def.keys
        and context.selected_asset_check_keys == assets_def.check_keys
    )


def build_in_process(
    args: Sequence[str],
    context: dg.AssetExecutionContext,
    project: DbtProject,
    target_path: Path,
) -> Iterator[Any]:
    """Run ``dbt <args>`` here over the whole project and yield its Dagster events; raise as
    dagster-dbt does when dbt fails (after the events of the nodes that ran)."""
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    manifest_json, translator, _ = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    results: queue.Queue = queue.Queue()
    errors: list[str] = []
    ended: dict[str, Any] = {}

    def collect(msg) -> None:  # called on dbt's threads
        if msg.info.name in _RESULT_EVENTS:
            results.put(msg_to_dict(msg))
        elif msg.info.level == "error":
            errors.append(msg.info.msg)

    def invoke(manifest) -> None:
        try:
            with _duckdb_closed_after():
                ended["outcome"] = dbtRunner(manifest=manifest, callbacks=[collect]).invoke(
                    [*args, *_common_args(project, target_path)]
                )
        except BaseException as exc:  # dbtRunner returns its own failures; not this
            ended["error"] = exc
        finally:
            results.put(_END)

    with _lock:
        manifest, parsed_now = _manifest(project, target_path)
        context.log.info(
            f"dbt {args[0]} in this process, the project "
            + ("parsed now" if parsed_now else "as an earlier run parsed it")
        )
        # dbt runs on a thread of its own while each node's result is recorded, as the
        # subprocess's output is: the Dagster events of one node overlap the next nodes.
        dbt = threading.Thread(target=invoke, args=(manifest,), name="dbt-build", daemon=True)
        dbt.start()
        try:
            while (raw_event := results.get()) is not _END:
                yield from DbtCoreCliEventMessage(
                    raw_event=raw_event, event_history_metadata={}
                ).to_default_asset_events(
                    manifest=manifest_json,
                    dagster_dbt_translator=translator,
                    context=context,
                    target_path=target_path,
                    project=project,
                )
        finally:
            dbt.join()
    if "error" in ended:
        raise ended["error"]
    outcome = ended["outcome"]
    if not outcome.success:
        cause = outcome.exception
        details = "\n".join(errors) or (repr(cause) if cause else "no error message")
        raise DagsterDbtCliRuntimeError(
            description=f"dbt {args[0]} (in process) failed:\n{details}"
        ) from cause


def _common_args(project: DbtProject, target_path: Path) -> list[str]:
    return [
        "--project-dir",
        str(project.project_dir),
        "--profiles-dir",
        str(project.profiles_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path),
        # As dagster-dbt does for its subprocess: no usage statistics leave the machine.
        "--no-send-anonymous-usage-stats",
    ]


def _manifest(project: DbtProject, target_path: Path) -> tuple[Any, bool]:
    """The parsed project (parsed again when a dbt file changed), and whether it was parsed
    now."""
    from dbt.cli.main import dbtRunner

    key = newest_source_mtime(Path(project.project_dir))
    if key in _parsed:
        return _parsed[key], False
    _parsed.clear()
    with _duckdb_closed_after():
        parsed = dbtRunner().invoke(
            ["parse", "--quiet", "--no-write-json", *_common_args(project, target_path)]
        )
    if not parsed.success:
        raise DagsterDbtCliRuntimeError(
            description=f"dbt parse (in process) failed: {parsed.exception!r}"
        ) from parsed.exception
    _parsed[key] = parsed.result
    return parsed.result, True


@contextlib.contextmanager
def _duckdb_closed_after() -> Iterator[None]:
    """dbt-duckdb keeps its DuckDB connection in a class attribute after dbt returns (for
    the next invocation of a short-lived process); here it would keep the build database
    open while the snapshot is published, and across homes."""
    try:
        yield
    finally:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager

        with manager._LOCK:
            if manager._ENV is not None:
                manager._ENV.close()
                manager._ENV = None
