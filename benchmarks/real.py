#!/usr/bin/env python3
"""Speed on real code: lint a directory of checked-out repositories cold, warm, and after one file changed.

    .venv/bin/python benchmarks/real.py /work/real [--jobs 1] [--change PATH] [--all-units]

The directory is linked (hard links, `.git` left out) into a scratch copy, so that the one-file edit never
touches the checkouts. Each run is one `lint --format json` process with its own cache directory; for each it
prints wall time, CPU time (user + system of the linter and its workers, from the kernel's rusage: steadier than
wall time on a shared machine), the largest resident set of any one process (the parent or a worker), the number
of findings per rule and a digest of the findings, so that two variants can be compared for identical output
(`--all-units` lints every unit, without the rule that skips units with nothing Lambda in them).

The repositories and commits behind the README's figures are in benchmarks/real-repositories.txt; CI does not
fetch them. A second list, benchmarks/monorepo-repositories.txt (`--repos`), is issue 22's set of 34 public
infrastructure monorepos, reconstructed (checked out under /work/mono). Nothing here is a test: it prints figures
and leaves judging them to the reader.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any


def link_tree(source: Path, target: Path, names: list[str]) -> None:
    """Hard links of every file of the listed repositories (no copy of 400 MB); `.git` is not linted or linked."""
    for name in names:
        shutil.copytree(
            source / name, target / name, symlinks=True, ignore=shutil.ignore_patterns(".git"), copy_function=os.link
        )


def repositories(listing: Path) -> list[str]:
    """The directory names of real-repositories.txt (first column; # starts a comment)."""
    lines = (line.split("#")[0].split() for line in listing.read_text().splitlines())
    return [fields[0] for fields in lines if fields]


def touch(path: Path) -> None:
    """Change one file without changing its hard-linked original: a new inode with one more line."""
    text = path.read_bytes()
    path.unlink()
    path.write_bytes(text + b"\n# touched by benchmarks/real.py\n")


def run_lint(cmd: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """One lint process: wall and CPU seconds, peak RSS of any one process (MB), exit code, findings."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out, _ = proc.communicate()
    wall = time.perf_counter() - start
    # wait4 in communicate() reaped it: RUSAGE_CHILDREN now includes it and its (already reaped) workers
    return {"wall": wall, "code": proc.returncode, "out": out}


def measured(cmd: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run_lint(cmd, cwd, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of children is the largest of any one descendant so far: monotonic, so report it as an upper bound
    result["rss"] = after.ru_maxrss // 1024
    try:
        report = json.loads(result["out"])
    except ValueError:
        report = {"findings": [], "errors": [], "summary": {}}
    findings = report.get("findings", [])
    result["rules"] = dict(sorted(Counter(f["rule"] for f in findings).items()))
    result["digest"] = hashlib.sha256(json.dumps(findings, sort_keys=True).encode()).hexdigest()[:12]
    result["summary"] = report.get("summary", {})
    result["errors"] = len(report.get("errors", []))
    return result


def show(label: str, r: dict[str, Any]) -> None:
    s = r["summary"]
    print(
        f"  {label:<34} wall {r['wall']:7.2f} s  cpu {r['cpu']:7.2f} s  max rss {r['rss']:5d} MB  exit {r['code']}  "
        f"units {s.get('units', '?')} skipped {s.get('skipped', 0)}  files {s.get('files', '?')}  "
        f"errors {r['errors']}  findings {sum(r['rules'].values())} {r['digest']}"
    )


def pick_file(root: Path) -> Path:
    """The first .tf file (in sorted order) of a directory that declares a Lambda function: an edit that counts."""
    for path in sorted(root.rglob("*.tf")):
        if ".terraform" not in path.parts and b"aws_lambda_function" in path.read_bytes():
            return path
    return sorted(root.rglob("*.tf"))[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--lint", default=str(Path(sys.executable).with_name("lint")))
    ap.add_argument("--jobs", type=int, default=1, help="workers (default 1: CPU time of one process)")
    ap.add_argument("--change", type=Path, help="the file to edit, relative to the directory (default: picked)")
    ap.add_argument("--all-units", action="store_true", help="lint every unit (no skipping)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch copy and cache")
    ap.add_argument(
        "--repos",
        type=Path,
        default=Path(__file__).with_name("real-repositories.txt"),
        help="the repositories (directories under DIRECTORY) to lint: first column of this file",
    )
    ap.add_argument("--cold-only", action="store_true", help="only the cold run")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lint-real-"))
    try:
        tree = work / "tree"
        link_tree(a.directory.resolve(), tree, repositories(a.repos))
        env = {**os.environ, "XDG_CACHE_HOME": str(work / "cache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode: so does each run here
        lint = [str(Path(a.lint).resolve()), "--format", "json", "--jobs", str(a.jobs)]
        lint += ["--all-units"] if a.all_units else []
        print(f"{a.directory} ({sum(1 for p in tree.rglob('*') if p.is_file())} files), --jobs {a.jobs}")
        cold = measured(lint + ["."], tree, env)
        show("cold (empty cache)", cold)
        print(f"  findings per rule (cold): {json.dumps(cold['rules'])}")
        if a.cold_only:
            return 0
        show("warm (nothing changed)", measured(lint + ["."], tree, env))
        changed = tree / a.change if a.change else pick_file(tree)
        touch(changed)
        print(f"  changed: {changed.relative_to(tree)}")
        show("one file changed, whole tree", measured(lint + ["."], tree, env))
        touch(changed)
        show("one file changed, pre-commit", measured(lint + [str(changed.relative_to(tree))], tree, env))
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
