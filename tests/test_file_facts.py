"""The per-file facts pre-commit's scope keeps between runs: reused while a file is unchanged, found again when
it changes, and never able to change a result (a missing or corrupt store is rebuilt)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from infra_policy_linter.inputs.file_facts import FileFacts
from infra_policy_linter.inputs.walk_cache import RACY_NS

CALLER = 'module "q" {\n  source = "../queue"\n}\nlocals {\n  p = file("${path.module}/policy.json")\n}\n'


def _unreadable(self: Path, *args: object, **kwargs: object) -> str:
    raise AssertionError(f"{self} was read")


def test_facts_are_kept_and_reused_while_the_file_is_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    main = tmp_path / "root" / "main.tf"
    main.parent.mkdir()
    main.write_text(CALLER)
    first = FileFacts.load(tmp_path / "cache", tmp_path, "code")
    first.started_ns += 2 * RACY_NS  # as if the file was written well before the run (otherwise not kept)
    assert first.of(main) == (["../queue"], ["${path.module}/policy.json"])
    first.save()
    again = FileFacts.load(tmp_path / "cache", tmp_path, "code")
    monkeypatch.setattr(Path, "read_text", _unreadable)
    assert again.of(main) == (["../queue"], ["${path.module}/policy.json"])
    assert not again.changed


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    main = tmp_path / "main.tf"
    main.write_text(CALLER)
    facts = FileFacts.load(tmp_path / "cache", tmp_path, "code")
    facts.started_ns += 2 * RACY_NS
    facts.of(main)
    facts.save()
    time.sleep(0.05)  # past the clock's granularity: the edit gets another time stamp
    main.write_text(CALLER.replace("../queue", "../topic/sns"))
    assert FileFacts.load(tmp_path / "cache", tmp_path, "code").of(main)[0] == ["../topic/sns"]


def test_another_linter_or_a_corrupt_store_starts_afresh(tmp_path: Path) -> None:
    main = tmp_path / "main.tf"
    main.write_text(CALLER)
    facts = FileFacts.load(tmp_path / "cache", tmp_path, "code")
    facts.of(main)
    facts.save()
    assert FileFacts.load(tmp_path / "cache", tmp_path, "other code").entries == {}
    assert facts.store is not None
    facts.store.write_text("{not json")
    assert FileFacts.load(tmp_path / "cache", tmp_path, "code").of(main)[0] == ["../queue"]


def test_without_a_cache_nothing_is_written(tmp_path: Path) -> None:
    main = tmp_path / "main.tf"
    main.write_text(CALLER)
    facts = FileFacts.load(None, tmp_path, "code")
    assert facts.of(main)[0] == ["../queue"]
    facts.save()
    assert [p.name for p in tmp_path.iterdir()] == ["main.tf"]


def test_a_file_changed_just_before_it_is_read_is_read_again(tmp_path: Path) -> None:
    """An edit within the file system's time stamp granularity could keep the size and times: such a file's
    facts are not kept (git's racy entries)."""
    main = tmp_path / "main.tf"
    main.write_text(CALLER)
    facts = FileFacts.load(tmp_path / "cache", tmp_path, "code")
    facts.of(main)
    facts.save()
    main.write_text(CALLER.replace("../queue", "../qqqqq"))  # same size, same time stamp possibly
    assert FileFacts.load(tmp_path / "cache", tmp_path, "code").of(main)[0] == ["../qqqqq"]
