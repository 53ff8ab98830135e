"""A parser for HCL expressions as python-hcl2 7.x hands them back.

python-hcl2 returns every attribute value that is not a plain literal as text (``"${aws_sqs_queue.q.arn}"``,
``"${jsonencode({...})}"``, ``"arn:aws:sqs:${var.region}:..."``). Resolving references means parsing that text
properly, not matching it with regular expressions. This module turns it into a small syntax tree, whose nodes are
the dataclasses of parsers/hcl_nodes.py; the directives of string templates are nested in parsers/hcl_templates.py.
"""

from __future__ import annotations

import re
from typing import Any

from infra_policy_linter.parsers.hcl_nodes import (
    Attr,
    Call,
    Conditional,
    ForExpr,
    HclExpressionError,
    Index,
    Lit,
    Node,
    ObjectExpr,
    Operation,
    Part,
    Ref,
    Splat,
    Step,
    TupleExpr,
    template_node,
)
from infra_policy_linter.parsers.hcl_templates import flush_text, nest_directives

__all__ = [
    "HclExpressionError",
    "Node",
    "ParsedExpression",
    "parse_attribute_value",
    "parse_expression",
    "parse_template",
    "parse_value",
]

_ORDINARY = re.compile(r'[^$%"\\]+')
# Blanks, line breaks and comments between tokens; an unclosed /* comment runs to the end.
_SPACE = re.compile(r"(?:[ \t\r\n]+|#[^\n]*\n?|//[^\n]*\n?|/\*[\s\S]*?\*/|/\*[\s\S]*\Z)*")
_SPACE_STARTS = frozenset(" \t\r\n#/")
_NAME_REST = re.compile(r"[\w-]*")


class ParsedExpression(str):
    """An attribute value that is an expression, read from the file's own text rather than from python-hcl2.

    python-hcl2 7.x hands expressions back as text it rebuilds from its tree, and the rebuilding loses facts:
    string literals inside tuples lose their quotes (``concat(["a"], x)`` comes back as ``concat([a], x)``) and
    objects come back as Python reprs. The parser keeps the source slice and its syntax tree instead. As a str it
    reads ``${<source>}``, the shape python-hcl2 gives a lone expression, so code that only passes it on works.
    """

    node: Node
    source: str

    def __new__(cls, source: str, node: Node) -> ParsedExpression:
        value = super().__new__(cls, "${" + source + "}")
        value.source = source
        value.node = node
        return value


def parse_attribute_value(text: str, start: int) -> tuple[Node, str]:
    """Parse the expression that starts at ``start`` in ``text`` (after an attribute's ``=``): (tree, source)."""
    parser = _Parser(text)
    parser.pos = start
    parser.skip_space()
    begin = parser.pos
    node = parser.expression()
    return node, text[begin : parser.token_end]


_KEYWORDS: dict[str, Any] = {"true": True, "false": False, "null": None}
# python-hcl2 hands a string that is one interpolation of a keyword over as Python's repr: "${true}" arrives as
# "${True}". No Terraform reference has such a root, so these read as the keywords they were.
_KEYWORDS |= {"True": True, "False": False, "None": None}

_BINARY = [
    ("||",),
    ("&&",),
    ("==", "!="),
    ("<=", ">=", "<", ">"),
    ("+", "-"),
    ("*", "/", "%"),
]
_LEVEL = {op: level for level, ops in enumerate(_BINARY) for op in ops}  # operator -> its binding level


def parse_value(raw: Any) -> Node:
    """Parse an attribute value as python-hcl2 7.x returns it (str, number, bool, list, dict, None)."""
    if isinstance(raw, ParsedExpression):
        return raw.node
    if isinstance(raw, str):
        return parse_template(raw)
    if isinstance(raw, list):
        return TupleExpr(tuple(parse_value(v) for v in raw))
    if isinstance(raw, dict):
        return ObjectExpr(tuple((Lit(k), parse_value(v)) for k, v in raw.items() if not _is_meta_key(k)))
    return Lit(raw)


def _is_meta_key(key: str) -> bool:
    return key.startswith("__") and key.endswith("__")


def parse_template(text: str) -> Node:
    """Parse string contents with ``${...}`` interpolations. A lone interpolation yields the expression itself."""
    if "${" not in text and "%{" not in text:
        return Lit(text)  # most attribute values: nothing to parse
    return template_node(_Parser(text).template_parts(terminator=None))


def parse_expression(text: str) -> Node:
    parser = _Parser(text)
    node = parser.expression()
    parser.skip_space()
    if parser.pos != len(text):
        raise HclExpressionError(f"unexpected {text[parser.pos : parser.pos + 10]!r} in expression")
    return node


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.pos = 0
        # python-hcl2 already validated the syntax; this guard only stops pathological nesting.
        self.depth = 0
        self.token_end = 0  # where the last token read ends (trailing space and comments are not part of it)

    # -- scanning -------------------------------------------------------------------------------------------
    def skip_space(self) -> None:
        pos = self.pos
        if pos < len(self.src) and self.src[pos] in _SPACE_STARTS:
            self.pos = _SPACE.match(self.src, pos).end()  # type: ignore[union-attr]

    def peek(self, token: str) -> bool:
        pos = self.pos
        src = self.src
        if pos < len(src) and src[pos] in _SPACE_STARTS:  # skip_space, inline: this is the hottest call
            self.pos = pos = _SPACE.match(src, pos).end()  # type: ignore[union-attr]
        return src.startswith(token, pos)

    def accept(self, token: str) -> bool:
        if self.peek(token):
            self.pos += len(token)
            self.token_end = self.pos
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.accept(token):
            found = self.src[self.pos : self.pos + 12] or "end of expression"
            raise HclExpressionError(f"expected {token!r}, found {found!r}")

    def ident(self) -> str | None:
        self.skip_space()
        start = self.pos
        src = self.src
        # a letter or "_", then letters, digits, "_" and "-" (\w is exactly str.isalnum() or "_")
        if start < len(src) and (src[start].isalpha() or src[start] == "_"):
            end = _NAME_REST.match(src, start + 1).end()  # type: ignore[union-attr]
            self.pos = self.token_end = end
            return src[start:end]
        return None

    # -- expressions ----------------------------------------------------------------------------------------
    def expression(self) -> Node:
        self.depth += 1
        if self.depth > 50:
            raise HclExpressionError("expression nested too deeply")
        try:
            test = self.binary(0)
            if self.peek("?"):
                self.pos += 1
                then = self.expression()
                self.expect(":")
                other = self.expression()
                return Conditional(test, then, other)
            return test
        finally:
            self.depth -= 1

    def binary(self, level: int) -> Node:
        """Operators binding at least as tightly as ``level`` (an index into _BINARY), left to right: precedence
        climbing, one call per operand rather than one per operand and level."""
        left = self.unary()
        while True:
            self.skip_space()
            op = self._operator()
            if op is None or _LEVEL[op] < level:
                return left
            self.pos += len(op)
            left = Operation(op, left, self.binary(_LEVEL[op] + 1))

    def _operator(self) -> str | None:
        """The binary operator at the position, if any ("=>", "!" and "=" are not)."""
        src = self.src
        pos = self.pos
        two = src[pos : pos + 2]
        if two in _LEVEL:
            return two
        one = src[pos : pos + 1]
        return one if one in _LEVEL else None

    def unary(self) -> Node:
        self.skip_space()
        char = self.src[self.pos : self.pos + 1]
        if char == "!" and not self.src.startswith("!=", self.pos):
            self.pos += 1
            return Operation("!", None, self.unary())
        if char == "-":
            self.pos += 1
            return Operation("-", None, self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        src = self.src
        while True:
            self.skip_space()
            pos = self.pos
            char = src[pos : pos + 1]
            if char not in (".", "[") or src.startswith("..", pos):
                return node
            if src.startswith(".*", pos) or src.startswith("[*]", pos):
                self.pos = self.token_end = pos + (2 if char == "." else 3)
                node = self._step(node, Splat())
            elif char == ".":
                self.pos += 1
                node = self._step(node, self._attribute_step())
            else:
                self.pos += 1
                index = self.expression()
                self.expect("]")
                node = self._step(node, Index(index))

    def _attribute_step(self) -> Step:
        """After ``.``: a name, or digits (the legacy index ``a.0``)."""
        name = self.ident()
        if name is not None:
            return Attr(name)
        digits = self._digits()
        if digits is None:
            raise HclExpressionError("expected an attribute name after '.'")
        return Index(Lit(int(digits)))

    @staticmethod
    def _step(node: Node, step: Step) -> Node:
        if isinstance(node, Ref):
            return Ref(node.root, (*node.steps, step))
        return Ref(node, (step,))

    def _digits(self) -> str | None:
        start = self.pos
        while self.pos < len(self.src) and self.src[self.pos].isdigit():
            self.pos += 1
        self.token_end = self.pos
        return self.src[start : self.pos] if self.pos > start else None

    def primary(self) -> Node:
        self.skip_space()
        src = self.src
        if self.pos >= len(src):
            raise HclExpressionError("unexpected end of expression")
        ch = src[self.pos]
        if ch == '"':
            self.pos += 1
            return template_node(self.template_parts(terminator='"'))
        if ch.isdigit():
            return Lit(self.number())
        if ch == "(":
            self.pos += 1
            inner = self.expression()
            self.expect(")")
            return inner
        if ch == "[":
            return self.tuple_or_for()
        if ch == "{":
            return self.object_or_for()
        if src.startswith("<<", self.pos):
            return self.heredoc()
        return self._named()

    def _named(self) -> Node:
        """A name: a keyword literal, a function call, or the start of a reference."""
        name = self.ident()
        if name is None:
            raise HclExpressionError(f"unexpected {self.src[self.pos : self.pos + 12]!r}")
        if name in _KEYWORDS:
            return Lit(_KEYWORDS[name])
        if self.peek("(") or self.peek("::"):
            return self._call(name)
        return Ref(name, ())

    def _call(self, name: str) -> Node:
        while self.accept("::"):  # provider-defined functions: provider::aws::arn_parse(...)
            name += "::" + (self.ident() or "")
        self.expect("(")
        args: list[Node] = []
        expand = False
        while not self.accept(")"):
            args.append(self.expression())
            if self.accept("..."):
                expand = True
            if not self.accept(","):
                self.expect(")")
                break
        return Call(name, tuple(args), expand)

    def number(self) -> int | float:
        src = self.src
        start = self.pos
        while self.pos < len(src) and (
            src[self.pos].isdigit() or src[self.pos] in ".eE" or (src[self.pos] in "+-" and src[self.pos - 1] in "eE")
        ):
            if src[self.pos] == "." and not (self.pos + 1 < len(src) and src[self.pos + 1].isdigit()):
                break
            self.pos += 1
        text = src[start : self.pos]
        self.token_end = self.pos
        try:
            return int(text)
        except ValueError:
            return float(text)

    def for_expression(self, brace: str) -> Node:
        """After ``[for`` or ``{for``: ``k, v in coll : [key =>] value [...] [if cond]`` and the closing bracket."""
        self.pos += 3
        names = [self.ident()]
        if self.accept(","):
            names.append(self.ident())
        if None in names or self.ident() != "in":
            raise HclExpressionError("malformed for expression")
        known = tuple(name for name in names if name is not None)
        collection = self.expression()
        self.expect(":")
        key = None
        if brace == "{":
            key = self.expression()
            self.expect("=>")
        value = self.expression()
        grouping = self.accept("...")
        condition = None
        if self._keyword_ahead("if"):
            self.pos += 2
            condition = self.expression()
        self.expect("]" if brace == "[" else "}")
        return ForExpr(known, collection, key, value, condition, grouping, brace)

    def tuple_or_for(self) -> Node:
        self.expect("[")
        if self._keyword_ahead("for"):
            return self.for_expression("[")
        items: list[Node] = []
        while not self.accept("]"):
            items.append(self.expression())
            if not self.accept(","):
                self.expect("]")
                break
        return TupleExpr(tuple(items))

    def object_or_for(self) -> Node:
        self.expect("{")
        if self._keyword_ahead("for"):
            return self.for_expression("{")
        items: list[tuple[Node, Node]] = []
        while not self.accept("}"):
            key = self.object_key()
            if not (self.accept("=") or self.accept(":")):
                raise HclExpressionError("expected '=' or ':' after an object key")
            value = self.expression()
            items.append((key, value))
            self.accept(",")
        return ObjectExpr(tuple(items))

    def object_key(self) -> Node:
        self.skip_space()
        if self.src.startswith("(", self.pos):
            return self.primary()
        if self.src.startswith('"', self.pos):
            return self.primary()
        name = self.ident()
        if name is None:
            raise HclExpressionError(f"expected an object key, found {self.src[self.pos : self.pos + 12]!r}")
        # A bare key is its own name, unless it is a longer expression such as var.key (not a plain key then).
        if self.peek(".") or self.peek("["):
            return self.postfix(Ref(name, ()))
        return Lit(name)

    def _keyword_ahead(self, word: str) -> bool:
        self.skip_space()
        src = self.src
        end = self.pos + len(word)
        return src.startswith(word, self.pos) and (end >= len(src) or not (src[end].isalnum() or src[end] == "_"))

    def heredoc(self) -> Node:
        src = self.src
        self.pos += 2
        indent = self.accept("-")
        marker = self.ident()
        if marker is None:
            raise HclExpressionError("bad heredoc marker")
        line_end = src.find("\n", self.pos)
        if line_end < 0:
            raise HclExpressionError("unterminated heredoc")
        lines = []
        i = line_end + 1
        while True:
            nl = src.find("\n", i)
            line = src[i:] if nl < 0 else src[i:nl]
            if line.strip() == marker:
                self.pos = self.token_end = len(src) if nl < 0 else nl
                break
            lines.append(line)
            if nl < 0:
                raise HclExpressionError("unterminated heredoc")
            i = nl + 1
        if indent:
            margin = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
            lines = [line[margin:] for line in lines]
        return parse_template("\n".join(lines) + "\n")

    # -- templates ------------------------------------------------------------------------------------------
    def template_parts(self, terminator: str | None) -> list[Part]:
        """Read template text up to ``terminator`` (or the end): literal strings, nodes, and the ``%{if}`` and
        ``%{for}`` directives as TemplateIf and TemplateFor nodes."""
        return nest_directives(self._template_tokens(terminator))

    def _template_tokens(self, terminator: str | None) -> list[list[Any]]:
        """["s", text] | ["i", node, strip_before, strip_after] | ["d", directive, argument, strip_before, ...]."""
        src = self.src
        tokens: list[list[Any]] = []
        buf: list[str] = []
        quoted = terminator is not None
        while True:
            if self.pos >= len(src):
                if quoted:
                    raise HclExpressionError("unterminated string")
                break
            ch = src[self.pos]
            if quoted and ch == terminator:
                self.pos += 1
                self.token_end = self.pos
                break
            if quoted and ch == "\\" and self.pos + 1 < len(src):
                esc = src[self.pos + 1]
                buf.append({"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}.get(esc, "\\" + esc))
                self.pos += 2
            elif src.startswith("$${", self.pos) or src.startswith("%%{", self.pos):
                buf.append(src[self.pos + 1 : self.pos + 3])
                self.pos += 3
            elif src.startswith("${", self.pos) or src.startswith("%{", self.pos):
                flush_text(buf, tokens)
                tokens.append(self._interpolation())
            else:
                # Copy the run of ordinary characters up to the next one that may matter, in one slice.
                run = _ORDINARY.match(src, self.pos + 1)
                end = run.end() if run else self.pos + 1
                buf.append(src[self.pos : end])
                self.pos = end
        flush_text(buf, tokens)
        return tokens

    def _interpolation(self) -> list[Any]:
        """``${ expr }`` or ``%{ directive }``, at the current position, with its ``~`` strip markers."""
        src = self.src
        directive = src[self.pos] == "%"
        self.pos += 2
        strip_before = src.startswith("~", self.pos)
        self.pos += strip_before
        token = self._directive() if directive else ["i", self.expression()]
        self.skip_space()
        strip_after = src.startswith("~", self.pos)
        self.pos += strip_after
        self.expect("}")
        return token + [strip_before, strip_after]

    def _directive(self) -> list[Any]:
        """The inside of ``%{ ... }``: if EXPR, else, endif, for NAME[, NAME] in EXPR, endfor."""
        word = self.ident()
        if word == "if":
            return ["d", "if", self.expression()]
        if word == "for":
            names = [self.ident()]
            if self.accept(","):
                names.append(self.ident())
            if None in names or self.ident() != "in":
                raise HclExpressionError("malformed %{for} directive")
            return ["d", "for", (names, self.expression())]
        if word in ("else", "endif", "endfor"):
            return ["d", word, None]
        raise HclExpressionError(f"unknown template directive {word!r}")
