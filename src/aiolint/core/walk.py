"""One fast, iterative walk over a LibCST tree.

Why not `CSTNode.visit`: LibCST's visitor rebuilds every node on the way back up
and visits every whitespace node; on real code that costs ~12x a walk over the
dataclass fields that can hold syntax. This walker visits only those fields, in
source order, never recurses (deep nesting cannot raise RecursionError), and
emits two extra events around the bodies of `def`, `class` and `lambda`, so the
semantic model can tell "the decorator of a nested def" (still the outer
context) from "the body of that def" (a new context).
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Dict, List, Literal, Optional, Tuple, Type, get_args, get_origin

import libcst as cst

ENTER, LEAVE, BODY, END_BODY = 0, 1, 2, 3

# Fields that only ever hold formatting (whitespace, punctuation, comments).
_FORMATTING = frozenset(
    {
        "asynchronous", "colon", "comma", "comment", "default_indent", "default_newline", "dot",
        "empty_lines", "encoding", "equal", "first_colon", "footer", "has_trailing_newline",
        "header", "indent", "lbrace", "lbracket", "leading_lines", "leading_whitespace",
        "lines_after_decorators", "lpar", "newline", "operator", "posonly_ind", "rbrace",
        "rbracket", "rpar", "second_colon", "semicolon", "separator", "star", "trailing_comma",
        "trailing_whitespace", "whitespace_between",
    }
)

# Scoped nodes: the fields evaluated in the enclosing context come first, then
# BODY, then the fields that run in the node's own context.
_SCOPED_ORDER: Dict[type, Tuple[Tuple[str, ...], Tuple[str, ...]]] = {
    cst.FunctionDef: (("decorators", "type_parameters", "params", "returns"), ("body",)),
    cst.ClassDef: (("decorators", "type_parameters", "bases", "keywords"), ("body",)),
    cst.Lambda: (("params",), ("body",)),
}

_field_cache: Dict[type, Tuple[str, ...]] = {}


_TEXT_TYPES = (str, Optional[str], bool)


def _holds_text_only(annotation: object) -> bool:
    # `Name.value: str`, `SimpleString.quote: Literal[...]`: never a node, never worth a look.
    if annotation in _TEXT_TYPES:
        return True
    return get_origin(annotation) is Literal and all(isinstance(a, str) for a in get_args(annotation))


def child_fields(cls: Type[cst.CSTNode]) -> Tuple[str, ...]:
    names = _field_cache.get(cls)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in _FORMATTING and not f.name.startswith("whitespace") and not _holds_text_only(f.type)
        )
        _field_cache[cls] = names
    return names


_reversed_cache: Dict[type, Tuple[str, ...]] = {}


def _reversed_fields(cls: type) -> Tuple[str, ...]:
    names = _reversed_cache.get(cls)
    if names is None:
        names = _reversed_cache[cls] = tuple(reversed(child_fields(cls)))
    return names


# isinstance() against LibCST's classes goes through ABCMeta and is slow; a node's type is
# checked once and remembered.
_node_types: Dict[type, bool] = {}


def is_node_type(cls: type) -> bool:
    known = _node_types.get(cls)
    if known is None:
        known = _node_types[cls] = issubclass(cls, cst.CSTNode)
    return known


def _push_field(stack: list, value: object) -> None:
    # Callers push in reverse so that children pop in source order.
    cls = type(value)
    if cls is list or cls is tuple:
        for item in reversed(value):  # type: ignore[call-overload]
            if is_node_type(type(item)):
                stack.append((item, ENTER))
    elif value is not None and is_node_type(cls):
        stack.append((value, ENTER))
    elif isinstance(value, (list, tuple)):  # a subclass of list/tuple, should one ever occur
        for item in reversed(value):
            if is_node_type(type(item)):
                stack.append((item, ENTER))


def walk(
    root: cst.CSTNode,
    on_enter: Callable[[cst.CSTNode], None],
    on_leave: Callable[[cst.CSTNode], None],
    on_body: Callable[[cst.CSTNode], None],
    on_end_body: Callable[[cst.CSTNode], None],
) -> None:
    """Visit `root` and all syntax below it in source order."""
    stack: List[Tuple[cst.CSTNode, int]] = [(root, ENTER)]
    pop = stack.pop
    push = stack.append
    node_types = _node_types
    scoped_order = _SCOPED_ORDER
    while stack:
        node, event = pop()
        if event == ENTER:
            on_enter(node)
            push((node, LEAVE))
            cls = type(node)
            scoped = scoped_order.get(cls)
            if scoped is None:
                # The hot loop: _push_field inlined, children pushed in reverse to pop in order.
                names = _reversed_cache.get(cls)
                if names is None:
                    names = _reversed_fields(cls)
                for name in names:
                    value = getattr(node, name)
                    value_cls = type(value)
                    if value_cls is tuple or value_cls is list:
                        for item in reversed(value):
                            item_cls = type(item)
                            is_node = node_types.get(item_cls)
                            if is_node is None:
                                is_node = is_node_type(item_cls)
                            if is_node:
                                push((item, ENTER))
                    elif value is not None:
                        _push_field(stack, value)
            else:
                outer, inner = scoped
                push((node, END_BODY))
                for name in reversed(inner):
                    _push_field(stack, getattr(node, name))
                push((node, BODY))
                for name in reversed(outer):
                    _push_field(stack, getattr(node, name, None))
        elif event == LEAVE:
            on_leave(node)
        elif event == BODY:
            on_body(node)
        else:
            on_end_body(node)


# The fields through which statements hold statements: blocks, `else`/`elif`, handlers, `finally`,
# match cases. No expression is reached through them.
_BLOCK_FIELDS = ("cases", "finalbody", "orelse", "handlers", "body")


def small_statements(root: cst.CSTNode):
    """Yield every simple statement (`import x`, `x = f()`, `return`) below `root`, nested blocks
    and defs included, in source order. Expressions are never entered: a question about statements
    (which modules are imported) costs a walk of the statements, not of the whole tree."""
    stack: List[cst.CSTNode] = [root]
    pop = stack.pop
    while stack:
        node = pop()
        if isinstance(node, cst.BaseSmallStatement):
            yield node
            continue
        for name in _BLOCK_FIELDS:  # pushed last field first: popped in source order
            value = getattr(node, name, None)
            if type(value) is list or type(value) is tuple:
                stack.extend(reversed(value))
            elif value is not None:
                stack.append(value)


def iter_nodes(root: cst.CSTNode, *, into_scopes: bool = True):
    """Yield `root` and the syntax below it, in source order.

    With into_scopes=False the bodies of nested def/class/lambda are skipped (their
    decorators, defaults and bases are still yielded: they run in this scope).
    """
    stack: List[cst.CSTNode] = [root]
    pop = stack.pop
    while stack:
        node = pop()
        yield node
        cls = type(node)
        scoped = _SCOPED_ORDER.get(cls)
        if scoped is None or node is root:
            names = child_fields(cls)
        elif into_scopes:
            names = scoped[0] + scoped[1]
        else:
            names = scoped[0]
        for name in reversed(names):
            value = getattr(node, name, None)
            if value is None:
                continue
            value_cls = type(value)
            if value_cls is list or value_cls is tuple or isinstance(value, (list, tuple)):
                stack.extend(item for item in reversed(value) if is_node_type(type(item)))
            elif is_node_type(value_cls):
                stack.append(value)
