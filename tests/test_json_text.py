"""The reports' JSON text: the same document as the standard encoder's, long lists one item per line."""

from __future__ import annotations

import json

from infra_policy_linter.report.json_text import dumps


def test_long_lists_are_one_item_per_line_and_the_document_is_unchanged() -> None:
    doc = {
        "tool": {"name": "lint", "rules": [{"id": "DST001"}]},
        "findings": [{"rule": "DST001", "message": 'é \\u0000 "q"', "related": [1, 2]}, {"rule": "DST002"}],
        "errors": [],
        "summary": {"counts": {"a": 1}},
    }
    text = dumps(doc, ("findings", "errors"))
    assert json.loads(text) == doc
    assert text == (
        "{\n"
        '  "tool": {\n'
        '    "name": "lint",\n'
        '    "rules": [\n'
        "      {\n"
        '        "id": "DST001"\n'
        "      }\n"
        "    ]\n"
        "  },\n"
        '  "findings": [\n'
        '    {"rule": "DST001", "message": "é \\\\u0000 \\"q\\"", "related": [1, 2]},\n'
        '    {"rule": "DST002"}\n'
        "  ],\n"
        '  "errors": [],\n'
        '  "summary": {\n'
        '    "counts": {\n'
        '      "a": 1\n'
        "    }\n"
        "  }\n"
        "}\n"
    )


def test_a_string_that_looks_like_a_marker_falls_back_to_the_standard_text() -> None:
    doc = {"errors": [b"\\u0000long list 0\\u0000".decode("unicode_escape")], "findings": [{"a": 1}]}
    text = dumps(doc, ("findings",))
    assert json.loads(text) == doc
    assert text == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def test_nested_long_lists_keep_their_depth() -> None:
    doc = {"runs": [{"tool": {}, "results": [{"ruleId": "X"}, {"ruleId": "Y"}]}]}
    text = dumps(doc, ("results",))
    assert json.loads(text) == doc
    assert '      "results": [\n        {"ruleId": "X"},\n        {"ruleId": "Y"}\n      ]\n' in text
