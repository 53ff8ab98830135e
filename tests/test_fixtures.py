"""Every fixture: bad cases give exactly the findings in expected.json, good cases give none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, run_json

BAD = sorted(p.parent for p in (REPO / "fixtures").glob("*/*/bad/expected.json"))
GOOD = sorted((REPO / "fixtures").glob("*/*/good"))
KEYS = ("rule", "path", "line", "column", "function", "action")


def test_every_rule_has_fixtures_in_every_format() -> None:
    from infra_policy_linter.rules import ALL_RULES

    for fmt in ("terraform", "cloudformation"):
        for rule in (r for r in ALL_RULES if fmt in r.formats):
            assert (REPO / "fixtures" / fmt / rule.id / "bad" / "expected.json").is_file(), (fmt, rule.id)
            assert (REPO / "fixtures" / fmt / rule.id / "good").is_dir(), (fmt, rule.id)


@pytest.mark.parametrize("case", BAD, ids=lambda p: str(p.relative_to(REPO / "fixtures")))
def test_bad_fixture_findings_are_exact(case: Path, in_repo: Path) -> None:
    expected = json.loads((case / "expected.json").read_text())
    code, report = run_json(str(case.relative_to(REPO)))
    got = [{k: f[k] for k in KEYS} for f in report["findings"]]
    assert got == expected
    assert report["errors"] == []
    rule_dir = case.parent.name
    assert rule_dir in {f["rule"] for f in got}
    assert code == (1 if any(f["level"] == "error" for f in report["findings"]) else 0)


@pytest.mark.parametrize("case", GOOD, ids=lambda p: str(p.relative_to(REPO / "fixtures")))
def test_good_fixture_has_no_findings(case: Path, in_repo: Path) -> None:
    code, report = run_json(str(case.relative_to(REPO)))
    assert report["findings"] == []
    if case.parent.name in ("LNT001", "LNT002", "LNT003"):  # the good suppression cases hide exactly one finding each
        assert [(s["rule"], s["justification"] != "") for s in report["suppressed"]] == [("DST001", True)]
    assert report["errors"] == []
    assert report["summary"]["units"] >= 1
    assert code == 0
