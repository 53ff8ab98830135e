"""The real pre-commit against throwaway git repositories.

One test installs this repository as a hook the way users do (`try-repo`: a fresh virtualenv, slow, marked
`slow`). The scope tests run the hook exactly as `.pre-commit-hooks.yaml` defines it (its entry, its `files:`
pattern, its options) as a `repo: local` hook on the linter installed here, so no install is repeated; every test
shares one PRE_COMMIT_HOME.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, hook_in_process

BAD = REPO / "fixtures/terraform/DST001/bad/main.tf"
LINT = Path(sys.executable).with_name("lint")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
        },
    )


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _pre_commit(target: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color", "never"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"},
    )


@pytest.mark.slow
def test_hook_installed_from_the_repository(tmp_path: Path, pre_commit_home: Path) -> None:
    target = tmp_path / "infra"
    (target / "queues").mkdir(parents=True)
    (target / ".github").mkdir()
    _git(target, "init", "-q")
    shutil.copy(BAD, target / "queues" / "main.tf")
    (target / ".github" / "ci.yml").write_text("on: push\njobs: {}\n")  # not a template: must be ignored
    _git(target, "add", "-A")

    failed = _pre_commit(target, pre_commit_home, "try-repo", str(REPO), "infra-policy-lint", "--all-files")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert "queues/main.tf:52:7 DST001 aws_lambda_function.worker" in failed.stdout
    # One install only (a second try-repo of a work tree with uncommitted changes would install again): the
    # passing case runs through the same hook definition in the tests below.


def _local_hook_config() -> str:
    """The published hook, run from this installation: same entry options and files pattern."""
    (hook,) = [
        h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "infra-policy-lint"
    ]
    entry = hook["entry"].split(None, 1)
    assert entry[0] == "lint"
    hook = {**hook, "language": "system", "entry": " ".join([str(LINT), *entry[1:]]) + " --format concise"}
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}, sort_keys=False)


ROOT_TF = """\
provider "aws" {
  region = "eu-west-1"
}

variable "send_to" {
  type = list(string)
}

resource "aws_sqs_queue" "dlq" {
  name = "orders-dlq"
}

module "app" {
  source              = "../../modules/app"
  failure_destination = aws_sqs_queue.dlq.arn
  send_to             = var.send_to
}
"""

APP_TF = """\
variable "failure_destination" {
  type = string
}

variable "send_to" {
  type = list(string)
}

module "worker" {
  source              = "../worker"
  name                = "orders-worker"
  failure_destination = var.failure_destination
  send_to             = var.send_to
}
"""

WORKER_TF = """\
variable "name" {
  type = string
}

variable "failure_destination" {
  type = string
}

variable "send_to" {
  type = list(string)
}

resource "aws_iam_role" "this" {
  name = var.name
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy" "send" {
  role   = aws_iam_role.this.id
  policy = file("${path.module}/send.json")
}

resource "aws_iam_role_policy" "configured" {
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sqs:SendMessage", Resource = var.send_to }]
  })
}

resource "aws_lambda_function" "this" {
  function_name = var.name
  role          = aws_iam_role.this.arn
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "worker.zip"
}

resource "aws_lambda_function_event_invoke_config" "this" {
  function_name = aws_lambda_function.this.function_name
  destination_config {
    on_failure {
      destination = var.failure_destination
    }
  }
}
"""

SEND_JSON = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]}\n'

DST002 = (
    "envs/prod/main.tf:15:3 DST002 module.app.module.worker.aws_lambda_function.this sends on-failure "
    "records to SQS queue aws_sqs_queue.dlq (arn:aws:sqs:eu-west-1:<account>:orders-dlq), but its "
    "execution role module.app.module.worker.aws_iam_role.this allows sqs:SendMessage only on "
    "arn:aws:sqs:*:*:other"
)


@pytest.fixture
def layered(tmp_path: Path) -> Path:
    """A root module calling a module that calls another (the function, role and grants are two levels down),
    with the grant's resource set in terraform.tfvars and a policy read from a JSON file; committed, passing."""
    target = tmp_path / "layered"
    files = {
        "envs/prod/main.tf": ROOT_TF,
        "envs/prod/terraform.tfvars": 'send_to = ["arn:aws:sqs:*:*:orders-dlq"]\n',
        "modules/app/main.tf": APP_TF,
        "modules/worker/main.tf": WORKER_TF,
        "modules/worker/send.json": SEND_JSON,
        "README.md": "# infra\n",
        ".pre-commit-config.yaml": _local_hook_config(),
    }
    for rel, text in files.items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_text(text)
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "start")
    return target


def _hook_output(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The linter's lines in pre-commit's report (after the status block, before the end)."""
    return [
        line for line in result.stdout.splitlines() if line.startswith(("modules/", "envs/", "stacks/", "Checked "))
    ]


def _commit_check(target: Path, home: Path) -> subprocess.CompletedProcess[str]:
    _git(target, "add", "-A")
    return _pre_commit(target, home, "run", "--verbose")  # the staged files, as at `git commit`


def _commit_check_in_process(target: Path) -> subprocess.CompletedProcess[str]:
    _git(target, "add", "-A")
    (hook,) = [
        h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "infra-policy-lint"
    ]
    return hook_in_process(target, hook, "--format", "concise")


CommitCheck = Callable[[Path], subprocess.CompletedProcess[str]]


@pytest.fixture(params=["in-process", pytest.param("pre-commit", marks=pytest.mark.slow)])
def commit_check(request: pytest.FixtureRequest, pre_commit_home: Path) -> CommitCheck:
    """The hook at `git commit`. The default run calls its entry on the files pre-commit would pass, in this process
    (which units a change rechecks is the linter's logic); the slow set (CI, -m '') runs the real pre-commit, which
    costs a pre-commit and a `lint` process start per check."""
    if request.param == "in-process":
        return _commit_check_in_process
    return lambda target: _commit_check(target, pre_commit_home)


def test_scope_unchanged_infrastructure_is_skipped(layered: Path, pre_commit_home: Path) -> None:
    (layered / "README.md").write_text("# infra, documented\n")
    result = _commit_check(layered, pre_commit_home)
    assert result.returncode == 0, result.stdout
    assert "(no files to check)Skipped" in result.stdout


def test_scope_a_module_two_levels_down_rechecks_the_root(layered: Path, commit_check: CommitCheck) -> None:
    worker = layered / "modules/worker/main.tf"
    worker.write_text(WORKER_TF.replace('Action = "sqs:SendMessage"', 'Action = "sqs:SendMessages"'))
    result = commit_check(layered)
    assert result.returncode == 1, result.stdout
    assert _hook_output(result) == [
        "envs/prod/main.tf:15:3 DST001 module.app.module.worker.aws_lambda_function.this sends on-failure "
        "records to SQS queue aws_sqs_queue.dlq, but no statement on its execution role "
        "module.app.module.worker.aws_iam_role.this allows sqs:SendMessage; Lambda will drop those records "
        "(module.app.module.worker.aws_iam_role_policy.configured grants sqs:SendMessages, a misspelling of "
        "sqs:SendMessage)",
        "modules/worker/main.tf:28:3 IAM001 in module.app.module.worker.aws_iam_role_policy.configured: "
        "sqs:SendMessages is not an IAM action; did you mean sqs:SendMessage?",
        "Checked 3 files in 1 unit: 1 error, 1 warning. 1 destination checked: 0 granted, 1 not granted, "
        "0 unverifiable; 0 module calls or stacks not followed.",
    ]


def test_scope_a_module_in_between_rechecks_the_root(layered: Path, commit_check: CommitCheck) -> None:
    (layered / "modules/app/main.tf").write_text(
        APP_TF.replace("send_to             = var.send_to", 'send_to             = ["arn:aws:sqs:*:*:other"]')
    )
    result = commit_check(layered)
    assert result.returncode == 1, result.stdout
    assert _hook_output(result) == [
        DST002,
        "Checked 3 files in 1 unit: 1 error. 1 destination checked: 0 granted, 1 not granted, 0 unverifiable; "
        "0 module calls or stacks not followed.",
    ]


def test_scope_tfvars_rechecks_its_root(layered: Path, commit_check: CommitCheck) -> None:
    (layered / "envs/prod/terraform.tfvars").write_text('send_to = ["arn:aws:sqs:*:*:other"]\n')
    result = commit_check(layered)
    assert result.returncode == 1, result.stdout
    assert _hook_output(result) == [
        DST002,
        "Checked 3 files in 1 unit: 1 error. 1 destination checked: 0 granted, 1 not granted, 0 unverifiable; "
        "0 module calls or stacks not followed.",
    ]


def test_scope_a_policy_file_rechecks_the_modules_reading_it(layered: Path, commit_check: CommitCheck) -> None:
    (layered / "envs/prod/terraform.tfvars").write_text('send_to = ["arn:aws:sqs:*:*:other"]\n')
    _git(layered, "commit", "-q", "-am", "grant moves to send.json")  # committed without the hook: now broken
    (layered / "modules/worker/send.json").write_text(
        SEND_JSON.replace(
            '"sns:Publish", "Resource": "*"', '"sqs:SendMessage", "Resource": "arn:aws:sqs:*:*:orders-dlq"'
        )
    )
    result = commit_check(layered)
    assert result.returncode == 0, result.stdout
    assert _hook_output(result) == [
        "Checked 3 files in 1 unit: no findings. 1 destination checked: 1 granted, 0 not granted, 0 unverifiable; "
        "0 module calls or stacks not followed."
    ]
    _git(layered, "commit", "-q", "-m", "grant in send.json")
    (layered / "modules/worker/send.json").write_text(SEND_JSON)
    result = commit_check(layered)
    assert result.returncode == 1, result.stdout
    assert _hook_output(result)[0] == DST002


def test_scope_a_nested_template_rechecks_the_template_that_nests_it(tmp_path: Path, commit_check: CommitCheck) -> None:
    target = tmp_path / "nested"
    shutil.copytree(REPO / "fixtures/cloudformation-nested/DST002/good", target)
    (target / ".pre-commit-config.yaml").write_text(_local_hook_config())
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "start")
    worker = target / "stacks" / "worker.yaml"
    worker.write_text(
        worker.read_text().replace(
            "Resource: !Ref GrantedQueueArn", 'Resource: !Sub "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:x"'
        )
    )
    result = commit_check(target)
    assert result.returncode == 1, result.stdout
    # The queue's name comes from the parent: the child was judged inside it, not on its own.
    assert _hook_output(result) == [
        "stacks/worker.yaml:33:11 DST002 Worker/Function sends on-failure records to SQS queue !Ref FailureQueueArn "
        "(arn:aws:sqs:<region>:<account>:orders-failures), but its execution role Worker/Role allows "
        "sqs:SendMessage only on arn:aws:sqs:<region>:<account>:x",
        "Checked 3 files in 1 unit: 1 error. 1 destination checked: 0 granted, 1 not granted, 0 unverifiable; "
        "0 module calls or stacks not followed.",
    ]


def test_hook_pattern_and_readme_snippet_are_the_extensions_discovery_reads() -> None:
    """Generated from the one list (discovery.read_suffixes): a new kind of input reaches the hook."""

    from infra_policy_linter.inputs.discovery import hook_files_pattern, read_suffixes

    pattern = hook_files_pattern()
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"]: h["files"] for h in hooks} == {"infra-policy-lint": pattern, "infra-policy-fix": pattern}
    readme = (REPO / "README.md").read_text()
    snippet = re.search(r"# \.pre-commit-config\.yaml\n(.*?)```", readme, re.S)
    assert snippet is not None and yaml.safe_load(snippet.group(1))["repos"][0]["hooks"][0]["files"] == pattern
    for suffix in read_suffixes():
        assert re.search(pattern, f"dir/name{suffix}"), suffix
    assert not re.search(pattern, "README.md") and not re.search(pattern, "handler.py")


TFTPL_TF = WORKER_TF.replace(
    'policy = file("${path.module}/send.json")', 'policy = templatefile("${path.module}/send.tftpl", { queue = "*" })'
)
SEND_TFTPL = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:*"], "Resource": "${queue}"}]}\n'
)


def test_scope_a_tftpl_policy_file_is_checked(layered: Path, commit_check: CommitCheck) -> None:
    """A policy in a templatefile() .tftpl (the extension Terraform recommends): removing the grant from it is
    blocked at commit."""
    (layered / "envs/prod/terraform.tfvars").write_text('send_to = ["arn:aws:sqs:*:*:other"]\n')
    (layered / "modules/worker/main.tf").write_text(TFTPL_TF)
    (layered / "modules/worker/send.tftpl").write_text(SEND_TFTPL)
    result = commit_check(layered)
    assert result.returncode == 0, result.stdout
    _git(layered, "commit", "-q", "-m", "grant through send.tftpl")
    (layered / "modules/worker/send.tftpl").write_text(SEND_TFTPL.replace('["sqs:*"]', '["sns:Publish"]'))
    result = commit_check(layered)
    assert result.returncode == 1, result.stdout
    assert _hook_output(result)[0] == DST002
