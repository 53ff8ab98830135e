"""Reading CloudFormation templates through cfn-lint's decoder (JSON and YAML, short-form tags, positions).

cfn-lint is imported lazily: a Terraform-only run never pays its start-up cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from infra_policy_linter.inputs.sniff import looks_like_template
from infra_policy_linter.model.entities import Language
from infra_policy_linter.model.located import ParseError
from infra_policy_linter.parsers.duplicate_keys import DuplicateKey, decode_keeping_last


@dataclass
class Template:
    path: str
    body: dict[str, Any]
    language: Language
    lines: list[str] = field(default_factory=list)
    duplicates: list[DuplicateKey] = field(default_factory=list)  # keys given twice; the last value was kept


def is_template(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    if "AWSTemplateFormatVersion" in body:
        return True
    resources = body.get("Resources")
    if not isinstance(resources, dict) or not resources:
        return False
    return any(
        isinstance(r, dict) and isinstance(r.get("Type"), str) and r["Type"].startswith(("AWS::", "Custom::"))
        for r in resources.values()
    )


def parse_template(display: str, text: str) -> Template | ParseError | None:
    """Decode a template; None when the file is not a CloudFormation template at all."""
    if not looks_like_template(text):
        return None
    language: Language = "json" if text.lstrip().startswith("{") else "yaml"
    try:
        body, matches = _decode_json(text) if language == "json" else decode_yaml(text)
    except RecursionError:
        return ParseError(display, None, None, "invalid template: nesting too deep")
    except Exception as exc:  # the decoder reports most problems as matches; anything else is still bad input
        return ParseError(display, None, None, f"invalid template: {exc}")
    duplicates: list[DuplicateKey] = []
    if matches and all(_is_duplicate(m) for m in matches):
        # CloudFormation accepts a key given twice and keeps the last value: so does the linter (with a warning)
        try:
            body, duplicates = decode_keeping_last(text, language)
            matches = []
        except RecursionError:
            return ParseError(display, None, None, "invalid template: nesting too deep")
        except Exception:  # anything else wrong: cfn-lint's own report below says what
            pass
    if matches or body is None:
        first = matches[0] if matches else None
        line = getattr(first, "linenumber", None) if first else None
        column = getattr(first, "columnnumber", None) if first else None
        message = getattr(first, "message", "could not be decoded") if first else "could not be decoded"
        return ParseError(display, line, column, f"invalid template: {message}")
    if not is_template(body):
        return None
    return Template(display, body, language, text.split("\n"), duplicates)


def _is_duplicate(match: Any) -> bool:
    rule = getattr(match, "rule", None)
    return getattr(rule, "id", "") == "E0000" and str(getattr(match, "message", "")).startswith("Duplicate found")


def decode_yaml(text: str) -> tuple[Any, list[Any]]:
    """cfn-lint's decoding: built in one pass where that gives the same objects (parsers/template_yaml.py),
    by cfn-lint itself otherwise (and whenever something is wrong, so that it says what)."""
    from infra_policy_linter.parsers.template_yaml import decode

    body = decode(text)
    if body is not None:
        return body, []
    from cfnlint.decode import decode_str

    decoded: tuple[Any, list[Any]] = decode_str(text)
    return decoded


def _decode_json(text: str) -> tuple[Any, list[Any]]:
    """JSON templates: the standard decoder checks the syntax first, since its errors point where JSON went wrong;
    cfn-lint's decoder then builds the positioned nodes (and catches duplicate keys)."""
    import json

    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [_Problem(exc.lineno, exc.colno, exc.msg)]
    return decode_yaml(text)


@dataclass
class _Problem:
    linenumber: int | None
    columnnumber: int | None
    message: str


def quick_look(text: str) -> bool | None:
    """Whether a file is a template, from a cheap decode (libyaml's composer, or the standard JSON decoder), for a
    template the linter will not otherwise read (run/analysis.py); None when the full decoder must judge: the
    cheap one fails, finds a key given twice (LNT004), or is not available."""
    try:
        if text.lstrip().startswith("{"):
            return _json_look(text)
        return _yaml_look(text)
    except Exception:  # noqa: BLE001 - whatever the cheap decoder refuses, the full one reports in its own words
        return None


class _Duplicate(Exception):
    pass


def _json_look(text: str) -> bool | None:
    import json

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({k for k, _ in items}) != len(items):
            raise _Duplicate
        return dict(items)

    return is_template(json.loads(text, object_pairs_hook=pairs))


def _yaml_look(text: str) -> bool | None:
    import yaml

    if not getattr(yaml, "__with_libyaml__", False):
        return None  # the pure-Python composer is no cheaper than cfn-lint's decoder
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    stack = [root]
    seen: set[int] = set()  # an alias is the same node again: each node once, so a YAML bomb costs its size only
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
            if len(set(keys)) != len(keys):
                return None
            stack.extend(v for pair in node.value for v in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return _node_is_template(root)


def _node_is_template(root: Any) -> bool:
    """is_template on libyaml's nodes."""
    import yaml

    if not isinstance(root, yaml.MappingNode):
        return False
    top = {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    if "AWSTemplateFormatVersion" in top:
        return True
    resources = top.get("Resources")
    if not isinstance(resources, yaml.MappingNode):
        return False
    for _, resource in resources.value:
        fields = (
            {k.value: v for k, v in resource.value if isinstance(k, yaml.ScalarNode)}
            if isinstance(resource, yaml.MappingNode)
            else {}
        )
        kind = fields.get("Type")
        if isinstance(kind, yaml.ScalarNode) and str(kind.value).startswith(("AWS::", "Custom::")):
            return True
    return False
