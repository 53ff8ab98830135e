"""What the target rules share (destinations, event sources, dead-letter targets): a grant placed where the role is
declared, the message for a target whose type is unknown and that no type's action reaches, the fix for a Deny, and
a misspelt action that was meant as the needed one."""

from __future__ import annotations

from infra_policy_linter.fix.writers import Grant
from infra_policy_linter.fix.writers.place import Written, directory, function_word, place
from infra_policy_linter.model import aws
from infra_policy_linter.model.entities import Policy, Unit
from infra_policy_linter.model.values import display, plain
from infra_policy_linter.verdicts.decide import NOT_GRANTED, Result, Verdict


def role_address(v: Verdict) -> str:
    return v.role.address if v.role else ""


def misspelling_of(action: str, policies: list[Policy]) -> str | None:
    """A statement's action that is not a real action and is one typo away from the needed one."""
    from infra_policy_linter.iam.catalogue import closest, problem

    for policy in policies:
        for stmt in policy.statements:
            for written in stmt.actions or []:
                if (
                    isinstance(written, str)
                    and "*" not in written
                    and written.lower() != action.lower()
                    and problem(written)
                    and closest(written) == action
                ):
                    return f"{policy.name} grants {written}, a misspelling of {action}"
    return None


def destination_grant(unit: Unit, v: Verdict, r: Result, what: str = "") -> Grant | str | None:
    """Allow the destination's action on the destination, named as the role's module can."""
    dest = v.target.destination
    if v.role is None or dest is None or v.target.service is None or not dest.source:
        return None
    action = r.request.action
    written = Written(
        dict(dest.written_in) or {directory(dest.location.path): dest.source},
        known=plain(r.request.resource),
        shape="objects" if action == "s3:PutObject" else "arn",
        label=v.target.ref,
        at=dest.location.path,
        instead=dest.address_in,
    )
    hint = f"{function_word(v.label)}-{action.split(':')[0]}-{what or dest.kind}"
    return place(unit, v.role, action, written, hint, v.target.location.path)


def whatever_type(v: Verdict) -> list[Result] | None:
    """The destination's service is unknown and the role is granted what none of the candidates needs."""
    states = v.type_states()
    if states and all(s == "not_granted" for s in states.values()) and not v.target.may_be_absent:
        return [r for results in v.by_type.values() for r in results if r.outcome in NOT_GRANTED]
    return None


def none_granted_message(v: Verdict, results: list[Result], what: str) -> str:
    needs = ", ".join(
        f"{aws.DESTINATION_SERVICES[svc].label} {' + '.join(r.request.action for r in rs)}"
        for svc, rs in v.by_type.items()
    )
    return (
        f"{v.label} {what} {v.target.ref}, whose type cannot be told ({v.target.unknown}), but its execution "
        f"role {role_address(v)} is granted none of what any type needs ({needs}); whatever it is, Lambda will "
        f"drop those records"
    )


def resource_words(v: Verdict, r: Result) -> str:
    """The resource as the file writes it when its ARN is not fully known (no ``<region>`` in advice)."""
    if plain(r.request.resource) is not None:
        return display(r.request.resource)
    dest = v.target.destination
    written = {
        "deliver": dest.source if dest is not None else "",
        "read": getattr(v.target.owner, "source_text", ""),
        "decrypt": dest.kms_source if dest is not None else getattr(v.target.owner, "source_kms_source", ""),
        "encrypt": dest.kms_source if dest is not None else "",
    }.get(r.request.purpose, "")
    if not written:
        return display(r.request.resource)
    objects = "the objects of " if r.request.action == "s3:PutObject" else ""
    return f"{objects}{written}"


def deny_fix(v: Verdict, r: Result) -> str | None:
    d = r.decision
    resource = resource_words(v, r)
    if d.boundary:
        return (
            f"Allow {r.request.action} on {resource} in the permissions boundary "
            f"{d.boundary} (a boundary caps what the role's policies can grant), or use a role without that "
            f"boundary."
        )
    lines = []
    for policy, stmt in d.deciding:
        loc = stmt.location or policy.location
        at = f" ({loc.path}:{loc.line})" if loc else ""
        lines.append(
            f"Narrow the Deny in {policy.name}{at} so that it does not cover {r.request.action} on "
            f"{resource}, for example with NotResource."
        )
    return "\n".join(lines) or None
