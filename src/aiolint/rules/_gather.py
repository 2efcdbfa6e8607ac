"""The await-run model and the gather fix, shared by AIO400, AIO401 and AIO402.

A *step* is one awaited call and the statement it is in. Statements that await
(`await f()`, `x = await f()`, `print(await f())`, `items.extend(await f())`,
`{"a": await f(), "b": await g()}`, a closing `return await f()`) chain into
*stretches*; any other statement, and any block boundary, ends them. A *run* is a
stretch of steps each independent of every earlier one (`semantics.independence`).
A fix folds a run into one `asyncio.gather` only when every statement is a plain
`[target[: annotation] =] await call` (or the closing `return await call`).
"""
from __future__ import annotations

import builtins
import re
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Sequence, Set, Tuple

import libcst as cst

from aiolint.core.findings import REMOVE, Fix, Replacement
from aiolint.core.rule import Rule
from aiolint.core.walk import iter_nodes
from aiolint.fixes import build as edits
from aiolint.semantics import dotted_name
from aiolint.semantics import vocabulary as vocab
from aiolint.semantics.independence import Effect, effect_of, independent, path_of

_BUILTINS = frozenset(dir(builtins)) - {"exec", "eval", "input", "open", "exit", "quit"}
_LOGGING = re.compile(r"^(?:_?log(?:ger)?|_LOGGER|LOGGER|logging)\.(?:debug|info|warning|error|exception|critical)$")
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
# Modules whose code is tests: there the order of the steps is what is being tested.
_TEST_IMPORT = r"^[ \t]*(?:import|from)[ \t]+(?:pytest|unittest|hypothesis)\b"
_TEST_MODULE = re.compile(_TEST_IMPORT, re.MULTILINE)
NOT_A_TEST_MODULE = r"\A(?![\s\S]*%s)" % _TEST_IMPORT
# Context managers whose body is serial by design (one transaction, one lock holder).
_SERIAL_BLOCK = re.compile(r"transaction|atomic|begin|lock|mutex|semaphore", re.IGNORECASE)


@dataclass
class Step:
    line: Optional[cst.SimpleStatementLine]  # None in a one-line suite (`if x: await a(); ...`)
    small: cst.BaseSmallStatement
    value: cst.BaseExpression  # what is awaited
    target: Optional[cst.Name] = None
    annotation: Optional[cst.Annotation] = None
    is_return: bool = False
    simple: bool = True  # the whole statement is this await (a fix can fold it)
    binds: Set[str] = field(default_factory=set)  # names the statement binds, after its awaits
    changes: Set[str] = field(default_factory=set)  # paths its other parts change (`x.extend(...)`)
    effect: Optional[Effect] = None
    binding: Optional[cst.Call] = None  # AIO401: the call that made the awaited coroutine


# ---------------------------------------------------------------------------------- steps
def statement_steps(line, small: cst.BaseSmallStatement) -> Optional[List[Step]]:
    """The awaits of one small statement as steps, or None when it is not one we can order."""
    value = getattr(small, "value", None)
    if not isinstance(small, (cst.Expr, cst.Assign, cst.AnnAssign, cst.Return, cst.AugAssign)) or value is None:
        return None
    awaits = [n for n in iter_nodes(value) if isinstance(n, cst.Await)]
    if not awaits or any(isinstance(n, (cst.Yield, cst.NamedExpr, cst.Lambda)) for n in iter_nodes(small)):
        return None
    if any(isinstance(n, cst.Await) for a in awaits for n in iter_nodes(a.expression)):
        return None  # `await f(await g())`: one waits for the other
    if any(_in_comprehension(value, a) for a in awaits):
        return None  # AIO402's business
    binds: Set[str] = set()
    targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else (
        [small.target] if isinstance(small, (cst.AnnAssign, cst.AugAssign)) else []
    )
    for target in targets:
        binds |= {n.value for n in iter_nodes(target) if isinstance(n, cst.Name)}
    plain = value is awaits[0] and not value.lpar and len(awaits) == 1 and not isinstance(small, cst.AugAssign)
    if plain and isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(targets[0], cst.Name) and not targets[0].lpar:
        return [Step(line, small, value.expression, targets[0], binds=binds)]
    if plain and isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and not small.target.lpar:
        return [Step(line, small, value.expression, small.target, small.annotation, binds=binds)]
    if plain and isinstance(small, (cst.Expr, cst.Return)):
        return [Step(line, small, value.expression, is_return=isinstance(small, cst.Return))]
    if isinstance(small, cst.Return):
        return None
    changes = _outer_changes(value, awaits)
    if changes is None:
        return None
    changes |= {p for p in (path_of(t) for t in targets) if p and "." in p}
    return [Step(line, small, a.expression, simple=False, binds=binds, changes=changes) for a in awaits]


def _in_comprehension(root, node) -> bool:
    for inner in iter_nodes(root):
        if isinstance(inner, _COMPREHENSIONS):
            if any(n is node for n in iter_nodes(inner)):
                first = inner.for_in.iter
                return not any(n is node for n in iter_nodes(first))
    return False


def _outer_changes(value, awaits) -> Optional[Set[str]]:
    """What the parts of a statement around its awaits change, or None when they call
    something we cannot see through: only builtins, logging and container methods pass."""
    inside = {id(n) for a in awaits for n in iter_nodes(a)}
    changes: Set[str] = set()
    for node in iter_nodes(value):
        if id(node) in inside or not isinstance(node, cst.Call):
            continue
        func = node.func
        if isinstance(func, cst.Name) and func.value in _BUILTINS:
            continue
        if _LOGGING.match(dotted_name(func) or ""):
            continue
        if isinstance(func, cst.Attribute) and func.attr.value in vocab.CONTAINER_MUTATORS:
            path = path_of(func.value)
            if path is not None:
                changes.add(path)
                continue
        if isinstance(func, cst.Attribute) and isinstance(func.value, (cst.SimpleString, cst.FormattedString)):
            continue  # "...".format(...), "".join(...)
        return None
    return changes


def sequences(block) -> Iterator[List[Optional[Step]]]:
    """Stretches of consecutive awaiting statements of one block (None: a statement that is not a step)."""
    if isinstance(block, cst.SimpleStatementSuite):
        yield [s for small in block.body for s in (statement_steps(None, small) or [None])]
        return
    current: List[Optional[Step]] = []
    for statement in block.body:
        if isinstance(statement, cst.SimpleStatementLine):
            line: List[Optional[Step]] = []
            for small in statement.body:
                line.extend(statement_steps(statement, small) or [None])
            if len(statement.body) == 1 and line != [None]:
                current.extend(line)
                continue
            if current:
                yield current
                current = []
            if len(statement.body) > 1:
                yield line  # a line of several statements is a stretch of its own: a fix never splits it
            continue
        if current:
            yield current
            current = []
    if current:
        yield current


def depends(earlier: Step, later: Step) -> bool:
    """Does `later` read what `earlier` (or the statement around it) binds or changes?"""
    if earlier.small is later.small:
        bound: Set[str] = set()
    else:
        bound = set(earlier.binds)
        if earlier.target is not None:
            bound.add(earlier.target.value)
    later_reads = later.effect.names if later.effect else set()
    if bound & later_reads or bound & later.binds or later.binds & (earlier.effect.names if earlier.effect else set()):
        return True
    paths = (later.effect.reads | set(later.effect.receivers)) if later.effect else set()
    return any(c == p or p.startswith(c + ".") or c in later_reads for c in earlier.changes for p in paths | {c})


def split_runs(steps: Sequence[Optional[Step]], candidate, compatible) -> Iterator[List[Step]]:
    """Greedy runs of candidates, each compatible with every earlier member of its run."""
    run: List[Step] = []
    for step in steps:
        if step is None or not candidate(step):
            if len(run) >= 2:
                yield run
            run = []
            continue
        if all(compatible(earlier, step) for earlier in run):
            run.append(step)
        else:
            if len(run) >= 2:
                yield run
            run = [s for s in run if s.small is step.small] + [step]  # a statement is never split
        if step.is_return:
            if len(run) >= 2:
                yield run
            run = []
    if len(run) >= 2:
        yield run


def compatible(earlier: Step, later: Step) -> bool:
    return not depends(earlier, later) and independent(earlier.effect, later.effect)


def candidate(model, step: Step) -> bool:
    if not isinstance(step.value, cst.Call):
        return False  # `await x`: what x is and when it started is unknown here
    step.effect = effect_of(model, step.value)
    return step.effect is not None and not step.effect.named_changes


# ---------------------------------------------------------------------------------- context
def is_test_module(source: str) -> bool:
    return bool(_TEST_MODULE.search(source))


def ordinary_context(model, node=None) -> bool:
    """False where the order of awaits is the point: test functions, lifecycle and cleanup
    functions, exception handlers and `finally`, transaction and lock bodies."""
    function = model.function_name
    if function.lstrip("_").lower().startswith("test") or vocab.lifecycle_function(function):
        return False
    if function.startswith("__") and function.endswith("__"):
        return False  # __aenter__, __aexit__, __call__ (an ASGI app's protocol steps)
    parent = model.parent
    if isinstance(parent, (cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)):
        return False
    if isinstance(parent, cst.With):
        for item in parent.items:
            callee = item.item.func if isinstance(item.item, cst.Call) else item.item
            if _SERIAL_BLOCK.search(dotted_name(callee) or ""):
                return False
    if isinstance(parent, cst.Try) and any(_catches_stop_iteration(h) for h in parent.handlers):
        return False  # `anext()` pairs inside `try/except StopAsyncIteration`: the second needs the first
    return True


def _catches_stop_iteration(handler) -> bool:
    names = {n.value for n in iter_nodes(handler.type) if isinstance(n, cst.Name)} if handler.type else set()
    return bool(names & {"StopAsyncIteration", "StopIteration"})


# ---------------------------------------------------------------------------------- messages
def shown_call(expr: cst.BaseExpression) -> str:
    """How an awaitable appears in a message: whole when short, `f(...)` when long."""
    if isinstance(expr, cst.Call):
        return edits.snippet(expr, limit=40)
    return dotted_name(expr) or "<awaitable>"


def structured_alternative(rule: Rule) -> str:
    settings = rule.settings
    newer = settings.target_version is not None and settings.target_version >= (3, 11)
    if newer or settings.prefer_taskgroup:
        return " or start them as tasks in an 'async with asyncio.TaskGroup() as tg:' block"
    return ""


def task_group_spelling(library: str) -> str:
    if library == "trio":
        return "'async with trio.open_nursery() as nursery:' and 'nursery.start_soon(...)' for each call"
    return "'async with anyio.create_task_group() as tg:' and 'tg.start_soon(...)' for each call"


def gather_name(model) -> Tuple[str, Optional[Tuple[str, bool]]]:
    reference = model.module_reference("asyncio")
    return f"{reference[0] if reference else 'asyncio'}.gather", reference


# ---------------------------------------------------------------------------------- the gather fix
def _has_comment(line: Optional[cst.SimpleStatementLine], leading: bool) -> bool:
    if line is None:
        return False
    if line.trailing_whitespace.comment is not None:
        return True
    return leading and any(empty.comment is not None for empty in line.leading_lines)


def _names_in(node: cst.CSTNode) -> Set[str]:
    return {n.value for n in iter_nodes(node) if isinstance(n, cst.Name)}


def plan_gather(rule: Rule, steps: Sequence[Step], awaitables: Sequence[cst.BaseExpression], shown: Sequence[str]) -> Tuple[str, Optional[Fix]]:
    """The replacement text for the message, and the fix (None when we cannot write one safely)."""
    model = rule.model
    name_text, reference = gather_name(model)
    returning = steps[-1].is_return
    bound = [s.target.value if s.target is not None else None for s in steps]
    function = model.function
    used = _names_in(function) if function is not None else set()
    fresh = None
    if returning:
        fresh = next((n for n in ("result", "result_", "gathered") if n not in used and model.lookup(n) is None), None)
        bound[-1] = fresh
    placeholder = any(b is None for b in bound) and any(b is not None for b in bound)
    targets = [b if b is not None else "_" for b in bound]
    call_text = f"{name_text}({', '.join(shown)})"
    text = f"await {call_text}" if all(b is None for b in bound) else f"{', '.join(targets)} = await {call_text}"
    if returning:
        text += f"; return {fresh}"
    single_line = steps[0].line is not None and all(s.line is steps[0].line for s in steps)
    blocked = (
        reference is None
        or not all(s.simple for s in steps)
        or (returning and fresh is None)
        or (placeholder and ("_" in used or model.lookup("_") is not None))
        or any(_has_comment(s.line, leading=i > 0) for i, s in enumerate(steps) if not single_line)
        or (single_line and (returning or any(s.annotation is not None for s in steps)))
        or steps[0].line is None
        or (not single_line and len({id(s.line) for s in steps}) != len(steps))
    )
    if blocked:
        return text, None
    name, needs_import = reference
    gather = edits.call(f"{name}.gather", [edits.arg(a.with_changes(lpar=[], rpar=[])) for a in awaitables])
    awaited = cst.Await(expression=gather)
    if all(b is None for b in bound):
        first: cst.BaseSmallStatement = cst.Expr(awaited)
    else:
        tuple_target = cst.Tuple([cst.Element(cst.Name(t)) for t in targets], lpar=[], rpar=[])
        first = cst.Assign([cst.AssignTarget(tuple_target)], awaited)
    replacements: List[Tuple[cst.CSTNode, Replacement]] = []
    if single_line:
        replacements.append((steps[0].small, first))
        replacements.extend((s.small, REMOVE) for s in steps[1:])
    else:
        lines = [
            cst.SimpleStatementLine([cst.AnnAssign(s.target, s.annotation, value=None)])
            for s in steps
            if s.annotation is not None
        ]
        lines.append(cst.SimpleStatementLine([first]))
        lines[0] = lines[0].with_changes(leading_lines=steps[0].line.leading_lines)
        replacements.append((steps[0].line, lines[0] if len(lines) == 1 else cst.FlattenSentinel(lines)))
        for step in steps[1:]:
            if step.is_return:
                replacements.append((step.line, step.line.with_changes(body=[cst.Return(cst.Name(fresh))])))
            else:
                replacements.append((step.line, REMOVE))
    fix = rule.make_fix(
        f"Await them together with '{name}.gather(...)'", replacements, safe=False,
        imports=("asyncio",) if needs_import else (),
    )
    return text, fix
