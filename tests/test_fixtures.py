"""Every fixture: bad cases give exactly the findings in expected.json, good cases give none.

expected.json is a snapshot of the whole JSON finding (message, fix, evidence, related locations, fingerprint), so a
change to any of them shows up here. After an intended change, rewrite the snapshots with
``pytest tests/test_fixtures.py --update-snapshots`` and review ``git diff fixtures/`` before committing.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import REPO, run_json

BAD = sorted(p.parent for p in (REPO / "fixtures").glob("*/*/bad/expected.json"))
GOOD = sorted((REPO / "fixtures").glob("*/*/good"))
VERDICT_RULES = {"DST001", "DST002", "DST003", "DST004", "DST005", "ESM001", "ESM002", "ESM003", "ESM004"}


@functools.cache
def report_validator() -> Draft202012Validator:
    """The schema the project ships, checked against JSON Schema's metaschema once per test process (checking it
    again for each of the ~200 reports below cost half of this module's time: the schema is the same file)."""
    schema = json.loads((REPO / "docs" / "report.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def check_report_shape(report: dict) -> None:
    """Every report validates against the schema the project ships; every verdict finding carries its evidence."""
    errors = sorted(report_validator().iter_errors(report), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    for f in report["findings"] + report["suppressed"]:
        if f["rule"] in VERDICT_RULES:
            assert f["kind"] in ("on_success", "on_failure", "esm_on_failure", "esm_source"), f
            assert f["evidence"]["function"]["name"] == f["function"], f
            assert f["evidence"]["summary"], f


def test_every_rule_has_fixtures_in_every_format() -> None:
    from infra_policy_linter.rules import ALL_RULES

    for fmt in ("terraform", "cloudformation"):
        for rule in (r for r in ALL_RULES if fmt in r.formats):
            assert (REPO / "fixtures" / fmt / rule.id / "bad" / "expected.json").is_file(), (fmt, rule.id)
            assert (REPO / "fixtures" / fmt / rule.id / "good").is_dir(), (fmt, rule.id)


@pytest.mark.parametrize("case", BAD, ids=lambda p: str(p.relative_to(REPO / "fixtures")))
def test_bad_fixture_findings_are_exact(case: Path, in_repo: Path, update_snapshots: bool) -> None:
    code, report = run_json(str(case.relative_to(REPO)))
    got = report["findings"]
    snapshot = case / "expected.json"
    if update_snapshots:
        snapshot.write_text(json.dumps(got, indent=2) + "\n")
    assert got == json.loads(snapshot.read_text())
    check_report_shape(report)
    assert report["errors"] == []
    rule_dir = case.parent.name
    assert rule_dir in {f["rule"] for f in got}
    assert code == (1 if any(f["level"] == "error" for f in report["findings"]) else 0)


@pytest.mark.parametrize("case", GOOD, ids=lambda p: str(p.relative_to(REPO / "fixtures")))
def test_good_fixture_has_no_findings(case: Path, in_repo: Path) -> None:
    code, report = run_json(str(case.relative_to(REPO)))
    assert report["findings"] == []
    check_report_shape(report)
    if case.parent.name in ("LNT001", "LNT002", "LNT003"):  # the good suppression cases hide exactly one finding each
        assert [(s["rule"], s["justification"] != "") for s in report["suppressed"]] == [("DST001", True)]
    assert report["errors"] == []
    assert report["summary"]["units"] + report["summary"]["skipped"] >= 1  # skipped: nothing Lambda in it
    assert code == 0


def test_schema_rejects_a_finding_without_evidence(in_repo: Path) -> None:
    """The schema is not vacuous: a verdict finding whose kind is set must carry its evidence."""
    from jsonschema import Draft202012Validator

    _, report = run_json("fixtures/terraform/DST001/bad")
    schema = json.loads((REPO / "docs" / "report.schema.json").read_text())
    assert Draft202012Validator(schema).is_valid(report)
    report["findings"][0]["evidence"] = None
    assert not Draft202012Validator(schema).is_valid(report)
    report["findings"][0]["kind"] = "elsewhere"
    assert not Draft202012Validator(schema).is_valid(report)
