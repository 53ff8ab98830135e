"""Broken and hostile input: an error entry each, every good file still linted, exit code 2, no traceback."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli, run_json

BAD_TF = REPO / "fixtures" / "terraform" / "DST001" / "bad" / "main.tf"
BAD_YAML = REPO / "fixtures" / "cloudformation" / "DST001" / "bad" / "template.yaml"


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "good").mkdir()
    shutil.copy(BAD_TF, tmp_path / "good" / "main.tf")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "main.tf").write_text('resource "aws_lambda_function" "b" {\n  x = \n}\n')
    (tmp_path / "truncated").mkdir()
    (tmp_path / "truncated" / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "q"\n')
    cfn = tmp_path / "cfn"
    cfn.mkdir()
    (cfn / "broken.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  A:\n    Type: AWS::SQS::Queue\n   Properties: {}\n'
    )
    (cfn / "dup.yaml").write_text("Resources:\n  A:\n    Type: AWS::SQS::Queue\n  A:\n    Type: AWS::SQS::Queue\n")
    (cfn / "broken.json").write_text('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"A": }\n')
    (cfn / "deep.json").write_text(
        '{"AWSTemplateFormatVersion": "x", "Resources": ' + '{"a":' * 3000 + "1" + "}" * 3000 + "}"
    )
    (cfn / "deep.yaml").write_text("AWSTemplateFormatVersion: x\nResources: " + "[" * 3000 + "]" * 3000 + "\n")
    (cfn / "bomb.yaml").write_text(
        "AWSTemplateFormatVersion: x\na: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
        + "Resources: *i\n"
    )
    crlf = b"\xef\xbb\xbf" + BAD_YAML.read_bytes().replace(b"\n", b"\r\n")
    (cfn / "crlf-bom.yaml").write_bytes(crlf)
    other = tmp_path / "other"
    other.mkdir()
    (other / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n")
    (other / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    (other / "workflow.yml").write_text("on: push\njobs: {}\n")
    (other / "vars.tfvars.json").write_text('{"a": 1}\n')
    (other / "binary.tf").write_bytes(bytes(range(256)))
    (other / "latin1.yaml").write_bytes("AWSTemplateFormatVersion: caf\xe9\n".encode("latin-1"))
    (other / "empty.tf").write_text("")
    (other / "empty.yaml").write_text("")
    (other / "deep.tf").write_text("locals {\n  x = " + "[" * 3000 + "]" * 3000 + "\n}\n")
    (other / "dir.tf").mkdir()
    (other / "dangling.yaml").symlink_to(other / "nowhere.yaml")
    (other / "loop").symlink_to(other)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_hostile_tree(hostile: Path) -> None:
    # --all-units: every input parsed in full, also those with nothing Lambda in them (README, What is read)
    code, report = run_json("--all-units", ".")
    assert code == 2
    findings = {(f["rule"], f["path"], f["line"], f["function"]) for f in report["findings"]}
    assert ("DST001", "good/main.tf", 52, "aws_lambda_function.worker") in findings
    assert ("DST001", "cfn/crlf-bom.yaml", 38, "Worker") in findings
    errors = [(e["path"], e["line"], e["column"]) for e in report["errors"]]
    assert errors == [
        ("broken/main.tf", 2, 7),
        ("cfn/bomb.yaml", 1, 1),
        ("cfn/broken.json", 1, 63),
        ("cfn/broken.yaml", 5, 4),
        ("cfn/deep.json", None, None),
        ("cfn/deep.yaml", 2, 1011),
        ("other/binary.tf", None, None),
        ("other/dangling.yaml", None, None),
        ("other/deep.tf", 2, 1),
        ("other/latin1.yaml", None, None),
        ("truncated/main.tf", 3, 1),
    ]
    # CloudFormation accepts a key given twice (it keeps the last one): a warning, not an unreadable template
    assert ("LNT004", "cfn/dup.yaml", 4, "Resources.A") in findings
    messages = {e["path"]: e["message"] for e in report["errors"]}
    assert messages["broken/main.tf"] == "invalid HCL: unexpected line break"
    assert messages["truncated/main.tf"] == "invalid HCL: unexpected end of file"
    assert messages["other/dangling.yaml"] == "broken symbolic link"
    assert messages["other/binary.tf"].startswith("not a UTF-8 text file")
    assert "250000 nodes" in messages["cfn/bomb.yaml"]


def test_text_output_never_shows_a_traceback(hostile: Path) -> None:
    code, out, err = run_cli(".")
    assert code == 2
    assert "Traceback" not in out + err
    assert "broken/main.tf:2:7 error invalid HCL: unexpected line break" in out


def test_unreadable_and_vanishing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Permissions cannot make a file unreadable for root (CI may run as root), so the read itself fails here.
    (tmp_path / "locked").mkdir()
    (tmp_path / "gone").mkdir()
    shutil.copy(BAD_TF, tmp_path / "locked" / "main.tf")
    shutil.copy(BAD_TF, tmp_path / "gone" / "main.tf")
    shutil.copy(BAD_YAML, tmp_path / "template.yaml")
    real = os.open

    def os_open(path: str | Path, flags: int, *args: int, **kwargs: int) -> int:
        if Path(path).parent.name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        if Path(path).parent.name == "gone":
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.chdir(tmp_path)
    code, report = run_json(".")
    assert code == 2
    assert [(e["path"], e["message"]) for e in report["errors"]] == [
        ("gone/main.tf", "cannot read file: No such file or directory"),
        ("locked/main.tf", "cannot read file: Permission denied"),
    ]
    assert [f["path"] for f in report["findings"]] == ["template.yaml"]


def test_broken_file_in_a_module_turns_verdicts_into_warnings(tmp_path: Path, monkeypatch) -> None:
    shutil.copy(BAD_TF, tmp_path / "main.tf")
    (tmp_path / "iam.tf").write_text('resource "aws_iam_role_policy" "p" {\n  role = \n}\n')
    monkeypatch.chdir(tmp_path)
    code, report = run_json(".")
    assert code == 2
    (finding,) = report["findings"]
    assert finding["rule"] == "DST004"
    assert "iam.tf could not be parsed" in finding["message"]


def test_a_broken_module_file_is_one_error_however_many_roots_call_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "modules" / "queue").mkdir(parents=True)
    (tmp_path / "modules" / "queue" / "main.tf").write_text("locals {\n  a = 1\n  a = 2\n}\n")
    for root in ("app1", "app2", "app3"):
        (tmp_path / root).mkdir()
        (tmp_path / root / "main.tf").write_text('module "q" {\n  source = "../modules/queue"\n}\n')
    monkeypatch.chdir(tmp_path)
    code, report = run_json("--all-units", ".")  # no Lambda here: without it, not parsed (README, What is read)
    assert code == 2
    assert [(e["path"], e["line"], e["column"], e["message"]) for e in report["errors"]] == [
        ("modules/queue/main.tf", 3, 3, 'invalid HCL: Attribute redefined: the argument "a" was already set at line 2')
    ]


def test_duplicate_template_keys_are_read_as_cloudformation_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CloudFormation keeps the last value of a key given twice: the linter lints that value and warns (LNT004,
    a warning: exit 0 unless --fail-on warning). cfn-lint's decoder alone would call the template unreadable."""
    shutil.copy(REPO / "fixtures" / "cloudformation" / "LNT004" / "bad" / "template.yaml", tmp_path / "t.yaml")
    monkeypatch.chdir(tmp_path)
    code, report = run_json("t.yaml")
    assert report["errors"] == []
    assert [(f["rule"], f["level"], f["line"], f["message"]) for f in report["findings"]] == [
        (
            "LNT004",
            "warning",
            34,
            "the key Action is given twice in one mapping (lines 31 and 34); CloudFormation "
            "uses the last value, so the one at line 31 is ignored",
        ),
        ("DST001", "error", 52, report["findings"][1]["message"]),
    ]
    assert "sqs:SendMessage" in report["findings"][1]["message"]
    assert code == 1
    good = (REPO / "fixtures" / "cloudformation" / "LNT004" / "good" / "template.yaml").read_text()
    (tmp_path / "t.yaml").write_text(good.replace("      Runtime: python3.12\n", "      Runtime: python3.12\n" * 2))
    code, report = run_json("t.yaml")
    assert [(f["rule"], f["line"], f["function"]) for f in report["findings"]] == [
        ("LNT004", 38, "Resources.Worker.Properties.Runtime")
    ]
    assert code == 0
    # the queue's name given twice: the last one is the queue CloudFormation makes, which the grant does not name
    (tmp_path / "t.yaml").write_text(
        good.replace("      QueueName: !Ref QueueName\n", "      QueueName: !Ref QueueName\n      QueueName: other\n")
    )
    code, report = run_json("t.yaml")
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("LNT004", 12), ("DST002", 51)]
    assert run_json("--fail-on", "warning", "t.yaml")[0] == 1


def test_paths_that_are_not_utf8_are_named_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file or directory name whose bytes are not UTF-8 cannot be written in any report: each such input is an
    error named with its bytes escaped, the others are linted, and the kept walk of a cached run says the same."""
    import json

    from infra_policy_linter.inputs import walk_cache

    monkeypatch.setattr(walk_cache, "trusted", lambda stat, since: True)
    root = os.fsencode(tmp_path)
    shutil.copy(BAD_YAML, os.path.join(root, b"t\xff.yaml"))
    os.mkdir(os.path.join(root, b"d\xfe"))
    shutil.copy(BAD_TF, os.path.join(root, b"d\xfe", b"main.tf"))
    shutil.copy(BAD_YAML, tmp_path / "ok.yaml")
    monkeypatch.chdir(tmp_path)
    expected = [
        ("d\\xfe/main.tf", "the file's path is not valid UTF-8: not read (rename it)"),
        ("t\\xff.yaml", "the file's path is not valid UTF-8: not read (rename it)"),
    ]
    for _ in range(2):  # the second run walks the kept listings
        code, report = run_json(".")
        assert code == 2
        assert [(e["path"], e["message"]) for e in report["errors"]] == expected
        assert [(f["rule"], f["path"]) for f in report["findings"]] == [("DST001", "ok.yaml")]
    code, out, err = run_cli("--format", "sarif", ".")
    assert code == 2
    notes = json.loads(out)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == [p for p, _ in expected]
    code, out, err = run_cli(os.fsdecode(b"t\xff.yaml"))
    assert code == 2
    assert "t\\xff.yaml error the file's path is not valid UTF-8" in out
