"""A direct reader for the common shapes of HCL, giving exactly what the lark parse gives, or None.

Parsing with python-hcl2's grammar under lark costs about 20 microseconds a token in pure Python: two thirds of a
cold run's Terraform time. Most of a Terraform file is blocks, labels and arguments whose values are literals, lone
references or expressions that the expression parser (hcl_expressions.py) reads from the text anyway. This reader
walks that structure with regular expressions and hands each value over as terraform.py's transformer would:

- a literal (string, number, bool, null, a tuple or object of literals, a type keyword, a heredoc) as python-hcl2's
  Python value, with python-hcl2's escape handling;
- a lone reference (``aws_sqs_queue.q.arn``, ``"${var.x}"``) as python-hcl2's text ``"${aws_sqs_queue.q.arn}"``;
- any other expression as ParsedExpression(source, tree), from the same parse_attribute_value call.

Whatever it is not sure of, it does not guess: an unknown shape, a syntax error, a duplicate argument, a carriage
return, a line break where HCL ends an argument, a value whose python-hcl2 form it cannot tell. Then it returns None
and terraform.py parses the file with python-hcl2's grammar, which remains the reference: errors are always
reported by that parse. tests/test_hcl_reader.py requires identical results on every fixture and on a generated
corpus; benchmarks/hcl_reader_check.py compares them on any tree of real code.
"""

from __future__ import annotations

import re
from typing import Any

from infra_policy_linter.parsers.hcl_expressions import ParsedExpression, parse_attribute_value
from infra_policy_linter.parsers.hcl_nodes import Attr, Index, Lit, Node, ObjectExpr, Operation, Ref, Splat, TupleExpr

START_LINE = "__start_line__"  # python-hcl2's names for a block's line range
END_LINE = "__end_line__"

_NAME = re.compile(r"[^\W\d][\w-]*")
# Line breaks, blanks and comments between the elements of a body, a tuple or an object. Stricter than the
# expression parser's _SPACE, which reads on leniently: an unclosed /* stops here, and the grammar reports it.
_GAP = re.compile(r"(?:[ \t\n]+|#[^\n]*|//[^\n]*|/\*[\s\S]*?\*/)*")
_BLANKS = re.compile(r"[ \t]*")
_EQUALS = re.compile(r"[ \t]*=(?![=>])")
_OBJECT_EQUALS = re.compile(r"[ \t]*(?:=(?![=>])|:)[ \t]*")
# What may follow a value or a block's closing brace on its line: its end, a comment, or the enclosing brace.
_LINE_END = re.compile(r"[ \t]*(?:\n|#|//|(?=\}))")
# A quoted string without interpolation or directive; escapes are kept for python-hcl2's own handling below.
_STRING = re.compile(r'"((?:[^"\\\n$%]|\\[^\n]|\$(?!\$?\{)|%(?!\{))*)"')
_LABEL = re.compile(r'"([^"\\\n$%]*)"')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?![\w.])")
_KEYWORD = re.compile(r"(?:true|false|null|bool|number|string)(?![\w-])")
_KEYWORDS: dict[str, Any] = {"true": True, "false": False, "null": None, "bool": "bool", "number": "number"}
_KEYWORDS["string"] = "string"  # python-hcl2 keeps the three type keywords as words, not as references
# A lone traversal as python-hcl2 rebuilds it, character for character (no blanks, no leading zeros, simple keys).
_STEPS = r'(?:\.[^\W\d][\w-]*|\.\*|\[(?:0|[1-9]\d*)\]|\["[\w./:-]*"\]|\[\*\])*'
_ROOT = r"(?!(?:true|false|null)(?![\w-]))[^\W\d][\w-]*"  # python-hcl2 writes those roots as True, False, None
_TRAVERSAL = re.compile(_ROOT + _STEPS + r"(?![\w.\[(:-])")
_QUOTED_TRAVERSAL = re.compile(r'"\$\{[ \t]*(' + _ROOT + _STEPS + r')[ \t]*\}"')
# What matters to _spans_lines in code and in a quoted string (escapes, $${ and %%{ are text).
_CODE_MARKS = re.compile(r'["\n()\[\]{}#]|//|/\*')
_ENDS_IN_NAME = re.compile(r"(?:^|[^\w.-])[^\W\d][\w-]*\Z")
_FOR = re.compile(r"[ \t\n]*for(?![\w-])")  # an object's brace that opens a for expression
_STRING_MARKS = re.compile(r'\\[\s\S]|"|\$\$\{|%%\{|[$%]\{')
# The grammar's heredoc token (terraform.py's edit of python-hcl2's) and the transformer's reading of it.
_HEREDOC_TOKEN = re.compile(r"<<(-?)([^\W\d][\w.-]*)(?![\w.-])\n?(?:.|\n)*?\n\s*\2[^\S\n]*\n")
_HEREDOC = re.compile(r"<<([^\W\d][\w.-]*)\n([\s\S]*)\1", re.S)
_HEREDOC_TRIM = re.compile(r"<<-([^\W\d][\w.-]*)\n([\s\S]*)\1", re.S)


class _Unsure(Exception):
    """The reader cannot tell what the lark parse would give here."""


def read_body(text: str) -> dict[str, Any] | None:
    """The file's body as terraform.py's lark parse gives it, or None when the reader is not sure (see above).
    ``text`` ends with a line break, as terraform.py passes it."""
    if "\r" in text:
        return None
    reader = _Reader(text)
    try:
        body, end = reader.body(0, closing=False)
    except Exception:  # _Unsure, HclExpressionError, RecursionError...: whatever it is, the lark parse decides
        return None
    return body if end == len(text) else None


def escapes(value: str) -> str:
    """python-hcl2's handling of a quoted string's escapes (process_escape_sequences): in this order, and \\u
    sequences left as written."""
    if "\\" not in value:
        return value
    for escape, char in (("\\n", "\n"), ("\\r", "\r"), ("\\t", "\t"), ('\\"', '"'), ("\\\\", "\\")):
        value = value.replace(escape, char)
    return value


def heredoc_text(token: str) -> str | None:
    """What python-hcl2's transformer makes of a heredoc token (before the attribute strips its quotes): the text up
    to the last closing marker, trailing blanks cut, and for ``<<-`` the smallest indentation of any line removed.
    None where its pattern does not match (it raises "Invalid Heredoc token")."""
    trim = token.startswith("<<-")
    match = (_HEREDOC_TRIM if trim else _HEREDOC).match(token)
    if not match:
        return None
    text = match.group(2).rstrip("\n\t ")
    if trim:
        lines = text.split("\n")
        indent = min(len(line) - len(line.lstrip(" ")) for line in lines)
        text = "\n".join(line[indent:] for line in lines)
    return f'"{text}"'


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.line_at = 0  # the position whose line number is line_no: lines are counted forward only
        self.line_no = 1

    def line(self, pos: int) -> int:
        if pos < self.line_at:
            raise _Unsure("position moved back")
        self.line_no += self.text.count("\n", self.line_at, pos)
        self.line_at = pos
        return self.line_no

    def body(self, pos: int, closing: bool) -> tuple[dict[str, Any], int]:
        text = self.text
        result: dict[str, Any] = {}
        attributes: set[str] = set()
        while True:
            pos = _GAP.match(text, pos).end()  # type: ignore[union-attr]
            if pos == len(text) or text[pos] == "}":
                if closing != (pos < len(text)):
                    raise _Unsure("unbalanced braces")
                return result, pos
            name_match = _NAME.match(text, pos)
            if name_match is None:
                raise _Unsure("not an argument or block")
            name = name_match.group()
            equals = _EQUALS.match(text, name_match.end())
            if equals:
                if name in result:
                    raise _Unsure("argument set twice")  # lark's parse reports it
                result[name], pos = self.value(equals.end())
                attributes.add(name)
            else:
                block, pos = self.block(name_match.end(), name)
                if name in attributes:
                    raise _Unsure("block named as an argument")
                result.setdefault(name, []).append(block)
            if not _LINE_END.match(text, pos):
                raise _Unsure("more on the line")

    def block(self, pos: int, name: str) -> tuple[Any, int]:
        text = self.text
        labels: list[str] = []
        while True:
            pos = _BLANKS.match(text, pos).end()  # type: ignore[union-attr]
            label = _LABEL.match(text, pos) or _NAME.match(text, pos)
            if label is None:
                break
            labels.append(label.group(1) if label.group().startswith('"') else label.group())
            pos = label.end()
        if not text.startswith("{", pos):
            raise _Unsure("no brace after the block's labels")
        start = self.line(pos)
        body, pos = self.body(pos + 1, closing=True)
        body[START_LINE] = start
        body[END_LINE] = self.line(pos)
        value: Any = body
        for label_text in reversed(labels):
            value = {label_text: value}
        return value, pos + 1

    def value(self, pos: int) -> tuple[Any, int]:
        """An argument's value from just after its ``=``: (value, end)."""
        text = self.text
        pos = _BLANKS.match(text, pos).end()  # type: ignore[union-attr]
        found = self.literal(pos)
        if found is not None and _LINE_END.match(text, found[1]):
            return found
        traversal = _TRAVERSAL.match(text, pos) or _QUOTED_TRAVERSAL.match(text, pos)
        if traversal and _LINE_END.match(text, traversal.end()):
            return "${" + traversal.group(traversal.lastindex or 0) + "}", traversal.end()
        heredoc = _HEREDOC_TOKEN.match(text, pos)
        if heredoc:
            quoted = heredoc_text(heredoc.group())
            if quoted is None:
                raise _Unsure("a heredoc python-hcl2 refuses")
            return escapes(quoted[1:-1]), heredoc.end() - 1
        return self.expression(pos)

    def expression(self, pos: int) -> tuple[Any, int]:
        if _GAP.match(self.text, pos).end() != pos:  # type: ignore[union-attr]
            raise _Unsure("no value on the argument's line")
        node, source = parse_attribute_value(self.text, pos)
        end = pos + len(source)
        if source.startswith("<<") or not _is_expression(node, source) or _spans_lines(source):
            raise _Unsure("python-hcl2 would not read this as an expression")
        return ParsedExpression(source, node), end

    def literal(self, pos: int) -> tuple[Any, int] | None:
        """A value python-hcl2 gives as Python data, or None."""
        text = self.text
        if pos >= len(text):
            return None
        char = text[pos]
        if char == '"':
            match = _STRING.match(text, pos)
            return (escapes(match.group(1)), match.end()) if match else None
        if char == "[":
            return self.tuple_literal(pos)
        if char == "{":
            return self.object_literal(pos)
        if char == "<":
            return self.heredoc_literal(pos)
        match = _NUMBER.match(text, pos)
        if match:
            number = match.group()
            return (float(number) if "." in number else int(number)), match.end()
        match = _KEYWORD.match(text, pos)
        if match:
            return _KEYWORDS[match.group()], match.end()
        return None

    def heredoc_literal(self, pos: int) -> tuple[str, int] | None:
        """A heredoc without interpolation or directive (python-hcl2 gives its text; with them, the whole value
        is an expression). It ends at the line break after its closing marker."""
        heredoc = _HEREDOC_TOKEN.match(self.text, pos)
        quoted = heredoc_text(heredoc.group()) if heredoc else None
        if heredoc is None or quoted is None or "${" in quoted or "%{" in quoted:
            return None
        return escapes(quoted[1:-1]), heredoc.end() - 1

    def tuple_literal(self, pos: int) -> tuple[list[Any], int] | None:
        text = self.text
        items: list[Any] = []
        pos = _GAP.match(text, pos + 1).end()  # type: ignore[union-attr]
        while not text.startswith("]", pos):
            found = self.literal(pos)
            if found is None:
                return None
            items.append(found[0])
            pos = _GAP.match(text, found[1]).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                pos = _GAP.match(text, pos + 1).end()  # type: ignore[union-attr]
            elif not text.startswith("]", pos):
                return None
        return items, pos + 1

    def object_literal(self, pos: int) -> tuple[dict[str, Any], int] | None:
        text = self.text
        items: dict[str, Any] = {}
        pos = _GAP.match(text, pos + 1).end()  # type: ignore[union-attr]
        while not text.startswith("}", pos):
            key = _LABEL.match(text, pos) or _NAME.match(text, pos)
            if key is None or key.group() == "for":
                return None
            separator = _OBJECT_EQUALS.match(text, key.end())
            found = self.literal(separator.end()) if separator else None
            if found is None:
                return None
            items[escapes(key.group(1)) if key.group().startswith('"') else key.group()] = found[0]
            pos = _BLANKS.match(text, found[1]).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                pos += 1
            pos = _GAP.match(text, pos).end()  # type: ignore[union-attr]
        return items, pos + 1


def _is_expression(node: Node, source: str) -> bool:
    """Whether python-hcl2's value for this node surely holds ``${`` (so terraform.py's transformer reads it with
    the expression parser): a reference, call, operation, template... in a value. False where python-hcl2 gives
    Python data or a lone reference's text, or where that cannot be told from the tree."""
    if source.startswith("("):
        return not isinstance(node, Lit)  # python-hcl2 writes "(...)", never data nor a lone reference
    if isinstance(node, Lit):
        return False  # `(1)`, `1e3`, `"${true}"`, `"$${x}"`: each has its own python-hcl2 form
    if isinstance(node, TupleExpr | ObjectExpr):
        return _holds_expression(node)
    if isinstance(node, Ref):
        # a traversal with literal steps may be python-hcl2's lone-reference text (`true.x` too: "${True.x}")
        root_may_be_a_name = isinstance(node.root, str | Lit)
        return not (root_may_be_a_name and all(_literal_step(step) for step in node.steps))
    return not _negative_number(node)


def _holds_expression(node: Node) -> bool:
    """The same for an item of a tuple or object, where python-hcl2 writes any reference as ``${...}``."""
    if isinstance(node, TupleExpr):
        return any(_holds_expression(item) for item in node.items)
    if isinstance(node, ObjectExpr):
        return any(_holds_expression(value) for value in _object_values(node))
    if isinstance(node, Ref):
        return node.steps != () or node.root not in ("bool", "number", "string")
    return not isinstance(node, Lit) and not _negative_number(node)


def _object_values(node: ObjectExpr) -> list[Node]:
    """The values python-hcl2 looks in for an expression (terraform.py's _has_expression): the last one of a key
    given twice, none under a key starting with "__". An expression as a key (kept as text) is a key of its own."""
    values: dict[object, Node] = {}
    for number, (key, value) in enumerate(node.items):
        if isinstance(key, Lit) and isinstance(key.value, str):
            if not key.value.startswith("__"):
                values[key.value] = value
        else:
            values[number] = value
    return list(values.values())


def _literal_step(step: Attr | Index | Splat) -> bool:
    return not isinstance(step, Index) or isinstance(step.key, Lit)


def _negative_number(node: Node) -> bool:
    """``-1``: python-hcl2's grammar reads it as a number, not as an operation."""
    return isinstance(node, Operation) and node.left is None and isinstance(node.right, Lit)


def _spans_lines(source: str) -> bool:
    """Whether an expression's text holds a line break where HCL ends an argument or an object element, which the
    expression parser reads past and lark's parse does not: outside brackets and strings, or inside an object's
    braces where the element goes on on the next line (python-hcl2's grammar, with terraform.py's second pass)."""
    if "\n" not in source:
        return False
    if "<<" in source:
        return True  # a heredoc inside: its text is not code
    contexts = ["code"]  # code | string | { (an object) | ( [ ${ for (line breaks ignored)
    pos = 0
    comment = -1  # where a comment on the current line starts
    while True:
        in_string = contexts[-1] == "string"
        found = (_STRING_MARKS if in_string else _CODE_MARKS).search(source, pos)
        if found is None:
            return False
        mark = found.group()
        pos = found.end()
        if in_string:
            _string_mark(mark, contexts)
        elif mark == "\n":
            if contexts[-1] == "code" or (contexts[-1] == "{" and not _element_ends(source, pos - 1, comment)):
                return True
            comment = -1
        elif mark in ("#", "//", "/*"):
            comment = found.start()
            pos = source.find("\n" if mark != "/*" else "*/", pos)  # a line comment's line break counts
            if pos < 0:
                return True
            pos += 2 if mark == "/*" else 0
        else:
            _bracket_mark(mark, source, pos, contexts)


def _string_mark(mark: str, contexts: list[str]) -> None:
    if mark == '"':
        contexts.pop()
    elif mark in ("${", "%{"):
        contexts.append("${")


def _bracket_mark(mark: str, source: str, after: int, contexts: list[str]) -> None:
    if mark == '"':
        contexts.append("string")
    elif mark == "{":
        contexts.append("for" if _FOR.match(source, after) else "{")
    elif mark in ("(", "["):
        contexts.append(mark)
    elif len(contexts) > 1:  # a closing bracket
        contexts.pop()


def _element_ends(source: str, newline: int, comment: int) -> bool:
    """Whether a line break inside an object's braces stands between elements: the line before it does not end in
    an operator, and the next line starts a key or closes the object."""
    line = source[source.rfind("\n", 0, newline) + 1 : newline if comment < 0 else comment].rstrip(" \t")
    if line and line[-1] in "=:?+-*/%<>!&|.":
        return False
    following = _GAP.match(source, newline).end()  # type: ignore[union-attr]
    if following == len(source) or source[following] in '}"' or _NAME.match(source, following):
        return True
    # `(k) = v`, an expression key: unless the line before ends in a bare name, which `(` would call
    return source[following] == "(" and not _ENDS_IN_NAME.search(line)
