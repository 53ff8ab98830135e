"""One unit, start to finish: parse its files, build the model, run the rules, apply suppressions.

Units are independent, so this is what runs in parallel and what the cache stores.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from functools import cache, lru_cache, partial
from typing import TYPE_CHECKING, Any

from infra_policy_linter.config import Config
from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.findings.suppress import Suppressed, apply_suppressions
from infra_policy_linter.inputs.sources import Source, decode
from infra_policy_linter.model.entities import Unit
from infra_policy_linter.model.located import ParseError
from infra_policy_linter.model.values import Environment
from infra_policy_linter.run.work import UnitResult, Work

if TYPE_CHECKING:
    from infra_policy_linter.run.cache import ParseCache, UnitParses


def analyse(work: Work, config: Config, today: date, parses: ParseCache | None = None) -> UnitResult:
    """The unit's result; ``parses``: the parse cache (None: every file is parsed)."""
    try:
        skipped = None if config.all_units or _may_hold_findings(work) else _skipped(work)
        if skipped is not None:
            return skipped
        own = parses.unit(work.kind, work.name) if parses is not None and parses.directory is not None else None
        result = _analyse(work, config, today, own)
        if own is not None:
            own.save()
        return result
    except RecursionError:  # reported at the file when the unit is one (a template), as parse errors are
        where = work.sources[0].path if len(work.sources) == 1 else work.name
        return UnitResult(errors=[ParseError(where, None, None, "nesting too deep to analyse")])
    except Exception as exc:  # a bug must cost one unit, not the run, and must not pass silently
        if os.environ.get("INFRA_POLICY_LINTER_DEBUG"):
            raise
        what = "module" if work.kind == "terraform" else "template"
        message = f"internal error while analysing this {what}: {type(exc).__name__}: {exc}"
        return UnitResult(errors=[ParseError(work.name, None, None, message)])


def _may_hold_findings(work: Work) -> bool:
    from infra_policy_linter.inputs.relevance import may_hold_findings

    files = [s.data for s in work.sources + work.tfvars + work.texts] + [s.data for _, m in work.modules for s in m]
    return may_hold_findings(work.kind, files)


def _skipped(work: Work) -> UnitResult | None:
    """A unit no rule can speak about (inputs/relevance.py): not parsed, not resolved, counted as skipped. Its files
    still count as read; a template is first decoded cheaply, and one that does not decode cleanly or gives a key
    twice is read in full after all (its error or LNT004 is then exactly what a full read reports)."""
    if work.kind != "cloudformation":
        if not all(_json_reads(s) for s in work.sources if s.path.endswith(".json")):
            return None  # Terraform's JSON syntax: the standard decoder finds a broken file cheaply
        files = [s.path for s in work.sources + work.tfvars] + [s.path for _, m in work.modules for s in m]
        return UnitResult(files=sorted(set(files)), counts={"skipped": 1})
    from infra_policy_linter.parsers.cloudformation import quick_look

    templates: list[str] = []
    for source in work.sources:
        text = decode(source)
        look = None if isinstance(text, ParseError) else quick_look(text)
        if look is None:
            return None
        if look:
            templates.append(source.path)
    return UnitResult(files=templates, counts={"skipped": 1} if templates else {})


def _json_reads(source: Source) -> bool:
    import json

    try:
        json.loads(source.data)
    except (ValueError, RecursionError):
        return False
    return True


def _analyse(work: Work, config: Config, today: date, parses: UnitParses | None) -> UnitResult:
    from infra_policy_linter.run.coverage import destination_counts

    env = Environment(config.account_id, config.region)
    result = UnitResult()
    unfollowed: list[str] = []
    if work.kind == "terraform":
        unit = _terraform(work, env, result, unfollowed, parses)
    elif work.kind == "terraform-plan":
        unit = _plan(work, env, result)
    elif work.kind == "serverless":
        unit = _serverless(work, env, result)
    elif work.kind == "terragrunt":
        unit = _terragrunt(work, env, result, unfollowed, parses)
    else:
        unit = _template(work, env, result, unfollowed)
    if unit is None:
        return result
    result.units = 1
    result.files = list(unit.files)
    shared: dict[str, Any] = {}
    result.findings, result.suppressed = check_unit(unit, config, today, shared)
    if work.kind == "terragrunt":
        from infra_policy_linter.fix import terragrunt_advice

        result.findings, result.suppressed = terragrunt_advice.rewrite(result.findings, result.suppressed)
    result.counts = {**destination_counts(unit, shared), "not_followed": len(unfollowed)}
    if config.fix_applicability:
        result.findings = _with_applicability(work, result)
    return result


def _with_applicability(work: Work, result: UnitResult) -> list[Finding]:
    """The unit's findings told how ``--fix`` treats each, planned on the texts the unit read, in report order (a
    second grant for one role goes after the first)."""
    from pathlib import Path

    from infra_policy_linter.fix.apply import with_applicability

    cwd = Path.cwd()
    sources = work.sources + work.tfvars + tuple(s for _, files in work.modules for s in files)
    texts = {}
    for s in sources:
        try:  # as the file is read for --fix: strict UTF-8, universal newlines
            texts[cwd / s.path] = s.data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            continue  # planned from the file itself, which then reports why it cannot be read
    findings = sorted(result.findings, key=Finding.sort_key)
    return with_applicability(findings, cwd, {e.path for e in result.errors}, texts)


def _terraform(
    work: Work,
    env: Environment,
    result: UnitResult,
    unfollowed: list[str],
    parses: UnitParses | None,
    inputs: list[Any] | None = None,
    root: list[Any] | None = None,
) -> Unit | None:
    from infra_policy_linter.resolve.terraform.module import ModuleLibrary, build_module
    from infra_policy_linter.resolve.terraform.registry_models import anchor_at_calls, mentions_a_model

    broken = list(work.broken)
    shared = parses.cache if parses is not None else None  # called modules' files: an entry each, kept per process
    files = list(root or []) + _parsed(work.sources, partial(_terraform_file, parses=parses), result, broken)
    tfvars = list(inputs or []) + _parsed(work.tfvars, partial(_variables_file, parses=parses), result, broken)
    if work.variables:
        tfvars.append(_command_line_variables(work.variables))
    if not files:
        return None
    library = ModuleLibrary(remote=dict(work.remote), absent=set(work.absent))
    for source in work.texts:
        text = decode(source)
        if not isinstance(text, ParseError):
            library.texts[source.path] = text
    for directory, sources in work.modules:
        library.files[directory] = _parsed(sources, partial(_module_file, parses=shared), result, broken)
    texts = [decode_text(s) for s in work.sources] + [decode_text(s) for _, m in work.modules for s in m]
    if root or mentions_a_model(texts):
        library.models = _registry_models(shared)
    unit = build_module(work.name, files, tfvars, env, library)
    anchor_at_calls(unit, library.call_sites)
    # The resolver already knows which calls it could not follow (MOD001): one per call site.
    unfollowed.extend(sorted({f"{c.location.path}:{c.location.line}" for c in unit.unfollowed}))
    unit.incomplete = [f"{b} could not be parsed" for b in sorted(broken)]
    return unit


def _terragrunt(
    work: Work, env: Environment, result: UnitResult, unfollowed: list[str], parses: UnitParses | None
) -> Unit | None:
    """A terragrunt.hcl: the module its source names, as a root module whose variables are its inputs (lowest
    precedence: Terragrunt passes them as TF_VAR_ variables); a source not on disk is a call not followed."""
    from dataclasses import replace

    from infra_policy_linter.model.entities import ModuleCall
    from infra_policy_linter.model.located import Location
    from infra_policy_linter.resolve.terraform.terragrunt import Terragrunt, absolute, display

    texts = {absolute(s.path): decode_text(s) for s in work.sources}
    stack = Terragrunt(absolute(work.name), texts.get)
    source, line = stack.source()
    lines = texts[absolute(work.name)].split("\n")
    inputs = stack.inputs_file(work.name, lines)
    result.errors.extend(stack.errors)
    model = stack.model_call(source, line, work.name, lines) if not work.modules else None
    if model is not None:  # a registry module the linter has a model of, called with the inputs
        return _terraform(replace(work, kind="terraform", sources=()), env, result, unfollowed, parses, root=[model])
    if not work.modules:
        unit = Unit(format="terraform", name=work.name, files=[work.name], languages={work.name: "hcl"})
        what = source if isinstance(source, str) else str(source)
        reason = f"its source {what} is not on disk (Terragrunt downloads it), so nothing in it was checked"
        unit.unfollowed.append(ModuleCall("terraform.source", what, reason, Location(work.name, line)))
        unfollowed.append(f"{work.name}:{line}")
        return unit
    (directory, files), *modules = work.modules
    module = replace(work, kind="terraform", name=directory, sources=files, modules=tuple(modules))
    built = _terraform(module, env, result, unfollowed, parses, [inputs])
    if built is not None:
        built.name = work.name
        built.files = sorted({*built.files, *(display(p) for p in texts)})
        built.languages.update({display(p): "hcl" for p in texts})
    return built


def _serverless(work: Work, env: Environment, result: UnitResult) -> Unit | None:
    """A Serverless Framework service: serverless.yml, then the files its ${file()} variables read."""
    from infra_policy_linter.resolve.serverless.service import build_service

    source, *read = work.sources
    text = decode(source)
    if isinstance(text, ParseError):
        result.errors.append(text)
        return None
    files = {}
    for other in read:
        decoded = decode(other)
        if isinstance(decoded, str):
            files[other.path] = decoded
    built = build_service(source.path, text, files, env)
    if isinstance(built, ParseError):
        result.errors.append(built)
        return None
    return built


def _command_line_variables(pairs: tuple[tuple[str, str], ...]) -> Any:
    """-var values as Terraform reads them: a value that starts like a list or an object is an HCL expression,
    anything else is the string itself."""
    from infra_policy_linter.parsers.hcl_expressions import HclExpressionError, ParsedExpression, parse_attribute_value
    from infra_policy_linter.parsers.terraform import TfFile

    body: dict[str, Any] = {}
    for name, value in pairs:
        body[name] = value
        if value.lstrip().startswith(("[", "{")):
            try:
                node, source = parse_attribute_value(value, 0)
            except HclExpressionError:
                continue  # kept as the string: what Terraform would reject, the linter reads as text
            body[name] = ParsedExpression(source, node)
    return TfFile("--var", body, [])


def _plan(work: Work, env: Environment, result: UnitResult) -> Unit | None:
    from infra_policy_linter.resolve.terraform.plan import build_plan

    (source,) = work.sources
    text = decode(source)
    built = text if isinstance(text, ParseError) else build_plan(source.path, text, env)
    if isinstance(built, ParseError):
        result.errors.append(built)
        return None
    return built


def _template(work: Work, env: Environment, result: UnitResult, unfollowed: list[str]) -> Unit | None:
    from infra_policy_linter.resolve.cloudformation.template import build_template
    from infra_policy_linter.run.coverage import nested_stacks

    source, *nested = work.sources  # a template, then the local templates of its nested stacks
    parsed = _read_template(source, env, result)
    if parsed is None:
        return None
    children = {}
    for child in nested:
        read = _read_template(child, env, result)
        if read is not None:
            children[child.path] = read[1] if read[1] is not None else read[0]
    # Nested stacks whose template is not a local file that could be read are not followed.
    stacks = nested_stacks(parsed[0].body)
    unfollowed.extend(stacks[: max(0, len(stacks) - len(children))])
    return build_template(parsed[0], env, parsed[1], children)


def _read_template(source: Source, env: Environment, result: UnitResult) -> tuple[Any, Any] | None:
    """(template, what the SAM transform made of it or None); None when it is no template or is broken."""
    from infra_policy_linter.parsers.cloudformation import parse_template
    from infra_policy_linter.resolve.cloudformation.sam_transform import uses_sam

    text = decode(source)
    parsed = text if isinstance(text, ParseError) else parse_template(source.path, text)
    if parsed is None:
        return None
    if isinstance(parsed, ParseError):
        result.errors.append(parsed)
        return None
    translated = None
    if uses_sam(parsed.body):
        from infra_policy_linter.resolve.cloudformation.sam_transform import translate

        translated = translate(parsed, env.region_name)
        if isinstance(translated, list):  # SAM rejects the template: its messages are the result
            result.errors.extend(translated)
            return None
    return parsed, translated


def check_unit(
    unit: Unit, config: Config, today: date, shared: dict[str, Any] | None = None
) -> tuple[list[Finding], list[Suppressed]]:
    from dataclasses import replace

    from infra_policy_linter.rules import ALL_RULES

    enabled = {rule.id for rule in ALL_RULES if config.rule_enabled(rule.id)}
    shared = {} if shared is None else shared
    raw: list[Finding] = []
    seen: set[tuple[Any, ...]] = set()
    for rule in ALL_RULES:
        if rule.id not in enabled:
            continue
        for finding in rule.check(unit, shared):
            # Instances of one resource (for_each over qualifiers, say) can yield the very same finding twice.
            key = (finding.rule, finding.location, finding.message)
            if key not in seen:
                seen.add(key)
                raw.append(finding)
    active, hidden, meta = apply_suppressions(unit, raw, today, enabled)
    findings = [replace(f, level=config.levels[f.rule]) if f.rule in config.levels else f for f in active + meta]
    return findings, hidden


def _parsed(
    sources: tuple[Source, ...], parse: Callable[[Source], Any], result: UnitResult, broken: list[str]
) -> list[Any]:
    """Each source parsed; what cannot be becomes an error of the unit and a broken file."""
    parsed_files = []
    for source in sources:
        parsed = parse(source)
        if isinstance(parsed, ParseError):
            result.errors.append(parsed)
            broken.append(source.path)
        else:
            parsed_files.append(parsed)
    return parsed_files


def _terraform_file(source: Source, parses: ParseCache | UnitParses | None = None) -> Any:
    from infra_policy_linter.parsers.terraform_json import parser_for

    text = decode(source)
    if isinstance(text, ParseError):
        return text
    parse = parser_for(source.path)
    return parse(source.path, text) if parses is None else parses.parse(parse, source, text)


def _variables_file(source: Source, parses: UnitParses | None = None) -> Any:
    from infra_policy_linter.parsers.terraform import parse_hcl, parse_tfvars_json

    text = decode(source)
    if isinstance(text, ParseError):
        return text
    if source.path.endswith(".json"):
        return parse_tfvars_json(source.path, text)  # json.loads: a stored copy would cost as much to read
    return parse_hcl(source.path, text) if parses is None else parses.parse(parse_hcl, source, text)


# A called module's file is decoded and parsed once per process, whichever unit reads it first (a module called
# from several root modules is one parse in each worker; root modules' own files, read by one unit, are not kept:
# that cost memory for nothing). A parsed file is only read afterwards, as the registry models are (resolution
# copies what it merges); the key is the path, the bytes and the parse cache.
_module_file = lru_cache(maxsize=1024)(_terraform_file)


def decode_text(source: Source) -> str:
    return source.data.decode("utf-8", "replace")


@cache
def _registry_models(parses: ParseCache | None = None) -> dict[str, list[Any]]:
    """The linter's models of registry modules, parsed once per process (and kept in the parse cache, as files)."""
    from infra_policy_linter.parsers.terraform import parse_hcl
    from infra_policy_linter.resolve.terraform.registry_models import MODEL_PREFIX, model_sources

    parsed: dict[str, list[Any]] = {}
    for address, text in model_sources():
        display = f"{MODEL_PREFIX}{address})/main.tf"
        source = Source(display, text.encode())
        tf = parse_hcl(display, text) if parses is None else parses.parse(parse_hcl, source, text)
        if isinstance(tf, ParseError):  # the project's own file: a test keeps it parseable
            raise RuntimeError(f"the model of {address} does not parse: {tf.message}")
        parsed[address] = [tf]
    return parsed
