"""JUnit XML, for the CI systems that show test reports (GitLab's ``artifacts:reports:junit``, Jenkins): one test
suite per file, one failing test case per finding, an erroring one per input that could not be read, and one
passing case for a file read with nothing to report (so that the report shows what was checked)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.run.engine import Report


def _case(suite: ET.Element, path: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", {"classname": path, "name": name, "time": "0"})


def _finding_case(suite: ET.Element, f: Finding) -> None:
    loc = f.location
    case = _case(suite, loc.path, f"{f.rule} {f.function or f.destination}".strip() + f" (line {loc.line})")
    failure = ET.SubElement(case, "failure", {"type": f.rule, "message": f.message})
    failure.text = f"{loc.path}:{loc.line}:{loc.column} {f.level}: {f.message}" + (
        f"\n\nFix:\n{f.fix}" if f.fix else ""
    )


def render(report: Report) -> str:
    by_path: dict[str, list[Finding]] = {p: [] for p in report.read}
    for f in report.findings:
        by_path.setdefault(f.location.path, []).append(f)
    errors: dict[str, list[str]] = {}
    for e in report.errors:
        errors.setdefault(e.path, []).append(f"line {e.line}: {e.message}" if e.line else e.message)
    root = ET.Element("testsuites", {"name": "infra-policy-linter"})
    total = failures = broken = 0
    for path in sorted(set(by_path) | set(errors)):
        found, problems = by_path.get(path, []), errors.get(path, [])
        suite = ET.SubElement(root, "testsuite", {"name": path})
        for f in found:
            _finding_case(suite, f)
        for message in problems:
            ET.SubElement(_case(suite, path, "input"), "error", {"message": message}).text = message
        if not found and not problems:
            _case(suite, path, "lint")
        cases = max(1, len(found) + len(problems))
        suite.attrib.update({"tests": str(cases), "failures": str(len(found)), "errors": str(len(problems))})
        total, failures, broken = total + cases, failures + len(found), broken + len(problems)
    root.attrib.update({"tests": str(total), "failures": str(failures), "errors": str(broken)})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
