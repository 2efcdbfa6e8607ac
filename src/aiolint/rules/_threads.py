"""Shared by the blocking-call rules: moving one blocking call into a worker thread.

Not a rule module (the registry skips names starting with `_`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Tuple

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.semantics import dotted_name

if TYPE_CHECKING:  # pragma: no cover
    from aiolint.core.rule import Rule
    from aiolint.core.findings import Fix


# asyncio.to_thread is new in Python 3.9; before, the loop's default executor does the same.
TO_THREAD_SINCE = (3, 9)


def has_to_thread(library: str, target: Optional[Tuple[int, int]]) -> bool:
    return library != "asyncio" or target is None or target >= TO_THREAD_SINCE


def to_thread_call(
    call: cst.Call,
    library: str,
    name: Optional[str] = None,
    target: Optional[Tuple[int, int]] = None,
    partial: str = "functools.partial",
) -> Optional[cst.Call]:
    """`to_thread(fn, *args)` for `fn(*args)`; None for trio/anyio with keywords (run_sync takes none).

    For asyncio on a target before 3.9 (no `asyncio.to_thread`):
    `asyncio.get_running_loop().run_in_executor(None, fn, *args)`, with `partial(fn, ...)` when
    there are keyword arguments (run_in_executor forwards positionals only)."""
    func = call.func.with_changes(lpar=[], rpar=[])
    args = [edits.arg(func), *call.args]
    if library == "asyncio" and not has_to_thread(library, target):
        if any(a.keyword is not None or a.star == "**" for a in call.args):
            inner = edits.call(partial, [edits.arg(func), *edits.one_line_args(call.args)])
            args = [edits.arg(inner)]
        return edits.call(f"{name or library}.get_running_loop().run_in_executor", [edits.arg(cst.Name("None")), *args])
    if library == "asyncio":
        return edits.call(f"{name or library}.to_thread", args)
    if any(a.keyword is not None or a.star == "**" for a in call.args):
        return None
    return edits.call(f"{name or library}.to_thread.run_sync", args)


def to_thread_text(call: cst.Call, library: str, target: Optional[Tuple[int, int]] = None) -> str:
    """The replacement as shown in a message: `'await asyncio.to_thread(fn, x)'` (what the
    target version has: `run_in_executor` before 3.9)."""
    new = to_thread_call(call, library, target=target)
    if new is None:
        return f"'await {library}.to_thread.run_sync(functools.partial({edits.snippet(call.func, 40)}, ...))'"
    return f"'await {edits.snippet(new)}'"


def to_thread_fix(rule: "Rule", call: cst.Call) -> "Optional[Fix]":
    """Unsafe fix: `await asyncio.to_thread(fn, ...)`, when the call runs in async context and is not awaited."""
    model = rule.model
    parent = model.parent
    if not model.in_async_context or isinstance(parent, cst.Await) or parent is None:
        return None
    if isinstance(parent, cst.WithItem):
        # `with await to_thread(open_thing) as r: r.read()` would leave the block's own blocking
        # calls on the loop, unreported: a fix for the whole `with` or none.
        return None
    library = model.async_library
    reference = model.module_reference(library)
    if reference is None:
        return None
    name, needs_import = reference
    imports = [library] if needs_import else []
    target = rule.settings.target_version
    partial = "functools.partial"
    if not has_to_thread(library, target) and any(a.keyword is not None or a.star == "**" for a in call.args):
        found = model.name_reference("functools.partial")
        if found is None:
            return None
        partial, more = found
        imports.extend(more)
    new = to_thread_call(call, library, name, target, partial)
    if new is None:
        return None
    return rule.make_fix(
        f"Run '{dotted_name(call.func) or 'the call'}' in a worker thread",
        [(call, edits.awaited(new, call, parent))],
        safe=False,
        imports=tuple(imports),
    )
