"""``--fix``: write each finding's grant (:class:`~infra_policy_linter.fix.writers.Grant`) into the file it names,
then lint again and keep only what cleared its finding.

Terraform: the new ``aws_iam_role_policy`` goes at the end of the file the grant names (the role's file, or the
caller's when only it sees the destination), with a resource name (and policy name) that no other block in that
module uses. Templates (YAML and JSON): a new ``AWS::IAM::RolePolicy`` right after the role, or one more item in a
SAM function's ``Policies`` (in a serverless.yml, one more statement in the list the framework copies into the role
it generates), edited structurally (:mod:`.templates`). The text comes from the same writer as the
printed fix.

Every fix has an applicability, as ruff's do, decided by what its edit touches:
- safe: the edit only adds lines (a new resource, a new list item, a new key); ``--fix`` writes it;
- unsafe: the edit rewrites lines the file has (a single ``Policies`` value made a list, a file the round-trip
  library writes differently); only ``--fix --unsafe-fixes`` writes it;
- display-only: advice, a CDK app, a file the linter does not own; printed, never written.
Whatever is written is kept only if :func:`verify` finds nothing lost and nothing new in the file.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.fix import guard
from infra_policy_linter.fix.documents import EditError
from infra_policy_linter.fix.templates import template_edit
from infra_policy_linter.fix.writers import Grant, hcl
from infra_policy_linter.fix.writers.names import identifier, kebab

UNSAFE_WHY = "its fix rewrites lines the file already has (an unsafe fix): --unsafe-fixes writes it"

_ANY_RESOURCE = re.compile(r'^\s*resource\s+"([^"]+)"\s+"([^"]+)"', re.M)


@dataclass
class FixPlan:
    originals: dict[Path, str] = field(default_factory=dict)  # file -> its text before
    updated: dict[Path, str] = field(default_factory=dict)  # file -> its text with the fixes
    fixed: dict[Path, list[Finding]] = field(default_factory=dict)  # file -> findings its edit should clear
    skipped: list[tuple[Finding, str]] = field(default_factory=list)
    unsafe: bool = False  # --unsafe-fixes: edits that rewrite existing lines are written too
    unsafe_left: int = 0  # fixes not written because they are unsafe
    after_role: dict[tuple[Path, str], str] = field(default_factory=dict)  # the resource the next grant follows
    applicability: dict[tuple[str, str, tuple[str, ...], str], str] = field(default_factory=dict)  # per grant
    policy_names: dict[str, set[str]] = field(default_factory=dict)  # role -> inline policy names planned
    used: dict[Path, set[str]] = field(default_factory=dict)  # module directory -> resource names taken
    seen: set[tuple[str, str, tuple[str, ...], str]] = field(default_factory=set)  # grants already planned
    texts: dict[Path, str] = field(default_factory=dict)  # files already read (a unit's sources), by path

    def load(self, path: Path, f: Finding) -> str | None:
        """The text of ``path`` with the edits planned so far; None (and the finding skipped) when unreadable."""
        if path not in self.originals and path in self.texts:
            self.originals[path] = self.texts[path]
        if path not in self.originals:
            try:
                self.originals[path] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                self.skipped.append((f, f"{path.name} cannot be read: {exc}"))
                return None
        return self.updated.get(path, self.originals[path])


def _why_not(f: Finding, unreadable: set[str]) -> str | None:
    """Why the finding's fix is not written, or None when it is."""
    g = f.grant
    if g is None:
        return "its fix is advice, not a grant"
    if g.language == "cdk":
        return "the grant goes in the CDK app, which is printed, not written"
    if g.path in unreadable:
        return f"{g.path} could not be parsed"
    if g.language == "hcl" and not g.path.endswith(".tf"):
        return "the role's file is not a .tf file"
    return None


def plan_fixes(
    findings: list[Finding],
    cwd: Path,
    unreadable: set[str],
    unsafe: bool = False,
    texts: dict[Path, str] | None = None,
) -> FixPlan:
    """Every finding's edit, each on the text the ones before it left; ``unsafe``: also the edits that rewrite
    lines the file has (``--unsafe-fixes``); ``texts``: files already read, used instead of reading them again."""
    plan = FixPlan(unsafe=unsafe, texts=texts or {})
    for f in findings:
        if not f.fix:
            continue
        why = _why_not(f, unreadable)
        if why is not None:
            plan.skipped.append((f, why))
            continue
        assert f.grant is not None
        g = f.grant
        key = (g.path, g.role, g.actions, g.resource)
        if key in plan.seen:  # the same grant twice (two instances of a module, say): written once, clears both
            if cwd / g.path in plan.fixed:
                plan.fixed[cwd / g.path].append(f)
            continue
        plan.seen.add(key)
        if g.language == "hcl":
            _plan_hcl(plan, f, g, cwd / g.path)
            plan.applicability[key] = "safe"  # a new resource at the end of the file: only lines added
        else:
            plan.applicability[key] = _plan_template(plan, f, g, cwd / g.path)
    return plan


def with_applicability(
    findings: list[Finding], cwd: Path, unreadable: set[str], texts: dict[Path, str] | None = None
) -> list[Finding]:
    """Each finding with a fix, told how --fix treats it (planned, nothing written). Planning a template's fix is
    a round trip through ruamel.yaml (tens of milliseconds a template), so a run does it only for a report that
    shows it, in the worker that made the findings, and the result cache keeps it."""
    plan = plan_fixes([f for f in findings if f.fix], cwd, unreadable, unsafe=True, texts=texts)
    out = []
    for f in findings:
        g = f.grant
        if not f.fix:
            out.append(f)
            continue
        key = (g.path, g.role, g.actions, g.resource) if g is not None and _why_not(f, unreadable) is None else None
        out.append(replace(f, applicability=plan.applicability.get(key, "display-only") if key else "display-only"))
    return out


def _used_names(directory: Path) -> set[str]:
    names: set[str] = set()
    for tf in sorted(directory.glob("*.tf")):
        try:
            text = tf.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        names.update(name for rtype, name in _ANY_RESOURCE.findall(text) if rtype == "aws_iam_role_policy")
    return names


def _unique(base: str, used: set[str]) -> tuple[str, int]:
    """A name no block of the module uses (``_2``, ``_3``... when taken), and its number (1: the base)."""
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}_{n}"
    used.add(name)
    return name, n


def _plan_hcl(plan: FixPlan, f: Finding, g: Grant, path: Path) -> None:
    """A new aws_iam_role_policy at the end of the file: every other byte stays."""
    text = plan.load(path, f)
    if text is None:
        return
    used = plan.used.setdefault(path.parent, _used_names(path.parent))
    name, n = _unique(identifier(g.name), used)
    # The policy's name must also differ from every other planned for the same role, whatever file it is in
    # (a role's inline policies share one namespace: the same name twice and one replaces the other).
    names = plan.policy_names.setdefault(g.role_label, set())
    policy = kebab(g.name) + ("" if n == 1 else f"-{n}")
    base, k = re.sub(r"-\d+$", "", policy), 2
    while policy in names:
        policy, k = f"{base}-{k}", k + 1
    names.add(policy)
    separator = "" if text.endswith("\n\n") or not text else ("\n" if text.endswith("\n") else "\n\n")
    plan.updated[path] = text + separator + hcl.role_policy(g, name, policy) + "\n"
    plan.fixed.setdefault(path, []).append(f)


def _plan_template(plan: FixPlan, f: Finding, g: Grant, path: Path) -> str:
    """The grant in a CloudFormation or SAM template, edited structurally (:mod:`.templates`); a role's grants
    follow it in the order they are planned. Returns the fix's applicability."""
    text = plan.load(path, f)
    if text is None:
        return "display-only"
    after = plan.after_role.get((path, g.role_key), g.role_key)
    try:
        edited, logical = template_edit(text, g, after)
    except EditError as exc:
        plan.skipped.append((f, f"{path.name} has no place for the grant: {exc}"))
        return "display-only"
    if edited.touched and not plan.unsafe:
        plan.skipped.append((f, UNSAFE_WHY))
        plan.unsafe_left += 1
        return "unsafe"
    plan.updated[path] = edited.text
    if logical:
        plan.after_role[(path, g.role_key)] = logical
    plan.fixed.setdefault(path, []).append(f)
    return "unsafe" if edited.touched else "safe"


def unified_diff(plan: FixPlan, cwd: Path) -> str:
    out: list[str] = []
    for path in sorted(plan.updated):
        rel = path.relative_to(cwd).as_posix() if path.is_relative_to(cwd) else path.as_posix()
        out.extend(
            difflib.unified_diff(
                plan.originals[path].splitlines(keepends=True),
                plan.updated[path].splitlines(keepends=True),
                f"a/{rel}",
                f"b/{rel}",
            )
        )
    return "".join(out)


def write(plan: FixPlan) -> None:
    for path, text in plan.updated.items():
        path.write_text(text, encoding="utf-8")


def _rel(path: Path, cwd: Path) -> str:
    return path.relative_to(cwd).as_posix() if path.is_relative_to(cwd) else path.as_posix()


def _uncleared(plan: FixPlan, fixed: list[Finding], remaining: list[Finding]) -> list[Finding]:
    """Findings left about the same function and destination in the same unit (a DST004 in its place counts: an
    edit that hides a grant from the linter is no fix). Per unit: two templates (or two roots) may name a function
    and a destination alike. A finding that was there before and is not --fix's to clear (a DST005 whose fix is
    advice) does not say the edit failed."""
    kept = {(f.unit, f.function, f.destination, f.rule) for f, _ in plan.skipped}
    keys = {(f.unit, f.function, f.destination) for f in fixed}
    return [
        f
        for f in remaining
        if (f.unit, f.function, f.destination) in keys and (f.unit, f.function, f.destination, f.rule) not in kept
    ]


def _new_findings(rel: str, before: list[Finding], after: list[Finding]) -> list[Finding]:
    """Findings about the file after the edit on something no finding before it was about (a duplicate key's
    LNT004, say). A finding that only changed rule (a DST001 the edit did not fix, now a DST002) is not new."""
    known = {f.fingerprint for f in before} | {(f.unit, f.function, f.destination) for f in before}
    return [
        f
        for f in after
        if (f.location.path == rel or rel in f.evidence)
        and f.fingerprint not in known
        and (f.unit, f.function, f.destination) not in known
    ]


def _why_reverted(
    plan: FixPlan, path: Path, rel: str, before: tuple[list[Finding], set[str]], after: tuple[list[Finding], set[str]]
) -> tuple[str, list[Finding]] | None:
    if rel in after[1] and rel not in before[1]:
        return "the file no longer parses", plan.fixed[path]
    lost = guard.lost(plan.originals[path], plan.updated[path], rel)
    if lost is not None:
        return lost, plan.fixed[path]
    new = _new_findings(rel, before[0], after[0])
    if new:
        return "it adds " + ", ".join(sorted({f"{f.rule} {f.function}" for f in new})), plan.fixed[path]
    left = _uncleared(plan, plan.fixed[path], after[0])
    if left:
        return "it did not clear " + ", ".join(sorted({f"{f.rule} {f.function}" for f in left})), left
    return None


def verify(
    plan: FixPlan, before: tuple[list[Finding], set[str]], after: tuple[list[Finding], set[str]], cwd: Path
) -> list[tuple[Path, str, list[Finding]]]:
    """Files whose edit is not kept get their old text back, with why: the file no longer parses, something it
    had is gone (:mod:`.guard`), the run after the edit has a finding about it that the run before did not, or the
    findings the edit was for are still there. ``before``/``after``: (findings, paths with input errors)."""
    reverted = []
    for path in sorted(plan.fixed):
        rel = _rel(path, cwd)
        why = _why_reverted(plan, path, rel, before, after)
        if why is not None:
            path.write_text(plan.originals[path], encoding="utf-8")
            reverted.append((path, *why))
    return reverted
