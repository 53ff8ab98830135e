"""Terraform's replace() and regexall() on known strings. Terraform uses RE2; the constructs infrastructure code
uses read the same in Python's re."""

from __future__ import annotations

import re
from typing import Any


def regex_of(pattern: str) -> re.Pattern[str]:
    # Terraform uses RE2; the constructs infrastructure code uses read the same in Python's re.
    return re.compile(pattern)


def replace(text: str, search: str, replacement: str) -> str:
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        return regex_of(search[1:-1]).sub(re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", replacement), text)
    return text.replace(search, replacement)


def regexall(pattern: str, text: str) -> list[Any]:
    compiled = regex_of(pattern)
    out: list[Any] = []
    for m in compiled.finditer(text):
        if compiled.groupindex:
            out.append({k: v or "" for k, v in m.groupdict().items()})
        elif compiled.groups:
            out.append([g or "" for g in m.groups()])
        else:
            out.append(m.group(0))
    return out
