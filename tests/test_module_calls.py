"""The textual scan for module calls and file reads (inputs/module_calls.py) against the plain patterns it stands
for: `^\\s*source\\s*=\\s*"(./...)"` per line, and `\\b(file|templatefile)\\("..."`. The scan finds the same
strings, in the same order, on tricky text and on every Terraform file of the fixtures."""

from __future__ import annotations

import re

import pytest

from infra_policy_linter.inputs.module_calls import call_sources, read_paths
from tests.conftest import REPO

PLAIN_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.\.?/[^"]*)"', re.M)
PLAIN_READ = re.compile(r'\b(?:file|templatefile)\(\s*"((?:\$\{path\.module\}/)?[^"$]+)"')

TRICKY_SOURCES = [
    'module "a" {\n  source = "./a"\n}\n',
    'source = "../b"',  # at the very start
    '\n\n   \t source\n   =\n "./c"',  # spread over lines
    'xsource = "./d"\n  source = "./e"',  # a longer name first, then a call
    'data_source = "./f"\nmodule "g" { source = "./g" }',  # not first on its line
    'a = "x"  source = "./h"',
    'xsource = "./i\nsource = "./j"',  # a candidate that is not one, running into the next line's
    'source_code_hash = "./k"\n\tsource="./l"\r\n  source = "./m"',
    'source = "https://example.com/x"\nsource = "./n"',
    '  # source = "./o"\n',
]
TRICKY_READS = [
    'a = file("x")',
    'a = templatefile("y", {})',
    'a = xfile("z")',
    'a = mytemplatefile("q")',
    'a=_templatefile("w")',
    'file("a")',
    'templatefile("b")',
    'a = fileb("c")',
    'a = file ("d")',
    'é_file("e") file("f") éfile("g")',
    'xtemplatefile("h") templatefile("${path.module}/i.json") file("${var.x}")',
    'file("j") file("j") file( "k" )',
    'xfile("l\nfile("m")',  # a candidate that is not one, running into the next call
]


@pytest.mark.parametrize("text", TRICKY_SOURCES)
def test_call_sources_match_the_line_anchored_pattern(text: str) -> None:
    assert call_sources(text) == PLAIN_SOURCE.findall(text)


@pytest.mark.parametrize("text", TRICKY_READS)
def test_read_paths_match_the_word_bounded_pattern(text: str) -> None:
    assert read_paths(text) == list(dict.fromkeys(PLAIN_READ.findall(text)))


def test_every_fixture_scans_as_the_plain_patterns_do() -> None:
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(REPO.glob("fixtures/**/*.tf"))]
    assert len(texts) > 100
    assert [call_sources(t) for t in texts] == [PLAIN_SOURCE.findall(t) for t in texts]
    assert [read_paths(t) for t in texts] == [list(dict.fromkeys(PLAIN_READ.findall(t))) for t in texts]
    assert sum(len(call_sources(t)) for t in texts) > 10  # the fixtures do call modules
