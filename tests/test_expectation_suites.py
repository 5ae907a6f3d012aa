"""The suites under version control are exactly what the return definitions generate."""

import json

from orchestration import paths
from orchestration.contract.findings import load_rules
from orchestration.contract.return_spec import load_returns
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
