"""Templates with a key twice in one mapping, decoded as CloudFormation reads them: the last value wins.

cfn-lint's decoder refuses such a template (E0000 "Duplicate found"), but CloudFormation accepts it and keeps the
last value, so the linter must lint that value rather than call the template unreadable. This decodes again with
cfn-lint's own loaders (same positioned nodes, same short-form tags), changed only to keep the last value and to
note each duplicate. Only templates cfn-lint rejected for duplicates alone come here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DuplicateKey:
    key: str
    first_line: int  # 1-based
    line: int  # the occurrence CloudFormation keeps
    column: int
    path: str = ""  # where in the template: "Resources.Queue.Properties.QueueName"


def decode_keeping_last(text: str, language: str) -> tuple[Any, list[DuplicateKey]]:
    """(template, duplicates); raises whatever cfn-lint's loaders raise for anything else that is wrong."""
    from yaml.error import MarkedYAMLError

    duplicates: list[_Found] = []
    try:
        template = _load_yaml(text, duplicates)
    except MarkedYAMLError:
        if language != "json":
            raise
        # cfn-lint reads JSON with its YAML loader and falls back to its JSON decoder when that fails (tabs)
        duplicates.clear()
        template = _load_json(text, duplicates)
    return template, sorted(_with_paths(template, duplicates), key=lambda d: (d.line, d.column, d.key))


def _with_paths(template: Any, duplicates: list[_Found]) -> list[DuplicateKey]:
    """Each duplicate with the path of its mapping (found by the mapping's start, which the loaders noted)."""
    paths: dict[tuple[int, int], str] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            mark = getattr(node, "start_mark", None)
            if mark is not None:
                paths.setdefault((mark.line, mark.column), path)
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(template, "")
    found = []
    for d, start in duplicates:
        prefix = paths.get(start, "")
        found.append(DuplicateKey(d.key, d.first_line, d.line, d.column, f"{prefix}.{d.key}" if prefix else d.key))
    return found


# A duplicate as a loader sees it, with the (line, column) where its mapping starts
_Found = tuple[DuplicateKey, tuple[int, int]]


def _load_yaml(text: str, duplicates: list[_Found]) -> Any:
    from cfnlint.decode import cfn_yaml
    from cfnlint.decode.node import dict_node
    from yaml.constructor import SafeConstructor

    class LastValueLoader(cfn_yaml.CfnFullLoader):
        def construct_yaml_map(self, node: Any) -> Any:
            self.flatten_mapping(node)
            using_merge = getattr(node, "using_merge", False)
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, False)
                if key is None:
                    raise ValueError(f"null key {key_node.value!r} (line {key_node.start_mark.line + 1})")
                line = key_node.start_mark.line + 1
                if key in seen and not using_merge:
                    found = DuplicateKey(str(key), seen[key], line, key_node.start_mark.column + 1)
                    duplicates.append((found, (node.start_mark.line, node.start_mark.column)))
                seen[key] = line
            (obj,) = SafeConstructor.construct_yaml_map(self, node)  # a dict: the last value of a key wins
            return dict_node(obj, node.start_mark, node.end_mark, using_merge)

    LastValueLoader.add_constructor("tag:yaml.org,2002:map", LastValueLoader.construct_yaml_map)
    loader = LastValueLoader(text, None)
    loader.add_multi_constructor("!", cfn_yaml.multi_constructor)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _load_json(text: str, duplicates: list[_Found]) -> Any:
    from cfnlint.decode import cfn_json
    from cfnlint.decode.node import dict_node

    def keep_last(pairs: list[tuple[Any, Any]], beg_mark: Any, end_mark: Any) -> Any:
        mapping = dict_node({}, beg_mark, end_mark)
        lines: dict[Any, int] = {}
        for key, value in pairs:
            line = key.start_mark.line + 1
            if key in lines:
                found = DuplicateKey(str(key), lines[key], line, key.start_mark.column + 1)
                duplicates.append((found, (beg_mark.line, beg_mark.column)))
                del mapping[key]  # the key node kept is the last one, where the value comes from
            lines[key] = line
            mapping[key] = value
        return mapping

    class LastValueDecoder(cfn_json.CfnJSONDecoder):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.object_pairs_hook = keep_last
            self.scan_once = cfn_json.py_make_scanner(self)  # the scanner reads the hook when it is made

    return json.loads(text, cls=LastValueDecoder)
