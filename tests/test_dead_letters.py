"""Dead-letter targets (DLQ001-DLQ004): --fix writes the grant where the role is declared and the fixture then
lints clean; the summary counts dead-letter targets among the destinations it checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli, run_json

FIXABLE = (
    "terraform/DLQ001/bad",
    "terraform/DLQ003/bad",
    "terraform-registry-model/DLQ001/bad",
    "cloudformation/DLQ001/bad",
    "cloudformation/DLQ003/bad",
    "sam/DLQ001/bad",
    "sam/DLQ003/bad",
)


@pytest.mark.parametrize("fixture", FIXABLE)
def test_fix_adds_the_grant_and_relints_clean(fixture: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    shutil.copytree(REPO / "fixtures" / fixture, work, ignore=shutil.ignore_patterns("expected.json"))
    monkeypatch.chdir(work)
    _, before = run_json(".")
    code, _, err = run_cli("--fix", "--format", "concise", ".")
    fixed = [f for f in before["findings"] if f["fix"] and not f["fix"].startswith("Narrow the Deny")]
    assert f"lint: fixed {len(fixed)} finding" in err
    code, after = run_json(".")
    # Only a Deny is left (cloudformation/DLQ001: no grant can clear it; its advice says what would).
    left = [(f["rule"], f["function"]) for f in after["findings"]]
    assert left == ([("DLQ001", "Notifier")] if fixture == "cloudformation/DLQ001/bad" else [])
    assert code == (1 if left else 0)
    before_second = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    run_cli("--fix", ".")  # a second run changes nothing
    assert {p: p.read_bytes() for p in work.rglob("*") if p.is_file()} == before_second


def test_the_summary_counts_dead_letter_targets(in_repo: Path) -> None:
    code, out, _ = run_cli("--format", "concise", "fixtures/terraform/DLQ001/good", "fixtures/terraform/DST001/good")
    assert code == 0
    assert out.splitlines()[-1] == (
        "Checked 2 files in 2 units: no findings. 1 destination checked: 1 granted, 0 not granted, 0 unverifiable; "
        "2 dead-letter targets checked: 2 granted, 0 not granted, 0 unverifiable; "
        "0 module calls or stacks not followed."
    )
    _, report = run_json("fixtures/terraform/DLQ001/bad")
    assert report["summary"]["checks"]["dead_letters"] == {
        "checked": 2,
        "granted": 0,
        "not_granted": 2,
        "unverifiable": 0,
    }


def test_a_function_with_a_dead_letter_queue_and_an_on_failure_destination_is_legal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS documents no conflict between the two (the invoke config's destinations are "in addition to or instead
    of a dead-letter queue"): both granted, nothing to say."""
    main = (REPO / "fixtures" / "terraform" / "DLQ001" / "good" / "main.tf").read_text()
    (tmp_path / "main.tf").write_text(
        main
        + """
resource "aws_lambda_function_event_invoke_config" "worker" {
  function_name = aws_lambda_function.worker.function_name
  destination_config {
    on_failure {
      destination = aws_sqs_queue.dlq.arn
    }
  }
}
"""
    )
    monkeypatch.chdir(tmp_path)
    code, report = run_json(".")
    checks = report["summary"]["checks"]
    assert (code, report["findings"], checks["destinations"]["checked"], checks["dead_letters"]["checked"]) == (
        0,
        [],
        1,
        2,
    )


SERVERLESS_DENIED = """service: billing
provider:
  name: aws
  iam:
    role:
      statements:
        - Effect: Deny
          Action: sns:*
          Resource: "*"
custom:
  dlq: arn:aws:sns:us-east-1:123456789012:dlq
functions:
  charge:
    handler: h.h
    onError: ${self:custom.dlq}
  refund:
    handler: h.h
    onError: arn:aws:sns:us-east-1:123456789012:dlq2
"""


def test_serverless_on_error_finding_points_at_on_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The DeadLetterConfig the front end generates carries onError's position, a value a variable gave too."""
    (tmp_path / "serverless.yml").write_text(SERVERLESS_DENIED)
    monkeypatch.chdir(tmp_path)
    code, report = run_json("serverless.yml")
    assert code == 1
    assert [
        (f["rule"], f["function"], f["line"], f["column"], f["end_line"], f["end_column"]) for f in report["findings"]
    ] == [
        ("DLQ001", "charge", 15, 5, 15, 32),
        ("DLQ001", "refund", 18, 5, 18, 53),
    ]
