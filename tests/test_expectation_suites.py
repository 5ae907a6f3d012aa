"""The suites and dbt staging properties under version control are exactly what the return
definitions generate."""

import json
import subprocess

import yaml

from orchestration import paths
from orchestration.build.dbt_files import (
    staging_properties_path,
    staging_properties_text,
    value_sets_macro_path,
    value_sets_macro_text,
)
from orchestration.contract.findings import load_rules
from orchestration.contract.return_spec import load_returns
from orchestration.defs.transform.project import dbt_command_env, dbt_executable
from orchestration.validate.expectations.suite_builder import build_suite
from orchestration.validate.expectations.suite_files import load_suites, suite_text


def test_committed_suites_match_the_definitions(reference):
    committed = load_suites(paths.EXPECTATIONS_DIR)
    returns = load_returns()
    assert set(committed) == set(returns)
    for code, spec in returns.items():
        generated = build_suite(spec, reference, load_rules())
        on_disk = (paths.EXPECTATIONS_DIR / f"{code}.json").read_text(encoding="utf-8")
        assert on_disk == suite_text(generated), f"run `indicators expectations` ({code})"


def test_every_expectation_reports_as_a_catalogued_rule_with_its_class(reference):
    rules = load_rules().rules
    for suite in load_suites(paths.EXPECTATIONS_DIR).values():
        for e in suite["expectations"]:
            rule = rules[e["meta"]["rule_code"]]
            assert e["severity"] == ("critical" if rule.rule_class == "强制性" else "warning")


def test_suites_hold_the_definition_rules_and_the_hand_written_ones():
    suites = load_suites(paths.EXPECTATIONS_DIR)
    jobs = {(e["type"], e["meta"]["rule_code"]) for e in suites["jobs"]["expectations"]}
    assert ("expect_column_values_to_not_be_null", "VALUE_REQUIRED") in jobs
    assert ("expect_column_values_to_be_in_set", "STREET_UNKNOWN") in jobs
    assert ("expect_compound_columns_to_be_unique", "VALUE_DUPLICATED") in jobs
    assert ("expect_column_pair_values_a_to_be_greater_than_b", "GRADUATES_EXCEED_NEW_JOBS") in jobs
    enterprises = json.dumps(suites["enterprises"], ensure_ascii=False)
    assert "uscc_check_digit_valid" in enterprises and "ENTRY_MONTH_AFTER_PERIOD" in enterprises


def test_committed_staging_properties_match_the_definitions():
    for code, spec in load_returns().items():
        on_disk = staging_properties_path(paths.DBT_PROJECT_DIR / "models", spec)
        assert on_disk.read_text(encoding="utf-8") == staging_properties_text(spec), (
            f"run `indicators expectations` ({code})"
        )


def test_staging_properties_carry_each_definition_rule_once():
    """Required, allowed values and reference tables come from the definition, under the
    staging model's own column names."""
    returns = load_returns()
    first_stores = staging_properties_text(returns["first_stores"])
    assert 'accepted_values: {arguments: {values: ["零售", "餐饮"' in first_stores
    investment = staging_properties_text(returns["investment"])
    assert "- name: total_investment_100m_yuan" in investment
    assert "- name: total_investment\n" not in investment
    assert "ref('streets'), field: street_name" in investment
    indicators = yaml.safe_load(staging_properties_text(returns["indicators"]))["models"][0]
    (required,) = [t["not_null_columns"] for t in indicators["data_tests"]]
    required = required["arguments"]["column_names"]
    assert "target_name_as_filed" not in required  # optional in the definition
    spec = returns["indicators"]
    assert {c.warehouse_name for c in spec.columns if c.required} < set(required)
    assert {"file_sha256", "period", "source_row"} < set(required)


def test_committed_value_sets_match_the_definitions():
    on_disk = value_sets_macro_path(paths.DBT_PROJECT_DIR).read_text(encoding="utf-8")
    assert on_disk == value_sets_macro_text(load_returns()), "run `indicators expectations`"


def _compile(sql: str, home) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            dbt_executable(),
            "compile",
            "--quiet",
            "--target-path",
            str(home / "target"),
            "--inline",
            sql,
        ],
        cwd=paths.DBT_PROJECT_DIR,
        env=dbt_command_env(home),
        capture_output=True,
        text=True,
    )


def test_a_model_naming_a_value_its_definition_does_not_allow_fails_to_compile(tmp_path):
    (tmp_path / "build").mkdir()
    named = _compile(
        "select {{ return_values('investment', 'project_status', ['新开工', '续建']) }}", tmp_path
    )
    assert named.returncode == 0, named.stdout + named.stderr
    assert "'新开工', '续建'" in named.stdout
    renamed = _compile(
        "select {{ return_value('investment', 'project_status', '已开工') }}", tmp_path
    )
    assert renamed.returncode != 0
    assert "'已开工' is not a value of investment.project_status" in renamed.stdout + renamed.stderr
