"""Rules named as ruff names them: ids, prefixes and names for --select/--ignore and `lint explain`; rules
ignored per path in the configuration (``per-file-ignores``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

BAD = REPO / "fixtures/terraform/DST001/bad/main.tf"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for sub in ("prod", "legacy/old"):
        (tmp_path / sub).mkdir(parents=True)
        shutil.copy(BAD, tmp_path / sub / "main.tf")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _rules(*args: str) -> tuple[int, list[tuple[str, str]]]:
    code, out, _ = run_cli("--format", "json", *args)
    return code, [(f["path"], f["rule"]) for f in json.loads(out)["findings"]]


def test_select_and_ignore_take_prefixes_and_names(work: Path) -> None:
    assert _rules("--select", "DST", "prod") == (1, [("prod/main.tf", "DST001")])
    assert _rules("--select", "dst00", "prod") == (1, [("prod/main.tf", "DST001")])
    assert _rules("--ignore", "DST", "prod") == (0, [])
    assert _rules("--ignore", "destination-action-not-granted", "prod") == (0, [])
    assert _rules("--select", "ESM", "prod") == (0, [])
    code, _, err = run_cli("--select", "XYZ", "prod")
    assert code == 2 and "--select names unknown rule 'XYZ'" in err


def test_explain_takes_ids_and_names(work: Path) -> None:
    from infra_policy_linter.rules import rule_by_id

    rule = rule_by_id("DST001")
    assert rule is not None
    by_id, by_name = run_cli("explain", "dst001"), run_cli("explain", rule.name)
    assert by_id == by_name == (0, rule.documentation(), "")
    code, out, _ = run_cli("explain", "DST001", "ESM001")
    assert code == 0 and out.startswith("DST001 (") and "\nESM001 (" in out
    assert run_cli("explain", "nope")[0] == 2


def test_per_file_ignores_in_the_configuration(work: Path) -> None:
    (work / ".infra-policy-linter.toml").write_text('[per-file-ignores]\n"legacy/**" = ["DST"]\n')
    assert _rules(".") == (1, [("prod/main.tf", "DST001")])
    os_sub = work / "legacy"
    code, found = _rules(str(os_sub))
    assert (code, found) == (0, [])
    (work / ".infra-policy-linter.toml").write_text('[per-file-ignores]\n"legacy/**" = ["NOPE"]\n')
    code, _, err = run_cli(".")
    assert code == 2 and "per-file-ignores 'legacy/**' names unknown rule 'NOPE'" in err
