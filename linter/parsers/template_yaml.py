"""cfn-lint's YAML decoding of a template, built in one pass over libyaml's nodes.

cfn-lint already composes with libyaml (``CfnFullLoader`` is a ``CSafeLoader``); what costs is its constructor:
PyYAML's generic machinery (a cache of every node, recursion bookkeeping, generators exhausted by tuple unpacking,
each mapping flattened twice, duplicate keys found by a scan of the keys so far) runs in Python for every node,
about two thirds of decoding a template (libyaml's composing is the rest). For the plain documents templates are,
this builds the very same objects directly: cfn-lint's loader composes (same parser, resolver and tags), cfn-lint's
node classes hold the values at the composer's marks, scalars other than strings come from the loader's own
constructors and short-form tags (``!Ref``, ``!Sub`` ...) from cfn-lint's own ``multi_constructor``.

Whatever this does not vouch for returns None and the caller decodes with cfn-lint as before, so errors, their
messages and their lines stay cfn-lint's: text with an ``&`` anywhere (it may hold an anchor: aliases, the
alias-expansion guard and the alias positions cfn-lint records), a key given twice, a null, merge (``<<``) or
non-scalar key, an unknown tag, a document nested deeper than ``_MAX_DEPTH``, an empty or null document, or any
exception. tests/test_template_yaml.py decodes every template fixture and the generated corpus both ways and
compares classes, values and marks (``python -m tests.test_template_yaml DIR...`` does it on any tree).
"""

from __future__ import annotations

from typing import Any

_YAML = "tag:yaml.org,2002:"
_STR = _YAML + "str"
_MAP = _YAML + "map"
_SEQ = _YAML + "seq"
# Scalars whose constructors are plain functions of the node (no generators, no state): the loader's own are used.
_SCALARS = frozenset(_YAML + name for name in ("null", "bool", "int", "float", "timestamp"))
# cfn-lint's constructor recurses through two (mapping) to five (sequence) frames a level, this one frame: deeper
# documents go its way, so that one too deep for it fails the same way (and one this shallow is far from the limit).
_MAX_DEPTH = 64


class _Doubt(Exception):
    """Something cfn-lint's own constructor must decide (and report, if it is an error)."""


def decode(text: str) -> Any:
    """``cfnlint.decode.cfn_yaml.loads(text)`` when that succeeds and this can vouch for the result; else None."""
    if "&" in text:
        return None
    from cfnlint.decode import cfn_yaml

    loader = cfn_yaml.CfnFullLoader(text, None)
    loader.add_multi_constructor("!", cfn_yaml.multi_constructor)  # as cfn_yaml.loads does
    try:
        if set(loader.yaml_multi_constructors) != {"!"}:
            return None
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
    """Builds what cfn-lint's ``NodeConstructor`` builds from one composed document without aliases."""

    def __init__(self, loader: Any) -> None:
        import yaml
        from cfnlint.decode import cfn_yaml
        from cfnlint.decode.node import dict_node, list_node, str_node

        self.scalar, self.mapping, self.sequence = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
        self.loader = loader
        self.constructors = loader.yaml_constructors
        self.multi_constructor = cfn_yaml.multi_constructor
        self.dict_node = dict_node
        self.list_node = list_node
        self.str_node = str_node

    def build(self, node: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise _Doubt
        tag = node.tag
        if tag[:1] == "!":  # a short form: cfn-lint's own multi-constructor, on the loader's own construction
            return self.multi_constructor(self.loader, tag[1:], node)
        kind = type(node)
        if kind is self.scalar:
            if tag == _STR:
                return self.str_node(node.value, node.start_mark, node.end_mark)
            if tag in _SCALARS:
                return self.constructors[tag](self.loader, node)
        elif kind is self.mapping and tag == _MAP:
            return self.dict_node(self._mapping(node, depth), node.start_mark, node.end_mark, False)
        elif kind is self.sequence and tag == _SEQ:
            items = [self.build(child, depth + 1) for child in node.value]
            return self.list_node(items, node.start_mark, node.end_mark)
        raise _Doubt

    def _mapping(self, node: Any, depth: int) -> dict[Any, Any]:
        """The keys and values in order. cfn-lint reports a key given twice or a null key; a merge key changes
        what a mapping holds: all of those are its to handle."""
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not self.scalar or key_node.tag not in _KEY_TAGS:
                raise _Doubt
            key = self.build(key_node, depth + 1)
            if key is None or key in mapping or (type(key) is float and key != key):  # noqa: PLR0124 - NaN
                raise _Doubt
            mapping[key] = self.build(value_node, depth + 1)
        return mapping


# Keys cfn-lint constructs as plain values (not a merge "<<", not a value "=" key, not a short form)
_KEY_TAGS = frozenset({_STR} | _SCALARS)
