"""The `indicators` command: templates, one-shot runs, the web UI and the demo."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

from orchestration import paths

STOP_GRACE_SECONDS = 8


def cmd_templates(args: argparse.Namespace) -> int:
    """Write every return's department template into --out, for --year (this year): its
    months to choose from, its register's targets (the latest earlier register until that
    year's is loaded). With --dept and --month, that department's templates for that month,
    the investment return listing its projects as of its last accepted month.

    Example: indicators templates --out ./templates --year 2027
    """
    from orchestration.contract.reference import load_reference
    from orchestration.contract.return_spec import load_contract, load_returns
    from orchestration.defs.resources import WarehouseResource
    from orchestration.templates.carry_over import projects_carried_into
    from orchestration.templates.names import template_filename
    from orchestration.templates.writer import write_all_templates, write_template

    returns, contract, reference = load_returns(), load_contract(), load_reference()
    if args.month and args.year and int(args.month[:4]) != args.year:
        print("--month must be a month of --year", file=sys.stderr)
        return 2
    if not args.dept:
        out = Path(args.out)
        for path in write_all_templates(out, returns, contract, reference, args.year):
            print(path)
        return 0
    if args.dept not in reference.departments or not args.month:
        print("--dept needs a department code and --month YYYY-MM", file=sys.stderr)
        return 2
    snapshot = WarehouseResource(home=str(paths.resolve_home())).published_db
    for code in reference.returns_filed_by(args.dept):
        spec = returns[code]
        carried = projects_carried_into(snapshot, args.month) if code == "investment" else []
        path = Path(args.out) / template_filename(spec, args.dept, reference)
        print(write_template(spec, args.dept, path, contract, reference, args.month, carried))
    return 0


def cmd_expectations(args: argparse.Namespace) -> int:
    """Regenerate what the return definitions drive: the Great Expectations suites in
    expectations/, the dbt staging properties (dbt_project/models/staging/stg_raw__*.yml) and
    the allowed values the dbt models name (dbt_project/macros/return_value_sets.sql).

    Example: indicators expectations
    """
    from orchestration.build.dbt_files import write_dbt_files
    from orchestration.contract.findings import load_rules
    from orchestration.contract.reference import load_reference
    from orchestration.contract.return_spec import load_returns
    from orchestration.validate.expectations.suite_files import write_suites

    returns = load_returns()
    written = write_suites(paths.EXPECTATIONS_DIR, returns, load_reference(), load_rules())
    written += write_dbt_files(paths.DBT_PROJECT_DIR, returns)
    for path in written:
        print(path)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Take every file waiting in intake/, load it, build and test the models, publish.

    Example: indicators run --as-of 2026-11-25
    """
    home = paths.resolve_home()
    if not args.force:
        current = _published_build_if_current(home, args.as_of)
        if current is not None:
            print(
                "nothing waiting in intake/ and nothing new since the build of run "
                f"{current.run_id}: the published snapshot is current (as of "
                f"{current.inputs.as_of}); no run started. --force builds anyway."
            )
            return 0

    from orchestration.runner import (
        files_taken,
        files_taken_report,
        files_waiting,
        published,
        run_pipeline,
    )

    waiting = files_waiting(home)
    while True:
        result = _attempt(
            home,
            "run failed; the last good snapshot is still published",
            lambda: run_pipeline(
                home, as_of=args.as_of, received_at=args.received_at, force=args.force
            ),
        )
        if result is None:
            return 1
        print(files_taken_report(files_taken(result), home))
        if published(result):
            print(f"run {result.run_id} succeeded; snapshot published")
        else:
            print(f"run {result.run_id} succeeded; nothing new to build, snapshot unchanged")
        # Over max_files_per_run, the rest waited in intake: take them in further runs.
        left = files_waiting(home)
        if not left or left >= waiting:
            return 0
        print(f"{left} files still wait in intake/; running again")
        waiting = left


def _published_build_if_current(home: Path, as_of: str | None):
    from orchestration.build.up_to_date import published_build_if_current
    from orchestration.defs.resources import WarehouseResource
    from orchestration.instance import open_instance
    from orchestration.run_recovery import fail_dead_runs

    warehouse = WarehouseResource(home=str(home))
    current = published_build_if_current(warehouse, as_of or warehouse.now().date().isoformat())
    if current is not None:
        with open_instance(home) as instance:
            fail_dead_runs(instance)  # a killed run must not stay "started", run or not
    return current


def _attempt(home: Path, failed: str, run):
    """Run ``run()``; on failure, or an error before Dagster could even record the run (a
    full disk, a broken run history), say so with its causes and return None."""
    from orchestration.defs.resources import WarehouseResource
    from orchestration.runner import failure_causes
    from orchestration.runtime.disk_space import disk_full_cause

    try:
        result = run()
        causes = [] if result.success else failure_causes(result)
    except Exception as exc:
        traceback.print_exc()
        result, causes = None, [f"{type(exc).__name__}: {exc}".splitlines()[0]]
    if result is not None and result.success:
        return result
    print(failed, file=sys.stderr)
    full = disk_full_cause(home, WarehouseResource(home=str(home)).build_db)
    for cause in ([full] if full else []) + causes:
        print(f"  cause: {cause}", file=sys.stderr)
    return None


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Rebuild the warehouse from the archive alone (the build database is set aside first).

    Example: indicators rebuild --as-of 2026-11-25
    """
    from orchestration.runner import rebuild

    home = paths.resolve_home()
    result = _attempt(
        home,
        "rebuild failed; the previous build database and snapshot are kept",
        lambda: rebuild(home, as_of=args.as_of),
    )
    if result is None:
        return 1
    print(f"rebuilt from the archive in run {result.run_id}; snapshot published")
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    """Print a year's targets with their year-to-date progress, from the published snapshot
    (default: the latest year whose targets are registered).

    Example: indicators progress --year 2026
    """
    from orchestration.demo.run import progress_report

    print(progress_report(paths.resolve_home(), args.year))
    return 0


def cmd_register_check(args: argparse.Namespace) -> int:
    """Check a target register (a new year's, before it is used): every problem with its
    line; exit status 1 if there is any.

    Example: indicators register check dbt_project/seeds/target_register.csv
    """
    from orchestration.contract.register_check import check_register_file

    return check_register_file(Path(args.file), report=Path(args.report) if args.report else None)


def cmd_sql(args: argparse.Namespace) -> int:
    """Query the published snapshot read-only: one query, or a shell reading statements.

    Example: indicators sql "select * from marts.target_progress where status = '滞后'"
    """
    from orchestration.defs.resources import WarehouseResource
    from orchestration.sql_shell import run_sql

    home = paths.resolve_home()
    return run_sql(WarehouseResource(home=str(home)).published_db, args.query)


def cmd_demo(args: argparse.Namespace) -> int:
    """Fill the templates with sample returns, run the pipeline, print the progress.

    Example: indicators demo --months 10
    """
    from orchestration.demo.run import run_demo

    print(run_demo(paths.resolve_home(), months=args.months, as_of=args.as_of))
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    """Start the Dagster web UI and daemon (intake sensor on); Ctrl-C stops all of it.

    Example: indicators ui --port 3000
    """
    from orchestration.defs.resources import WarehouseResource
    from orchestration.instance import dagster_home

    home = paths.resolve_home()
    WarehouseResource(home=str(home)).ensure_folders()
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home(home))}
    command = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "orchestration.definitions",
        "-h",
        args.host,
        "-p",
        str(args.port),
    ]
    # Each in its own process group, so one signal reaches all of it: the webserver, daemon
    # and code servers; the intake worker (a drop's run starts seconds sooner than the sensor's).
    proc = subprocess.Popen(command, env=env, cwd=paths.REPO_ROOT, start_new_session=True)
    leaders = [proc]

    def stop(signum, frame):
        raise KeyboardInterrupt

    try:  # whatever happens from here, nothing started is left behind
        signal.signal(signal.SIGTERM, stop)
        worker = [sys.executable, "-m", "orchestration.cli", "watch"]
        leaders.append(
            subprocess.Popen(worker, env=env, cwd=paths.REPO_ROOT, start_new_session=True)
        )
        return _wait_interruptibly(proc)
    except KeyboardInterrupt:
        return 0
    finally:
        _stop_groups(leaders)


def cmd_watch(args: argparse.Namespace) -> int:
    """Take files into runs as soon as they settle in intake/, without the web UI (which
    starts one itself); runs show in the UI's history. Ctrl-C stops it.

    Example: indicators watch
    """
    import logging
    import threading

    from orchestration.intake_worker import watch

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("orchestration.intake_worker").setLevel(logging.INFO)
    logging.getLogger("dagster").setLevel(logging.WARNING)  # every event is in the UI
    stop = threading.Event()

    def stop_after_the_run(signum, frame):
        # SIGTERM (from `indicators ui` stopping) lets a run in progress end first.
        logging.getLogger("orchestration.intake_worker").info(
            "SIGTERM: stopping after the run in progress"
        )
        stop.set()

    signal.signal(signal.SIGTERM, stop_after_the_run)
    try:
        return watch(paths.resolve_home(), stop)
    except KeyboardInterrupt:
        return 0


def _wait_interruptibly(proc: subprocess.Popen) -> int:
    """``proc.wait()`` that Ctrl-C always interrupts. A plain wait blocks the main thread in
    waitpid; when the kernel hands the signal to another thread of this process (the imports
    start some), Python only raises KeyboardInterrupt once the child has exited on its own."""
    while True:
        with contextlib.suppress(subprocess.TimeoutExpired):
            return proc.wait(timeout=0.5)


def _stop_groups(leaders: list[subprocess.Popen]) -> None:
    """SIGTERM each leader's whole group, then SIGKILL whatever is left after the grace
    period (a group outlives its leader while a member lives)."""
    for proc in leaders:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for proc in leaders:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    for proc in leaders:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # stragglers: dagster dev ignores SIGTERM at times
        proc.wait()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="indicators",
        description="Jianghan District indicator warehouse. Home: $INDICATORS_HOME (default warehouse/).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, func, help_text):
        p = sub.add_parser(name, help=help_text.splitlines()[0], description=func.__doc__)
        p.set_defaults(func=func)
        return p

    p = add("templates", cmd_templates, cmd_templates.__doc__)
    p.add_argument("--out", required=True, help="folder to write the templates into")
    p.add_argument("--dept", help="only this department's templates (a code, e.g. fgj)")
    p.add_argument("--month", help="with --dept: the month to file (YYYY-MM), set in the templates")
    p.add_argument("--year", type=int, help="the year the templates are for (default: this year)")
    add("expectations", cmd_expectations, cmd_expectations.__doc__)
    p = add("run", cmd_run, cmd_run.__doc__)
    p.add_argument("--as-of", help="date the submission status is computed as of (YYYY-MM-DD)")
    p.add_argument("--received-at", help="backfill: record the files as received at this ISO time")
    p.add_argument(
        "--force", action="store_true", help="build and publish even when nothing is new"
    )
    p = add("rebuild", cmd_rebuild, cmd_rebuild.__doc__)
    p.add_argument("--as-of", help="date the submission status is computed as of (YYYY-MM-DD)")
    p = add("progress", cmd_progress, cmd_progress.__doc__)
    p.add_argument(
        "--year", type=int, help="the year (default: the latest with registered targets)"
    )
    register = sub.add_parser("register", help="the target register: check a new year's")
    register_sub = register.add_subparsers(dest="register_command", required=True)
    p = register_sub.add_parser(
        "check",
        help=cmd_register_check.__doc__.splitlines()[0],
        description=cmd_register_check.__doc__,
    )
    p.set_defaults(func=cmd_register_check)
    p.add_argument("file", help="the register CSV (the seed, or a new year's rows in its columns)")
    p.add_argument("--report", help="the work report's text the source sentences are quoted from")
    p = add("sql", cmd_sql, cmd_sql.__doc__)
    p.add_argument("query", nargs="?", help="one SQL query; without it, a shell on the terminal")
    p = add("demo", cmd_demo, cmd_demo.__doc__)
    p.add_argument("--months", type=int, default=10, help="months of sample returns (1-10)")
    p.add_argument("--as-of", help="date the submission status is computed as of (YYYY-MM-DD)")
    add("watch", cmd_watch, cmd_watch.__doc__)
    p = add("ui", cmd_ui, cmd_ui.__doc__)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=3000)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
