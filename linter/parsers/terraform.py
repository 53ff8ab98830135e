"""Reading Terraform files with python-hcl2 7.x.

7.x is chosen on purpose (measured against 8.x when this was written): it reports block line ranges
(``with_meta``), strips both heredoc forms cleanly, and parses about twice as fast as 8.x. It is pinned below 8 in
pyproject.toml.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from infra_policy_linter.model.located import ParseError
from infra_policy_linter.parsers.hcl_reader import read_body

MAX_NESTING = 100
_BRACKETS = re.compile(r"[{}\[\]()]")

# python-hcl2's grammar, with these changes (each keeps python-hcl2's output for every file it already parses):
# - the block rule keeps its braces, whose tokens carry the block's first and last line. That replaces lark's
#   propagate_positions, which tracked positions for every node of every file and cost about a third of all
#   parsing time. The output is python-hcl2's, including __start_line__/__end_line__.
# - the rest make it read what Terraform reads (HCL native syntax spec, hashicorp/hcl hclsyntax scanner and parser):
#   identifiers and heredoc markers are Unicode ID_Start/ID_Continue (``café``, ``<<E``, ``<<_EOF``); a heredoc's
#   closing marker may be followed by spaces or tabs (hcl trims the line before comparing it); a quoted string may
#   not hold a line break ("Invalid multi-line string"); an object key may be a function call (`{ format(..) = 1 }`,
#   an expression key like `(k)`). Line breaks inside brackets are handled by _significant().
_BLOCK_RULE = 'block : identifier (identifier | string)* new_line_or_comment? "{" body "}"'
_GRAMMAR_EDITS = (
    (_BLOCK_RULE, "!" + _BLOCK_RULE),
    ("NAME : /[a-zA-Z_][a-zA-Z0-9_-]*/", r"NAME : /[^\W\d][\w-]*/"),
    (
        r"heredoc_template : /<<(?P<heredoc>[a-zA-Z][a-zA-Z0-9._-]+)\n?(?:.|\n)*?\n\s*(?P=heredoc)\n/",
        r"heredoc_template : /<<(?P<heredoc>[^\W\d][\w.-]*)(?![\w.-])\n?(?:.|\n)*?\n\s*(?P=heredoc)[^\S\n]*\n/",
    ),
    (
        r"heredoc_template_trim : /<<-(?P<heredoc_trim>[a-zA-Z][a-zA-Z0-9._-]+)\n?(?:.|\n)*?\n\s*(?P=heredoc_trim)\n/",
        r"heredoc_template_trim : /<<-(?P<heredoc_trim>[^\W\d][\w.-]*)(?![\w.-])\n?"
        r"(?:.|\n)*?\n\s*(?P=heredoc_trim)[^\S\n]*\n/",
    ),
    # A %{ } template directive may hold quoted strings (`"a%{ if var.x != "" }-b%{ endif }"`): one token for
    # the whole directive, read later by the expression parser; `%%{` is a literal.
    (
        r'STRING_CHARS.1: /(?:(?!\$\$\{)(?!\$\{)[^"\\]|\\.|(?:\$(?!\$?\{)))+/',
        r'STRING_CHARS.1: /(?:%%\{|(?!\$\$\{)(?!\$\{)(?!%\{)[^"\\\n]|\\.|(?:\$(?!\$?\{)))+/' + "\n"
        r'TEMPLATE_DIRECTIVE.2: /%\{(?:[^}"\n]|"(?:[^"\\\n]|\\.)*")*\}/',
    ),
    ("string_part: STRING_CHARS\n", "string_part: STRING_CHARS\n           | TEMPLATE_DIRECTIVE\n"),
    (r"ESCAPED_INTERPOLATION.2: /\$\$\{[^}]*\}/", r"ESCAPED_INTERPOLATION.2: /\$\$\{[^}\n]*\}/"),
    (
        "object_elem_key : float_lit | int_lit | identifier | string | object_elem_key_dot_accessor | "
        "object_elem_key_expression\n",
        "object_elem_key : float_lit | int_lit | identifier | string | object_elem_key_dot_accessor | "
        "object_elem_key_expression | object_elem_key_call\nobject_elem_key_call : function_call\n",
    ),
)
# The transformer (hcl_transformer.py) reads the same heredoc markers.


SHIPPED_GRAMMAR = Path(__file__).parent / "data" / "hcl2-grammar.bin"
_OPTIONS = {"parser": "lalr", "propagate_positions": False}


def _grammar() -> tuple[str, str] | None:
    """(grammar text, stamp) for python-hcl2's grammar with the block rule keeping its braces."""
    import hashlib

    import hcl2
    import lark

    grammar = (Path(hcl2.__file__).parent / "hcl2.lark").read_text(encoding="utf-8")
    if any(old not in grammar for old, _ in _GRAMMAR_EDITS):  # a python-hcl2 whose grammar differs: use its own
        return None
    for old, new in _GRAMMAR_EDITS:
        grammar = grammar.replace(old, new)
    digest = hashlib.sha256(grammar.encode()).hexdigest()[:16]
    return grammar, f"lark {lark.__version__} python {sys.version_info[0]}.{sys.version_info[1]} grammar {digest}"


def write_shipped_grammar(path: Path = SHIPPED_GRAMMAR) -> None:
    """Build the parser and store it in the package, so that no first run has to (``python -m
    infra_policy_linter.parsers.terraform``). A stamp line says which lark, Python and grammar it was built from."""
    from lark import Lark

    found = _grammar()
    assert found is not None
    grammar, stamp = found
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(stamp.encode() + b"\n")
        Lark(grammar, **_OPTIONS).save(fh)


@lru_cache(maxsize=1)
def _parser() -> Any:
    """The LALR parser with the transformer applied while it parses (lark's ``transformer=``): no parse tree is
    built and no second pass walks one. The transformer reads the file's text (``transformer.text``), set per
    parse in _lark_loads; one parser per process, used by one parse at a time."""
    from lark import Lark

    found = _grammar()
    if found is None:
        return None
    grammar, stamp = found
    transformer = _transformer_class()(with_meta=True)
    try:  # the parser shipped in the package, when it was built from this very lark, Python and grammar
        with SHIPPED_GRAMMAR.open("rb") as fh:
            if fh.readline().rstrip(b"\n") == stamp.encode():
                # Lark.load takes no options; its _load is what takes a postlex (the lexer is built at load)
                return Lark.__new__(Lark)._load(fh, postlex=_SignificantNewlines(), transformer=transformer)
    except Exception:  # missing or unreadable: build one below
        pass
    # Otherwise lark builds the tables (about a second) and keeps them in the user cache directory. Lark hashes
    # the file's own path into it, so it is always written and read under this one name; a reader that meets a
    # half-written file (two first runs at once) rebuilds rather than fails.
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    final = Path(base) / "infra-policy-linter" / f"hcl2-{stamp.replace(' ', '-')}.grammar"
    options = {**_OPTIONS, "postlex": _SignificantNewlines(), "transformer": transformer}
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        return Lark(grammar, cache=str(final), **options)
    except OSError:
        return Lark(grammar, **options)


@dataclass
class DuplicateAttribute(Exception):
    """An argument set twice in one body: Terraform's "Attribute redefined"."""

    name: str
    first_line: int
    line: int


@lru_cache(maxsize=1)
def _transformer_class() -> Any:
    from infra_policy_linter.parsers.hcl_transformer import Transformer  # imports python-hcl2's transformer

    return Transformer


# Where HCL ignores line breaks (hclsyntax's PushIncludeNewlines(false)): inside parentheses, brackets (tuples,
# indexes, function arguments), ${...} interpolations and for expressions. python-hcl2's grammar allows them only
# at some places there, so `(\n a\n ? b : c\n)` or `(\n a\n && b\n)` failed. Bodies and object constructors keep
# them: there a line break ends an argument or an element.
_IGNORES_NEWLINES = frozenset({"(", "[", "${", "for"})
_LABELS = frozenset({"NAME", "IN", "FOR", "IF", "FOR_EACH", "string"})


class _SignificantNewlines:
    """lark's postlex (the contextual lexer must then read a line break wherever one may be dropped). It drops
    line breaks only when asked: see _lark_loads."""

    always_accept = ("NL_OR_COMMENT",)

    def __init__(self) -> None:
        self.drop = False

    def process(self, tokens: Any) -> Any:
        return _significant(tokens) if self.drop else tokens


def _significant(tokens: Any) -> Any:
    """The token stream without the line breaks and comments HCL ignores. Tokens keep their own line and column,
    so positions stay exact."""
    frames: list[str] = ["body"]  # body | object | object? (decided by the next token) | ( [ ${ for | " (a string)
    previous = ""  # the type of the last significant token
    for token in tokens:
        kind = token.type
        top = frames[-1]
        if kind == "NL_OR_COMMENT":
            if top not in _IGNORES_NEWLINES:
                yield token
            continue
        if top == "object?":  # hcl looks for `for` past line breaks (parseObjectCons)
            frames[-1] = top = "for" if kind == "FOR" else "object"
        previous = _enter_or_leave(frames, token, top, previous)
        yield token


def _enter_or_leave(frames: list[str], token: Any, top: str, previous: str) -> str:
    """Opens or closes the frame a significant token starts or ends; returns the token's type as the next token
    sees it (``string`` for a closing quote: a block label, if a brace follows)."""
    kind = token.type
    if kind == "DBLQUOTE":
        if top == '"':
            frames.pop()
            return "string"
        frames.append('"')
    elif kind == "LPAR":
        frames.append("(")
    elif kind == "LSQB":
        frames.append("[")
    elif kind == "LBRACE":
        # a block's brace follows its labels; an object's follows `=`, `:`, `(`, `,`, an operator...
        frames.append("body" if top == "body" and previous in _LABELS else "object?")
    elif token == "${" and kind != "STRING_CHARS":
        frames.append("${")
    elif kind in ("RPAR", "RSQB", "RBRACE") and len(frames) > 1:
        frames.pop()
    return str(kind)


def _loads(text: str) -> dict[str, Any]:
    # python-hcl2 appends a newline too: its grammar needs one at the end of every block
    body = read_body(text + "\n")
    return _lark_loads(text) if body is None else body


def _lark_loads(text: str) -> dict[str, Any]:
    """The parse with python-hcl2's grammar: the reference, and the reader of whatever hcl_reader.py is not sure
    of."""
    import hcl2
    from lark.exceptions import UnexpectedInput

    parser = _parser()
    if parser is None:
        return hcl2.loads(text, with_meta=True)
    text += "\n"
    newlines = parser.options.postlex
    # First with every line break, as python-hcl2 parses: a file it reads gets exactly its tree (dropping them can
    # nest binary operations differently, which changes python-hcl2's rebuilt text, kept for any expression the
    # expression parser cannot read). Only a file that needs it is parsed again without the breaks HCL ignores.
    parser.options.transformer.text = text
    try:
        body: dict[str, Any] = _transformed(parser, text)
    except UnexpectedInput:
        newlines.drop = True
        try:
            body = _transformed(parser, text)
        finally:
            newlines.drop = False
    return body


def _transformed(parser: Any, text: str) -> Any:
    """The transformer's result, built while parsing; what the transformer raises is wrapped as lark wraps it when
    it walks a tree (VisitError), so that parse_hcl reports it the same way."""
    from lark.exceptions import LarkError, VisitError

    try:
        return parser.parse(text)
    except LarkError:
        raise
    except Exception as exc:
        raise VisitError("transformer", None, exc) from exc


# A lone traversal (`aws_sqs_queue.q.arn`, `each.value["k"]`, `module.m[0].out`): python-hcl2's text is exact.
_TRAVERSAL = re.compile(r'\$\{[^\W\d][\w-]*(?:\.[\w-]+|\.\*|\[\d+\]|\["[\w./:-]*"\]|\[\*\])*\}\Z')


def _has_expression(value: Any) -> bool:
    """Whether python-hcl2 rebuilt this value from an expression (a reference, call, operator, template)."""
    if isinstance(value, str):
        return "${" in value or "%{" in value
    if isinstance(value, list):
        return any(_has_expression(v) for v in value)
    if isinstance(value, dict):
        return any(_has_expression(v) for k, v in value.items() if not k.startswith("__"))
    return False


@dataclass
class TfFile:
    path: str  # display path
    body: dict[str, Any]
    lines: list[str] = field(default_factory=list)


def _nesting_too_deep(text: str) -> int | None:
    """The line where bracket nesting passes MAX_NESTING (the parser would recurse that deep), else None."""
    if text.count("{") + text.count("[") + text.count("(") <= MAX_NESTING:
        return None  # too few openers to nest that deep: most files, without a walk through every character
    depth = 0
    for bracket in _BRACKETS.finditer(text):
        if bracket.group() in "{[(":
            depth += 1
            if depth > MAX_NESTING:
                return text.count("\n", 0, bracket.start()) + 1
        else:
            depth -= 1
    return None


def parse_hcl(display: str, text: str) -> TfFile | ParseError:
    deep = _nesting_too_deep(text)
    if deep is not None:
        return ParseError(display, deep, 1, f"nesting deeper than {MAX_NESTING} levels")
    body = read_body(text + "\n")  # python-hcl2 appends a newline too: its grammar needs one after every block
    if body is None:
        return _parse_with_grammar(display, text)
    return TfFile(display, body, text.split("\n"))


def _parse_with_grammar(display: str, text: str) -> TfFile | ParseError:
    """The parse by python-hcl2's grammar, which also reports every syntax error (lark is imported only here: most
    runs never need it)."""
    from lark.exceptions import LarkError, UnexpectedInput, VisitError

    try:
        body = _lark_loads(text)
    except VisitError as exc:
        return _transform_error(display, text, exc.orig_exc)
    except UnexpectedInput as exc:
        line = getattr(exc, "line", -1)
        column = getattr(exc, "column", -1)
        what = _unexpected(text, exc)
        return ParseError(display, line if line > 0 else None, column if column > 0 else None, "invalid HCL: " + what)
    except LarkError as exc:
        return ParseError(display, None, None, "invalid HCL: " + _first_line(exc))
    except RecursionError:
        return ParseError(display, None, None, "invalid HCL: nesting too deep")
    except Exception as exc:  # python-hcl2's transformer raises plain exceptions on some malformed input
        return ParseError(display, None, None, f"invalid HCL: {type(exc).__name__}: {_first_line(exc)}")
    return TfFile(display, body, text.split("\n"))


def _transform_error(display: str, text: str, error: BaseException) -> ParseError:
    """What the transformer refused: an argument set twice (pointed at), or anything else it raised."""
    if not isinstance(error, DuplicateAttribute):
        return ParseError(display, None, None, "invalid HCL: " + _first_line(error))
    column = _column_of(text, error.line, error.name)
    return ParseError(
        display,
        error.line,
        column,
        f'invalid HCL: Attribute redefined: the argument "{error.name}" was already set at line {error.first_line}',
    )


_QUOTED_ARGUMENT = re.compile(r'"[^"\n]*"[ \t]*=')


def _line_start(text: str, at: int) -> bool:
    """Only blanks between the start of the line and ``at``."""
    return not text[text.rfind("\n", 0, at) + 1 : at].strip()


def _unexpected(text: str, exc: Any) -> str:
    """What the parser met where the file is not HCL, in the words hcl uses where it has them."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    at = getattr(exc, "pos_in_stream", None)
    heredoc = _HEREDOC_OPENER.match(text, at) if at is not None else None
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        return "unexpected end of file"
    if heredoc:  # the heredoc's pattern found no closing marker, so the lexer stopped at its opening
        return f"unterminated heredoc: no line after it holds only its closing marker {heredoc.group(1)}"
    if isinstance(exc, UnexpectedToken) and exc.token.type == "NL_OR_COMMENT" and "STRING_CHARS" in exc.expected:
        return "Invalid multi-line string: a quoted string cannot span lines (write \\n, or use a heredoc <<EOT)"
    if _QUOTED_ARGUMENT.match(text, at or 0) and _line_start(text, at or 0):
        # Terraform 0.11 (HCL 1) took `"Cost Center" = ...` inside a block; 0.12 and later reject it.
        return (
            "Invalid argument name: argument names must not be quoted (Terraform 0.11 syntax; since 0.12 a map "
            "with such keys is an argument: tags = { ... })"
        )
    if isinstance(exc, UnexpectedToken):
        return f"unexpected {_snippet(str(exc.token.value))}"
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {_snippet(exc.char)}"
    return _first_line(exc)


def parse_tfvars_json(display: str, text: str) -> TfFile | ParseError:
    try:
        body = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return ParseError(
            display, getattr(exc, "lineno", None), getattr(exc, "colno", None), f"invalid JSON: {_first_line(exc)}"
        )
    if not isinstance(body, dict):
        return ParseError(display, 1, 1, "a .tfvars.json file must hold an object")
    return TfFile(display, body, [])


_HEREDOC_OPENER = re.compile(r"<<-?([^\W\d][\w.-]*)\n")


def _column_of(text: str, line: int, name: str) -> int | None:
    """The 1-based column of ``name =`` on a line, for a message that points at the argument."""
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return None
    found = re.search(r"(?<![\w-])" + re.escape(name) + r"[ \t]*=", lines[line - 1])
    return found.start() + 1 if found else None


def _snippet(text: str) -> str:
    text = text.split("\n")[0] if text.strip() else text
    return repr(text[:20]) if text.strip() else "line break"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    text = re.sub(r"\s+at line \d+,? col(umn)? \d+\.?$", "", text.splitlines()[0] if text else type(exc).__name__)
    return text


def find_attribute(tf: TfFile, start: int, end: int, name: str) -> tuple[int, int, int] | None:
    """Locate ``name = ...`` between lines start..end (1-based): (line, column, end_column), all 1-based."""
    if tf.path.endswith(".json"):  # Terraform's JSON syntax: the line of the key
        pattern = re.compile(r'"' + re.escape(name) + r'"\s*:')
    else:
        pattern = re.compile(r"(?<![\w-])" + re.escape(name) + r"\s*=(?!=)")
    for number in range(max(start, 1), min(end, len(tf.lines)) + 1):
        text = tf.lines[number - 1]
        m = pattern.search(text)
        if m and not text.lstrip().startswith(("#", "//")):
            return number, m.start() + 1, len(text.rstrip()) + 1
    return None


if __name__ == "__main__":
    write_shipped_grammar()
    print(f"wrote {SHIPPED_GRAMMAR}")
