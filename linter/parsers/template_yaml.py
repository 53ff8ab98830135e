"""A template's YAML (or JSON) decoded as cfn-lint's decoder decodes it, in one pass over libyaml's nodes, without
importing cfn-lint.

cfn-lint composes with libyaml (its loader is PyYAML's ``CSafeLoader``) and then builds, through PyYAML's generic
constructor, mappings, lists and strings that carry the composer's ``start_mark`` / ``end_mark``, with its
short-form tags (``!Ref``, ``!Sub`` ...) turned into the long form. This builds the same values at the same marks
directly, in this module's own node classes: importing any part of cfn-lint runs its ``__init__``, which imports
sympy and networkx (about a second per process), and PyYAML's generic machinery was two thirds of decoding.
Scalars other than strings come from PyYAML's safe constructors, as in cfn-lint.

Whatever this does not vouch for returns None and the caller decodes with cfn-lint as before (its node classes
carry the same marks), so errors, their messages and their lines stay cfn-lint's: text with an ``&`` anywhere (it
may hold an anchor: aliases, the alias-expansion guard and the alias positions cfn-lint records), a key given
twice, a null, merge (``<<``) or non-scalar key, an unknown tag, a ``!GetAtt`` of a mapping, a document nested
deeper than ``_MAX_DEPTH``, an empty or null document, or any exception. tests/test_template_yaml.py decodes every
template fixture and the generated corpus both ways and compares kinds, values and marks
(``python -m tests.test_template_yaml DIR...`` does it on any tree).
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

_YAML = "tag:yaml.org,2002:"
_STR = _YAML + "str"
_MAP = _YAML + "map"
_SEQ = _YAML + "seq"
# Scalars whose constructors are plain functions of the node (no generators, no state): PyYAML's own are used.
_SCALARS = frozenset(_YAML + name for name in ("null", "bool", "int", "float", "timestamp"))
# Keys cfn-lint constructs as plain values (not a merge "<<", not a value "=" key, not a short form)
_KEY_TAGS = frozenset({_STR} | _SCALARS)
# Short forms that keep their name; every other ``!Name`` is ``Fn::Name`` (CloudFormation's YAML short forms).
_UNPREFIXED = frozenset({"Ref", "Condition"})
# cfn-lint's constructor recurses through two (mapping) to five (sequence) frames a level, this one frame: deeper
# documents go its way, so that one too deep for it fails the same way (and one this shallow is far from the limit).
_MAX_DEPTH = 64
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # cfn-lint's choice too: libyaml when PyYAML has it


class MarkedStr(str):
    """A string with the composer's marks (cfn-lint's ``str_node``)."""

    start_mark: Any
    end_mark: Any

    def __new__(cls, value: str, start_mark: Any = None, end_mark: Any = None) -> MarkedStr:
        made = str.__new__(cls, value)
        made.start_mark, made.end_mark = start_mark, end_mark
        return made

    def __deepcopy__(self, memo: dict[int, Any]) -> MarkedStr:
        return MarkedStr(self, self.start_mark, self.end_mark)

    def __reduce__(self) -> tuple[Any, ...]:
        return MarkedStr, (str(self), self.start_mark, self.end_mark)


class MarkedDict(dict[Any, Any]):
    """A mapping with the composer's marks (cfn-lint's ``dict_node``)."""

    def __init__(self, *args: Any, start_mark: Any = None, end_mark: Any = None) -> None:
        super().__init__(*args)
        self.start_mark, self.end_mark = start_mark, end_mark

    def __deepcopy__(self, memo: dict[int, Any]) -> MarkedDict:
        made = MarkedDict(start_mark=self.start_mark, end_mark=self.end_mark)
        memo[id(self)] = made
        for key, value in self.items():
            made[copy.deepcopy(key)] = copy.deepcopy(value, memo)
        return made

    def get(self, key: Any, default: Any = None) -> Any:
        """As cfn-lint's: a mapping given as the default comes back with this mapping's marks."""
        if isinstance(default, dict):
            default = MarkedDict(default, start_mark=self.start_mark, end_mark=self.end_mark)
        return super().get(key, default)


class MarkedList(list[Any]):
    """A sequence with the composer's marks (cfn-lint's ``list_node``)."""

    def __init__(self, *args: Any, start_mark: Any = None, end_mark: Any = None) -> None:
        super().__init__(*args)
        self.start_mark, self.end_mark = start_mark, end_mark

    def __deepcopy__(self, memo: dict[int, Any]) -> MarkedList:
        made = MarkedList(start_mark=self.start_mark, end_mark=self.end_mark)
        memo[id(self)] = made
        made.extend(copy.deepcopy(value, memo) for value in self)
        return made


class _Doubt(Exception):
    """Something cfn-lint's own constructor must decide (and report, if it is an error)."""


def decode(text: str) -> Any:
    """What ``cfnlint.decode.cfn_yaml.loads(text)`` gives (in this module's node classes) when that succeeds and
    this can vouch for the result; else None."""
    if "&" in text:
        return None
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        built = _Builder(loader).build(root, 0)
    except Exception:  # noqa: BLE001 - a doubt, a YAML error, anything: cfn-lint decodes and says what is wrong
        return None
    finally:
        loader.dispose()
    return built  # None for a null document: cfn-lint makes that an empty template


class _Builder:
    """Builds what cfn-lint's constructor builds from one composed document without aliases."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.constructors = loader.yaml_constructors

    def build(self, node: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise _Doubt
        tag = node.tag
        if tag[:1] == "!":
            return self._short_form(tag[1:], node, depth)
        kind = type(node)
        if kind is yaml.ScalarNode:
            if tag == _STR:
                return MarkedStr(node.value, node.start_mark, node.end_mark)
            if tag in _SCALARS:
                return self.constructors[tag](self.loader, node)
        elif kind is yaml.MappingNode and tag == _MAP:
            mapping = MarkedDict(start_mark=node.start_mark, end_mark=node.end_mark)
            self._fill(mapping, node, depth, last_wins=False)
            return mapping
        elif kind is yaml.SequenceNode and tag == _SEQ:
            items = [self.build(child, depth + 1) for child in node.value]
            return MarkedList(items, start_mark=node.start_mark, end_mark=node.end_mark)
        raise _Doubt

    def _fill(self, mapping: dict[Any, Any], node: Any, depth: int, last_wins: bool) -> None:
        """The keys and values in order. cfn-lint reports a key given twice (except inside a short form, where the
        last value wins) or a null key; a merge key changes what a mapping holds: all of those are its to handle."""
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode or key_node.tag not in _KEY_TAGS:
                raise _Doubt
            key = self.build(key_node, depth + 1)
            if key is None or (key in mapping and not last_wins) or (type(key) is float and key != key):  # noqa: PLR0124 - NaN
                raise _Doubt
            mapping[key] = self.build(value_node, depth + 1)

    def _short_form(self, name: str, node: Any, depth: int) -> MarkedDict:
        """``!Name value`` as cfn-lint builds it: ``{"Fn::Name": value}`` at the tag's marks, the value a plain
        string, list or mapping (``!GetAtt a.b`` a marked list of the two halves)."""
        function = name if name in _UNPREFIXED else "Fn::" + name
        kind = type(node)
        value: Any
        if function == "Fn::GetAtt" and kind is not yaml.MappingNode:
            parts = node.value.split(".", 1) if kind is yaml.ScalarNode else self._items(node, depth)
            value = MarkedList(parts, start_mark=node.start_mark, end_mark=node.end_mark)
        elif kind is yaml.ScalarNode:
            value = node.value
        elif kind is yaml.SequenceNode:
            value = self._items(node, depth)
        elif kind is yaml.MappingNode and function != "Fn::GetAtt":  # cfn-lint's GetAtt of a mapping has no marks
            value = {}
            self._fill(value, node, depth, last_wins=True)
        else:
            raise _Doubt
        return MarkedDict({function: value}, start_mark=node.start_mark, end_mark=node.end_mark)

    def _items(self, node: Any, depth: int) -> list[Any]:
        return [self.build(child, depth + 1) for child in node.value]
