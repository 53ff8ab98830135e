"""The one-pass template decoder (parsers/template_yaml.py) gives what cfn-lint's decoder gives, or declines.

Every template file of the fixtures and of the generated corpus is decoded both ways and the results compared
node by node: the kind of every value and key (the decoder's node class for each of cfn-lint's: ``MarkedStr`` for
``str_node`` ...; plain values where cfn-lint has plain values), the values, the marks (line, column and index),
dict order. Where the decoder declines, the
linter decodes with cfn-lint as before; the cases below pin that it declines exactly where cfn-lint reports a
problem or does something only it should do. Run by hand on other trees:
``.venv/bin/python -m tests.test_template_yaml DIR...``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra_policy_linter.inputs.sniff import looks_like_template
from infra_policy_linter.parsers.template_yaml import MarkedDict, decode
from tests.conftest import REPO

_SUFFIXES = (".yaml", ".yml", ".json", ".template")
_MARK_FIELDS = ("name", "index", "line", "column", "buffer", "pointer")


def _mark(mark: Any) -> Any:
    return None if mark is None else (type(mark), *(getattr(mark, f, None) for f in _MARK_FIELDS))


def _attributes(value: Any) -> dict[str, Any]:
    """What a node carries besides its value (marks as comparable tuples; cfn-lint's ``using_merge``, always False
    where the decoder decodes, left out)."""
    found = dict(getattr(value, "__dict__", {}))
    if found.get("using_merge") is False:
        del found["using_merge"]
    for name in ("start_mark", "end_mark"):
        if name in found:
            found[name] = _mark(found[name])
    return found


def _kind(value: Any) -> str:
    """The same name for the decoder's node classes and cfn-lint's (``str_node``, ``dict_node``, ``list_node``)."""
    name = type(value).__name__
    return {"MarkedStr": "str_node", "MarkedDict": "dict_node", "MarkedList": "list_node"}.get(name, name)


def differences(mine: Any, theirs: Any, path: str = "") -> Iterator[str]:
    """Where two decoded templates differ (nothing when they are the same, kind for kind, mark for mark)."""
    if _kind(mine) != _kind(theirs):
        yield f"{path}: {_kind(mine)} != {_kind(theirs)}"
        return
    if _attributes(mine) != _attributes(theirs):
        yield f"{path}: {_attributes(mine)} != {_attributes(theirs)}"
    if isinstance(mine, dict):
        mine_keys, their_keys = list(mine), list(theirs)
        if len(mine_keys) != len(their_keys):
            yield f"{path}: keys {mine_keys} != {their_keys}"
            return
        for a, b in zip(mine_keys, their_keys, strict=True):
            yield from differences(a, b, f"{path}.<key {b!r}>")
            yield from differences(mine[a], theirs[b], f"{path}.{b}")
    elif isinstance(mine, list):
        if len(mine) != len(theirs):
            yield f"{path}: {len(mine)} items != {len(theirs)}"
            return
        for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            yield from differences(a, b, f"{path}[{i}]")
    elif mine != theirs and not (mine != mine and theirs != theirs):  # noqa: PLR0124 - NaN is NaN
        yield f"{path}: {mine!r} != {theirs!r}"


def compare(text: str) -> tuple[bool, list[str]]:
    """(decoded by the one-pass decoder, differences from cfn-lint's decoding)."""
    from cfnlint.decode import decode_str

    mine = decode(text)
    if mine is None:
        return False, []
    theirs, matches = decode_str(text)
    if matches:
        return True, [f"cfn-lint reports {[m.message for m in matches]}, the one-pass decoder none"]
    return True, list(differences(mine, theirs))


def template_files(*roots: Path) -> Iterator[tuple[Path, str]]:
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in _SUFFIXES and path.is_file() and ".git" not in path.parts:
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                if looks_like_template(text):
                    yield path, text


def _check(files: list[tuple[Path, str]]) -> tuple[int, list[str]]:
    decoded, problems = 0, []
    for path, text in files:
        took, found = compare(text)
        decoded += took
        problems.extend(f"{path}: {d}" for d in found[:5])
    return decoded, problems


def test_fixture_templates_decode_as_cfn_lint_decodes() -> None:
    files = list(template_files(REPO / "fixtures"))
    decoded, problems = _check(files)
    assert problems == []
    assert len(files) > 100 and decoded > 0.9 * len(files)  # the fast path is the common one


@pytest.mark.slow  # 400 templates decoded twice; CI runs it (-m '')
def test_generated_corpus_decodes_as_cfn_lint_decodes(tmp_path: Path) -> None:
    from benchmarks.synthetic import generate

    generate(tmp_path, 200)
    files = list(template_files(tmp_path))
    decoded, problems = _check(files)
    assert problems == []
    assert len(files) > 50 and decoded == len(files)


_SHORT_FORMS = """\
AWSTemplateFormatVersion: 2010-09-09
Conditions:
  Prod: !Equals [!Ref Stage, prod]
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Other: !GetAtt [Role, Arn]
      Name: !Sub "${AWS::StackName}-fn"
      Code: !If [Prod, {ZipFile: x}, !Ref AWS::NoValue]
      Tags: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}
      Timeout: 30
      Enabled: yes
      Ratio: 0.5
      Nothing: ~
      Quoted: "30"
      When: 2024-01-02 03:04:05
      Empty: []
      Map: {}
      Folded: >
        two
        lines
  "200": {Type: AWS::SQS::Queue}
  300: {Type: AWS::SQS::Queue}
"""


def test_short_forms_scalars_and_keys_decode_as_cfn_lint_decodes() -> None:
    assert compare(_SHORT_FORMS) == (True, [])


def test_json_decodes_as_cfn_lint_decodes() -> None:
    text = '{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"N": [1, 2.5, true, null, "s"]}}}}'
    assert compare(text) == (True, [])


@pytest.mark.parametrize(
    "text",
    [
        "Resources:\n  A: {Type: AWS::SQS::Queue}\n  A: {Type: AWS::SNS::Topic}\n",  # a key twice (LNT004)
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Type: AWS::SNS::Topic\n",
        "Resources:\n  1: {Type: AWS::SQS::Queue}\n  1.0: {Type: AWS::SNS::Topic}\n",  # equal keys of two types
        "Resources:\n  ~: {Type: AWS::SQS::Queue}\n",  # a null key
        "Base: &b {Type: AWS::SQS::Queue}\nResources:\n  Q: *b\n",  # an alias
        "Resources:\n  Q:\n    <<: {Type: AWS::SQS::Queue}\n",  # a merge key
        "Resources:\n  ? [a, b]\n  : {Type: AWS::SQS::Queue}\n",  # a key that is a list
        "Resources:\n  Q: !!set {a, b}\n",  # a tag cfn-lint has no node class for
        "Resources:\n  Q: !!binary aGVsbG8=\n",
        "Resources: {Q: {Type: AWS::SQS::Queue}\n",  # YAML that does not parse
        "Resources: [\n",
        "---\nResources: {}\n---\nResources: {}\n",  # two documents
        "",  # nothing at all: cfn-lint makes it an empty template
        "Resources:\n  Q: !Sub [x, {A: 1, A: 2}]\n",  # a key twice inside a short form
        "R:\n" + "".join("  " * i + f"- k{i}:\n" for i in range(1, 70)),  # deeper than the one-pass decoder goes
        "Resources:\n\tQ: 1\n",  # a tab: cfn-lint tries its JSON decoder
        "Resources:\n  Q: !GetAtt {A: b}\n",  # a GetAtt of a mapping: cfn-lint makes a node without marks
    ],
)
def test_declines_what_cfn_lint_must_decide(text: str) -> None:
    assert decode(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Resources:\n  Q: !Transform {A: 1, A: 2}\n",  # a short form's own mapping keeps the last value
        "Resources:\n  Q: !Sub [x, {B: !Ref Y}]\n",
        "Resources:\n  Q: !Ref\n",  # a short form of nothing
    ],
)
def test_short_forms_are_built_as_cfn_lint_builds_them(text: str) -> None:
    """Inside a short form cfn-lint's multi-constructor builds plain values (a mapping keeps its last value)."""
    assert compare(text) == (True, [])


def test_nodes_keep_their_marks_through_deepcopy_and_pickle() -> None:
    """The SAM transform deep-copies the template and results cross process boundaries: a node stays a node of the
    same kind at the same place, as cfn-lint's do."""
    import copy
    import pickle

    body = decode("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {Tags: [a, !Ref B]}\n")
    for again in (copy.deepcopy(body), pickle.loads(pickle.dumps(body))):
        assert list(differences(again, body)) == []
        assert again == body
    name = body["Resources"]["Q"]["Type"]
    assert pickle.loads(pickle.dumps(name)).start_mark.line == 2


def test_a_mapping_default_comes_back_with_the_mapping_s_marks() -> None:
    """cfn-lint's ``dict_node.get``: resolvers that read ``.get(key, {})`` see a position either way."""
    body = decode("Resources:\n  Q: {Type: AWS::SQS::Queue}\n")
    fallback = body["Resources"].get("Missing", {})
    assert type(fallback) is MarkedDict and fallback.start_mark is body["Resources"].start_mark
    assert body["Resources"].get("Missing") is None


def test_decoding_loads_no_part_of_cfn_lint() -> None:
    """Importing any part of cfn-lint imports sympy and networkx (about a second): the common path does not."""
    import subprocess

    code = (
        "import sys\nfrom infra_policy_linter.parsers.cloudformation import parse_template\n"
        "t = parse_template('t.yaml', 'Resources:\\n  Q: {Type: AWS::SQS::Queue}\\n')\n"
        "print(type(t).__name__, 'cfnlint' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.split() == ["Template", "False"]


if __name__ == "__main__":  # .venv/bin/python -m tests.test_template_yaml DIR...
    all_files = list(template_files(*map(Path, sys.argv[1:])))
    n, found = _check(all_files)
    print("\n".join(found))
    print(f"{len(all_files)} templates, {n} decoded in one pass, {len(found)} differences")
    sys.exit(1 if found else 0)
