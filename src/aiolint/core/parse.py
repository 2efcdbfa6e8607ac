"""Parse safety: one LibCST parse of a module that cannot crash the process.

LibCST's native parser has no nesting limit of its own and overflows the C stack (a segfault no
`except` catches) on input Python itself rejects; it also allocates many small objects that the cyclic
GC would scan for nothing. So: refuse nesting Python refuses, parse on a thread with a big stack,
and pause the GC during the parse.
"""
from __future__ import annotations

import gc
import io
import itertools
import re
import threading
import tokenize
from typing import Any, Callable, List, Optional, TypeVar, Union

import libcst as cst

Source = Union[bytes, str]
T = TypeVar("T")


def describe(exc: BaseException) -> str:
    """`Type: message`, one short line. Must not raise itself: a KeyError holding a deeply
    nested LibCST node recurses while its message is formatted."""
    try:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    except Exception:
        message = "(message could not be shown)"
    if len(message) > 200:
        message = message[:200] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def from_recursion(exc: BaseException) -> bool:
    """Did this start as a RecursionError? LibCST's code generation turns one into a chain of
    KeyErrors on the way out of its context managers."""
    seen = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, RecursionError):
            return True
        seen.add(id(current))
        current = current.__context__
    return False


def decode(source: Source) -> str:
    """The text of a module, decoded the way Python would (coding cookie, BOM)."""
    if isinstance(source, str):
        return source[1:] if source.startswith("\ufeff") else source
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return source.decode(encoding)


class TooDeep(Exception):
    """Nested deeper than Python itself accepts; LibCST's native parser would overflow its stack."""


# CPython's tokenizer rejects more than 200 nested brackets ("too many nested parentheses");
# LibCST's native parser has no such limit and its memory grows quadratically with the depth
# before it overflows the C stack (a segfault no `except` can catch) near 2,000.
MAX_BRACKET_DEPTH = 200
_BRACKET_STEP = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}
_NOT_BRACKETS = re.compile(r"[^()\[\]{}]+")
# Deep chains without brackets (`a and a and ...`, long elif chains) recurse too: parse them on a
# thread whose stack is large enough for anything the 200-bracket limit lets through.
PARSER_STACK_SIZE = 256 * 1024 * 1024


def _bracket_depth(text: str) -> int:
    """The deepest bracket nesting, counting brackets in strings and comments too (an upper bound)."""
    brackets = _NOT_BRACKETS.sub("", text)
    if len(brackets) <= 2 * MAX_BRACKET_DEPTH:
        return len(brackets) // 2
    return max(itertools.accumulate(map(_BRACKET_STEP.__getitem__, brackets)))


def _real_bracket_depth(text: str) -> int:
    """Bracket nesting outside strings and comments (tokenizes: only for files the bound flags)."""
    depth = deepest = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP and token.string in _BRACKET_STEP:
                depth += _BRACKET_STEP[token.string]
                deepest = max(deepest, depth)
    except (tokenize.TokenError, SyntaxError):
        pass  # what was seen so far is a fine answer: the parser reports the error itself
    return deepest


def _on_big_stack(function: Callable[..., T], *args: Any) -> T:
    """Run `function` on a fresh thread with a large stack (a new thread each time: fork-safe)."""
    outcome: List[Any] = []

    def run() -> None:
        try:
            outcome.append((True, function(*args)))
        except BaseException as exc:  # re-raised in the caller's thread below
            outcome.append((False, exc))

    try:
        with _STACK_SIZE_LOCK:
            previous = threading.stack_size(PARSER_STACK_SIZE)
            try:
                worker = threading.Thread(target=run, name="aiolint-parser", daemon=True)
                worker.start()
            finally:
                threading.stack_size(previous)
    except (RuntimeError, ValueError, MemoryError):
        # No thread to be had (a thread limit, `ulimit -v` too small for the stack): parse on
        # this thread, as before; only input deep enough to need the big stack is at risk.
        return function(*args)
    worker.join()
    ok, value = outcome[0]
    if ok:
        return value
    raise value


_STACK_SIZE_LOCK = threading.Lock()


def parse(source: Source) -> cst.Module:
    if isinstance(source, str) and source.startswith("\ufeff"):
        source = source[1:]
    text = source if isinstance(source, str) else decode(source)
    depth = _bracket_depth(text)
    if depth > MAX_BRACKET_DEPTH and _real_bracket_depth(text) > MAX_BRACKET_DEPTH:
        raise TooDeep(f"more than {MAX_BRACKET_DEPTH} nested brackets, which Python rejects too")
    if depth <= SHALLOW_BRACKETS and _chain_bound(text) <= SHALLOW_CHAINS:
        return _parse_module(source)  # cannot recurse deeply: the calling thread's stack is plenty
    return _on_big_stack(_parse_module, source)


# A parse on the big-stack thread runs ~20 % slower (measured), so it is kept for text that could
# recurse deeply: nesting, or long chains the parser builds recursively (`and`/`or`, `elif`,
# operators, implicitly concatenated strings). Both bounds are over-counts: most files pass.
SHALLOW_BRACKETS = 100
SHALLOW_CHAINS = 1000
_CHAIN_TOKENS = (" and ", " or ", "elif ", " + ", " - ", " | ", '" "', "' '", '"\n', "'\n")


def _chain_bound(text: str) -> int:
    """An upper bound on the longest chain in the text: all its chaining tokens together."""
    return sum(text.count(token) for token in _CHAIN_TOKENS)


def _parse_module(source: Source) -> cst.Module:
    # A parse allocates ~20 objects per line and frees none: the cyclic GC would scan the
    # growing heap (all of flake8's, inside flake8) again and again for nothing. LibCST
    # trees hold no reference cycles, so collection can wait until the parse is done.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return cst.parse_module(source)
    finally:
        if enabled:
            gc.enable()
