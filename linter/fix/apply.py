"""``--fix``: write each finding's grant (:class:`~infra_policy_linter.fix.writers.Grant`) into the file it names,
then lint again and keep only what cleared its finding.

Terraform: the new ``aws_iam_role_policy`` goes at the end of the file the grant names (the role's file, or the
caller's when only it sees the destination), with a resource name (and policy name) that no other block in that
module uses. YAML templates: a new ``AWS::IAM::RolePolicy`` resource right after the role's own block, indented
like it, with a logical id the template does not use. The text comes from the same writer as the printed fix.
JSON templates, SAM functions and CDK apps keep their printed fix: they are reported as not fixed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.fix.writers import Grant, hcl, yaml_writer
from infra_policy_linter.fix.writers.names import identifier, kebab

_ANY_RESOURCE = re.compile(r'^\s*resource\s+"([^"]+)"\s+"([^"]+)"', re.M)


@dataclass
class FixPlan:
    originals: dict[Path, str] = field(default_factory=dict)  # file -> its text before
    updated: dict[Path, str] = field(default_factory=dict)  # file -> its text with the fixes
    fixed: dict[Path, list[Finding]] = field(default_factory=dict)  # file -> findings its edit should clear
    skipped: list[tuple[Finding, str]] = field(default_factory=list)
    after_role: dict[tuple[Path, str], int] = field(default_factory=dict)  # where the next YAML grant goes
    used: dict[Path, set[str]] = field(default_factory=dict)  # module directory -> resource names taken
    seen: set[tuple[str, str, tuple[str, ...], str]] = field(default_factory=set)  # grants already planned

    def load(self, path: Path, f: Finding) -> str | None:
        """The text of ``path`` with the edits planned so far; None (and the finding skipped) when unreadable."""
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
    if g.language == "json" or g.path.endswith(".json"):
        return "fixes to JSON templates are printed, not written"
    if g.path in unreadable:
        return f"{g.path} could not be parsed"
    if g.language == "hcl" and not g.path.endswith(".tf"):
        return "the role's file is not a .tf file"
    return None


def _bottom_up(f: Finding) -> int:
    """YAML grants go in from the last role up: an insertion never moves a role still to be found."""
    return -f.grant.role_line if f.grant is not None and f.grant.language == "yaml" else 0


def plan_fixes(findings: list[Finding], cwd: Path, unreadable: set[str]) -> FixPlan:
    plan = FixPlan()
    for f in sorted(findings, key=_bottom_up):
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
        elif g.sam_function:
            _plan_sam(plan, f, g, cwd / g.path)
        else:
            _plan_yaml(plan, f, g, cwd / g.path)
    return plan


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
    policy = kebab(g.name) + ("" if n == 1 else f"-{n}")
    separator = "" if text.endswith("\n\n") or not text else ("\n" if text.endswith("\n") else "\n\n")
    plan.updated[path] = text + separator + hcl.role_policy(g, name, policy) + "\n"
    plan.fixed.setdefault(path, []).append(f)


def _role_block_end(lines: list[str], role_line: int, indent: int) -> int:
    """The first line after the role's block: the next non-blank line indented no deeper than its key, less
    the blank lines that separate it from the next resource (they stay after the new one)."""
    end = role_line
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    while end > role_line and not lines[end - 1].strip():
        end -= 1
    return end


def _role_indent(lines: list[str], g: Grant) -> int | None:
    """The indent of the role's logical id at the line the grant names, or None when it is not there."""
    if not (0 < g.role_line <= len(lines)):
        return None
    line = lines[g.role_line - 1]
    if not re.match(rf"^(\s+){re.escape(g.role_key)}:\s*$", line):
        return None
    return len(line) - len(line.lstrip())


def _plan_yaml(plan: FixPlan, f: Finding, g: Grant, path: Path) -> None:
    """A new AWS::IAM::RolePolicy after the role's block: text insertion, so every other byte stays."""
    text = plan.load(path, f)
    if text is None:
        return
    lines = text.split("\n")
    indent = _role_indent(lines, g)
    if indent is None:
        plan.skipped.append((f, "the role's block cannot be found in the text"))
        return
    end = plan.after_role.get((path, g.role_key), _role_block_end(lines, g.role_line, indent))
    used = set(re.findall(r"^\s+([A-Za-z0-9]+):", text, re.M))
    base = yaml_writer.logical_id(kebab(g.name))
    logical, n = base, 1
    while logical in used:
        n += 1
        logical = f"{base}{n}"
    policy = kebab(g.name) + ("" if n == 1 else f"-{n}")
    block = [""] + yaml_writer.role_policy(g, logical, policy, indent)
    plan.updated[path] = "\n".join(lines[:end] + block + lines[end:])
    for key, line in plan.after_role.items():
        if key[0] == path and line > end:
            plan.after_role[key] = line + len(block)
    plan.after_role[(path, g.role_key)] = end + len(block)
    plan.fixed.setdefault(path, []).append(f)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _child(lines: list[str], start: int, end: int, indent: int, key: str) -> int | None:
    """The line (0-based) of ``key:`` directly under the block ``lines[start:end]`` whose own indent is ``indent``."""
    inner = None
    for i in range(start, end):
        text = lines[i]
        if not text.strip() or text.lstrip().startswith("#") or _indent(text) <= indent:
            continue
        inner = _indent(text) if inner is None else inner
        if _indent(text) == inner and re.match(rf"^\s*{key}:(\s*(#.*)?)?$", text):
            return i
    return None


def _list_end(lines: list[str], key_line: int) -> tuple[int, int] | None:
    """(line after the last item, the items' indent) of the block list under ``key_line``; None if not one."""
    first = next((i for i in range(key_line + 1, len(lines)) if lines[i].strip()), None)
    if first is None or not lines[first].lstrip().startswith("- "):
        return None
    items = _indent(lines[first])
    end = first + 1
    while end < len(lines) and (
        not lines[end].strip()
        or _indent(lines[end]) > items
        or (_indent(lines[end]) == items and lines[end].lstrip().startswith("- "))
    ):
        end += 1
    while not lines[end - 1].strip():
        end -= 1
    return end, items


def _sam_insertion(lines: list[str], g: Grant) -> tuple[int, list[str]] | None:
    """Where the function's Policies list takes one more item, and the lines: a ``Policies:`` key of its own
    when the function has none."""
    fn = g.role_line - 1
    if not (0 <= fn < len(lines)) or not re.match(rf"^\s+{re.escape(g.sam_function or '')}:\s*$", lines[fn]):
        return None
    fn_end = _role_block_end(lines, g.role_line, _indent(lines[fn]))
    props = _child(lines, fn + 1, fn_end, _indent(lines[fn]), "Properties")
    if props is None:
        return None
    props_end = _role_block_end(lines, props + 1, _indent(lines[props]))
    policies = _child(lines, props + 1, props_end, _indent(lines[props]), "Policies")
    if policies is None:
        inner = _indent(lines[props]) + 2
        return props_end, [" " * inner + "Policies:", *yaml_writer.sam_statement_lines(g, inner + 2)]
    found = _list_end(lines, policies)
    if found is None:
        return None
    end, items = found
    return end, yaml_writer.sam_statement_lines(g, items)


def _plan_sam(plan: FixPlan, f: Finding, g: Grant, path: Path) -> None:
    """One more item in the SAM function's ``Policies`` (SAM adds it to the role it generates)."""
    text = plan.load(path, f)
    if text is None:
        return
    lines = text.split("\n")
    found = _sam_insertion(lines, g)
    if found is None:
        plan.skipped.append((f, "the function's Policies is not a block list the linter can add to"))
        return
    at, block = found
    plan.updated[path] = "\n".join(lines[:at] + block + lines[at:])
    plan.fixed.setdefault(path, []).append(f)


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


def revert_uncleared(
    plan: FixPlan, remaining: list[Finding], errors: set[str], cwd: Path
) -> list[tuple[Path, list[Finding]]]:
    """Files whose edit did not clear its findings get their old text back: a fix that does not work is not
    kept. Not cleared: any finding is left about the same function and destination in the same unit (a DST004 in
    its place counts: an edit that hides a grant from the linter is no fix), or the file no longer parses."""
    reverted = []
    kept = {(f.unit, f.function, f.destination, f.rule) for f, _ in plan.skipped}
    for path, fixed in sorted(plan.fixed.items()):
        # Per unit: two templates (or two roots) may name a function and a destination alike. A finding that was
        # there before and is not --fix's to clear (a DST005 whose fix is advice) does not say the edit failed.
        keys = {(f.unit, f.function, f.destination) for f in fixed}
        left = [
            f
            for f in remaining
            if (f.unit, f.function, f.destination) in keys and (f.unit, f.function, f.destination, f.rule) not in kept
        ]
        rel = path.relative_to(cwd).as_posix() if path.is_relative_to(cwd) else path.as_posix()
        if left or rel in errors:
            path.write_text(plan.originals[path], encoding="utf-8")
            reverted.append((path, left or fixed))
    return reverted
