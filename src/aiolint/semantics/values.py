"""What the code does with a value, as opposed to what it is (that is `type_of`, types.py):

- `handed_to_loop(expr)`: is this socket made non-blocking or given to the event loop anywhere it
  is visible?
- `offloaded_here(receiver)`: does the current function send a method of this receiver to a
  thread-pool runner (a deliberate fast path next to it)?
- `is_zero_or_false(expr)`: a literal `False`, `0` or `0.0`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Optional, Tuple

import libcst as cst

from aiolint.semantics import blocking
from aiolint.semantics.scopes import dotted_name
from aiolint.core.walk import iter_nodes

if TYPE_CHECKING:  # pragma: no cover
    from aiolint.semantics.model import SemanticModel


class ValueUses:
    """`handed_to_loop` and `offloaded_here` with their caches, one per module (owned by the SemanticModel)."""

    def __init__(self, model: "SemanticModel"):
        self.model = model
        self._sockets: Dict[Tuple[int, str], bool] = {}
        self._offloaded: Dict[Tuple[int, str], bool] = {}

    # ------------------------------------------------------------------ sockets
    def handed_to_loop(self, expr: cst.BaseExpression) -> bool:
        """Is this socket made non-blocking (`setblocking(False)`, `settimeout(0)`) or given to the
        event loop (`loop.sock_recv(s, ...)`, `create_connection(sock=s)`, ...) anywhere it is visible?

        Flow-insensitive on purpose: a socket the loop drives anywhere is not reported anywhere.
        """
        text = dotted_name(expr)
        if text is None:
            return False
        region = self._region(expr)
        if region is None:
            return True  # unsure where it lives: say it may be the loop's
        key = (id(region), text)
        cached = self._sockets.get(key)
        if cached is None:
            cached = self._sockets[key] = any(_gives_away(node, text) for node in iter_nodes(region))
        return cached

    # ------------------------------------------------------------------ the author's own offloading
    def offloaded_here(self, receiver: cst.BaseExpression) -> bool:
        """Does the current function hand a method of `receiver` to a thread-pool runner?

        `if small: f.write(b) else: await run_in_threadpool(f.write, b)`: the direct call is
        a deliberate fast path (an in-memory buffer, a tiny write), not an oversight.
        """
        text = dotted_name(receiver)
        function = self.model.function
        if text is None or function is None:
            return False
        key = (id(function), text)
        cached = self._offloaded.get(key)
        if cached is None:
            prefix = text + "."
            cached = False
            model = self.model
            for node in iter_nodes(function.body, into_scopes=False):
                if isinstance(node, cst.Call) and model.maybe_thread_pool_runner(node):
                    runner = model.thread_pool_runner(node)
                    if runner is not None and runner.callable is not None:
                        name = dotted_name(runner.callable.value) or ""
                        if name.startswith(prefix):
                            cached = True
                            break
            self._offloaded[key] = cached
        return cached

    def _region(self, expr: cst.BaseExpression) -> Optional[cst.CSTNode]:
        model = self.model
        if isinstance(expr, cst.Name):
            found = model.lookup(expr.value)
            return found[0].node if found is not None else None
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            owner = model.enclosing_method(expr.value.value)
            return owner[0] if owner is not None else None
        return None


def _gives_away(node: cst.CSTNode, text: str) -> bool:
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    if name in blocking.SOCKET_NONBLOCKING_METHODS:
        return (
            isinstance(func, cst.Attribute)
            and dotted_name(func.value) == text
            and bool(node.args)
            and is_zero_or_false(node.args[0].value)
        )
    if name.startswith("sock_") or name in blocking.SOCKET_LOOP_TAKERS:
        return any(dotted_name(arg.value) == text for arg in node.args)
    return False


def is_zero_or_false(expr: Optional[cst.BaseExpression]) -> bool:
    """A literal `False`, `0` or `0.0` (a non-blocking flag or a zero timeout)."""
    if isinstance(expr, cst.Name):
        return expr.value == "False"
    if isinstance(expr, (cst.Integer, cst.Float)):
        try:
            return float(expr.value.replace("_", "")) == 0
        except ValueError:
            return False
    return False
