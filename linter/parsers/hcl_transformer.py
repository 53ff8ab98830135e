"""python-hcl2's transformer (parse tree -> dict), with the linter's changes: expressions read from the file's
own text, duplicate arguments refused, block lines from the braces, heredoc markers of any identifier.

Importing this module imports python-hcl2's transformer and lark: terraform.py does so only when it parses."""

from __future__ import annotations

from typing import Any

from hcl2.transformer import END_LINE, START_LINE, Attribute, DictTransformer
from lark import Discard, Token

from infra_policy_linter.parsers.hcl_expressions import HclExpressionError, ParsedExpression, parse_attribute_value
from infra_policy_linter.parsers.hcl_reader import heredoc_text
from infra_policy_linter.parsers.terraform import _TRAVERSAL, DuplicateAttribute, _has_expression


class LinedAttribute(Attribute):
    """python-hcl2's attribute, remembering its line for the "Attribute redefined" message."""

    line = 0


def _kept(args: list[Any]) -> list[Any]:
    return [a for a in args if a is not Discard]


class Transformer(DictTransformer):
    """Applied while lark parses (terraform.py). A method that returns Discard (new_line_or_comment: line breaks and
    comments) removes its value from the parent's arguments when lark walks a finished tree, but is passed on when
    lark transforms while parsing: the rules whose grammar holds new_line_or_comment drop it themselves (_kept)."""

    text = ""  # the file being transformed: expressions are read from it, not rebuilt from the tree

    def conditional(self, args: list[Any]) -> Any:
        return super().conditional(_kept(args))

    def binary_op(self, args: list[Any]) -> Any:
        return super().binary_op(_kept(args))

    def binary_term(self, args: list[Any]) -> Any:
        return super().binary_term(_kept(args))

    def expr_term(self, args: list[Any]) -> Any:
        return super().expr_term(_kept(args))

    def tuple(self, args: list[Any]) -> Any:
        return super().tuple(_kept(args))

    def object(self, args: list[Any]) -> Any:
        return super().object(_kept(args))

    def function_call(self, args: list[Any]) -> Any:
        return super().function_call(_kept(args))

    def arguments(self, args: list[Any]) -> Any:
        return super().arguments(_kept(args))

    def provider_function_call(self, args: list[Any]) -> Any:
        return super().provider_function_call(_kept(args))

    def index(self, args: list[Any]) -> Any:
        return super().index(_kept(args))

    def for_tuple_expr(self, args: list[Any]) -> Any:
        return super().for_tuple_expr(_kept(args))

    def for_object_expr(self, args: list[Any]) -> Any:
        return super().for_object_expr(_kept(args))

    def for_intro(self, args: list[Any]) -> Any:
        return super().for_intro(_kept(args))

    def for_cond(self, args: list[Any]) -> Any:
        return super().for_cond(_kept(args))

    def attribute(self, args: list[Any]) -> Any:
        attribute = super().attribute(args)
        lined = LinedAttribute(attribute.key, self._expression(attribute.value, args[1]))
        lined.line = args[1].line  # the EQ token, on the name's line (no line break may come between)
        return lined

    def _expression(self, value: Any, equals: Any) -> Any:
        if not _has_expression(value) or (isinstance(value, str) and _TRAVERSAL.match(value)):
            return value  # a literal, or a lone reference, which python-hcl2 rebuilds exactly (and faster)
        try:
            node, source = parse_attribute_value(self.text, equals.end_pos)
        except HclExpressionError:
            return value  # python-hcl2's rebuilt text: the evaluator reports what it cannot read
        if source.startswith("<<"):
            return value  # a heredoc is template text, which python-hcl2 keeps as written
        return ParsedExpression(source, node)

    def block(self, args: list[Any]) -> dict[str, Any]:
        args = _kept(args)
        braces = [a for a in args if isinstance(a, Token) and a.type in ("LBRACE", "RBRACE")]
        *labels, body = [a for a in args if not (isinstance(a, Token) and a.type in ("LBRACE", "RBRACE"))]
        result: dict[str, Any] = body
        result.update({START_LINE: braces[0].line, END_LINE: braces[-1].end_line})
        for label in reversed(labels):
            result = {self.strip_quotes(label): result}
        return result

    def body(self, args: list[Any]) -> dict[str, Any]:
        args = _kept(args)
        seen: dict[str, int] = {}
        for arg in args:
            if isinstance(arg, LinedAttribute):
                if arg.key in seen:
                    raise DuplicateAttribute(arg.key, seen[arg.key], arg.line)
                seen[arg.key] = arg.line
        return super().body(args)

    def object_elem_key_call(self, args: list[Any]) -> str:
        key: str = self.to_string_dollar(args[0])  # as python-hcl2 writes a `(k)` key: "${format(...)}"
        return key

    def heredoc_template(self, args: list[Any]) -> str:
        return self._heredoc(args)

    def heredoc_template_trim(self, args: list[Any]) -> str:
        return self._heredoc(args)

    def _heredoc(self, args: list[Any]) -> str:
        # python-hcl2's two heredoc methods, for markers of any identifier (its own patterns need two ASCII
        # characters, a letter first)
        quoted = heredoc_text(str(args[0]))
        if quoted is None:
            raise RuntimeError(f"Invalid Heredoc token: {args[0]}")
        return quoted
