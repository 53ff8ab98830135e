"""Configuration precedence, unknown keys, baselines, and pre-commit's changed-file focus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli, run_json

DST001_TF = REPO / "fixtures/terraform/DST001/bad/main.tf"
DST004_TF = REPO / "fixtures/terraform/DST004/bad/main.tf"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # the repository root stops the search for configuration
    for name, src in (("missing", DST001_TF), ("unknown", DST004_TF)):
        (tmp_path / name).mkdir()
        shutil.copy(src, tmp_path / name / "main.tf")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def rules_of(report: dict) -> list[str]:
    return [f["rule"] for f in report["findings"]]


def test_defaults(project: Path) -> None:
    code, report = run_json(".")
    assert code == 1
    assert rules_of(report) == ["DST001", "DST004", "DST004"]


def test_pyproject_table(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.infra-policy-linter]\nignore = ["DST001"]\nfail-on = "warning"\n'
        '[tool.infra-policy-linter.severity]\nDST004 = "note"\n'
    )
    code, report = run_json(".")
    assert rules_of(report) == ["DST004", "DST004"]
    assert {f["level"] for f in report["findings"]} == {"note"}
    assert code == 0  # notes are below fail-on = warning


def test_dedicated_file_wins_over_pyproject_and_flags_win_over_both(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.infra-policy-linter]\nignore = ["DST001"]\n')
    (project / ".infra-policy-linter.toml").write_text('select = ["DST004"]\nfail-on = "warning"\n')
    code, report = run_json(".")
    assert rules_of(report) == ["DST004", "DST004"] and code == 1
    code, report = run_json("--fail-on", "never", "--select", "DST001,DST004", ".")
    assert rules_of(report) == ["DST001", "DST004", "DST004"] and code == 0


def test_config_found_from_a_subdirectory(project: Path, monkeypatch) -> None:
    (project / ".infra-policy-linter.toml").write_text('exclude = ["unknown"]\n')
    code, report = run_json(".")
    assert rules_of(report) == ["DST001"]
    monkeypatch.chdir(project / "missing")
    code, report = run_json(".")
    assert rules_of(report) == ["DST001"]


def test_exclude_glob_from_flag(project: Path) -> None:
    code, report = run_json("--exclude", "miss*", ".")
    assert rules_of(report) == ["DST004", "DST004"]
    assert code == 0


@pytest.mark.parametrize(
    "content, message",
    [
        ('ignroe = ["DST001"]\n', "unknown key 'ignroe'"),
        ('select = ["DST999"]\n', "select names unknown rule 'DST999'"),
        ('fail-on = "sometimes"\n', "fail-on must be one of error, warning, note, never"),
        ('account-id = "12"\n', "account-id must be a 12-digit string"),
        ("select = \n", "invalid TOML"),
        ('[severity]\nDST001 = "fatal"\n', "severity.DST001 must be one of error, warning, note"),
    ],
)
def test_bad_configuration_is_a_usage_error(project: Path, content: str, message: str) -> None:
    (project / ".infra-policy-linter.toml").write_text(content)
    code, out, err = run_cli(".")
    assert code == 2
    assert message in err and ".infra-policy-linter.toml" in err
    assert out == ""


def test_unknown_rule_on_the_command_line(project: Path) -> None:
    code, _, err = run_cli("--ignore", "DST042", ".")
    assert code == 2 and "--ignore names unknown rule 'DST042'" in err


def test_account_and_region_resolve_partly_known_arns(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "main.tf").write_text(
        DST001_TF.read_text().replace(
            'Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]\n      Resource = aws_sqs_queue.failures.arn',
            'Action   = "sqs:SendMessage"\n      Resource = "arn:aws:sqs:eu-west-1:123456789012:orders-failures"',
        )
    )
    monkeypatch.chdir(tmp_path)
    _, report = run_json(".")
    assert rules_of(report) == ["DST004"]
    assert "the AWS account id" in report["findings"][0]["message"]
    code, report = run_json("--account-id", "123456789012", ".")
    assert rules_of(report) == [] and code == 0
    code, report = run_json("--account-id", "210987654321", ".")
    assert rules_of(report) == ["DST002"] and code == 1


def test_baseline_round_trip(project: Path) -> None:
    code, _, err = run_cli("--write-baseline", "baseline.json", ".")
    assert code == 0 and "wrote 3 finding(s)" in err
    entries = json.loads((project / "baseline.json").read_text())["findings"]
    assert [(e["rule"], e["path"], e["function"]) for e in entries] == [
        ("DST001", "missing/main.tf", "aws_lambda_function.worker"),
        ("DST004", "unknown/main.tf", "aws_lambda_function.ingest"),
        ("DST004", "unknown/main.tf", "aws_lambda_function.audit"),
    ]
    assert entries[0]["message"].startswith("aws_lambda_function.worker sends on-failure records to SQS queue")
    assert set(entries[0]) == {"fingerprint", "rule", "path", "function", "destination", "action", "message"}
    code, out, err = run_cli("--format", "json", "--baseline", "baseline.json", ".")
    assert json.loads(out)["findings"] == [] and code == 0
    assert err == "lint: baseline.json hid 3 known findings\n"
    (project / "second").mkdir()
    shutil.copy(DST001_TF, project / "second" / "main.tf")
    code, report = run_json("--baseline", "baseline.json", ".")
    assert [(f["rule"], f["path"]) for f in report["findings"]] == [("DST001", "second/main.tf")]
    assert code == 1


def test_baseline_lists_entries_that_no_longer_match(project: Path) -> None:
    run_cli("--write-baseline", "baseline.json", ".")
    shutil.copy(REPO / "fixtures/terraform/DST001/good/main.tf", project / "missing" / "main.tf")  # fixed
    code, out, err = run_cli("--format", "json", "--baseline", "baseline.json", ".")
    assert code == 0
    assert err.splitlines() == [
        "lint: baseline.json hid 2 known findings",
        "lint: 1 baseline.json entry no longer matches (fixed or changed: remove it, or rewrite the file with "
        "--write-baseline):",
        "  missing/main.tf DST001 aws_lambda_function.worker: aws_lambda_function.worker sends on-failure records "
        "to SQS queue aws_sqs_queue.failures, but no statement on its execution role aws_iam_role.worker allows "
        "sqs:SendMessage; Lambda will drop those records",
    ]
    # A run over part of the tree, or over changed files only, says nothing about entries it did not judge.
    code, out, err = run_cli("--format", "json", "--baseline", "baseline.json", "unknown")
    assert err == "lint: baseline.json hid 2 known findings\n"
    code, out, err = run_cli("--format", "json", "--baseline", "baseline.json", "missing/main.tf")
    assert (code, err) == (0, "")


def test_baseline_of_an_earlier_version_is_read(project: Path) -> None:
    run_cli("--write-baseline", "baseline.json", ".")
    entries = json.loads((project / "baseline.json").read_text())["findings"]
    (project / "baseline.json").write_text(
        json.dumps(
            {"tool": "infra-policy-linter", "version": "0.1.0", "fingerprints": [e["fingerprint"] for e in entries]}
        )
    )
    code, out, err = run_cli("--format", "json", "--baseline", "baseline.json", ".")
    assert (code, json.loads(out)["findings"], err) == (0, [], "lint: baseline.json hid 3 known findings\n")


def test_bad_baseline(project: Path) -> None:
    (project / "baseline.json").write_text("[]")
    code, _, err = run_cli("--baseline", "baseline.json", ".")
    assert code == 2 and "not a baseline file" in err


def test_changed_files_report_what_they_can_affect(tmp_path: Path, monkeypatch) -> None:
    """A role policy edited in iam.tf re-reports the destination finding that lives in lambda.tf."""
    text = DST001_TF.read_text()
    split = text.index('resource "aws_lambda_function" "worker"')
    (tmp_path / "iam.tf").write_text(text[:split])
    (tmp_path / "lambda.tf").write_text(text[split:])
    (tmp_path / "unrelated.tf").write_text('resource "aws_sns_topic" "t" {\n  name = "t"\n}\n')
    monkeypatch.chdir(tmp_path)
    assert [f["path"] for f in run_json("lambda.tf")[1]["findings"]] == ["lambda.tf"]
    assert [f["path"] for f in run_json("iam.tf")[1]["findings"]] == ["lambda.tf"]
    code, report = run_json("unrelated.tf")
    assert report["findings"] == [] and code == 0
    assert report["summary"]["files"] == 3  # the whole module was read to judge it
