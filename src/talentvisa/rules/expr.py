"""The rule expression language: a small, safe subset of Python expression syntax.

Source text is parsed with :mod:`ast` and converted into the frozen node types below, which
both evaluators (scalar and vectorized) walk. Nothing is ever passed to ``eval``: any syntax
outside the whitelist is rejected with a message naming the construct.

Grammar (informally)::

    expr  := expr ("and" | "or") expr | "not" expr
           | expr CMP expr [CMP expr ...]        # CMP: == != < <= > >= in, not in
           | expr ("+" | "-" | "*" | "/") expr | "-" expr
           | expr "if" expr "else" expr
           | NAME | NUMBER | STRING | True | False | None | "[" expr, ... "]"
           | FUNC "(" expr, ... ")"              # see functions.FUNCTIONS
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache

from talentvisa.rules.functions import FUNCTIONS


class ExpressionError(ValueError):
    """An expression that does not parse or uses a construct outside the language."""


@dataclass(frozen=True)
class Const:
    value: object


@dataclass(frozen=True)
class Name:
    id: str


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >= in notin
    left: Node
    right: Node


@dataclass(frozen=True)
class Arith:
    op: str  # + - * /
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg:
    item: Node


@dataclass(frozen=True)
class IfElse:
    cond: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class ListLit:
    items: tuple[Node, ...]


Node = Const | Name | BoolOp | Not | Compare | Arith | Neg | IfElse | Call | ListLit

_CMP = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "notin",
}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


@lru_cache(maxsize=4096)
def parse(source: str) -> Node:
    """Parse ``source`` into a node tree, or raise :class:`ExpressionError`."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in expression {source!r}: {exc.msg}") from None
    return _convert(tree.body, source)


def _convert(n: ast.AST, src: str) -> Node:
    if isinstance(n, ast.BoolOp):
        op = "and" if isinstance(n.op, ast.And) else "or"
        return BoolOp(op, tuple(_convert(v, src) for v in n.values))
    if isinstance(n, ast.UnaryOp):
        if isinstance(n.op, ast.Not):
            return Not(_convert(n.operand, src))
        if isinstance(n.op, ast.USub):
            return Neg(_convert(n.operand, src))
    if isinstance(n, ast.Compare):
        parts: list[Node] = []
        left = _convert(n.left, src)
        for cmp_op, comp in zip(n.ops, n.comparators, strict=True):
            if type(cmp_op) not in _CMP:
                raise ExpressionError(
                    f"comparison {type(cmp_op).__name__} is not allowed in {src!r}"
                )
            right = _convert(comp, src)
            parts.append(Compare(_CMP[type(cmp_op)], left, right))
            left = right
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))
    if isinstance(n, ast.BinOp) and type(n.op) in _ARITH:
        return Arith(_ARITH[type(n.op)], _convert(n.left, src), _convert(n.right, src))
    if isinstance(n, ast.IfExp):
        return IfElse(_convert(n.test, src), _convert(n.body, src), _convert(n.orelse, src))
    if isinstance(n, ast.Name):
        return Name(n.id)
    if isinstance(n, ast.Constant) and (
        n.value is None or isinstance(n.value, bool | int | float | str)
    ):
        return Const(n.value)
    if isinstance(n, ast.List | ast.Tuple):
        return ListLit(tuple(_convert(e, src) for e in n.elts))
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and not n.keywords:
        name = n.func.id
        if name not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function {name!r} in {src!r} (allowed: {allowed})")
        if len(n.args) not in FUNCTIONS[name].arity:
            arity = FUNCTIONS[name].arity
            raise ExpressionError(f"{name}() takes {arity} arguments in {src!r}")
        return Call(name, tuple(_convert(a, src) for a in n.args))
    raise ExpressionError(f"{type(n).__name__} is not allowed in rule expressions: {src!r}")


def names(node: Node) -> set[str]:
    """Every identifier an expression reads."""
    match node:
        case Name(id=i):
            return {i}
        case Const():
            return set()
        case BoolOp(items=items) | ListLit(items=items) | Call(args=items):
            return set().union(*(names(i) for i in items)) if items else set()
        case Not(item=i) | Neg(item=i):
            return names(i)
        case Compare(left=a, right=b) | Arith(left=a, right=b):
            return names(a) | names(b)
        case IfElse(cond=c, then=t, otherwise=o):
            return names(c) | names(t) | names(o)
    raise TypeError(node)
