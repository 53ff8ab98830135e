"""Configuration from ``[tool.infra-policy-linter]`` in pyproject.toml or ``.infra-policy-linter.toml``.

Command-line flags override the file. Unknown keys are errors that name the key: a misspelt ``ignore`` must not
silently change what the gate checks.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

LEVELS = ("error", "warning", "note")
FAIL_ON = ("error", "warning", "note", "never")
CONFIG_FILE = ".infra-policy-linter.toml"
DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Config:
    select: frozenset[str] | None = None  # None: every rule
    ignore: frozenset[str] = frozenset()
    levels: dict[str, str] = field(default_factory=dict)  # rule id -> level override
    exclude: tuple[str, ...] = ()
    fail_on: str = "error"
    account_id: str | None = None
    region: str | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    source: str | None = None  # where the configuration came from
    # Terraform variables, applied after the files Terraform loads itself, later ones winning (as -var-file and
    # -var do): for every root module, then per root directory (display path) from [terraform."<dir>"] tables.
    var_files: tuple[str, ...] = ()
    variables: tuple[tuple[str, str], ...] = ()
    roots: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], ...] = ()
    # [per-file-ignores]: (gitignore-style pattern relative to the configuration file's directory, rule ids)
    per_path_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    # Lint every unit, also those inputs/relevance.py shows cannot hold a finding (--all-units: to compare).
    all_units: bool = False
    # Plan each fix to tell its applicability (safe, unsafe, display-only): only a report that shows it asks.
    fix_applicability: bool = False

    def variables_for(self, root: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """(variable files, NAME=VALUE pairs) for one Terraform root directory, in the order they apply."""
        files, pairs = list(self.var_files), list(self.variables)
        for directory, more_files, more_pairs in self.roots:
            if directory.rstrip("/") == root.rstrip("/"):
                files += more_files
                pairs += more_pairs
        return tuple(files), tuple(pairs)

    def rule_enabled(self, rule_id: str) -> bool:
        if rule_id in self.ignore:
            return False
        return self.select is None or rule_id in self.select


_ROOT_KEYS = {"var-files", "vars"}


def find_config_file(start: Path) -> Path | None:
    """The nearest configuration file from ``start`` upwards, stopping at the repository root."""
    for directory in [start, *start.parents]:
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
        if (directory / ".git").exists():
            return None
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(data.get("tool"), dict) and "infra-policy-linter" in data["tool"]


def load_config(path: Path, known_rules: set[str]) -> Config:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("infra-policy-linter", {})
        where = f"{path} [tool.infra-policy-linter]"
    elif set(data) == {"tool"} and isinstance(data["tool"], dict) and set(data["tool"]) == {"infra-policy-linter"}:
        # The pyproject.toml form, pasted as it is: one example then works in both files.
        table = data["tool"]["infra-policy-linter"]
        where = f"{path} [tool.infra-policy-linter]"
    else:
        table = data
        where = str(path)
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table")
    return parse_table(table, where, known_rules)


def parse_table(table: dict[str, Any], where: str, known_rules: set[str]) -> Config:
    unknown = sorted(set(table) - set(_TABLE_READERS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_TABLE_READERS))})")
    changes = {
        field_name: read(table[key], where, known_rules)
        for key, (field_name, read) in _TABLE_READERS.items()
        if key in table
    }
    return replace(Config(source=where), **changes)


def _severity(levels: Any, where: str, known_rules: set[str]) -> dict[str, str]:
    if not isinstance(levels, dict):
        raise ConfigError(f'{where}: \'severity\' must be a table of RULE = "error"|"warning"|"note"')
    out = {}
    for rule, level in levels.items():
        _check_rule(rule, "severity", where, known_rules)
        if level not in LEVELS:
            raise ConfigError(f"{where}: severity.{rule} must be one of {', '.join(LEVELS)}, not {level!r}")
        out[rule.upper()] = level
    return out


def _roots(roots: Any, where: str) -> tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], ...]:
    if not isinstance(roots, dict) or not all(isinstance(v, dict) for v in roots.values()):
        raise ConfigError(
            f"{where}: 'terraform' must hold one table per root directory, such as [terraform.\"envs/prod\"]"
        )
    parsed = []
    for directory, settings in sorted(roots.items()):
        here = f'{where}: terraform."{directory}"'
        unknown_keys = sorted(set(settings) - _ROOT_KEYS)
        if unknown_keys:
            raise ConfigError(f"{here}: unknown key {unknown_keys[0]!r} (known: var-files, vars)")
        var_files = tuple(_string_list(settings.get("var-files", []), "var-files", here))
        parsed.append((directory, var_files, _variables(settings.get("vars", {}), f"{here}: vars")))
    return tuple(parsed)


def _max_file_size(size: Any, where: str) -> int:
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ConfigError(f"{where}: 'max-file-size' must be a positive number of bytes")
    return size


def _variables(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f'{where} must be a table of NAME = "value" (values as -var takes them)')
    return tuple((str(k), v) for k, v in value.items())


def parse_var_option(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` as Terraform's -var takes it."""
    name, sep, value = text.partition("=")
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
        raise ConfigError(f"--var {text!r}: expected NAME=VALUE")
    return name, value


def _string_list(value: Any, key: str, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key!r} must be a list of strings")
    return value


def _check_rule(rule: str, key: str, where: str, known_rules: set[str]) -> str:
    if rule.upper() not in known_rules:
        raise ConfigError(f"{where}: {key} names unknown rule {rule!r} (see `lint rules`)")
    return rule.upper()


def expand_rules(rule: str, known_rules: set[str], slugs: dict[str, str] | None = None) -> list[str]:
    """The rule ids ``rule`` names: an id, a prefix of ids as ruff takes them (``DST``, ``ESM00``), or a rule's
    name (``missing-grant``, as `lint rules` prints it); [] when it names none."""
    upper = rule.strip().upper()
    if upper in known_rules:
        return [upper]
    if slugs and rule.strip().lower() in slugs:
        return [slugs[rule.strip().lower()]]
    return sorted(r for r in known_rules if upper and r.startswith(upper))


def _rule_list(value: Any, key: str, where: str, known_rules: set[str]) -> list[str]:
    found = []
    for rule in _string_list(value, key, where):
        ids = expand_rules(rule, known_rules)
        if not ids:
            raise ConfigError(f"{where}: {key} names unknown rule {rule!r} (see `lint rules`)")
        found += ids
    return found


def _per_path(value: Any, where: str, known_rules: set[str]) -> tuple[tuple[str, frozenset[str]], ...]:
    """``[per-file-ignores]``, as ruff has it: gitignore-style pattern (relative to the configuration file's
    directory) -> rules not reported for the files it matches."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: per-file-ignores must be a table of pattern = [rules]")
    return tuple(
        (pattern, frozenset(_rule_list(rules, f"per-file-ignores {pattern!r}", where, known_rules)))
        for pattern, rules in sorted(value.items())
    )


def check_fail_on(value: Any, where: str) -> str:
    if value not in FAIL_ON:
        raise ConfigError(f"{where}: fail-on must be one of {', '.join(FAIL_ON)}, not {value!r}")
    return str(value)


def check_account_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"\d{12}", value):
        raise ConfigError(f"{where}: account-id must be a 12-digit string, not {value!r}")
    return value


def check_region(value: Any, where: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", value):
        raise ConfigError(f"{where}: region must look like 'eu-west-1', not {value!r}")
    return value


# Configuration key -> (Config field, reader(value, where, known rules)).
_TABLE_READERS: dict[str, tuple[str, Callable[[Any, str, set[str]], Any]]] = {
    "select": ("select", lambda v, where, known: frozenset(_rule_list(v, "select", where, known))),
    "ignore": ("ignore", lambda v, where, known: frozenset(_rule_list(v, "ignore", where, known))),
    "severity": ("levels", _severity),
    "exclude": ("exclude", lambda v, where, _: tuple(_string_list(v, "exclude", where))),
    "fail-on": ("fail_on", lambda v, where, _: check_fail_on(v, where)),
    "account-id": ("account_id", lambda v, where, _: check_account_id(v, where)),
    "region": ("region", lambda v, where, _: check_region(v, where)),
    "var-files": ("var_files", lambda v, where, _: tuple(_string_list(v, "var-files", where))),
    "vars": ("variables", lambda v, where, _: _variables(v, f"{where}: vars")),
    "terraform": ("roots", lambda v, where, _: _roots(v, where)),
    "max-file-size": ("max_file_size", lambda v, where, _: _max_file_size(v, where)),
    "per-file-ignores": ("per_path_ignores", _per_path),
}
