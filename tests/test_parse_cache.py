"""The per-file parse cache: its JSON form gives back exactly what the parser made, and the linter's output does
not depend on whether files were parsed or read back from it."""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.synthetic import generate
from infra_policy_linter.inputs.sources import Source, decode
from infra_policy_linter.model.located import ParseError
from infra_policy_linter.parsers import hcl_nodes, parsed_json
from infra_policy_linter.parsers.hcl_expressions import ParsedExpression
from infra_policy_linter.parsers.hcl_nodes import (
    Attr,
    Call,
    Conditional,
    ForExpr,
    Index,
    Lit,
    ObjectExpr,
    Operation,
    Ref,
    Splat,
    Template,
    TemplateFor,
    TemplateIf,
    TupleExpr,
)
from infra_policy_linter.parsers.terraform import TfFile, parse_hcl
from infra_policy_linter.parsers.terraform_json import parse_terraform_file, parse_terraform_json, parser_for
from infra_policy_linter.run import analysis
from infra_policy_linter.run import cache as cache_module
from infra_policy_linter.run.cache import ParseCache, ResultCache, UnitParses
from tests.conftest import REPO, run_cli

TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars")


def same(a: Any, b: Any) -> bool:
    """Equal and of the very same types all the way down (``==`` alone takes 1 for True, a list for a tuple's
    equal, a ParsedExpression for its text, and Lit(1) for Lit(True))."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return repr(a) == repr(b)  # -0.0 and 0.0 differ, nan equals nan
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, ParsedExpression):
        return str(a) == str(b) and same(a.source, b.source) and same(a.node, b.node)
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return bool(a == b)


def round_trip(parsed: TfFile | ParseError, path: str, text: str) -> TfFile | ParseError:
    stored = json.dumps(parsed_json.file_to_data(parsed, path, text), separators=(",", ":"))
    return parsed_json.file_from_data(json.loads(stored, object_hook=parsed_json.object_hook), path, text)


def terraform_files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        yield from sorted(p for p in root.rglob("*") if p.name.endswith(TERRAFORM_SUFFIXES) and p.is_file())


def check_round_trips(roots: list[Path]) -> int:
    count = 0
    for path in terraform_files(*roots):
        text = decode(Source(str(path), path.read_bytes()))
        if isinstance(text, ParseError):
            continue
        parsed = parse_terraform_file(str(path), text)
        assert same(round_trip(parsed, str(path), text), parsed), path
        count += 1
    return count


# -- the stored form --------------------------------------------------------------------------------------------


def test_every_node_class_has_a_form_with_one_kind_per_field() -> None:
    classes = {cls for cls in vars(hcl_nodes).values() if isinstance(cls, type) and dataclasses.is_dataclass(cls)}
    assert set(parsed_json._KINDS) == classes
    for cls, (_, kinds) in parsed_json._KINDS.items():
        assert len(kinds) == len(dataclasses.fields(cls)), cls
    assert len({tag for tag, _ in parsed_json._KINDS.values()}) == len(classes)  # tags are distinct


EVERY_NODE = TupleExpr(
    (
        Lit("s"),
        Lit(1),
        Lit(1.0),
        Lit(-0.0),
        Lit(True),
        Lit(None),
        Lit(10**30),
        Template(("a-", Ref("var", (Attr("x"),)), "-b")),
        Ref(Call("f", (Lit(1),), False), (Attr("a"), Index(Lit(0)), Splat(), Index(Ref("each", (Attr("key"),))))),
        Call("concat", (TupleExpr(()), Ref("var", (Attr("l"),))), True),
        ObjectExpr(((Lit("k"), Lit("v")), (Ref("local", (Attr("k"),)), TupleExpr((Lit(2),))))),
        Conditional(Operation("==", Ref("var", (Attr("a"),)), Lit("")), Lit(1), Operation("!", None, Lit(False))),
        ForExpr(("k", "v"), Ref("var", (Attr("m"),)), Ref("k", ()), Ref("v", ()), Lit(True), True, "{"),
        ForExpr(("v",), Ref("var", (Attr("l"),)), None, Ref("v", ()), None, False, "["),
        Template(
            (
                TemplateIf(Ref("var", (Attr("on"),)), ("yes ", Ref("var", (Attr("x"),))), ()),
                TemplateFor(("i",), Ref("var", (Attr("l"),)), ("item ", Ref("i", ()), "\n")),
            )
        ),
    )
)


def test_every_kind_of_value_comes_back_exactly() -> None:
    body = {
        "resource": [{"aws_sqs_queue": {"q": {"name": "plain", "n": 1, "f": 1.5, "b": False, "none": None}}}],
        "numbers": [0, -1, 1.0, -0.0, 1e300, math.inf, 10**40, True],
        "strings": ["${var.x}", "%{ if a }b%{ endif }", "", "é\u2028\x00", "$e"],
        "expr": ParsedExpression("[for v in var.l : v]", EVERY_NODE),
        "nested": {"list": [ParsedExpression("a.b", Ref("a", (Attr("b"),))), {"deep": [[]]}]},
        # objects whose keys could be taken for a tag of the stored form
        "$e": {"$e": ["not", "an expression"], "$d": [], "$": 1},
        "tagged": {"$e": "x"},
        "__start_line__": 1,
    }
    parsed = TfFile("m/main.tf", body, ["line one", "line two"])
    back = round_trip(parsed, "m/main.tf", "line one\nline two")
    assert same(back, parsed)
    assert isinstance(back, TfFile) and isinstance(back.body["expr"], ParsedExpression)
    assert back.body["expr"] == "${[for v in var.l : v]}"


def test_a_parse_error_and_a_file_of_no_lines_come_back_exactly() -> None:
    error = ParseError("m/main.tf", 3, 7, "invalid HCL: unexpected '}'")
    assert same(round_trip(error, "m/main.tf", "x"), error)
    no_position = ParseError("m/main.tf", None, None, "invalid HCL: nesting too deep")
    assert same(round_trip(no_position, "m/main.tf", "x"), no_position)
    variables = TfFile("m/x.tfvars.json", {"a": 1}, [])
    assert same(round_trip(variables, "m/x.tfvars.json", '{"a": 1}'), variables)


@pytest.mark.parametrize(
    "value",
    [
        ("a", "tuple"),  # python-hcl2 makes lists; a tuple would come back as one
        {1: "int key"},
        type("Token", (str,), {})("a str subclass"),
        ParsedExpression("x", Lit([1])),  # type: ignore[arg-type]  # a literal is a scalar
        ParsedExpression("x", Ref("var", [Attr("x")])),  # type: ignore[arg-type]  # steps are a tuple
        ParsedExpression("x", Call("f", (), 1)),  # type: ignore[arg-type]  # expand is a bool
        {1.5},
    ],
)
def test_a_value_the_form_does_not_know_is_refused_rather_than_stored_inexactly(value: Any) -> None:
    with pytest.raises(TypeError):
        parsed_json.file_to_data(TfFile("m.tf", {"a": value}, []), "m.tf", "")


def test_the_stored_form_is_path_free_and_its_lines_are_the_text() -> None:
    text = 'resource "aws_sqs_queue" "q" {\n  name = "${var.a}-q"\n}\n'
    first = parse_hcl("a/main.tf", text)
    data = json.dumps(parsed_json.file_to_data(first, "a/main.tf", text))
    assert "a/main.tf" not in data and "resource" in data
    elsewhere = parsed_json.file_from_data(json.loads(data, object_hook=parsed_json.object_hook), "b/x.tf", text)
    assert same(elsewhere, parse_hcl("b/x.tf", text))
    with pytest.raises(TypeError):  # what was parsed under another name is not this file's
        parsed_json.file_to_data(first, "b/x.tf", text)
    with pytest.raises(TypeError):
        parsed_json.file_to_data(TfFile("a/main.tf", {}, ["other"]), "a/main.tf", text)


def test_every_terraform_file_of_the_fixtures_and_a_generated_corpus_round_trips(tmp_path: Path) -> None:
    corpus = generate(tmp_path / "corpus", 6, 0, unrelated_ratio=2).root
    assert check_round_trips([REPO / "fixtures", corpus]) > 100


@pytest.mark.slow
def test_every_terraform_file_of_a_200_project_corpus_round_trips(tmp_path: Path) -> None:
    corpus = generate(tmp_path / "corpus", 200, 0, unrelated_ratio=4).root
    assert check_round_trips([corpus]) > 400


# -- the cache --------------------------------------------------------------------------------------------------


class Counted:
    """A parser that counts its calls (functools.wraps keeps its name, which is part of the key)."""

    def __init__(self, parse: Any) -> None:
        self.calls = 0

        @functools.wraps(parse)
        def counting(path: str, text: str) -> Any:
            self.calls += 1
            return parse(path, text)

        self.parse = counting


def cached(parses: ParseCache | UnitParses, counted: Counted, path: str, data: bytes) -> Any:
    source = Source(path, data)
    text = decode(source)
    assert isinstance(text, str)
    return parses.parse(counted.parse, source, text)


GOOD = b'resource "aws_sqs_queue" "q" {\n  name = "${var.prefix}-q"\n  tags = { a = 1 }\n}\n'
BROKEN = b'resource "aws_sqs_queue" "q" {\n  name = \n'


def test_a_file_is_parsed_once_then_read_back_under_any_name(tmp_path: Path) -> None:
    parses = ParseCache(tmp_path / "parsed")
    counted = Counted(parse_hcl)
    first = cached(parses, counted, "a/main.tf", GOOD)
    assert counted.calls == 1 and len(list((tmp_path / "parsed").glob("*.json"))) == 1
    again = cached(parses, counted, "a/main.tf", GOOD)
    moved = cached(parses, counted, "b/queue.tf", GOOD)
    assert counted.calls == 1
    assert same(again, first) and same(moved, parse_hcl("b/queue.tf", GOOD.decode()))
    cached(parses, counted, "a/main.tf", GOOD + b"# edited\n")
    assert counted.calls == 2


def test_a_broken_file_is_not_parsed_again_either(tmp_path: Path) -> None:
    parses = ParseCache(tmp_path)
    counted = Counted(parse_hcl)
    first = cached(parses, counted, "m/main.tf", BROKEN)
    assert isinstance(first, ParseError) and first.line is not None
    assert same(cached(parses, counted, "m/main.tf", BROKEN), first)
    assert same(cached(parses, counted, "n/other.tf", BROKEN), parse_hcl("n/other.tf", BROKEN.decode()))
    assert counted.calls == 1


def test_the_parser_is_part_of_the_key(tmp_path: Path) -> None:
    parses = ParseCache(tmp_path)
    data = b'{"resource": {"aws_sqs_queue": {"q": {"name": "q"}}}}'
    native, json_syntax = Counted(parse_hcl), Counted(parse_terraform_json)
    assert parser_for("m/main.tf.json") is parse_terraform_json and parser_for("m/main.tf") is parse_hcl
    as_json = cached(parses, json_syntax, "m/main.tf.json", data)
    as_hcl = cached(parses, native, "m/main.tf", data)
    assert isinstance(as_json, TfFile) and isinstance(as_hcl, ParseError)
    assert native.calls == json_syntax.calls == 1
    assert len(list(tmp_path.glob("*.json"))) == 2


@pytest.mark.parametrize(
    "corrupt",
    [
        b'{"format": 1, "lines": true, "body": {"a": ',  # cut short
        b"\xff\xfe not JSON",
        b'{"format": 1, "lines": true, "body": []}',  # not a body
        b'{"format": 1, "lines": true, "body": {"a": {"$e": ["x", ["Nope"]]}}}',  # no such node
        b'{"format": 1, "lines": true, "body": {"a": {"$e": ["x", ["A", 1]]}}}',  # a name that is no str
        b'{"format": 1, "lines": true, "body": {"a": {"$e": ["x", ["A"]]}}}',  # a field short
        b'{"format": 1, "lines": true, "body": {"a": {"$x": 1}}}',  # no such tag
        b'{"format": 0, "lines": true, "body": {}}',  # another format
        b'{"lines": true}',
        b"[" * 100000,  # deeper than the decoder goes
    ],
)
def test_a_corrupt_entry_is_ignored_and_rewritten(tmp_path: Path, corrupt: bytes) -> None:
    parses = ParseCache(tmp_path)
    counted = Counted(parse_hcl)
    expected = cached(parses, counted, "m/main.tf", GOOD)
    (entry,) = tmp_path.glob("*.json")
    entry.write_bytes(corrupt)
    assert same(cached(parses, counted, "m/main.tf", GOOD), expected)
    assert counted.calls == 2
    assert same(cached(parses, counted, "m/main.tf", GOOD), expected)  # rewritten: read back, not parsed
    assert counted.calls == 2


def test_an_unwritable_cache_only_costs_the_parse(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    counted = Counted(parse_hcl)
    assert same(
        cached(ParseCache(blocker / "parsed"), counted, "m/main.tf", GOOD), parse_hcl("m/main.tf", GOOD.decode())
    )


def test_a_units_own_files_are_one_entry_and_an_edit_reparses_only_the_edited_file(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)
    counted = Counted(parse_hcl)
    files = {"m/main.tf": GOOD, "m/broken.tf": BROKEN, "m/other.tf": GOOD.replace(b'"q"', b'"r"')}

    def analyse(files: dict[str, bytes]) -> list[Any]:
        unit = cache.unit("terraform", "m")
        parsed = [cached(unit, counted, path, data) for path, data in files.items()]
        unit.save()
        return parsed

    first = analyse(files)
    assert counted.calls == 3 and len(list(tmp_path.glob("*.json"))) == 1
    assert all(same(a, b) for a, b in zip(analyse(files), first, strict=True))
    assert counted.calls == 3
    edited = {**files, "m/main.tf": GOOD + b"# edited\n"}
    again = analyse(edited)
    assert counted.calls == 4 and same(again[1:], first[1:])
    (entry,) = tmp_path.glob("*.json")
    assert len(entry.read_bytes().splitlines()) == 3  # the edited file's old parse is gone
    entry.write_bytes(entry.read_bytes().replace(b'"body"', b'"bdy"', 1) + b"no space\n\n")
    assert all(same(a, b) for a, b in zip(analyse(edited), again, strict=True))
    assert counted.calls == 5  # the corrupt line only
    cache.unit("terraform", "other").save()  # nothing parsed: nothing written
    assert len(list(tmp_path.glob("*.json"))) == 1


def test_a_unit_of_the_same_name_in_another_directory_has_its_own_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ParseCache(tmp_path / "cache")
    keys = set()
    for checkout in ("a", "b"):
        (tmp_path / checkout).mkdir()
        monkeypatch.chdir(tmp_path / checkout)
        keys.add(cache.unit("terraform", ".").key)
    assert len(keys) == 2


def test_no_cache_means_no_parse_cache(tmp_path: Path) -> None:
    assert ResultCache(None).parse_cache() == ParseCache(None)
    assert ResultCache(tmp_path).parse_cache() == ParseCache(tmp_path / "parsed")
    counted = Counted(parse_hcl)
    cached(ParseCache(None), counted, "m/main.tf", GOOD)
    cached(ParseCache(None), counted, "m/main.tf", GOOD)
    assert counted.calls == 2


# -- the linter's output ----------------------------------------------------------------------------------------


def parsed_dir(private_cache: Path) -> Path:
    return private_cache / "parsed"


def check_same_output(private_cache: Path, monkeypatch: pytest.MonkeyPatch, paths: list[str]) -> None:
    """The JSON report without any cache, with a cold cache, and with only the parse cache warm (every unit
    analysed again, every Terraform file read back from the cache, none parsed) is one and the same. (Terragrunt's
    own files are read by its resolver, not through the cache.)"""
    without = run_cli("--format", "json", "--no-cache", *paths)
    assert not parsed_dir(private_cache).exists()
    cold = run_cli("--format", "json", *paths)
    stored = sorted(parsed_dir(private_cache).glob("*.json"))
    assert stored
    for entry in private_cache.glob("*.json"):  # the unit results: every unit is analysed again
        entry.unlink()
    analysis._module_file.cache_clear()  # called modules' files parsed in this process: read from the cache
    analysis._registry_models.cache_clear()
    misses: list[str] = []
    reads: list[str] = []
    parsed_and_stored, file_from = cache_module._parsed_and_stored, cache_module._file_from

    def parsing(parse: Any, source: Source, text: str) -> Any:
        misses.append(source.path)
        return parsed_and_stored(parse, source, text)

    def reading(stored: bytes, source: Source, text: str) -> Any:
        reads.append(source.path)
        return file_from(stored, source, text)

    monkeypatch.setattr(cache_module, "_parsed_and_stored", parsing)
    monkeypatch.setattr(cache_module, "_file_from", reading)
    warm = run_cli("--format", "json", *paths)
    assert misses == [] and reads
    assert sorted(parsed_dir(private_cache).glob("*.json")) == stored
    assert without[0] == cold[0] == warm[0]
    assert without[1] == cold[1] == warm[1]
    assert json.loads(without[1])["findings"]


def test_findings_are_the_same_with_and_without_the_parse_cache(
    private_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    generate(tmp_path / "corpus", 4, 0, unrelated_ratio=2)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(REPO / "fixtures" / "terraform-modules", tmp_path / "modules")
    shutil.copytree(REPO / "fixtures" / "terraform-json", tmp_path / "json")
    check_same_output(private_cache, monkeypatch, ["corpus/terraform", "modules", "json"])


@pytest.mark.slow
def test_findings_are_the_same_with_and_without_the_parse_cache_on_every_fixture_and_a_corpus(
    private_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    generate(tmp_path / "corpus", 20, 3, unrelated_ratio=3)
    shutil.copytree(REPO / "fixtures", tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    check_same_output(private_cache, monkeypatch, ["corpus", "fixtures"])
