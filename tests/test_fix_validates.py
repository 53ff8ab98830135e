"""Every written fix is valid in its file: ``terraform validate`` on each fixed Terraform fixture, ``cfn-lint`` on
each fixed template. Only new errors count: some bad fixtures are invalid on purpose (DST007's out-of-range
retry settings, an MSK cluster reduced to what the linter reads)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

# The provider mirror fixtures/terraform-plan/regenerate.sh uses: validate needs the AWS provider's schema, and
# the tests never download anything.
MIRROR = Path(os.environ.get("MIRROR", "/opt/tf-plugins"))
TERRAFORM = sorted(
    p.relative_to(REPO / "fixtures")
    for p in (REPO / "fixtures").glob("terraform*/*/bad")
    if p.parent.parent.name != "terraform-plan"  # plan JSON: nothing to write
)
TEMPLATES = sorted(
    p.relative_to(REPO / "fixtures")
    for pattern in ("cloudformation*/*/bad", "sam*/*/bad", "cdk/*/bad")
    for p in (REPO / "fixtures").glob(pattern)
)


def _missing_terraform() -> str | None:
    if shutil.which("terraform") is None:
        return "terraform validate not run: no `terraform` binary on PATH"
    provider = MIRROR / "registry.terraform.io" / "hashicorp" / "aws"
    if not provider.is_dir():
        return (
            f"terraform validate not run: no AWS provider in the mirror {provider} "
            f"(the one fixtures/terraform-plan/regenerate.sh uses; set MIRROR=<dir>)"
        )
    return None


def _fixed_copy(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[Path, bytes]]:
    """A copy of the fixture with --fix applied; the original bytes of the files the fix changed."""
    work = tmp_path / "work"
    work.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "fixtures" / case, work, ignore=shutil.ignore_patterns("expected.json"))
    before = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    monkeypatch.chdir(work)
    run_cli("--fix", ".")
    return work, {p: old for p, old in before.items() if p.read_bytes() != old}


def _terraform(work: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    rc = work.parent / "terraformrc"
    rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{MIRROR}"\n  }}\n}}\n')
    env = os.environ | {"TF_CLI_CONFIG_FILE": str(rc), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    return subprocess.run(
        ["terraform", *args], cwd=work, env=env, input=input, capture_output=True, text=True, timeout=300
    )


def _validate_errors(work: Path) -> set[tuple[str, str]]:
    out = json.loads(_terraform(work, "validate", "-json", "-no-color").stdout)
    return {(d["summary"], d.get("detail", "")) for d in out["diagnostics"] if d["severity"] == "error"}


@pytest.mark.slow
@pytest.mark.parametrize("case", TERRAFORM, ids=str)
def test_fixed_terraform_validates(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = _missing_terraform()
    if missing:
        pytest.skip(missing)
    work, changed = _fixed_copy(case, tmp_path, monkeypatch)
    if not changed:
        return  # nothing written (JSON, advice): the printed fix is checked by the fixture tests
    init = _terraform(work, "init", "-backend=false", "-input=false", "-no-color")
    if init.returncode != 0:
        pytest.skip(f"terraform init cannot prepare {case} offline: {init.stderr.strip().splitlines()[:3]}")
    for path, old in changed.items():  # terraform fmt: a file that was formatted stays formatted
        if _terraform(work, "fmt", "-check", "-", input=old.decode()).returncode == 0:
            assert _terraform(work, "fmt", "-check", str(path)).returncode == 0, path
    after = _validate_errors(work)
    if after:  # invalid on purpose? then the unfixed fixture has the same errors
        fixed = {p: p.read_bytes() for p in changed}
        for path, old in changed.items():
            path.write_bytes(old)
        before = _validate_errors(work)
        for path, new in fixed.items():
            path.write_bytes(new)
        assert after <= before, sorted(after - before)


def _cfn_lint_errors(paths: list[Path]) -> dict[str, set[tuple[str, str]]]:
    """cfn-lint's errors per file, without line numbers (an insertion moves them)."""
    cfn_lint = str(Path(sys.executable).with_name("cfn-lint"))
    result = subprocess.run(
        [cfn_lint, "--format", "parseable", "--", *map(str, paths)], capture_output=True, text=True, timeout=300
    )
    errors: dict[str, set[tuple[str, str]]] = {str(p): set() for p in paths}
    for line in result.stdout.splitlines():
        path, _, _, _, _, rule, message = line.split(":", 6)
        if rule.startswith("E"):
            errors[path].add((rule, re.sub(r"\bline \d+", "line N", message)))
    return errors


@pytest.mark.slow
def test_fixed_templates_pass_cfn_lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One cfn-lint run over every template --fix changed, beside its original text (cfn-lint starts slowly)."""
    pairs: list[tuple[str, Path, Path]] = []
    for n, case in enumerate(TEMPLATES):
        work, changed = _fixed_copy(case, tmp_path / str(n), monkeypatch)
        for path, old in sorted(changed.items()):
            original = tmp_path / str(n) / "originals" / path.relative_to(work)
            original.parent.mkdir(parents=True, exist_ok=True)
            original.write_bytes(old)
            pairs.append((f"{case}/{path.relative_to(work)}", original, path))
    assert len(pairs) >= 8  # the YAML fixtures whose grants are written: the check is not vacuous
    errors = _cfn_lint_errors([p for _, original, fixed in pairs for p in (original, fixed)])
    new = {name: sorted(errors[str(fixed)] - errors[str(original)]) for name, original, fixed in pairs}
    assert {name: found for name, found in new.items() if found} == {}
