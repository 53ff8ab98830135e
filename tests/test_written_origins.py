"""Where a string reaching a policy is written (resolve/terraform/written.py), and IAM001 reported there.

The fixture terraform-modules/IAM001/bad holds the whole case (a module called from two roots, through a dynamic
statement, a wrapper module, locals and a for expression); these tests pin the reader of literals, the cases
where the origin is not known exactly (the finding then stays at the policy), and the linted directory alone.
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from infra_policy_linter.model.values import Origin, Written, make_text, origin_of
from infra_policy_linter.resolve.terraform.written import Literal, block_literals, mark
from tests.conftest import REPO, run_cli, run_json

FIXTURE = REPO / "fixtures" / "terraform-modules" / "IAM001" / "bad"

MODULE = """\
variable "actions" {
  type = list(string)
}

locals {
  mine = ["sns:Publis"]
}

resource "aws_iam_role" "lambda" {
  name               = "worker"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "given" {
  role = aws_iam_role.lambda.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = var.actions, Resource = "*" }]
  })
}

resource "aws_iam_role_policy" "local" {
  role = aws_iam_role.lambda.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = local.mine, Resource = "*" }]
  })
}

resource "aws_lambda_function" "this" {
  function_name = "worker"
  role          = aws_iam_role.lambda.arn
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "function.zip"
}
"""


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _iam001(report: dict) -> list[tuple[str, int, int, str]]:
    return [(f["path"], f["line"], f["column"], f["action"]) for f in report["findings"] if f["rule"] == "IAM001"]


def test_literals_of_an_argument_over_several_lines_without_keys_comments_or_heredocs() -> None:
    text = _lines(
        'module "m" {\n'
        '  source = "./m" # actions = ["no:Comment"]\n'
        "  actions = [\n"
        '    "sqs:SendMessage", // "no:Comment"\n'
        '    "x:${var.y}",\n'
        '    /* "no:Comment" */ "a\\"b",\n'
        "  ]\n"
        "  doc = <<EOT\n"
        '  actions = ["no:Heredoc"]\n'
        "EOT\n"
        '  statements = { "key" = { actions = ["s3:GetObject"] }, k2 = a == "b" ? "c" : "d" }\n'
        "}\n"
    )
    found = block_literals(text, 1, 12, 1)
    assert sorted(found) == ["actions", "doc", "source", "statements"]
    assert found["source"] == [Literal("./m", 2, 12, 17)]
    assert found["actions"] == [
        Literal("sqs:SendMessage", 4, 5, 22),
        Literal('a"b', 6, 24, 30),
    ]
    assert found["doc"] == []
    # "key" is an object key, not a value; `actions` inside the object is not the block's argument
    assert found["statements"] == [
        Literal("s3:GetObject", 11, 39, 53),
        Literal("b", 11, 68, 71),
        Literal("c", 11, 74, 77),
        Literal("d", 11, 80, 83),
    ]
    assert block_literals(['module "m" { a = ["x"] }', 'b = "y"'], 1, 2, 1) == {"a": [Literal("x", 1, 19, 22)]}


def test_a_text_written_twice_is_placed_only_when_the_value_holds_it_as_often() -> None:
    twice = [Literal("s3:HeadObject", 3, 5, 20), Literal("s3:HeadObject", 4, 5, 20)]
    placed = mark(["s3:HeadObject", "s3:HeadObject"], twice, "main.tf")
    assert [origin_of(v) for v in placed] == [Origin("main.tf", 3, 5, 20), Origin("main.tf", 4, 5, 20)]
    # three in the value, two in the text (a for expression repeats one): which is which is not known
    assert [origin_of(v) for v in mark(["s3:HeadObject"] * 3, twice, "main.tf")] == [None, None, None]
    # written once: every copy of it comes from there
    once = mark(["s3:HeadObject"] * 2, twice[:1], "main.tf")
    assert [origin_of(v) for v in once] == [Origin("main.tf", 3, 5, 20)] * 2


def test_a_written_string_is_a_string_and_a_computed_one_forgets_where() -> None:
    value = Written("sns:Publis", Origin("main.tf", 2, 3, 15))
    assert value == "sns:Publis" and hash(value) == hash("sns:Publis") and sorted([value, "a"]) == ["a", value]
    again = pickle.loads(pickle.dumps(value))
    assert (again, origin_of(again)) == ("sns:Publis", Origin("main.tf", 2, 3, 15))
    assert origin_of(make_text(["arn:", value])) is None
    assert type(make_text([value])) is str


def test_the_example_linted_alone_is_reported_inside_it(in_repo: Path) -> None:
    code, report = run_json(str((FIXTURE / "examples" / "one").relative_to(REPO)))
    assert code == 0
    found = [(f["path"], f["line"], f["message"]) for f in report["findings"]]
    message = (
        "in module.f.aws_iam_role_policy.additional[0]: s3:HeadObject is not an IAM action; did you mean s3:GetObject?"
    )
    assert found == [
        ("fixtures/terraform-modules/IAM001/bad/examples/one/main.tf", 7, message),
        ("fixtures/terraform-modules/IAM001/bad/examples/one/main.tf", 8, message),
    ]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text(MODULE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_local_of_the_module_and_a_variable_file_of_the_root(project: Path) -> None:
    (project / "main.tf").write_text(
        'variable "actions" {\n  type = list(string)\n}\n\nmodule "m" {\n  source  = "./mod"\n'
        "  actions = var.actions\n}\n"
    )
    (project / "terraform.tfvars").write_text('region  = "eu-west-1"\nactions = ["sqs:SendMesage"]\n')
    assert _iam001(run_json(".")[1]) == [
        ("mod/main.tf", 6, 11, "sns:Publis"),
        ("terraform.tfvars", 2, 12, "sqs:SendMesage"),
    ]


def test_an_argument_an_override_file_replaces_stays_at_the_policy(project: Path) -> None:
    (project / "main.tf").write_text('module "m" {\n  source  = "./mod"\n  actions = ["sqs:SendMessage"]\n}\n')
    (project / "main_override.tf").write_text('module "m" {\n  actions = ["sqs:SendMesage"]\n}\n')
    # merged from two files, the call's arguments are not placed: the finding stays where the policy uses the value
    assert ("mod/main.tf", 16, 3, "sqs:SendMesage") in _iam001(run_json(".")[1])


def test_an_output_of_a_called_module(project: Path) -> None:
    (project / "names").mkdir()
    (project / "names" / "main.tf").write_text('output "actions" {\n  value = ["sqs:SendMesage"]\n}\n')
    (project / "main.tf").write_text(
        'module "names" {\n  source = "./names"\n}\n\nmodule "m" {\n  source  = "./mod"\n'
        "  actions = module.names.actions\n}\n"
    )
    assert ("names/main.tf", 2, 12, "sqs:SendMesage") in _iam001(run_json(".")[1])


def test_fix_writes_nothing_for_iam001_in_the_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "bad"
    shutil.copytree(FIXTURE, work, ignore=shutil.ignore_patterns("expected.json"))
    before = {p: p.read_bytes() for p in sorted(work.rglob("*")) if p.is_file()}
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("--fix", "--format", "concise", "bad")
    assert (code, err) == (0, "")
    assert [line.split(" ")[0] for line in out.splitlines()[:-1]] == [
        "bad/examples/one/main.tf:7:44",
        "bad/examples/one/main.tf:8:44",
        "bad/examples/two/main.tf:8:9",
        "bad/examples/two/main.tf:9:9",
        "bad/examples/two/main.tf:21:5",
    ]
    assert {p: p.read_bytes() for p in sorted(work.rglob("*")) if p.is_file()} == before


DESTINATIONS = """\
variable "on_failure" {
  type = map(string)
}

variable "dead_letter" {
  type = string
}

locals {
  dead_letter = var.dead_letter
}

resource "aws_iam_role" "lambda" {
  name               = "worker"
  assume_role_policy = "{}"
}

resource "aws_lambda_function" "this" {
  function_name = "worker"
  role          = aws_iam_role.lambda.arn
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "function.zip"
  dead_letter_config {
    target_arn = local.dead_letter
  }
}

resource "aws_lambda_function_event_invoke_config" "this" {
  for_each      = var.on_failure
  function_name = aws_lambda_function.this.function_name
  qualifier     = each.key
  destination_config {
    on_failure {
      destination = each.value
    }
  }
}
"""


def test_a_destination_and_a_dead_letter_target_written_by_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text(DESTINATIONS)
    (tmp_path / "main.tf").write_text(
        'module "m" {\n  source = "./mod"\n  on_failure = {\n'
        '    live = "https://sqs.eu-west-1.amazonaws.com/123456789012/failures"\n  }\n'
        '  dead_letter = "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq"\n}\n'
    )
    monkeypatch.chdir(tmp_path)
    report = run_json(".")[1]
    found = {
        f["rule"]: (f["path"], f["line"], f["column"], [(r["path"], r["line"]) for r in f["related"]])
        for f in report["findings"]
        if f["rule"] in ("DST006", "DLQ002")
    }
    assert found == {
        # each.value of the invoke config's for_each: reported at the map's entry in the caller
        "DST006": ("main.tf", 4, 12, [("mod/main.tf", 29), ("mod/main.tf", 35)]),
        # a local of the module set from var.dead_letter: at the caller's argument
        "DLQ002": ("main.tf", 6, 17, [("mod/main.tf", 18), ("mod/main.tf", 25)]),
    }


def test_a_suppression_where_the_value_is_written(project: Path) -> None:
    (project / "main.tf").write_text(
        'variable "actions" {}\n\nmodule "m" {\n  source  = "./mod"\n  actions = var.actions\n}\n'
    )
    (project / "terraform.tfvars").write_text(
        'actions = [\n  "sqs:SendMesage", # lint:ignore IAM001 the test says so\n]\n'
    )
    report = run_json(".")[1]
    assert _iam001(report) == [("mod/main.tf", 6, 11, "sns:Publis")]
    assert [(s["rule"], s["path"], s["line"]) for s in report["suppressed"]] == [("IAM001", "terraform.tfvars", 2)]


def test_literals_through_escapes_comments_heredocs_and_for_expressions() -> None:
    text = _lines(
        "locals {\n"
        '  a = ["cost$5", "$${x}", "%%{y}", "\\u00e9", "t\\tab"]\n'
        '  /* a = ["no:Comment",\n'
        '     "no:Comment"] */ b = { for k, v in var.m : k => "s3:GetObject" if v != "x" }\n'
        "  c = <<-EOT\n"
        '    "no:Heredoc"\n'
        "    EOT\n"
        '  d = "after"\n'
        "}\n"
    )
    found = block_literals(text, 1, 9, 1)
    assert [lit.text for lit in found["a"]] == ["cost$5", "${x}", "%{y}", "t\tab"]  # \u00e9: not read, not placed
    assert [(lit.text, lit.line) for lit in found["b"]] == [("s3:GetObject", 4), ("x", 4)]
    assert (found["c"], found["d"]) == ([], [Literal("after", 8, 7, 14)])


def test_the_for_each_of_a_module_call(project: Path) -> None:
    (project / "main.tf").write_text(
        'module "m" {\n  source   = "./mod"\n  for_each = {\n    a = ["sqs:SendMesage"]\n  }\n'
        "  actions = each.value\n}\n"
    )
    assert ("main.tf", 4, 10, "sqs:SendMesage") in _iam001(run_json(".")[1])
