"""Reliability: no network, nothing written outside the cache and --output, prompt Ctrl-C, size limits,
and no input (random bytes, mutated fixtures) that makes the linter raise."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.synthetic import generate
from infra_policy_linter.config import Config
from infra_policy_linter.inputs.sources import Source
from infra_policy_linter.run.analysis import analyse
from infra_policy_linter.run.work import Work
from tests.conftest import REPO, run_cli, run_json

FIXTURE_FILES = sorted(
    p
    for p in (REPO / "fixtures").rglob("*")
    if p.suffix in (".tf", ".yaml", ".json") and p.name != "expected.json" and ".terraform" not in p.parts
)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow  # four full runs over every fixture with a worker pool; CI runs it (-m '')
def test_no_network_and_no_stray_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_cache) -> None:
    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003
        raise AssertionError("the linter opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    tree = tmp_path / "tree"
    shutil.copytree(REPO / "fixtures", tree)
    before = snapshot(tree)
    monkeypatch.chdir(tree)
    for fmt in ("text", "json", "sarif", "github"):
        code, _, _ = run_cli("--format", fmt, "--jobs", "2", "--output", str(tmp_path / f"report.{fmt}"), ".")
        assert code == 1
    assert snapshot(tree) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["tree", "report.text", "report.json", "report.sarif", "report.github"]
    )
    assert list(private_cache.glob("*.json"))  # the only other place written to


def _wait_for(condition, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


@pytest.mark.slow
def test_interrupt_exits_130_quietly_and_keeps_the_cache_usable(tmp_path: Path) -> None:
    generated = generate(tmp_path / "corpus", 150, 4, unrelated_ratio=0)
    corpus, units = generated.root, 150 + len(generated.templates)
    lint = str(Path(sys.executable).with_name("lint"))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    entries = tmp_path / "cache" / "infra-policy-linter"
    proc = subprocess.Popen(
        [lint, "--format", "json", "--jobs", "2", "."],
        cwd=corpus,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    # The run has started once a worker has stored its first unit result; interrupt it then, not after a guess.
    assert _wait_for(lambda: any(entries.glob("*.json")) or proc.poll() is not None, 120)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole process group
    started = time.monotonic()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert time.monotonic() - started < 5
    assert b"Traceback" not in err and err.decode().strip().endswith("lint: interrupted")
    assert len(list(entries.glob("*.json"))) < units  # interrupted: not every unit was analysed
    again = subprocess.run([lint, "--format", "json", "."], cwd=corpus, env=env, capture_output=True)
    fresh = subprocess.run([lint, "--no-cache", "--format", "json", "."], cwd=corpus, env=env, capture_output=True)
    assert again.stdout == fresh.stdout and again.returncode == fresh.returncode == 1


def test_size_limit(tmp_path: Path, monkeypatch) -> None:
    shutil.copy(REPO / "fixtures/terraform/DST001/bad/main.tf", tmp_path / "main.tf")
    (tmp_path / "big.json").write_text(json.dumps({"data": "x" * 3000}))  # not a template: skipped silently
    (tmp_path / "big.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\n# " + "x" * 3000 + "\n")
    monkeypatch.chdir(tmp_path)
    code, report = run_json("--max-file-size", "2048", ".")
    assert code == 2
    assert [(e["path"], e["message"]) for e in report["errors"]] == [
        ("big.yaml", "skipped: 3,042 bytes is over the 2,048-byte limit (max-file-size)")
    ]
    assert [f["rule"] for f in report["findings"]] == ["DST001"]
    code, report = run_json("--max-file-size", "100", ".")
    assert [e["path"] for e in report["errors"]] == ["big.yaml", "main.tf"]


def _analyse(path: str, data: bytes) -> None:
    kind = "terraform" if path.endswith(".tf") else "cloudformation"
    result = analyse(Work(kind, "unit", (Source(path, data),)), Config(), date(2026, 11, 28))
    for error in result.errors:
        assert not error.message.startswith("internal error"), error.message
        assert error.path == path


# The default run tries a few examples of each property, the slow set (CI, -m '') the full count.
EXAMPLES = [30, pytest.param(150, marks=pytest.mark.slow)]
MUTATIONS = [60, pytest.param(300, marks=pytest.mark.slow)]


@pytest.mark.parametrize("examples", EXAMPLES)
def test_random_bytes_never_raise(examples: int) -> None:
    # The property is defined per call: hypothesis refuses a second settings() on one function, and the default and
    # slow counts run in one process under -m ''.
    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=2048), st.sampled_from(["main.tf", "template.yaml", "template.json"]))
    def random_input(data: bytes, name: str) -> None:
        _analyse(name, data)

    random_input()


@pytest.mark.parametrize("examples", MUTATIONS)
def test_mutated_fixtures_never_raise(examples: int) -> None:
    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(FIXTURE_FILES), st.data())
    def mutated(path: Path, data: st.DataObject) -> None:
        _mutate(path, data)

    mutated()


def _mutate(path: Path, data: st.DataObject) -> None:
    text = path.read_bytes()
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 40)))
    insert = data.draw(
        st.sampled_from(
            [
                b"",
                b"{",
                b"}",
                b"[",
                b"]",
                b'"',
                b"${",
                b"!Ref",
                b":",
                b"\n",
                b"- ",
                b"*",
                b"var.x",
                b"\x00",
                b"\xff",
                b"<<EOF\n",
            ]
        )
    )
    _analyse(path.name, text[:start] + insert + text[end:])


SELF_NAMED = b"""Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Ref Fn
"""


def test_a_template_too_deep_to_analyse_is_reported_at_its_file() -> None:
    """Found by test_mutated_fixtures_never_raise: a function named after its own Ref recurses in resolution; the
    error names the template, as every parse error does, not the unit."""
    result = analyse(
        Work("cloudformation", "unit", (Source("template.yaml", SELF_NAMED),)), Config(), date(2026, 11, 28)
    )
    assert [(e.path, e.message) for e in result.errors] == [("template.yaml", "nesting too deep to analyse")]
