from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli, run_json

BAD_TF = "fixtures/terraform/DST001/bad"
GOOD_TF = "fixtures/terraform/DST001/good"


def test_exit_codes(in_repo: Path) -> None:
    assert run_cli(GOOD_TF)[0] == 0
    assert run_cli(BAD_TF)[0] == 1
    assert run_cli("fixtures/terraform/DST004/bad")[0] == 0  # warnings only
    assert run_cli("does/not/exist")[0] == 2


def test_json_shape(in_repo: Path) -> None:
    code, report = run_json(BAD_TF)
    assert code == 1
    assert set(report) == {"tool", "findings", "suppressed", "errors", "summary"}
    assert report["tool"]["name"] == "infra-policy-linter"
    (finding,) = report["findings"]
    assert set(finding) >= {
        "rule",
        "level",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "function",
        "role",
        "destination",
        "action",
        "fix",
    }
    assert finding["role"] == "aws_iam_role.worker"
    assert finding["destination"] == "aws_sqs_queue.failures"
    assert finding["level"] == "error"
    assert 'Action   = "sqs:SendMessage"' in finding["fix"]
    assert "Resource = aws_sqs_queue.failures.arn" in finding["fix"]
    assert "role = aws_iam_role.worker.name" in finding["fix"]
    assert report["summary"] == {
        "files": 1,
        "units": 1,
        "findings": 1,
        "errors": 1,
        "warnings": 0,
        "notes": 0,
        "suppressed": 0,
        "parse_errors": 0,
        "unrendered": 0,
        "destinations": 1,
        "granted": 0,
        "not_granted": 1,
        "unverifiable": 0,
        "not_followed": 0,
        "skipped": 0,
        "checks": {
            "destinations": {"checked": 1, "granted": 0, "not_granted": 1, "unverifiable": 0},
            "event_sources": {"checked": 0, "granted": 0, "not_granted": 0, "unverifiable": 0},
            "dead_letters": {"checked": 0, "granted": 0, "not_granted": 0, "unverifiable": 0},
        },
    }


def test_summary_counts_event_sources_when_only_they_are_checked(in_repo: Path) -> None:
    """Not "0 destinations checked" for a template whose only checks are event sources' reads."""
    code, out, _ = run_cli("--format", "concise", "fixtures/sam-event-sources")
    assert out.splitlines()[-1] == (
        "Checked 4 files in 4 units: 3 errors, 1 warning. 8 event sources checked: 6 granted, 2 not granted, "
        "0 unverifiable; 0 module calls or stacks not followed."
    )
    _, report = run_json("fixtures/sam-event-sources")
    assert report["summary"]["checks"]["event_sources"] == {
        "checked": 8,
        "granted": 6,
        "not_granted": 2,
        "unverifiable": 0,
    }
    assert report["summary"]["destinations"] == 0


def test_fix_is_in_the_templates_language(in_repo: Path) -> None:
    _, report = run_json("fixtures/cloudformation/DST001/bad")
    by_path = {f["path"].rsplit(".", 1)[1]: f["fix"] for f in report["findings"]}
    assert "Resource: !GetAtt FailureQueue.Arn" in by_path["yaml"]
    assert "Action: sqs:SendMessage" in by_path["yaml"]
    snippet = json.loads(by_path["json"].split("\n", 1)[1])
    assert snippet["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "StatusTopic"}}
    ]


def test_s3_fix_names_objects(in_repo: Path) -> None:
    _, report = run_json("fixtures/terraform/DST002/bad")
    s3 = [f for f in report["findings"] if f["action"] == "s3:PutObject"][0]
    assert 'Resource = "${aws_s3_bucket.failures.arn}/*"' in s3["fix"]


def test_text_output(in_repo: Path) -> None:
    code, out, _ = run_cli(BAD_TF, env={"NO_COLOR": "1"})
    assert code == 1
    first = out.splitlines()[0]
    assert re.match(r"^fixtures/terraform/DST001/bad/main\.tf:52:7 DST001 aws_lambda_function\.worker sends", first)
    assert "  >" in out and "destination = aws_sqs_queue.failures.arn" in out
    assert "fix:" in out
    assert out.rstrip().endswith(
        "Checked 1 file in 1 unit: 1 error. 1 destination checked: 0 granted, 1 not granted, "
        "0 unverifiable; 0 module calls or stacks not followed."
    )
    assert "\x1b[" not in out


@pytest.mark.slow  # two full runs over every fixture; CI runs it (-m '')
def test_output_file_and_determinism(in_repo: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run_cli("--format", "json", "--output", str(a), "fixtures")[0] == 1
    assert run_cli("--format", "json", "--output", str(b), "fixtures")[0] == 1
    assert a.read_bytes() == b.read_bytes()
    findings = json.loads(a.read_text())["findings"]
    keys = [(f["path"], f["line"], f["column"], f["rule"]) for f in findings]
    assert keys == sorted(keys)


def test_rules_and_explain() -> None:
    code, out, _ = run_cli("rules")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [
        "DST001",
        "DST002",
        "DST003",
        "DST004",
        "DST005",
        "DST006",
        "DST007",
        "ESM001",
        "ESM002",
        "ESM003",
        "ESM004",
        "DLQ001",
        "DLQ002",
        "DLQ003",
        "DLQ004",
        "IAM001",
        "LNT001",
        "LNT002",
        "LNT003",
        "LNT004",
        "MOD001",
    ]
    code, out, _ = run_cli("explain", "dst003")
    assert code == 0 and "explicit Deny" in out and "How to fix" in out
    assert run_cli("explain", "NOPE")[0] == 2


def test_a_directory_named_like_a_subcommand_is_linted(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "rules").mkdir()
    shutil.copy(REPO / BAD_TF / "main.tf", tmp_path / "rules" / "main.tf")
    monkeypatch.chdir(tmp_path)
    code, report = run_json("./rules")
    assert code == 1 and report["findings"][0]["path"] == "rules/main.tf"


def test_default_path_is_current_directory(tmp_path: Path, monkeypatch) -> None:
    shutil.copy(REPO / BAD_TF / "main.tf", tmp_path / "main.tf")
    monkeypatch.chdir(tmp_path)
    code, report = run_json()
    assert code == 1 and report["findings"][0]["path"] == "main.tf"


def test_console_script_version() -> None:
    exe = Path(sys.executable).with_name("lint")
    result = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("infra-policy-linter, version ")


def test_console_script_exit_codes_and_complete_output(tmp_path: Path) -> None:
    """The console script ends with a hard exit (cli.entry): the exit code must be the run's, and every byte written
    to a pipe or an --output file must be there (a report far larger than a pipe's buffer)."""
    exe = str(Path(sys.executable).with_name("lint"))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    out_file = tmp_path / "report.json"
    run = subprocess.run(
        [exe, "--format", "sarif", "--output", f"json={out_file}", "--jobs", "2", "fixtures"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 1  # fixtures hold errors, and no input error
    sarif = json.loads(run.stdout)
    in_process = json.loads(run_cli("--format", "sarif", "--jobs", "1", str(REPO / "fixtures"))[1])
    assert len(run.stdout) > 200_000
    assert len(sarif["runs"][0]["results"]) == len(in_process["runs"][0]["results"])
    written = json.loads(out_file.read_text())
    assert len(written["findings"]) + len(written["suppressed"]) == len(sarif["runs"][0]["results"])
    assert subprocess.run([exe, "does/not/exist"], cwd=tmp_path, capture_output=True, env=env).returncode == 2
    assert subprocess.run([exe, "--bogus"], capture_output=True, env=env).returncode == 2
    assert subprocess.run([exe, "rules"], capture_output=True, env=env).returncode == 0
    good = subprocess.run([exe, GOOD_TF], cwd=REPO, capture_output=True, text=True, env=env)
    assert good.returncode == 0
    assert good.stdout.startswith("Checked 1 file in 1 unit: no findings.")


def test_console_script_with_closed_or_full_standard_streams(tmp_path: Path) -> None:
    """Started with standard output or error closed (Python then has None for them), `lint rules` works as
    before; standard output that cannot be written (a full disk) is an error that says so, exit 2, no traceback."""
    exe = str(Path(sys.executable).with_name("lint"))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for redirect in (">&-", ">/dev/null 2>&-"):
        closed = subprocess.run(["sh", "-c", f"{exe} rules {redirect}"], capture_output=True, text=True, env=env)
        assert (closed.returncode, closed.stderr) == (0, "")
    for target, code in ((GOOD_TF, 0), (BAD_TF, 1)):  # a check with standard error closed: its own exit code
        run = subprocess.run(["sh", "-c", f"{exe} {target} 2>&-"], cwd=REPO, capture_output=True, env=env)
        assert run.returncode == code
    full = subprocess.run(
        ["sh", "-c", f"{exe} {GOOD_TF} >/dev/full"], cwd=REPO, capture_output=True, text=True, env=env
    )
    assert full.returncode == 2
    assert full.stderr == "lint: error: standard output: cannot write: No space left on device\n"


def test_terraform_only_run_does_not_import_cfn_lint(tmp_path: Path) -> None:
    code = (
        "import sys; from infra_policy_linter.run.engine import run; from pathlib import Path; "
        f"run([Path({str(REPO / BAD_TF)!r})]); print('cfnlint' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert out.stdout.strip() == "False"


def test_rule_documentation_page_is_current() -> None:
    code, out, _ = run_cli("rules", "--markdown")
    assert code == 0
    assert (REPO / "docs" / "rules.md").read_text() == out, "regenerate with: lint rules --markdown > docs/rules.md"


def test_template_sources_with_placeholders_are_skipped_with_a_note(tmp_path, monkeypatch) -> None:
    """cookiecutter / copier project sources are not YAML until rendered: one note, not one parse error per file."""
    source = tmp_path / "sam-app" / "{{cookiecutter.project_name}}"
    source.mkdir(parents=True)
    (source / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  {% if cookiecutter.queue %}Queue: {Type: AWS::SQS::Queue}{% endif %}\n"
    )
    (tmp_path / "sam-app" / "template.yaml").write_text("AWSTemplateFormatVersion: 'x'\nResources: [\n")  # still read
    monkeypatch.chdir(tmp_path)
    code, report = run_json("sam-app")
    assert code == 2
    assert [e["path"] for e in report["errors"]] == ["sam-app/template.yaml"]
    assert report["summary"]["unrendered"] == 1
    code, out, _ = run_cli("sam-app/{{cookiecutter.project_name}}")
    assert code == 0
    assert (
        "Skipped 1 template source with {{ }} placeholders (not YAML, JSON or HCL until rendered), e.g. "
        "sam-app/{{cookiecutter.project_name}}."
    ) in " ".join(out.split())


def test_build_copies_of_templates_are_not_linted_twice(tmp_path, monkeypatch) -> None:
    """`sam build` copies the template to .aws-sam/build; cdk.out/asset.* hold asset copies."""
    source = (REPO / "fixtures" / "sam" / "DST001" / "bad" / "template.yaml").read_text()
    for folder in ("app", "app/.aws-sam/build", "app/cdk.out/asset.0123abcd"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "template.yaml").write_text(source)
    monkeypatch.chdir(tmp_path)
    code, report = run_json("app")
    assert code == 1
    assert {f["path"] for f in report["findings"]} == {"app/template.yaml"}
    assert report["summary"]["files"] == 1
