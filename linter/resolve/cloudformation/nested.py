"""Nested stacks whose template is in the repository: ``AWS::CloudFormation::Stack`` with a local ``TemplateURL``,
``AWS::Serverless::Application`` with a local ``Location``.

CloudFormation deploys the child with the parameters the parent passes and hands its ``Outputs`` back as
``!GetAtt Child.Outputs.Name``. Judged alone, the child has parameters without defaults (DST004 everywhere) and
the parent's outputs are opaque; so a child referenced by a parent in the same run is part of the parent's unit
(as a Terraform module is part of the root module that calls it): its resources are built with the parameters
passed in, under the address ``Child/LogicalId``, and its outputs resolve to what they are in the child.
"""

from __future__ import annotations

import os
import re
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

# A local template path: not a URL, ends like a template. Read from the raw text, before parsing, so that
# discovery can group parent and children into one unit (and one cache entry) cheaply.
# (One pattern per key: a pattern that starts with a fixed word is found by a fast substring scan.)
_LOCAL_REFS = tuple(
    re.compile(key + r"""["']?\s*:\s*["']?([^"'\s{},\[\]]+\.(?:ya?ml|json|template))["']?""")
    for key in ("TemplateURL", "Location")
)
PACKAGED = "https://s3.amazonaws.com/sam-package/"  # what the SAM transform makes of a local Location


def local_template_refs(parent: Path, text: str) -> list[Path]:
    """Local child templates a template names (existing files only), relative to the parent's folder."""
    found = []
    for m in (m for pattern in _LOCAL_REFS for m in pattern.finditer(text)):
        start = m.start() - (1 if m.start() > 0 and text[m.start() - 1] in "\"'" else 0)  # with a quoted key's quote
        if "AWS::Include" in text[max(0, start - 160) : start]:
            continue  # an AWS::Include snippet (Fn::Transform), not a nested stack
        value = m.group(1)
        if value.startswith(PACKAGED):
            value = value[len(PACKAGED) :]
        if "://" in value or value.startswith("s3:"):
            continue
        target = parent.parent / value
        if target.is_file():
            found.append(target)
    return sorted(set(found))


def child_path(parent_display: str, url: Any) -> str | None:
    """The display path of a child template from the TemplateURL / Location value, when it is local."""
    if not isinstance(url, str):
        return None
    if url.startswith(PACKAGED):
        url = url[len(PACKAGED) :]
    if "://" in url or url.startswith("s3:"):
        return None
    return Path(os.path.normpath(os.path.join(os.path.dirname(parent_display), url))).as_posix()


_ADDRESS_FIELDS = ("address", "function_address", "resource_address", "generated_for")


def scope_addresses(node: Any, scope: str, seen: set[int] | None = None) -> None:
    """Prefix every model address in ``node`` with ``scope`` (``Child/``): logical ids of a child stack would
    otherwise clash with the parent's, and the joins in the unit go by address."""
    seen = seen if seen is not None else set()
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, list):
        for item in node:
            scope_addresses(item, scope, seen)
        return
    if isinstance(node, tuple):
        for item in node:
            scope_addresses(item, scope, seen)
        return
    if not is_dataclass(node) or isinstance(node, type):
        return
    for f in fields(node):
        value = getattr(node, f.name)
        if f.name in _ADDRESS_FIELDS and isinstance(value, str) and value and not value.startswith(scope):
            object.__setattr__(node, f.name, scope + value)
        elif isinstance(value, (list, tuple)) or is_dataclass(value):
            scope_addresses(value, scope, seen)


# Fn::ImportValue of a literal name, and Export names that are literal: the only pairs that can be told apart
# without knowing stack names (an export named `${AWS::StackName}-Arn` depends on the name the stack is given).
# (Each starts with a fixed word, found by a fast substring scan; the YAML export's "only blanks before it on its
# line" is checked on each candidate.)
_IMPORTS = tuple(
    re.compile(start + r"""\s*["']?([A-Za-z0-9:_.\-]+)["']?\s*(?:$|[,}\]])""", re.M)
    for start in (r"""Fn::ImportValue["']?\s*:""", "!ImportValue")
)
_EXPORT_YAML = re.compile(r"""Export:\s*\n\s*Name:\s*["']?([A-Za-z0-9:_.\-]+)["']?\s*$""", re.M)
_EXPORT_INLINE = re.compile(r"""Export["']?\s*:\s*\{\s*["']?Name["']?\s*:\s*["']?([A-Za-z0-9:_.\-]+)["']?\s*\}""")


def imported_names(text: str) -> set[str]:
    return {name for pattern in _IMPORTS for name in pattern.findall(text)}


def exported_names(text: str) -> set[str]:
    yaml = {m.group(1) for m in _EXPORT_YAML.finditer(text) if _starts_its_line(text, m.start())}
    return yaml | set(_EXPORT_INLINE.findall(text))


def _starts_its_line(text: str, at: int) -> bool:
    """Only blanks between the start of the line and ``at``."""
    return not text[text.rfind("\n", 0, at) + 1 : at].strip()
