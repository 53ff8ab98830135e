"""``--fix``: write the printed grant into the module where the role is declared, then lint again and keep only
what cleared its finding.

Terraform: the new ``aws_iam_role_policy`` goes at the end of the file that declares the role, with a resource
name (and policy name) that no other block in that module uses. YAML templates: a new ``AWS::IAM::RolePolicy``
resource right after the role's own block, indented like it, with a logical id the template does not use. The
grant is the rule's own fix, which names exactly the destination's ARN expression; a fix whose resource is only
partly known (``<region>``) is not written. JSON templates and SAM functions keep their printed fix: they are
reported as not fixed.
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
    after_role: dict[tuple[Path, str], int] = field(default_factory=dict)  # where the next YAML grant goes


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
        if (
            f.fix.startswith("# add under Properties.Policies of ")
            and target
            and target.endswith((".yaml", ".yml", ".template"))
        ):
            _plan_yaml(plan, f, cwd / target, target, unreadable)
            continue
        if not f.fix.startswith('resource "aws_iam_role_policy"'):
            why = (
                "fixes to JSON templates are printed, not written"
                if f.fix.startswith("// add ")
                else "a SAM function's Policies entry is printed, not written"
                if f.fix.startswith("# add under Properties.Policies of ")
                else "its fix is advice, not a grant"
            )
            plan.skipped.append((f, why))
            continue
        if target is None or not target.endswith(".tf"):
            plan.skipped.append((f, "the role's file is not known"))
            continue
        if Path(target).parent != Path(f.location.path).parent:
            # The destination is written in another module than the role: a grant in the role's module cannot
            # name it (the printed fix mixes both modules' names), so nothing is written.
            plan.skipped.append(
                (
                    f,
                    f"the role is declared in {Path(target).parent.as_posix()}, the destination "
                    f"in {Path(f.location.path).parent.as_posix()}: pass its ARN to the role's "
                    f"module",
                )
            )
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


_YAML_FIELD = re.compile(r"^\s*-?\s*(PolicyName|Action|Resource):\s*(.+)$")


def _role_line(f: Finding) -> int | None:
    for related in f.related:
        if related.message.startswith("execution role "):
            return related.location.line
    return None


def _plan_yaml(plan: FixPlan, f: Finding, path: Path, target: str, unreadable: set[str]) -> None:
    """A new AWS::IAM::RolePolicy after the role's block: text insertion, so every other byte stays."""
    assert f.fix is not None and f.role is not None
    fields = dict(m.groups() for line in f.fix.split("\n") if (m := _YAML_FIELD.match(line)))
    if target in unreadable or set(fields) != {"PolicyName", "Action", "Resource"}:
        plan.skipped.append(
            (
                f,
                f"{target} could not be parsed"
                if target in unreadable
                else "a SAM function's Policies entry is printed, not written",
            )
        )
        return
    if re.search(r"<[a-z -]+>", fields["Resource"]):
        plan.skipped.append((f, "the resource is only partly known"))
        return
    if path not in plan.originals:
        try:
            plan.originals[path] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            plan.skipped.append((f, f"{target} cannot be read: {exc}"))
            return
        plan.updated[path] = plan.originals[path]
    text = plan.updated[path]
    lines = text.split("\n")
    role_line = _role_line(f)
    if (
        role_line is None
        or not (0 < role_line <= len(lines))
        or not re.match(rf"^(\s+){re.escape(f.role)}:\s*$", lines[role_line - 1])
    ):
        plan.skipped.append((f, "the role's block cannot be found in the text"))
        return
    indent = len(lines[role_line - 1]) - len(lines[role_line - 1].lstrip())
    end = role_line  # first line after the role's block: the next non-blank line indented no deeper than its key
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    while end > role_line and not lines[end - 1].strip():
        end -= 1  # keep the blank lines that separate resources after the new one
    end = plan.after_role.get((path, f.role), end)  # after the grants already added for this role
    used = set(re.findall(r"^\s+([A-Za-z0-9]+):", text, re.M))
    base = (
        "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", fields["PolicyName"]) if part)
        + "Policy"
    )
    logical, n = base, 1
    while logical in used:
        n += 1
        logical = f"{base}{n}"
    pad, step = " " * indent, " " * 2
    block = [
        "",
        f"{pad}{logical}:",
        f"{pad}{step}Type: AWS::IAM::RolePolicy",
        f"{pad}{step}Properties:",
        f"{pad}{step * 2}RoleName: !Ref {f.role}",
        f"{pad}{step * 2}PolicyName: {fields['PolicyName'] + ('' if n == 1 else f'-{n}')}",
        f"{pad}{step * 2}PolicyDocument:",
        f'{pad}{step * 3}Version: "2012-10-17"',
        f"{pad}{step * 3}Statement:",
        f"{pad}{step * 4}- Effect: Allow",
        f"{pad}{step * 5}Action: {fields['Action']}",
        f"{pad}{step * 5}Resource: {fields['Resource']}",
    ]
    plan.updated[path] = "\n".join(lines[:end] + block + lines[end:])
    for key, line in plan.after_role.items():
        if key[0] == path and line > end:
            plan.after_role[key] = line + len(block)
    plan.after_role[(path, f.role)] = end + len(block)
    plan.fixed.setdefault(path, []).append(f)


def unified_diff(plan: FixPlan, cwd: Path) -> str:
    out = []
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


def revert_uncleared(
    plan: FixPlan, remaining: list[Finding], errors: set[str], cwd: Path
) -> list[tuple[Path, list[Finding]]]:
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
