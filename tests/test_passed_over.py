"""YAML and JSON files that are neither a template nor a plan are not read again while unchanged
(inputs/passed_over.py): the report stays the same, and a file that becomes a template is read and linted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from infra_policy_linter.inputs import passed_over as passed_over_module
from infra_policy_linter.inputs.passed_over import PassedOver
from infra_policy_linter.run import engine
from infra_policy_linter.run.engine import run
from tests.conftest import REPO

BAD_TEMPLATE = REPO / "fixtures" / "cloudformation" / "DST001" / "bad" / "template.yaml"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy(BAD_TEMPLATE, root / "stack.yaml")
    (root / "settings.yaml").write_text("service: orders\nstage: dev\n")
    (root / "package.json").write_text('{"name": "orders", "version": "1.0.0"}\n')
    monkeypatch.chdir(root)
    # As if the files were written well before the run (a file changed within RACY_NS of a run is not kept).
    monkeypatch.setattr(passed_over_module, "trusted", lambda stat, since: True)
    return root


def _read_paths(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    original = engine.read_source

    def recording(path: Path, shown: str, limit: int):  # type: ignore[no-untyped-def]
        read.append(shown)
        return original(path, shown, limit)

    monkeypatch.setattr(engine, "read_source", recording)
    return read


def _findings(report: engine.Report) -> list[tuple[str, str, int]]:
    return [(f.rule, f.location.path, f.location.line) for f in report.findings]


def test_files_that_are_neither_are_not_read_again(tree: Path, tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    read = _read_paths(monkeypatch)
    first = run([Path(".")], tree, jobs=1, cache_dir=cache)
    assert sorted(read) == ["package.json", "settings.yaml", "stack.yaml"]
    read.clear()
    second = run([Path(".")], tree, jobs=1, cache_dir=cache)
    assert read == ["stack.yaml"]
    assert _findings(second) == _findings(first) == [("DST001", "stack.yaml", 38)]
    assert (second.files, second.units) == (first.files, first.units) == (1, 1)


def test_a_file_that_becomes_a_template_is_read_and_linted(tree: Path, tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    run([Path(".")], tree, jobs=1, cache_dir=cache)
    (tree / "settings.yaml").write_text(BAD_TEMPLATE.read_text())  # another size, time and maybe inode
    read = _read_paths(monkeypatch)
    report = run([Path(".")], tree, jobs=1, cache_dir=cache)
    assert sorted(read) == ["settings.yaml", "stack.yaml"]
    assert _findings(report) == [("DST001", "settings.yaml", 38), ("DST001", "stack.yaml", 38)]


def test_without_a_cache_everything_is_read(tree: Path, monkeypatch) -> None:
    read = _read_paths(monkeypatch)
    for _ in range(2):
        run([Path(".")], tree, jobs=1, cache_dir=None)
    assert sorted(read) == sorted(["package.json", "settings.yaml", "stack.yaml"] * 2)


@pytest.mark.parametrize("stored", ["{", "[]", '{"/x": 1}', ""])
def test_a_corrupt_store_is_ignored(tmp_path: Path, stored: str) -> None:
    store = PassedOver.load(tmp_path, "salt").store
    assert store is not None
    store.parent.mkdir(parents=True)
    store.write_text(stored)
    memo = PassedOver.load(tmp_path, "salt")
    assert memo.kept == {}
    assert not memo.known(tmp_path)


def test_a_file_seen_just_after_its_change_is_not_kept(tmp_path: Path) -> None:
    """The racy rule: the same size, times and inode could hide a second change made within the clock's tick."""
    path = tmp_path / "settings.yaml"
    path.write_text("a: 1\n")
    memo = PassedOver.load(tmp_path / "cache", "salt")
    memo.remember(path)
    memo.save()
    assert memo.now == {}
    memo.started_ns += 10**10  # ten seconds later: well after the change
    memo.remember(path)
    memo.save()
    again = PassedOver.load(tmp_path / "cache", "salt")
    assert again.known(path)
    assert json.loads(again.store.read_text()) == again.kept  # type: ignore[union-attr]


def test_the_file_remembered_is_the_file_read_through_a_link(tmp_path: Path, monkeypatch) -> None:
    """`link/../x.yaml` with `link` a symbolic link is a file of the link's target's parent, not `x.yaml` next to
    it: remembering it under the tidied path hid the template `x.yaml` from later runs (a reviewer's case)."""
    monkeypatch.setattr(passed_over_module, "trusted", lambda stat, since: True)
    (tmp_path / "real" / "deep").mkdir(parents=True)
    (tmp_path / "real" / "x.yaml").write_text("name: settings\n")
    project = tmp_path / "proj"
    project.mkdir()
    shutil.copy(BAD_TEMPLATE, project / "x.yaml")
    (project / "link").symlink_to("../real/deep")
    monkeypatch.chdir(project)
    cache = tmp_path / "cache"
    through_link = run([Path("link/..")], project, jobs=1, cache_dir=cache)
    assert _findings(through_link) == []
    report = run([Path(".")], project, jobs=1, cache_dir=cache)
    assert _findings(report) == [("DST001", "x.yaml", 38)]


def test_a_run_over_a_few_files_keeps_what_the_others_left(tree: Path, tmp_path: Path, monkeypatch) -> None:
    """Pre-commit's runs name a few files: the entries of the rest of the tree stay for the next full run."""
    cache = tmp_path / "cache"
    run([Path(".")], tree, jobs=1, cache_dir=cache)
    run([Path("stack.yaml")], tree, jobs=1, cache_dir=cache)
    read = _read_paths(monkeypatch)
    run([Path(".")], tree, jobs=1, cache_dir=cache)
    assert read == ["stack.yaml"]


def test_a_fifo_named_like_a_template_is_reported_not_waited_for(tmp_path: Path, monkeypatch) -> None:
    import os

    shutil.copy(BAD_TEMPLATE, tmp_path / "stack.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    monkeypatch.chdir(tmp_path)
    report = run([Path(".")], tmp_path, jobs=1)
    assert _findings(report) == [("DST001", "stack.yaml", 38)]
    assert [(e.path, e.message) for e in report.errors] == [
        ("pipe.yaml", "not a regular file (a FIFO, socket or device): not read")
    ]


def test_a_cached_full_run_replays_the_kept_listings(tmp_path: Path, monkeypatch) -> None:
    """A run over directories with the cache lists no unchanged directory again (inputs/listed_walk.py), finds
    the same, and lists again a directory where a file was added."""
    import os

    from infra_policy_linter.inputs import walk_cache

    monkeypatch.setattr(walk_cache, "trusted", lambda stat, since: True)
    root = tmp_path / "repo"
    (root / "a" / "b").mkdir(parents=True)
    (root / "c").mkdir()
    shutil.copy(BAD_TEMPLATE, root / "a" / "b" / "stack.yaml")
    (root / "c" / "settings.yaml").write_text("name: x\n")
    monkeypatch.chdir(root)
    cache = tmp_path / "cache"
    first = run([Path(".")], root, jobs=1, cache_dir=cache)
    listed: list[str] = []
    scandir = os.scandir

    def counting(path):  # type: ignore[no-untyped-def]
        listed.append(os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", counting)
    monkeypatch.setattr(os, "walk", lambda *a, **k: (_ for _ in ()).throw(AssertionError("walked")))
    second = run([Path(".")], root, jobs=1, cache_dir=cache)
    assert _findings(second) == _findings(first) == [("DST001", "a/b/stack.yaml", 38)]
    assert [p for p in listed if not p.startswith(os.fspath(cache))] == []
    shutil.copy(BAD_TEMPLATE, root / "c" / "other.yaml")
    third = run([Path(".")], root, jobs=1, cache_dir=cache)
    assert _findings(third) == [("DST001", "a/b/stack.yaml", 38), ("DST001", "c/other.yaml", 38)]
    assert [p for p in listed if not p.startswith(os.fspath(cache))] == ["./c"]
