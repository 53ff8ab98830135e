"""On a terminal: colour (unless NO_COLOR) and a transient progress bar on stderr for long runs."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.synthetic import generate
from tests.conftest import REPO

LINT = str(Path(sys.executable).with_name("lint"))


def _run_on_pty(args: list[str], cwd: Path, env: dict[str, str], stream: str) -> tuple[int, bytes]:
    master, slave = pty.openpty()
    kwargs = (
        {"stderr": slave, "stdout": subprocess.DEVNULL}
        if stream == "stderr"
        else {"stdout": slave, "stderr": subprocess.DEVNULL}
    )
    proc = subprocess.Popen([LINT, *args], cwd=cwd, env=env, **kwargs)
    os.close(slave)
    data = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    return proc.wait(), data


def test_colour_on_a_terminal_and_never_with_no_color(tmp_path: Path) -> None:
    env = {**os.environ, "TERM": "xterm", "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("NO_COLOR", None)
    code, out = _run_on_pty(["fixtures/terraform/DST001/bad"], REPO, env, "stdout")
    assert code == 1 and b"\x1b[" in out and b"DST001" in out
    code, out = _run_on_pty(["fixtures/terraform/DST001/bad"], REPO, {**env, "NO_COLOR": "1"}, "stdout")
    assert code == 1 and b"\x1b[" not in out and b"DST001" in out


@pytest.mark.slow
def test_progress_bar_for_long_runs_on_a_terminal(tmp_path: Path) -> None:
    corpus = generate(tmp_path / "corpus", 80, 1).root
    env = {**os.environ, "TERM": "xterm", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code, err = _run_on_pty(["--format", "json", "-o", str(tmp_path / "out.json"), "."], corpus, env, "stderr")
    assert code == 1 and b"Linting" in err
    plain = subprocess.run([LINT, "--format", "json", "."], cwd=corpus, env=env, capture_output=True)
    assert plain.stderr == b""  # not a terminal: no progress bar
