#!/usr/bin/env python3
"""Speed benchmark: the linter cold and warm against checkov and cfn-lint on the same generated corpora.

    .venv/bin/python benchmarks/bench.py [--projects 200] [--large 2000] [--checkov PATH] [--cfn-lint PATH]

Generates the corpora with the project's own labelled generator (benchmarks/synthetic; nothing outside the
checkout is needed), then prints wall time, files per second and peak RSS (summed over the process tree) for each
run, and the ratios the speed goals are stated in. The small corpus's findings are scored against its labels too,
so a fast run that is wrong shows. Nothing here is a test: timings depend on the machine, so this prints figures
and leaves judging them to the reader.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: make benchmarks.synthetic importable

from benchmarks.synthetic import Corpus, generate, score_report  # noqa: E402


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc), in KB."""
    total = 0
    pending = [pid]
    while pending:
        p = pending.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{p}/task/{p}/children") as fh:
                pending.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int, int, float]:
    """(wall seconds, peak tree RSS in MB, exit code, CPU seconds of the run and its workers: user + system, from
    the kernel's rusage, steadier than wall time on a shared machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, peak // 1024, code, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def count_files(root: Path) -> int:
    return sum(
        1
        for p in root.rglob("*")
        if p.is_file() and p.suffix in (".tf", ".yaml", ".yml", ".json") and p.name != "labels.json"
    )


def check_labels(corpus: Corpus, lint: list[str], env: dict[str, str]) -> None:
    """Score the (cached) findings against the labels: timings of a wrong linter mean nothing."""
    result = subprocess.run(lint + ["."], cwd=corpus.root, env=env, capture_output=True, text=True)
    score = score_report(corpus, json.loads(result.stdout))
    print(f"  labels: {score.summary()}")


def lint_env(cache: Path) -> dict[str, str]:
    """The linter's environment: its own cache directory, and bytecode written as an installed package has it (a
    PYTHONDONTWRITEBYTECODE left in the shell would make every run compile the linter's modules again)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def one_changed_file(root: Path, lint: list[str], env: dict[str, str]) -> tuple[float, int, int, float]:
    """What pre-commit runs after an edit: ``lint FILE`` for one changed file of a tree whose cache is warm (a
    first ``lint FILE`` keeps what pre-commit's scope needs of every Terraform file of the tree, as the first
    commit after an upgrade does)."""
    changed = sorted(glob.glob(str(root / "terraform" / "p0000" / "*.tf")))[0]
    measure(lint + [os.path.relpath(changed, root)], root, env)
    Path(changed).write_text(Path(changed).read_text() + "\n# touched\n")
    return measure(lint + [os.path.relpath(changed, root)], root, env)


def row(label: str, wall: float, files: int, rss: int, cpu: float = 0.0) -> None:
    print(f"  {label:<44} {wall:8.2f} s {files / wall:10.0f} files/s {rss:7d} MB  cpu {cpu:7.2f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--projects", type=int, default=200)
    ap.add_argument("--large", type=int, default=2000, help="projects in the large corpus (0 to skip)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--unrelated-ratio", type=int, default=4, help="unrelated files per project, about")
    ap.add_argument("--lint", default=str(Path(sys.executable).with_name("lint")))
    ap.add_argument("--checkov", default=shutil.which("checkov"))
    ap.add_argument(
        "--cfn-lint",
        dest="cfn_lint",
        default=None,
        help="cfn-lint to compare with (default: none; the linter's own dependency is not a peer run)",
    )
    ap.add_argument("--jobs", type=int, default=None)
    a = ap.parse_args()
    a.lint = str(Path(a.lint).resolve())
    a.checkov = str(Path(a.checkov).resolve()) if a.checkov else None
    a.cfn_lint = str(Path(a.cfn_lint).resolve()) if a.cfn_lint else None

    work = Path(tempfile.mkdtemp(prefix="lint-bench-"))
    try:
        corpus = generate(work / "small", a.projects, a.seed, a.unrelated_ratio)
        small = corpus.root
        n = count_files(small)
        print(
            f"corpus: {a.projects} projects, unrelated ratio {a.unrelated_ratio}, {n} files, "
            f"{len(corpus.labels)} labels ({small})"
        )
        jobs = ["--jobs", str(a.jobs)] if a.jobs else []
        # The SARIF report is what a CI gate writes; the JSON report also plans every template fix (its
        # fix_applicability), a ruamel.yaml round trip per template with a finding: timed on its own.
        lint = [a.lint, "--format", "sarif", *jobs]
        lint_json = [a.lint, "--format", "json", *jobs]
        env = lint_env(work / "cache")
        cold = measure(lint + ["."], small, env)
        warm = measure(lint + ["."], small, env)
        one = measure(lint + ["--no-cache"] + ["--jobs", "1"] + ["."], small, env)
        cold_json = measure(lint_json + ["."], small, env)
        warm_json = measure(lint_json + ["."], small, env)
        row("lint cold (empty cache), SARIF", cold[0], n, cold[1], cold[3])
        row("lint warm (nothing changed), SARIF", warm[0], n, warm[1], warm[3])
        row("lint --no-cache --jobs 1, SARIF", one[0], n, one[1], one[3])
        row("lint cold, JSON (fixes planned)", cold_json[0], n, cold_json[1], cold_json[3])
        row("lint warm, JSON", warm_json[0], n, warm_json[1], warm_json[3])
        check_labels(corpus, lint_json, env)
        pre = one_changed_file(small, lint, env)
        row("lint FILE, one .tf file changed (pre-commit)", pre[0], 1, pre[1], pre[3])
        if a.checkov:
            flags = ["--quiet", "--compact", "-o", "json", "--skip-download"]
            ck_tf = measure([a.checkov, "-d", "terraform", "--framework", "terraform", *flags], small)
            ck_cfn = measure(
                [a.checkov, "-d", "cloudformation", "-d", "sam", "--framework", "cloudformation", *flags], small
            )
            checkov = ck_tf[0] + ck_cfn[0]
            row("checkov (terraform + cloudformation)", checkov, n, max(ck_tf[1], ck_cfn[1]), ck_tf[3] + ck_cfn[3])
            cpu = ck_tf[3] + ck_cfn[3]
            print(f"  ratio checkov / cold: {checkov / cold[0]:6.1f}x wall, {cpu / cold[3]:6.1f}x CPU (goal 20x)")
            print(f"  ratio checkov / warm: {checkov / warm[0]:6.1f}x wall, {cpu / warm[3]:6.1f}x CPU (goal 100x)")
            print(f"  ratio checkov / lint cold JSON: {checkov / cold_json[0]:6.1f}x wall")
        else:
            print("  checkov not found: pass --checkov PATH to compare")
        if a.cfn_lint:
            templates = corpus.templates  # labelled and unrelated templates, not the other YAML/JSON files
            cl = measure([a.cfn_lint, *templates], small)
            row("cfn-lint (templates only)", cl[0], len(templates), cl[1], cl[3])
        if a.large:
            large = generate(work / "large", a.large, a.seed, a.unrelated_ratio).root
            n_large = count_files(large)
            size = sum(p.stat().st_size for p in large.rglob("*") if p.is_file()) / 1e6
            print(f"corpus: {a.large} projects, unrelated ratio {a.unrelated_ratio}, {n_large} files, {size:.0f} MB")
            big = measure(lint + ["."], large, env)
            row("lint cold", big[0], n_large, big[1], big[3])
            big_warm = measure(lint + ["."], large, env)
            row("lint warm", big_warm[0], n_large, big_warm[1], big_warm[3])
            big_one = one_changed_file(large, lint, env)
            row("lint FILE, one .tf file changed (pre-commit)", big_one[0], 1, big_one[1], big_one[3])
            big_tree = measure(lint + ["."], large, env)
            row("lint ., one .tf file changed", big_tree[0], n_large, big_tree[1], big_tree[3])
            print(
                f"  per file: small {cold[0] / n * 1000:.2f} ms, large {big[0] / n_large * 1000:.2f} ms "
                f"(linear growth keeps these close)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
