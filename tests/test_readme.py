"""The README's examples are run: its code blocks are extracted and executed on fixtures."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, hook_in_process, run_cli

README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```", README, re.M | re.S)
BIN = Path(sys.executable).parent
BAD_TF = REPO / "fixtures/terraform/DST001/bad/main.tf"
GOOD_TF = REPO / "fixtures/terraform/DST001/good/main.tf"


def _blocks(language: str, marker: str) -> list[str]:
    found = [body for lang, body in BLOCKS if lang == language and marker in body]
    assert found, f"no {language} block with {marker!r} in README.md"
    return found


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}


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


# The default run calls the CLI in this process; the slow set (CI, -m '') runs the installed `lint` script the
# way the README's reader does (a process start per run: a second of CPU once CloudFormation is read).
THROUGH = pytest.mark.parametrize("through", ["in-process", pytest.param("subprocess", marks=pytest.mark.slow)])


def _lint(through: str, cwd: Path, *args: str) -> tuple[int, str, str]:
    if through == "subprocess":
        result = subprocess.run([str(BIN / "lint"), *args], cwd=cwd, capture_output=True, text=True, env=_env())
        return result.returncode, result.stdout, result.stderr
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        return run_cli(*args, env={"NO_COLOR": "1"})


@pytest.fixture
def repo_with_bad_module(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    (target / "infra" / "queues").mkdir(parents=True)
    shutil.copy(BAD_TF, target / "infra" / "queues" / "main.tf")
    _git(target, "init", "-q")
    return target


def test_every_option_is_in_the_options_table() -> None:
    from infra_policy_linter.cli import check

    table = README[README.index("| Option | Default | Meaning |") :]
    table = table[: table.index("\n\n")]
    documented = set(re.findall(r"`(--[a-z-]+)`", table))
    options = {opt for param in check.params for opt in param.opts if opt.startswith("--")}
    assert documented == options


@THROUGH
def test_install_and_run_block(in_repo: Path, through: str) -> None:
    (block,) = _blocks("sh", "pip install -e")
    first = block.splitlines()[0]
    run = first.split("&&")[-1].strip()  # the install itself is what this test environment already did
    assert run.startswith(".venv/bin/lint ")
    args = shlex.split(run)[1:]
    code, out, err = _lint(through, in_repo, *args)
    assert code == 1, out + err
    assert "fixtures/terraform/DST001/bad/main.tf:52:7 DST001" in out
    assert "fixtures/cloudformation/DST001/bad/template.yaml" in out


def test_configuration_example_is_valid_in_both_files(tmp_path: Path) -> None:
    from infra_policy_linter.config import load_config
    from infra_policy_linter.rules import ALL_RULES

    (block,) = _blocks("toml", "[tool.infra-policy-linter]")
    known = {rule.id for rule in ALL_RULES}
    configs = []
    for name in ("pyproject.toml", ".infra-policy-linter.toml"):
        (tmp_path / name).write_text(block)
        configs.append(load_config(tmp_path / name, known))
    for config in configs:
        assert config.ignore == frozenset({"LNT002"})
        assert config.levels == {"DST004": "error"}
        assert config.fail_on == "warning" and config.region == "eu-west-1"
        assert config.exclude == ("legacy/", "**/examples/**")
    assert configs[0].select == configs[1].select


@THROUGH
def test_configuration_example_excludes_what_it_says(repo_with_bad_module: Path, through: str) -> None:
    (block,) = _blocks("toml", "[tool.infra-policy-linter]")
    (repo_with_bad_module / ".infra-policy-linter.toml").write_text(block)
    for rel in ("legacy/main.tf", "infra/examples/demo/main.tf"):
        (repo_with_bad_module / rel).parent.mkdir(parents=True)
        shutil.copy(BAD_TF, repo_with_bad_module / rel)
    code, out, err = _lint(through, repo_with_bad_module, "--format", "json", ".")
    assert code == 1, err
    assert [f["path"] for f in json.loads(out)["findings"]] == ["infra/queues/main.tf"]


def test_pre_commit_example_in_process(repo_with_bad_module: Path) -> None:
    """The README's hook on the staged files, without pre-commit (test_pre_commit_example runs the real one)."""
    (block,) = _blocks("yaml", ".pre-commit-config.yaml")
    (hook,) = yaml.safe_load(block)["repos"][0]["hooks"]
    assert (hook["id"], hook["language"]) == ("infra-policy-lint", "system")
    (repo_with_bad_module / ".pre-commit-config.yaml").write_text(block)
    _git(repo_with_bad_module, "add", "-A")
    failed = hook_in_process(repo_with_bad_module, hook)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "infra/queues/main.tf:52:7 DST001 aws_lambda_function.worker" in failed.stdout
    shutil.copy(GOOD_TF, repo_with_bad_module / "infra" / "queues" / "main.tf")
    _git(repo_with_bad_module, "add", "-A")
    passed = hook_in_process(repo_with_bad_module, hook)
    assert passed.returncode == 0, passed.stdout + passed.stderr


@pytest.mark.slow  # pre-commit and a `lint` process per run; the in-process run above is the default run's
def test_pre_commit_example(repo_with_bad_module: Path, tmp_path: Path) -> None:
    (block,) = _blocks("yaml", ".pre-commit-config.yaml")
    (repo_with_bad_module / ".pre-commit-config.yaml").write_text(block)
    _git(repo_with_bad_module, "add", "-A")
    env = {**_env(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    run = [sys.executable, "-m", "pre_commit", "run", "--color", "never"]
    failed = subprocess.run(run, cwd=repo_with_bad_module, capture_output=True, text=True, env=env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "infra/queues/main.tf:52:7 DST001 aws_lambda_function.worker" in failed.stdout
    shutil.copy(GOOD_TF, repo_with_bad_module / "infra" / "queues" / "main.tf")
    _git(repo_with_bad_module, "add", "-A")
    passed = subprocess.run(run, cwd=repo_with_bad_module, capture_output=True, text=True, env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def _lint_steps(block: str) -> list[str]:
    doc = yaml.safe_load(block)
    if "jobs" in doc:  # GitHub Actions
        steps = [s["run"] for job in doc["jobs"].values() for s in job["steps"] if "run" in s]
    else:  # GitLab CI
        steps = [line for job in doc.values() for line in job["script"]]
    return [s for s in steps if s.startswith("lint ")]


@THROUGH
@pytest.mark.parametrize("marker", [".github/workflows/", ".gitlab-ci.yml"])
def test_ci_examples_run(repo_with_bad_module: Path, marker: str, through: str) -> None:
    (block,) = _blocks("yaml", marker)
    (step,) = _lint_steps(block)
    subdir = repo_with_bad_module / "infra"  # paths come out relative to the repository root anyway
    code, _, err = _lint(through, subdir, *shlex.split(step)[1:])
    assert code == 1, err
    output = subdir / shlex.split(step)[shlex.split(step).index("--output") + 1]
    doc = json.loads(output.read_text())
    if marker == ".gitlab-ci.yml":
        assert [(i["check_name"], i["location"]["path"]) for i in doc] == [("DST001", "infra/queues/main.tf")]
    else:
        (result_,) = doc["runs"][0]["results"]
        assert result_["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/queues/main.tf"


def test_rule_table_is_generated_from_the_rules() -> None:
    """One place per fact: the README's table is rules_table() (regenerate it from there when a rule changes)."""
    from infra_policy_linter.rules import ALL_RULES, rules_table

    assert rules_table() in README
    assert [row.split(" | ")[0].strip("| ") for row in rules_table().splitlines()[3:-1]] == [r.id for r in ALL_RULES]
