"""The code location: the asset graph intake → raw → dbt → published, its jobs, sensor and checks."""

import os
import time

import dagster as dg
import pytest

from orchestration.defs.build import build_definitions
from orchestration.defs.resources import WarehouseResource


@pytest.fixture
def defs(home):
    return build_definitions(home)


def test_the_graph_runs_from_intake_to_the_published_snapshot(defs):
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"intake/archive", "raw/files", "raw/jobs", "raw/findings", "raw/deliveries"} <= keys
    assert {
        "reference/target_register",
        "staging/stg_raw__jobs",
        "intermediate/int_return_versions",
        "marts/target_progress",
        "marts/submission_status",
    } <= keys
    assert "published_warehouse" in keys
    upstream_of_published = graph.get(dg.AssetKey("published_warehouse")).parent_keys
    assert {k.path[-1] for k in upstream_of_published} >= {
        "target_progress",
        "submission_status",
        "fct_jobs_street_monthly",
    }
    # raw/jobs is the dbt source the staging model reads: the two graphs are one.
    children_of_raw_jobs = {k.path[-1] for k in graph.get(dg.AssetKey(["raw", "jobs"])).child_keys}
    assert "stg_raw__jobs" in children_of_raw_jobs


def test_dbt_tests_are_asset_checks(defs):
    checks = {c.name for c in defs.resolve_asset_graph().asset_check_keys}
    assert "unique_target_progress_target_month_key" in checks
    assert (
        "accepted_values_submission_status_status__accepted__corrected__late__rejected__missing__pending"
        in checks
    )


def test_expectation_suites_are_asset_checks_on_the_raw_assets(defs):
    checks = {
        c.asset_key.to_user_string()
        for c in defs.resolve_asset_graph().asset_check_keys
        if c.name == "expectation_suite"
    }
    assert checks == {
        "raw/jobs",
        "raw/investment",
        "raw/first_stores",
        "raw/enterprises",
        "raw/indicators",
    }


def test_jobs_and_sensor_exist(defs):
    assert defs.resolve_job_def("ingest_and_publish")
    assert defs.resolve_job_def("archive_intake")
    sensor = defs.resolve_sensor_def("intake_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_every_asset_has_a_description(defs):
    graph = defs.resolve_asset_graph()
    missing = [
        k.to_user_string() for k in graph.get_all_asset_keys() if not graph.get(k).description
    ]
    assert missing == []


def test_sensor_waits_until_a_file_settles_and_keys_runs_by_content(home, fill_jobs, defs):
    sensor = defs.resolve_sensor_def("intake_sensor")
    warehouse = WarehouseResource(home=str(home))
    path = warehouse.intake_root / "rsj" / "jobs.xlsx"
    fill_jobs(path, "2026-03")
    (path.parent / "~$jobs.xlsx").write_bytes(b"excel lock file")

    with dg.instance_for_test() as instance:

        def tick(cursor):
            ctx = dg.build_sensor_context(
                instance=instance, cursor=cursor, resources={"warehouse": warehouse}
            )
            return sensor.evaluate_tick(ctx)

        first = tick(None)
        assert first.run_requests == [] and "jobs.xlsx" in first.cursor
        assert "~$" not in first.cursor
        second = tick(first.cursor)
        assert len(second.run_requests) == 1
        key_one = second.run_requests[0].run_key

        fill_jobs(path, "2026-04")  # the same name, new content
        stamp = time.time() + 5
        os.utime(path, (stamp, stamp))
        changed = tick(second.cursor)
        assert changed.run_requests == []  # changed since the last tick: wait
        settled = tick(changed.cursor)
        assert settled.run_requests[0].run_key != key_one


def test_sensor_stands_aside_while_an_intake_worker_lives(home, fill_jobs, defs):
    import subprocess

    from orchestration.intake_worker import WORKER_FILE
    from orchestration.runtime.process_identity import current_process, identity_of

    sensor = defs.resolve_sensor_def("intake_sensor")
    warehouse = WarehouseResource(home=str(home))
    fill_jobs(warehouse.intake_root / "rsj" / "jobs.xlsx", "2026-03")
    gone = subprocess.Popen(["true"])
    gone_identity = identity_of(gone.pid)
    gone.wait()

    with dg.instance_for_test() as instance:

        def tick(cursor):
            ctx = dg.build_sensor_context(
                instance=instance, cursor=cursor, resources={"warehouse": warehouse}
            )
            return sensor.evaluate_tick(ctx)

        (home / WORKER_FILE).write_text(current_process())  # a live worker: this process
        aside = [tick(None)]
        aside.append(tick(aside[-1].cursor))
        assert all(t.run_requests == [] for t in aside)
        assert "intake worker" in aside[-1].skip_message

        (home / WORKER_FILE).write_text(gone_identity)  # its process is gone: take over
        first = tick(aside[-1].cursor)
        assert len(tick(first.cursor).run_requests) == 1


def test_sensor_asks_a_run_for_an_unanswered_link_then_stops_asking(home, defs, tmp_path):
    from orchestration.contract.findings import load_rules
    from orchestration.contract.reference import load_reference
    from orchestration.intake.folders import refused_entries
    from orchestration.intake.refusals import answer_refused_entries

    sensor = defs.resolve_sensor_def("intake_sensor")
    warehouse = WarehouseResource(home=str(home))
    (warehouse.intake_root / "rsj" / "link.xlsx").symlink_to(tmp_path / "nowhere.xlsx")
    with dg.instance_for_test() as instance:
        ctx = dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse})
        assert len(sensor.evaluate_tick(ctx).run_requests) == 1
        refused = refused_entries(warehouse.intake_root, ["rsj"])
        answer_refused_entries(
            refused,
            warehouse.outbox_root,
            load_rules(),
            load_reference().departments,
            warehouse.now(),
        )
        ctx = dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse})
        assert sensor.evaluate_tick(ctx).run_requests == []


def test_the_dbt_resource_opens_no_dbt_adapter_in_the_run_process(defs):
    """dagster-dbt's adapter serves only fetch_row_counts()/fetch_column_metadata(), which
    the project never calls; making it cost every run ~0.6 s in the warm worker."""
    dbt = defs.resources["dbt"]
    assert dbt._initialize_dbt_core_adapter(["build", "--vars", "{}"]) is None


def test_dbt_sends_no_usage_statistics_from_a_district_machine(defs):
    """dagster-dbt turns dbt's anonymous usage statistics off for its own dbt processes; the
    project turns them off for every other dbt (the manifest's parse, dbt run by hand, the
    worker's dbt in process), so nothing about a district's warehouse leaves its network."""
    import json

    from orchestration.defs.transform.project import indicators_dbt_project

    manifest = json.loads(indicators_dbt_project.manifest_path.read_text(encoding="utf-8"))
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False


def test_only_the_long_lived_worker_builds_with_dbt_in_process(home):
    assert build_definitions(home).resources["dbt"].in_process is False
    assert build_definitions(home, in_process_dbt=True).resources["dbt"].in_process is True
