"""The Dagster instance under the home: its event log on SQLite through pooled connections,
in Dagster's own files, so the web UI, the daemon and homes made before read the same history."""

import dagster as dg

from orchestration.instance import open_instance
from orchestration.runtime.sqlite_event_log import PooledSqliteEventLogStorage

CHECKS = [dg.AssetCheckSpec(f"check_{i}", asset="counted") for i in range(3)]


@dg.asset(check_specs=CHECKS)
def counted():
    yield dg.Output(1)
    for i, spec in enumerate(CHECKS):
        yield dg.AssetCheckResult(check_name=spec.name, passed=i != 1)


def _check_outcomes(instance: dg.DagsterInstance) -> dict[str, bool]:
    outcomes = {}
    for spec in CHECKS:
        (record,) = instance.event_log_storage.get_asset_check_execution_history(spec.key, 1)
        outcomes[spec.name] = record.event.dagster_event.event_specific_data.passed
    return outcomes


def test_a_run_is_recorded_by_the_pooled_event_log_and_read_back_by_another_instance(home):
    with open_instance(home) as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        result = dg.materialize([counted], instance=instance, raise_on_error=False)
        run_id = result.run_id
    # A second process's view (the web UI's): the same files, every event committed.
    with open_instance(home) as other:
        assert (home / "dagster" / "history" / "runs" / f"{run_id}.db").exists()
        latest = other.get_latest_materialization_event(dg.AssetKey("counted"))
        assert latest is not None and latest.run_id == run_id
        assert _check_outcomes(other) == {"check_0": True, "check_1": False, "check_2": True}
        types = [e.dagster_event_type for e in other.all_logs(run_id) if e.is_dagster_event]
        assert types[-1] == dg.DagsterEventType.RUN_SUCCESS


def test_a_home_made_with_dagsters_default_sqlite_storage_keeps_its_history(home):
    dagster_dir = home / "dagster"
    dagster_dir.mkdir(parents=True, exist_ok=True)
    (dagster_dir / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.from_config(str(dagster_dir)) as before:
        assert not isinstance(before.event_log_storage, PooledSqliteEventLogStorage)
        run_id = dg.materialize([counted], instance=before, raise_on_error=False).run_id
    with open_instance(home) as after:
        assert isinstance(after.event_log_storage, PooledSqliteEventLogStorage)
        latest = after.get_latest_materialization_event(dg.AssetKey("counted"))
        assert latest is not None and latest.run_id == run_id
        assert _check_outcomes(after)["check_1"] is False


def test_the_event_log_looks_for_a_table_once_it_has_found_it(home, monkeypatch):
    """Dagster asks whether a table exists before each check result it writes, each time
    on a new engine; the pooled log asks SQLite until it has found the table, then no more
    (a table not found is looked for again: a migration may add it)."""
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    asked: list[str] = []
    parent = SqliteEventLogStorage.has_table

    def counted_has_table(self, name):
        asked.append(name)
        return parent(self, name)

    monkeypatch.setattr(SqliteEventLogStorage, "has_table", counted_has_table)
    with open_instance(home) as instance:
        for _ in range(2):
            assert dg.materialize([counted], instance=instance, raise_on_error=False)
        assert asked.count("asset_check_executions") == 1  # six check results written
        assert _check_outcomes(instance) == {"check_0": True, "check_1": False, "check_2": True}
        storage = instance.event_log_storage
        assert not storage.has_table("no_such_table") and not storage.has_table("no_such_table")
        assert asked.count("no_such_table") == 2
