"""The HCL parser: python-hcl2's grammar without lark's position tracking must give python-hcl2's own output."""

from __future__ import annotations

from pathlib import Path

import hcl2
import pytest

from infra_policy_linter.parsers import terraform
from infra_policy_linter.parsers.hcl_expressions import ParsedExpression
from infra_policy_linter.parsers.terraform import _has_expression
from tests.conftest import REPO

TF_FILES = sorted(p for p in (REPO / "fixtures").rglob("*.tf"))


def comparable(value: object) -> object:
    """Blocks, attribute names and literal values as python-hcl2 gives them; each expression as a placeholder.

    The linter reads expressions from the source text, where python-hcl2 rebuilds them (losing quotes inside
    tuples, writing null as None): what must agree is the structure around them. The expressions themselves
    are checked against the source in the tests below and in test_hcl_expressions.py.
    """
    if isinstance(value, ParsedExpression) or _has_expression(value):
        if not isinstance(value, dict) or "__start_line__" not in value:
            return "<expression>"
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    return value


def loads_same_as_python_hcl2(text: str) -> None:
    assert comparable(terraform._loads(text)) == comparable(hcl2.loads(text, with_meta=True))


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(REPO / "fixtures")))
def test_same_output_as_python_hcl2(path: Path) -> None:
    loads_same_as_python_hcl2(path.read_text())


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
        loads_same_as_python_hcl2(text)
        assert list((tmp_path / "cache" / "infra-policy-linter").glob("*.grammar"))  # built and kept
        fresh = tmp_path / "fresh.bin"
        terraform.write_shipped_grammar(fresh)
        monkeypatch.setattr(terraform, "SHIPPED_GRAMMAR", fresh)
        terraform._parser.cache_clear()
        loads_same_as_python_hcl2(text)
    finally:
        terraform._parser.cache_clear()


def test_expressions_are_read_from_the_source_not_from_python_hcl2s_rebuilt_text() -> None:
    # python-hcl2 7.x rebuilds this as 'concat([sqs:SendMessage], var.extra)': the quotes inside the tuple are lost.
    body = terraform._loads('locals {\n  a = concat(["sqs:SendMessage"], var.extra) # why\n  b = { x = { y = "z" } }.x\n}\n')
    a = body["locals"][0]["a"]
    assert isinstance(a, ParsedExpression)
    assert a.source == 'concat(["sqs:SendMessage"], var.extra)'
    assert a.node == ("call", "concat", [("tuple", [("lit", "sqs:SendMessage")]), ("ref", "var", [("attr", "extra")])],
                      False)
    assert body["locals"][0]["b"].source == '{ x = { y = "z" } }.x'
