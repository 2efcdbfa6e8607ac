"""Blocking calls that run only when a parameter is set: `if host and port: socket.gethostbyname(host)`.

A helper whose blocking call sits under such an `if` blocks only for callers that pass the
parameter. A `Guard` names one such parameter, and says whether the `if` needs it truthy (`if p:`)
or only not None (`if p is not None:`). `SemanticModel.guarding_parameters()` and
`SemanticModel.guard_after_call()` answer the questions rules ask; the pure functions below read the
tree and bind arguments to parameters.
"""
from __future__ import annotations

from typing import FrozenSet, Iterator, List, NamedTuple, Optional, Sequence

import libcst as cst

from aiolint.semantics.values import is_zero_or_false


class Guard(NamedTuple):
    parameter: str
    truthy: bool  # `if p:` (any falsy value skips the block) rather than `if p is not None:`


Guards = FrozenSet[Guard]
NO_GUARDS: Guards = frozenset()


def tested_names(ancestors: Sequence[cst.CSTNode]) -> Guards:
    """The names that the `if` statements around a node (in the same function) test as in `if a and b:`
    or `if a is not None:`, when the node is in the `if` branch, not in `elif`/`else`."""
    found = set()
    for index in range(len(ancestors) - 1, -1, -1):
        node = ancestors[index]
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            break
        if isinstance(node, cst.If) and index + 1 < len(ancestors) and ancestors[index + 1] is node.body:
            found.update(_conjuncts(node.test))
    return frozenset(found)


def _conjuncts(test: cst.BaseExpression) -> Iterator[Guard]:
    if isinstance(test, cst.Name):
        yield Guard(test.value, True)
    elif isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        yield from _conjuncts(test.left)
        yield from _conjuncts(test.right)
    elif (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.IsNot)
        and is_none(test.comparisons[0].comparator)
    ):
        yield Guard(test.left.value, False)


def is_none(expr: Optional[cst.BaseExpression]) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def is_falsy_literal(expr: Optional[cst.BaseExpression]) -> bool:
    """`None`, `False`, a zero, an empty string, tuple, list or dict."""
    if is_none(expr) or is_zero_or_false(expr):
        return True
    if isinstance(expr, cst.SimpleString):
        return len(expr.value) - len(expr.prefix) == 2 * len(expr.quote)
    if isinstance(expr, (cst.Tuple, cst.List, cst.Dict)):
        return not expr.elements
    return False


def skipped_at(guard: Guard, value: Optional[cst.BaseExpression]) -> bool:
    """Does a parameter holding `value` (a literal at the call, or the default it falls back to) skip the block?"""
    return is_none(value) or (guard.truthy and is_falsy_literal(value))


def parameter_value(
    call: cst.Call, function: cst.FunctionDef, parameter: str, *, bound: bool
) -> Optional[cst.BaseExpression]:
    """What `parameter` of `function` holds at `call`: the argument passed for it, else its default.

    `bound`: the call goes through an instance or class (`self.m(x)`), so the first parameter is not
    among the arguments. None when that cannot be told: `*args`/`**kwargs` at the call, or no default.
    """
    if any(arg.star for arg in call.args):
        return None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == parameter:
            return arg.value
    params = function.params
    positional: List[cst.Param] = [*params.posonly_params, *params.params]
    if bound:
        positional = positional[1:]
    passed = [arg for arg in call.args if arg.keyword is None]
    for index, param in enumerate(positional):
        if param.name.value == parameter:
            return passed[index].value if index < len(passed) else param.default
    for param in params.kwonly_params:
        if param.name.value == parameter:
            return param.default
    return None


def is_bound_call(call: cst.Call, function: cst.FunctionDef) -> bool:
    """`self.m(...)`, `obj.m(...)`, `cls.m(...)` of a method: its first parameter is not an argument."""
    if not isinstance(call.func, cst.Attribute):
        return False
    return not any(
        isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in function.decorators
    )
