"""The HCL parser: python-hcl2's grammar without lark's position tracking must give python-hcl2's own output."""

from __future__ import annotations

from pathlib import Path

import hcl2
import pytest

from infra_policy_linter.parsers import terraform
from tests.conftest import REPO

TF_FILES = sorted(p for p in (REPO / "fixtures").rglob("*.tf"))


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(REPO / "fixtures")))
def test_same_output_as_python_hcl2(path: Path) -> None:
    text = path.read_text()
    assert terraform._loads(text) == hcl2.loads(text, with_meta=True)


def test_shipped_parser_is_used_when_current_and_ignored_when_stale(tmp_path: Path, monkeypatch) -> None:
    found = terraform._grammar()
    assert found is not None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    stale = tmp_path / "stale.bin"
    stale.write_bytes(b"lark 0.0 python 2.7 grammar 0\n" + b"not a parser")
    monkeypatch.setattr(terraform, "SHIPPED_GRAMMAR", stale)
    terraform._parser.cache_clear()
    try:
        text = (REPO / "fixtures/terraform/DST001/bad/main.tf").read_text()
        assert terraform._loads(text) == hcl2.loads(text, with_meta=True)
        assert list((tmp_path / "cache" / "infra-policy-linter").glob("*.grammar"))  # built and kept
        fresh = tmp_path / "fresh.bin"
        terraform.write_shipped_grammar(fresh)
        monkeypatch.setattr(terraform, "SHIPPED_GRAMMAR", fresh)
        terraform._parser.cache_clear()
        assert terraform._loads(text) == hcl2.loads(text, with_meta=True)
    finally:
        terraform._parser.cache_clear()
