"""What a fix must never do: lose anything the file said. Both texts are parsed and compared, not trusted to the
findings the fix was meant to clear: every key, statement and list item that was there before must still be
there, with the same value. The one change of shape allowed is the one a SAM ``Policies`` edit makes: a single
value that becomes a list still holding it."""

from __future__ import annotations

from typing import Any

from infra_policy_linter.inputs.discovery import is_terraform_file


def _parse(text: str, path: str) -> Any:
    """The file's data, as the linter reads it; None when it does not parse."""
    if is_terraform_file(path.rsplit("/", 1)[-1]):
        from infra_policy_linter.parsers.terraform import TfFile, parse_hcl

        tf = parse_hcl(path, text)
        return tf.body if isinstance(tf, TfFile) else None
    from infra_policy_linter.parsers.cloudformation import Template, parse_template

    template = parse_template(path, text)
    if not isinstance(template, Template) or template.duplicates:
        return None  # a key given twice: one value silently lost
    return template.body


def _plain(value: Any) -> Any:
    """Positions dropped (the decoders attach them; an insertion moves them)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value if isinstance(value, bool | int | float) or value is None else str(value)


def _missing_item(old: list[Any], new: list[Any], where: str) -> str | None:
    """The first old item not found, in order, among the new ones."""
    j = 0
    for i, item in enumerate(old):
        while j < len(new) and missing(item, new[j], "") is not None:
            j += 1
        if j == len(new):
            return f"{where}[{i}]"
        j += 1
    return None


def missing(old: Any, new: Any, where: str = "") -> str | None:
    """Where ``new`` lost or changed something of ``old`` (a dotted path), or None when it kept everything."""
    if old == new:
        return None
    if isinstance(new, list) and not isinstance(old, list):
        return None if any(missing(old, item) is None for item in new) else (where or "the document")
    if isinstance(old, dict) and isinstance(new, dict):
        for key, value in old.items():
            at = f"{where}.{key}" if where else str(key)
            if key not in new:
                return at
            lost = missing(value, new[key], at)
            if lost is not None:
                return lost
        return None
    if isinstance(old, list) and isinstance(new, list):
        return _missing_item(old, new, where)
    return where or "the document"


def lost(before: str, after: str, path: str) -> str | None:
    """Why the edited text is not kept: it no longer parses, or something the file had is gone (None: kept)."""
    old, new = _parse(before, path), _parse(after, path)
    if new is None:
        return "the edited file does not parse cleanly" if old is not None else None
    if old is None:
        return None
    gone = missing(_plain(old), _plain(new))
    return None if gone is None else f"the edit would lose or change {gone}"
