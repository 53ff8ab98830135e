"""Paths as CI systems want them: relative to the repository root, not to where the linter ran."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from infra_policy_linter.inputs.ignore import absolute, git_top


def report_root(cwd: Path, root: Path | None) -> Path:
    """``--root`` when given, else the git top level above the current directory, else the current directory."""
    if root is not None:
        return absolute(root)
    return git_top(cwd) or absolute(cwd)


def rebaser(cwd: Path, root: Path) -> Callable[[str], str]:
    """Display paths (relative to cwd) -> POSIX paths relative to root; a path outside root stays absolute."""
    cwd, root = absolute(cwd), absolute(root)

    def rebase(path: str) -> str:
        target = absolute(cwd / path)
        rel = Path(os.path.relpath(target, root)).as_posix()
        return target.as_posix() if rel.startswith("../") or rel == ".." else rel

    return rebase
