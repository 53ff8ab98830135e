"""JSON text for the machine-readable reports: indented two spaces, with each item of the long lists (findings,
results) on one line of its own.

The standard library's C encoder does not indent; with ``indent`` every value goes through its pure-Python
encoder, which made writing a report of a thousand findings a third of a cached run. One item per line keeps the
report readable in a diff and a pager, and the text is the same for the same report (determinism)."""

from __future__ import annotations

import json
from typing import Any

# json.dumps with any option builds a new encoder per call: one, made once, for the thousand items of a report.
_ONE_LINE = json.JSONEncoder(ensure_ascii=False)


def dumps(doc: Any, long_lists: tuple[str, ...]) -> str:
    """``doc`` as JSON (followed by a newline); the lists under the keys in ``long_lists`` are written one
    compact item per line, everything else indented two spaces a level."""
    parts: dict[str, list[Any]] = {}
    skeleton = _hollowed(doc, long_lists, parts)
    text = json.dumps(skeleton, indent=2, ensure_ascii=False)
    for marker, items in parts.items():
        written = json.dumps(marker)
        if text.count(written) != 1:  # a string of the report that looks like a marker: no shortcut
            return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        at = text.index(written)
        start = text.rindex("\n", 0, at) + 1
        indent = len(text[start:at]) - len(text[start:at].lstrip(" "))  # the key's own indentation
        text = text[:at] + _lines(items, indent) + text[at + len(written) :]
    return text + "\n"


def _hollowed(value: Any, long_lists: tuple[str, ...], parts: dict[str, Any]) -> Any:
    """``value`` with each long list replaced by a unique marker string (kept in ``parts``)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in long_lists and isinstance(item, list) and item:
                marker = f"\0long list {len(parts)}\0"
                parts[marker] = item
                out[key] = marker
            else:
                out[key] = _hollowed(item, long_lists, parts)
        return out
    if isinstance(value, list):
        return [_hollowed(item, long_lists, parts) for item in value]
    return value


def _lines(items: list[Any], indent: int) -> str:
    pad = " " * (indent + 2)
    encode = _ONE_LINE.encode
    body = ",\n".join(pad + encode(item) for item in items)
    return "[\n" + body + "\n" + " " * indent + "]"
