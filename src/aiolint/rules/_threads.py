"""Shared by the blocking-call rules: moving one blocking call into a worker thread.

Not a rule module (the registry skips names starting with `_`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.semantics import dotted_name

if TYPE_CHECKING:  # pragma: no cover
    from aiolint.core.rule import Rule
    from aiolint.core.findings import Fix


def to_thread_call(call: cst.Call, library: str, name: Optional[str] = None) -> Optional[cst.Call]:
    """`to_thread(fn, *args)` for `fn(*args)`; None for trio/anyio with keywords (run_sync takes none)."""
    args = [edits.arg(call.func.with_changes(lpar=[], rpar=[])), *call.args]
    if library == "asyncio":
        return edits.call(f"{name or library}.to_thread", args)
    if any(a.keyword is not None or a.star == "**" for a in call.args):
        return None
    return edits.call(f"{name or library}.to_thread.run_sync", args)


def to_thread_text(call: cst.Call, library: str) -> str:
    """The replacement as shown in a message: `'await asyncio.to_thread(fn, x)'`."""
    new = to_thread_call(call, library)
    if new is None:
        return f"'await {library}.to_thread.run_sync(functools.partial({edits.snippet(call.func, 40)}, ...))'"
    return f"'await {edits.snippet(new)}'"


def to_thread_fix(rule: "Rule", call: cst.Call) -> "Optional[Fix]":
    """Unsafe fix: `await asyncio.to_thread(fn, ...)`, when the call runs in async context and is not awaited."""
    model = rule.model
    parent = model.parent
    if not model.in_async_context or isinstance(parent, cst.Await) or parent is None:
        return None
    library = model.async_library
    reference = model.module_reference(library)
    if reference is None:
        return None
    name, needs_import = reference
    new = to_thread_call(call, library, name)
    if new is None:
        return None
    return rule.make_fix(
        f"Run '{dotted_name(call.func) or 'the call'}' in a worker thread",
        [(call, edits.awaited(new, call, parent))],
        safe=False,
        imports=(library,) if needs_import else (),
    )
