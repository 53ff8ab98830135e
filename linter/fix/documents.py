"""Structural edits of CloudFormation and SAM templates: a new resource after the role's, one more item in a SAM
function's ``Policies``.

YAML goes through ruamel.yaml's round-trip mode (comments, anchors, flow style, quotes and short-form tags such as
``!Ref`` survive); the change is then carried back onto the user's text line for line (:mod:`.merge`), so what
the edit does not touch stays byte for byte; when that cannot be done the library's whole text is used, and the
edit counts as touching existing lines (an unsafe fix). JSON: :mod:`.json_edit`, with the same rules.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from infra_policy_linter.fix.merge import Merged, carry_over


class EditError(Exception):
    """The template has no place the edit can go (the reason is the message)."""


def _yaml(indents: tuple[int, int, int]) -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 1 << 16  # never fold a long line the user wrote on one
    mapping, sequence, offset = indents
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


def _content(lines: list[str], i: int) -> bool:
    return bool(lines[i].strip()) and not lines[i].lstrip().startswith("#")


def _key_column(line: str) -> int:
    """Where a line's key starts: after the dash of a list item (``- Statement:`` has its key two further in)."""
    stripped = line.lstrip()
    column = len(line) - len(stripped)
    while stripped.startswith("- "):
        rest = stripped[2:].lstrip()
        column += len(stripped) - len(rest)
        stripped = rest
    return column


def yaml_indents(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) as most of the template writes them: ruamel writes new
    lines so."""
    from collections import Counter

    lines = text.split("\n")
    mappings: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    parent = None  # the last line of content before this one
    for i, line in enumerate(lines):
        if not _content(lines, i):
            continue
        if parent is not None and lines[parent].rstrip().endswith(":"):
            step = len(line) - len(line.lstrip()) - _key_column(lines[parent])
            if line.lstrip().startswith("- ") and step >= 0:
                offsets[step] += 1
            elif not line.lstrip().startswith("- ") and step > 0:
                mappings[step] += 1
        parent = i
    mapping = mappings.most_common(1)[0][0] if mappings else 2
    offset = offsets.most_common(1)[0][0] if offsets else 2
    return mapping, offset + 2, offset


def _dump(y: Any, doc: Any) -> str:
    out = io.StringIO()
    y.dump(doc, out)
    return out.getvalue()


def _finish(original: str, base: str, edited: str) -> Merged:
    merged = carry_over(original, base, edited)
    return merged if merged is not None else Merged(edited, True)


def edit_yaml(text: str, change: Callable[[Any, Callable[[str], Any]], None]) -> Merged:
    """Apply ``change(document, load)`` (``load`` reads a YAML snippet in the same mode) to a YAML template."""
    from ruamel.yaml.error import YAMLError

    y = _yaml(yaml_indents(text))
    try:
        doc = y.load(text)
        base = _dump(y, doc)
        change(doc, lambda snippet: y.load(snippet))
        edited = _dump(y, doc)
    except YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise EditError(f"ruamel.yaml cannot edit it: {problem}") from exc
    if not text.endswith("\n"):
        base, edited = base.rstrip("\n"), edited.rstrip("\n")
    return _finish(text, base, edited)


def json_indent(text: str) -> str | int | None:
    """The file's indentation step: tabs, a number of spaces, or None for a template on one line."""
    match = re.search(r"\n([ \t]+)\S", text)
    if match is None:
        return None
    pad = match.group(1)
    return "\t" if pad.startswith("\t") else len(pad)


def _resources(doc: Any) -> Any:
    resources = doc.get("Resources") if hasattr(doc, "get") else None
    if not hasattr(resources, "items"):
        raise EditError("the template has no Resources mapping")
    return resources


def _insert_after(mapping: Any, after: str, key: str, value: Any) -> None:
    keys = list(mapping)
    at = keys.index(after) + 1 if after in keys else len(keys)
    if hasattr(mapping, "insert"):  # ruamel's CommentedMap keeps the position
        mapping.insert(at, key, value)
        return
    items = list(mapping.items())
    mapping.clear()
    mapping.update(items[:at] + [(key, value)] + items[at:])


def add_resource(doc: Any, role: str, after: str, logical: str, body: Any) -> None:
    """A new resource right after ``after`` (the role, or a grant already added after it), so that a reader finds
    the grant beside the role."""
    resources = _resources(doc)
    if role not in resources or after not in resources:
        raise EditError(f"the role {role} is not among the template's resources")
    if logical in resources:
        raise EditError(f"the logical id {logical} is taken")
    _insert_after(resources, after, logical, body)


def _tagged(value: Any) -> bool:
    """A short-form intrinsic (``!If``, ``!Ref``) or its long form: Policies computed, not written."""
    tag = getattr(getattr(value, "tag", None), "value", None)
    if isinstance(tag, str) and tag.startswith("!"):
        return True
    return hasattr(value, "keys") and len(value) == 1 and str(next(iter(value))).startswith(("Fn::", "Ref"))


def add_policy(doc: Any, function: str, item: Any, new_list: Callable[[list[Any]], Any]) -> None:
    """One more item in a SAM function's ``Policies``: appended to a list; a single policy (a managed policy's
    name, a policy document, a policy template) becomes a list that keeps it first; no Policies, a new key."""
    fn = _resources(doc).get(function)
    if not hasattr(fn, "get"):
        raise EditError(f"{function} is not a resource mapping")
    props = fn.get("Properties")
    if props is None:
        fn["Properties"] = props = type(fn)()
    if not hasattr(props, "get"):
        raise EditError(f"{function}'s Properties is not a mapping")
    policies = props.get("Policies")
    if _tagged(policies):
        raise EditError(f"{function}'s Policies is an intrinsic function, which a fix cannot extend")
    if policies is None:
        props["Policies"] = new_list([item])
    elif isinstance(policies, list):
        policies.append(item)
    else:
        props["Policies"] = new_list([policies, item])


def add_statement(doc: Any, where: tuple[str, ...], item: Any, new_list: Callable[[list[Any]], Any]) -> None:
    """serverless.yml: one more statement at the end of the list at ``where`` (``provider.iam.role.statements``);
    the mappings and the list it lacks are added. A value a variable gives (``${file(iam.yml)}``) or an intrinsic is
    not a list the edit can extend."""
    node = doc
    for i, key in enumerate(where):
        if not hasattr(node, "get") or _tagged(node):
            raise EditError(f"{'.'.join(where[:i]) or 'the file'} is not a mapping")
        last = i == len(where) - 1
        found = node.get(key)
        if found is None:
            node[key] = found = new_list([]) if last else type(doc)()
        node = found
    if not isinstance(node, list):
        raise EditError(f"{'.'.join(where)} is not a list (a variable or an intrinsic gives it)")
    node.append(item)
