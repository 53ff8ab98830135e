from __future__ import annotations

import functools
import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPUS = Path(os.environ.get("SHARED_CORPUS", REPO.parent / "shared" / "corpus"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="rewrite each bad fixture's expected.json from what the linter reports now (review the diff after)",
    )


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-snapshots"))


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty result cache, never the user's."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache / "infra-policy-linter"


@pytest.fixture(autouse=True)
def one_worker_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs through the CLI in this process use one worker unless a test passes --jobs: pytest-xdist already keeps
    every core busy, and a pool forked per small run cost more than the run (and re-imported cfn-lint and the SAM
    translator per worker). In one process, what one test imported and parsed is there for the next one (the
    parser, cfn-lint, the translator, parsed Terraform files). Subprocess runs keep the real default."""
    monkeypatch.setattr("infra_policy_linter.run.engine.default_jobs", lambda: 1)


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)
    return REPO


def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    from infra_policy_linter.cli import main

    runner = CliRunner()
    result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> tuple[int, dict]:
    code, out, _ = run_cli("--format", "json", *args)
    return code, json.loads(out)


def hook_in_process(target: Path, hook: dict, *extra: str) -> subprocess.CompletedProcess[str]:
    """What pre-commit runs at `git commit` for a `lint` hook, without pre-commit: the hook's entry on the staged
    files its `files:` pattern matches, in one call (the hooks are require_serial), from the repository's top level,
    through the CLI in this process. Tests that start the real pre-commit (a second of start-up per run: pre-commit
    and a `lint` process) are in the slow set."""
    assert hook["require_serial"] is True
    staged = subprocess.run(
        ["git", "diff", "--staged", "--name-only", "--diff-filter=d", "-z"],
        cwd=target,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    files = [name for name in staged.split("\0") if name and re.search(hook["files"], name)]
    assert files, "pre-commit would not run the hook"
    command = shlex.split(hook["entry"])
    assert command[0] == "lint"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(target)
        code, out, err = run_cli(*command[1:], *extra, *files)
    return subprocess.CompletedProcess(command, code, out, err)


@functools.cache
def _cfn_lint_rules(append_rules: tuple[str, ...]) -> Any:
    """cfn-lint's rules (its own and the modules named), loaded once per test process. Its API (api.lint_file)
    loads its 300-odd rule modules and their schemas again on every call, a second of CPU each time; its command
    line loads them once for all the templates it is given, and so does this."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn([], append_rules=list(append_rules))).rules


def cfn_lint_matches(path: Path, append_rules: tuple[str, ...] = ()) -> list[Any]:
    """cfn-lint's matches for one template, through the function its Runner calls for each template it is given
    (api.lint_file's result, without loading the rules again: compared on 25 fixture templates)."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import run_template_by_file_path

    config = ConfigMixIn(["--template", str(path)], append_rules=list(append_rules))
    return list(run_template_by_file_path(str(path), config, _cfn_lint_rules(append_rules), False))


def cfn_lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    """cfn-lint with its default settings, in this process: the same exit code (2 errors, 4 warnings, 8
    informational, or-ed) and the rule id and message of each match, without a new interpreter that re-imports
    cfn-lint and its schemas (seconds per call). The subprocess CLI itself is tested in test_cfnlint_plugin."""
    code, lines = 0, []
    for path in paths:
        for match in cfn_lint_matches(path):
            code |= {"E": 2, "W": 4, "I": 8}.get(match.rule.id[0], 0)
            lines += [f"{match.rule.id} {match.message}", f"{match.filename}:{match.linenumber}:{match.columnnumber}"]
    return subprocess.CompletedProcess([str(p) for p in paths], code, "".join(f"{line}\n" for line in lines), "")


@pytest.fixture(scope="session")
def fixtures_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`lint --no-cache --format json fixtures` from the repository root, run once per test process and shared by
    the tests that read every fixture's findings (a full run over the fixtures costs seconds)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        patch.setattr("infra_policy_linter.run.engine.default_jobs", lambda: 1)
        _, report = run_json("--no-cache", "fixtures")
    return report
