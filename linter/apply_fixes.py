"""``--fix``: write the printed grant into the module where the role is declared, then lint again and keep only
what cleared its finding.

Only Terraform is edited today: the new ``aws_iam_role_policy`` goes at the end of the file that declares the
role, with a resource name (and policy name) that no other block in that module uses. The grant is the rule's own
fix, which names exactly the destination's ARN expression; a fix whose resource is only partly known (``<region>``)
is not written. Templates (YAML, JSON, SAM) keep their printed fix: they are reported as not fixed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from infra_policy_linter.findings import Finding

_RESOURCE = re.compile(r'^resource\s+"aws_iam_role_policy"\s+"([A-Za-z0-9_-]+)"', re.M)
_ANY_RESOURCE = re.compile(r'^\s*resource\s+"([^"]+)"\s+"([^"]+)"', re.M)
_POLICY_NAME = re.compile(r'^  name = "([^"]+)"$', re.M)


@dataclass
class FixPlan:
    originals: dict[Path, str] = field(default_factory=dict)  # file -> its text before
    updated: dict[Path, str] = field(default_factory=dict)  # file -> its text with the fixes
    fixed: dict[Path, list[Finding]] = field(default_factory=dict)  # file -> findings its edit should clear
    skipped: list[tuple[Finding, str]] = field(default_factory=list)


def _role_file(f: Finding) -> str | None:
    for related in f.related:
        if related.message.startswith("execution role "):
            return related.location.path
    return None


def _used_names(directory: Path) -> set[str]:
    names: set[str] = set()
    for tf in sorted(directory.glob("*.tf")):
        try:
            text = tf.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        names.update(name for rtype, name in _ANY_RESOURCE.findall(text) if rtype == "aws_iam_role_policy")
    return names


def _unique(snippet: str, used: set[str]) -> str:
    """The snippet with a resource name no block of the module uses (``_2``, ``_3``... when taken)."""
    match = _RESOURCE.search(snippet)
    if match is None:
        return snippet
    base = match.group(1)
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}_{n}"
    used.add(name)
    if name == base:
        return snippet
    snippet = snippet.replace(f'"{base}"', f'"{name}"', 1)
    return _POLICY_NAME.sub(lambda m: f'  name = "{m.group(1)}-{n}"', snippet, count=1)


def plan_fixes(findings: list[Finding], cwd: Path, unreadable: set[str]) -> FixPlan:
    plan = FixPlan()
    used: dict[Path, set[str]] = {}
    seen: set[tuple[str, str]] = set()
    for f in findings:
        if not f.fix:
            continue
        target = _role_file(f)
        if not f.fix.startswith('resource "aws_iam_role_policy"'):
            why = ("its fix is advice, not a grant" if f.location.path.endswith(".tf")
                   else "fixes to templates are printed, not written")
            plan.skipped.append((f, why))
            continue
        if target is None or not target.endswith(".tf"):
            plan.skipped.append((f, "the role's file is not known"))
            continue
        if Path(target).parent != Path(f.location.path).parent:
            # The destination is written in another module than the role: a grant in the role's module cannot
            # name it (the printed fix mixes both modules' names), so nothing is written.
            plan.skipped.append((f, f"the role is declared in {Path(target).parent.as_posix()}, the destination "
                                    f"in {Path(f.location.path).parent.as_posix()}: pass its ARN to the role's "
                                    f"module"))
            continue
        if target in unreadable:
            plan.skipped.append((f, f"{target} could not be parsed"))
            continue
        if "<" in f.fix and re.search(r"<[a-z -]+>", f.fix):
            plan.skipped.append((f, "the resource is only partly known"))
            continue
        body = f.fix.split("\n", 1)[1]  # the same grant twice (one role, one destination, two findings): once
        if (target, body) in seen:
            continue
        seen.add((target, body))
        path = cwd / target
        if path not in plan.originals:
            try:
                plan.originals[path] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                plan.skipped.append((f, f"{target} cannot be read: {exc}"))
                continue
            plan.updated[path] = plan.originals[path]
        names = used.setdefault(path.parent, _used_names(path.parent))
        text = plan.updated[path]
        separator = "" if text.endswith("\n\n") or not text else ("\n" if text.endswith("\n") else "\n\n")
        plan.updated[path] = text + separator + _unique(f.fix, names) + "\n"
        plan.fixed.setdefault(path, []).append(f)
    return plan


def unified_diff(plan: FixPlan, cwd: Path) -> str:
    out = []
    for path in sorted(plan.updated):
        rel = path.relative_to(cwd).as_posix() if path.is_relative_to(cwd) else path.as_posix()
        out.extend(difflib.unified_diff(plan.originals[path].splitlines(keepends=True),
                                        plan.updated[path].splitlines(keepends=True), f"a/{rel}", f"b/{rel}"))
    return "".join(out)


def write(plan: FixPlan) -> None:
    for path, text in plan.updated.items():
        path.write_text(text, encoding="utf-8")


def revert_uncleared(plan: FixPlan, remaining: list[Finding],
                     errors: set[str], cwd: Path) -> list[tuple[Path, list[Finding]]]:
    """Files whose edit did not clear its findings get their old text back: a fix that does not work is not
    kept. Not cleared: any finding is left about the same function and destination (a DST004 in its place
    counts: an edit that hides a grant from the linter is no fix), or the file no longer parses."""
    reverted = []
    for path, fixed in sorted(plan.fixed.items()):
        keys = {(f.function, f.destination) for f in fixed}
        left = [f for f in remaining if (f.function, f.destination) in keys]
        rel = path.relative_to(cwd).as_posix() if path.is_relative_to(cwd) else path.as_posix()
        if left or rel in errors:
            path.write_text(plan.originals[path], encoding="utf-8")
            reverted.append((path, left or fixed))
    return reverted
