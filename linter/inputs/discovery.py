"""Which files to read and how they group into units (Terraform module directories, CloudFormation templates)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from infra_policy_linter.inputs.ignore import Excludes, GitIgnores, absolute, git_top

if TYPE_CHECKING:
    from infra_policy_linter.inputs.walk_cache import Listings

# `.aws-sam` holds `sam build`'s copy of every template (a second report of each finding); `asset.*` folders in
# cdk.out are copies of assets (the synthesized templates themselves sit directly in cdk.out and are read);
# `.serverless` holds what `serverless package` wrote from serverless.yml, which is read itself.
SKIP_DIRS = frozenset(
    {".git", ".terraform", "node_modules", ".terragrunt-cache", "__pycache__", ".venv", ".aws-sam", ".serverless"}
)


# A path whose bytes are not UTF-8 (Python holds them as lone surrogates) cannot be written in any report: such a
# file is an input problem named with its bytes escaped, not read.
NOT_UTF8 = "the file's path is not valid UTF-8: not read (rename it)"


def in_utf8(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str) -> str:
    """``text`` with the bytes of a path that is not UTF-8 escaped (``t\\xff.yaml``); any other text as it is."""
    return text if in_utf8(text) else text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _skipped_dir(parent: str, name: str) -> bool:
    return name in SKIP_DIRS or (name.startswith("asset.") and Path(parent).name == "cdk.out")


TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")

# -- every input the linter reads, by file name: one place (the pre-commit hook's `files` pattern comes from here) --
TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tofu", ".tofu.json")
TFVARS_SUFFIXES = (".tfvars", ".tfvars.json")
# The Serverless Framework reads the first of these that exists in the service directory.
SERVERLESS_FILES = ("serverless.yml", "serverless.yaml", "serverless.json")
# Services written as code: the framework runs them to get the configuration, which a static linter cannot do.
SERVERLESS_CODE = ("serverless.ts", "serverless.js", "serverless.cjs", "serverless.mjs")
TERRAGRUNT_FILES = ("terragrunt.hcl",)
# Other parents a Terragrunt configuration reads (include, read_terragrunt_config): a change there changes units.
TERRAGRUNT_SUFFIXES = (".hcl",)
INPUT_SUFFIXES = TERRAFORM_SUFFIXES + TFVARS_SUFFIXES + TEMPLATE_SUFFIXES + TERRAGRUNT_SUFFIXES
INPUT_NAMES = SERVERLESS_FILES + SERVERLESS_CODE + TERRAGRUNT_FILES

# Infrastructure the linter does not read, named when a path holds nothing else (instead of "no file found").
UNSUPPORTED_FILES = {
    "cdk.json": "an AWS CDK app without a synthesized cdk.out (run `cdk synth`, then lint cdk.out)",
    "Pulumi.yaml": "a Pulumi project (the linter does not read Pulumi programs)",
    "Pulumi.yml": "a Pulumi project (the linter does not read Pulumi programs)",
}


@dataclass
class Plan:
    modules: dict[Path, list[Path]] = field(default_factory=dict)  # directory -> .tf files
    tfvars: dict[Path, list[Path]] = field(default_factory=dict)  # directory -> auto-loaded variable files
    templates: list[Path] = field(default_factory=list)
    problems: list[tuple[Path, str]] = field(default_factory=list)  # paths that cannot be walked or read
    unrendered: list[Path] = field(
        default_factory=list
    )  # template sources (cookiecutter, copier): not skipped silently
    serverless: list[Path] = field(default_factory=list)  # serverless.yml / .yaml / .json: one service each
    terragrunt: list[Path] = field(default_factory=list)  # terragrunt.hcl files
    unsupported: list[tuple[Path, str]] = field(default_factory=list)  # infrastructure in a format not read


# `{{cookiecutter.project_name}}/template.yaml`: a project generator's source. Its files are not YAML, JSON or HCL
# until rendered, so reading them gives one parse error per file; the folder is skipped and the summary says so.
_PLACEHOLDER = re.compile(r"\{\{.*\}\}|\{%.*%\}")


def unrendered(name: str) -> bool:
    return _PLACEHOLDER.search(name) is not None


def display_path(path: Path, cwd: Path) -> str:
    """Relative to the current directory when possible, always POSIX style."""
    text, base = os.fspath(path), os.fspath(cwd)
    if os.sep == "/" and not text.startswith("/"):
        text = os.getcwd() + "/" + text  # as relpath reads a relative path: from the process's directory
    if os.sep == "/" and text.startswith(base) and text[len(base) : len(base) + 1] == "/" and base.startswith("/"):
        rest = text[len(base) + 1 :]
        # inside cwd and already normal: what relpath gives, without its two abspaths
        if rest and "/." not in "/" + rest and "//" not in rest and not rest.endswith("/"):
            return rest
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        rel = str(path)
    return Path(rel).as_posix()


def is_auto_tfvars(name: str) -> bool:
    return name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith((".auto.tfvars", ".auto.tfvars.json"))


def is_terraform_file(name: str) -> bool:
    return name.endswith(TERRAFORM_SUFFIXES)


def tfvars_order(path: Path) -> tuple[int, str]:
    """Terraform's precedence, lowest first: terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars(.json)
    in lexical order of their names; later files override earlier ones."""
    name = path.name
    rank = 0 if name == "terraform.tfvars" else 1 if name == "terraform.tfvars.json" else 2
    return rank, name


def opentofu_wins(files: list[Path]) -> list[Path]:
    """OpenTofu reads x.tofu instead of x.tf (and x.tofu.json instead of x.tf.json) when both exist."""
    names = {f.name for f in files}
    return [f for f in files if not _replaced(f.name, names)]


def _replaced(name: str, names: set[str]) -> bool:
    if name.endswith(".tf.json"):
        return name[: -len(".tf.json")] + ".tofu.json" in names
    return name.endswith(".tf") and name[: -len(".tf")] + ".tofu" in names


def _kind(name: str) -> str | None:
    """What a file of this name is to the linter, or None when discovery does not take it."""
    if name in SERVERLESS_FILES:
        return "serverless"
    if name in SERVERLESS_CODE:
        return "serverless-code"
    if name in TERRAGRUNT_FILES:
        return "terragrunt"
    if name in UNSUPPORTED_FILES:
        return "unsupported"
    if is_terraform_file(name):
        return "terraform"
    if is_auto_tfvars(name):
        return "tfvars"
    if name.endswith(TEMPLATE_SUFFIXES) and not name.endswith(".tfvars.json"):
        return "template"
    return None


def _classify(path: Path, plan: Plan, kind: str | None = None, parent: Path | None = None) -> None:
    """``kind`` and ``parent`` when the caller has them: a directory's files then share one parent path (and its
    hash) instead of building one each."""
    kind = kind or _kind(path.name)
    parent = parent or path.parent
    if kind == "serverless":
        plan.serverless.append(path)
    elif kind == "serverless-code":
        plan.unsupported.append((path, "serverless-code"))
    elif kind == "terragrunt":
        plan.terragrunt.append(path)
    elif kind == "unsupported":
        plan.unsupported.append((path, path.name))
    elif kind == "terraform":
        plan.modules.setdefault(parent, []).append(path)
    elif kind == "tfvars":
        plan.tfvars.setdefault(parent, []).append(path)
    elif kind == "template":
        plan.templates.append(path)


class _Filter:
    """--exclude everywhere; .gitignore and .git/info/exclude for what is found by walking (not for what the
    command line names)."""

    def __init__(
        self, cwd: Path, exclude: tuple[str, ...], use_gitignore: bool, kinds: frozenset[str] | None = None
    ) -> None:
        self.excludes = Excludes(exclude, cwd)
        self.use_gitignore = use_gitignore
        self.kinds = kinds
        self.repos: dict[Path, GitIgnores | None] = {}

    def gitignores(self, start: Path) -> GitIgnores | None:
        if not self.use_gitignore:
            return None
        top = git_top(start)
        if top is None:
            return None
        if top not in self.repos:
            self.repos[top] = GitIgnores(top)
        return self.repos[top]

    def filters(self, ignores: GitIgnores | None) -> bool:
        """Whether any rule can leave a path out (most runs outside git give no --exclude)."""
        return ignores is not None or self.excludes.patterns != ()

    def keep(self, path: Path, is_dir: bool, ignores: GitIgnores | None) -> bool:
        if self.excludes.excluded(path, is_dir):
            return False
        return ignores is None or not ignores.ignored(absolute(path), is_dir)


def discover(
    paths: list[Path],
    cwd: Path | None = None,
    exclude: tuple[str, ...] = (),
    use_gitignore: bool = True,
    kinds: frozenset[str] | None = None,
    listings: Listings | None = None,
) -> Plan:
    """``kinds``: only files of these kinds (see _kind) from the directories walked, for a caller that needs no
    more (pre-commit's scope looks for module calls): the others are not classified nor turned into paths.
    ``listings``: directory listings kept from earlier runs (see walk_cache.py), reused where still valid."""
    cwd = cwd or Path.cwd()
    plan = Plan()
    filters = _Filter(cwd, exclude, use_gitignore, kinds)
    for root in paths:
        if root.is_file():
            _discover_file(root, plan, filters)
        elif not root.is_dir():
            plan.problems.append((root, "no such file or directory"))
        elif unrendered(root.resolve().as_posix()):
            plan.unrendered.append(root)
        elif listings is not None:
            from infra_policy_linter.inputs.listed_walk import discover_listed

            discover_listed(root, plan, filters, listings)
        else:
            _discover_directory(root, plan, filters)
    return _sorted_plan(plan)


def wanted(name: str) -> bool:
    """The file names a kept listing holds: those a walk hands on to be classified (see _discover_directory), and
    .gitignore (a directory listed without one needs no attempt to read it)."""
    return _kind(name) is not None or unrendered(name) or name == ".gitignore"


def _discover_file(root: Path, plan: Plan, filters: _Filter) -> None:
    if filters.excludes.excluded(root, False):
        return
    if not in_utf8(os.fspath(absolute(root))):
        plan.problems.append((root, NOT_UTF8))
        return
    if is_terraform_file(root.name):
        # A Terraform file is judged with its whole module: cross-resource checks need every file.
        ignores = filters.gitignores(absolute(root.parent))
        for sibling in sorted(root.parent.iterdir()):
            if (
                sibling.is_file()
                and (is_terraform_file(sibling.name) or is_auto_tfvars(sibling.name))
                and (sibling == root or filters.keep(sibling, False, ignores))
            ):
                _classify(sibling, plan)
    elif unrendered(root.as_posix()):
        plan.unrendered.append(root)
    else:
        _classify(root, plan)


def _discover_directory(root: Path, plan: Plan, filters: _Filter) -> None:
    def on_error(err: OSError) -> None:
        plan.problems.append((Path(err.filename or root), f"cannot read directory: {err.strerror or err}"))

    ignores = filters.gitignores(absolute(root))
    if ignores is not None:
        ignores.read_index()  # most paths of a walk are tracked: decided without their patterns
        if ignores.ignored(absolute(root), True):
            ignores = None  # a directory named on the command line is read even if git ignores it
    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error):
        here = Path(dirpath)
        plan.unrendered.extend(
            here / d for d in sorted(dirnames) if unrendered(d) and filters.keep(here / d, True, ignores)
        )
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not _skipped_dir(dirpath, d) and not unrendered(d) and filters.keep(here / d, True, ignores)
        )
        filtering = filters.filters(ignores)
        named = in_utf8(dirpath)
        for filename in sorted(filenames):
            kind = _kind(filename)
            if (kind is None and not unrendered(filename)) or (filters.kinds is not None and kind not in filters.kinds):
                continue  # nothing the linter (or the caller) reads: checked before the path is built and matched
            if filtering and not filters.keep(here / filename, False, ignores):
                continue
            if not (named and in_utf8(filename)):
                plan.problems.append((here / filename, NOT_UTF8))
            elif unrendered(filename):
                plan.unrendered.append(here / filename)
            else:
                _classify(here / filename, plan, kind, here)


def _order(path: Path) -> tuple[str, ...]:
    """The order of Path's own comparison (part by part, case-folded where the system ignores case), computed
    once per path instead of once per comparison."""
    return path.parts if os.sep == "/" else tuple(part.lower() for part in path.parts)


def _sorted_plan(plan: Plan) -> Plan:
    for directory in plan.modules:
        plan.modules[directory] = opentofu_wins(sorted(set(plan.modules[directory]), key=_order))
    for directory in plan.tfvars:
        plan.tfvars[directory] = sorted(set(plan.tfvars[directory]), key=tfvars_order)
    plan.templates = sorted(set(plan.templates), key=_order)
    plan.unrendered = sorted(set(plan.unrendered), key=_order)
    plan.serverless = _first_service_files(sorted(set(plan.serverless)))
    plan.terragrunt = sorted(set(plan.terragrunt))
    plan.unsupported = _unsupported(sorted(set(plan.unsupported)), plan)
    return plan


def _first_service_files(files: list[Path]) -> list[Path]:
    """serverless.yml before serverless.yaml before serverless.json, as the framework looks for them."""
    chosen: dict[Path, Path] = {}
    for path in sorted(files, key=lambda p: (p.parent, SERVERLESS_FILES.index(p.name))):
        chosen.setdefault(path.parent, path)
    return sorted(chosen.values())


def _unsupported(found: list[tuple[Path, str]], plan: Plan) -> list[tuple[Path, str]]:
    """A service written as code is a problem (it is not checked) unless a serverless.yml sits beside it (the
    framework reads that first); a cdk.json is nothing to report when its cdk.out is there and read."""
    services = {p.parent for p in plan.serverless}
    out: list[tuple[Path, str]] = []
    for path, kind in found:
        if kind == "serverless-code":
            if path.parent not in services:
                plan.problems.append((path, SERVERLESS_CODE_MESSAGE))
            continue
        if kind == "cdk.json" and (path.parent / "cdk.out").is_dir():
            continue
        out.append((path, UNSUPPORTED_FILES[kind]))
    return out


SERVERLESS_CODE_MESSAGE = (
    "a Serverless Framework service written as code: the framework runs it to get its configuration, which a "
    "static linter cannot do, so its functions were not checked (write it as serverless.yml, or exclude it)"
)


def unsupported_formats(
    paths: list[Path], cwd: Path | None = None, exclude: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """(display path, what it is) of the infrastructure in ``paths`` the linter does not read: for the message
    that replaces "nothing found" when that is all there is."""
    cwd = cwd or Path.cwd()
    plan = discover(paths, cwd, exclude)
    return [(display_path(p, cwd), what) for p, what in plan.unsupported]


# Files a Terraform module reads with file() or templatefile() that can hold a policy: JSON, and the template
# extensions Terraform's documentation recommends for templatefile() (.tftpl) and the older .tpl. A change to one
# re-checks the modules that read it (focus.py).
POLICY_FILE_SUFFIXES = (".json", ".tftpl", ".tpl")


def read_suffixes() -> tuple[str, ...]:
    """Every file name ending whose change can change a verdict: what discovery reads, and the policy files that
    modules read. The pre-commit hook's ``files:`` pattern and the README's snippet come from this set and
    INPUT_NAMES (a test keeps them in step): add a new kind of input here and the hook runs on it."""
    return tuple(sorted(set(INPUT_SUFFIXES + POLICY_FILE_SUFFIXES)))


def hook_files_pattern() -> str:
    """The pre-commit ``files:`` regex: the file names of INPUT_NAMES, and :func:`read_suffixes` by their last
    extension."""
    last = sorted({suffix.rsplit(".", 1)[-1] for suffix in read_suffixes()})
    names = sorted(re.escape(n) for n in INPUT_NAMES)
    return r"(^|/)(" + "|".join(names) + r")$|\.(" + "|".join(re.escape(s) for s in last) + r")$"
