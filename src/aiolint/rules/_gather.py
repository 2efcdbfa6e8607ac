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
from aiolint.fixes import build as edits
from aiolint.semantics import dotted_name
from aiolint.semantics import vocabulary as vocab
from aiolint.semantics import flow
from aiolint.semantics.independence import SHAREABLE, Effect, effect_of, independent, path_of, statement_facts
from aiolint.semantics.syntax import (
    awaits_in, calls_in, contains, contains_any, names_in, outermost_comprehension, string_literals,
)

_BUILTINS = frozenset(dir(builtins)) - {"exec", "eval", "input", "open", "exit", "quit"}
_LOGGING = re.compile(r"^(?:_?log(?:ger)?|_LOGGER|LOGGER|logging)\.(?:debug|info|warning|error|exception|critical)$")
# Modules whose code is tests: there the order of the steps is what is being tested.
TEST_MODULES = ("pytest", "unittest", "hypothesis")
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
    around: Set[str] = field(default_factory=set)  # names the rest of its statement reads (`for x in xs`)


# ---------------------------------------------------------------------------------- steps
def statement_steps(line, small: cst.BaseSmallStatement) -> Optional[List[Step]]:
    """The awaits of one small statement as steps, or None when it is not one we can order."""
    value = getattr(small, "value", None)
    if not isinstance(small, (cst.Expr, cst.Assign, cst.AnnAssign, cst.Return, cst.AugAssign)) or value is None:
        return None
    awaits = awaits_in(value)
    if not awaits or contains_any(small, (cst.Yield, cst.NamedExpr, cst.Lambda)):
        return None
    if any(contains_any(a.expression, cst.Await) for a in awaits):
        return None  # `await f(await g())`: one waits for the other
    if any(_in_comprehension(value, a) for a in awaits):
        # `[await f(x) for x in xs]` as a whole is one step of the statement (AIO402 looks at
        # its iterations); only the element of one plain `for` clause, not its conditions.
        if not all(_comprehension_element(value, a) for a in awaits if _in_comprehension(value, a)):
            return None
    binds: Set[str] = set()
    targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else (
        [small.target] if isinstance(small, (cst.AnnAssign, cst.AugAssign)) else []
    )
    for target in targets:
        binds |= names_in(target)
    plain = value is awaits[0] and not value.lpar and len(awaits) == 1 and not isinstance(small, cst.AugAssign)
    single = isinstance(small, cst.Assign) and len(small.targets) == 1
    if plain and single and isinstance(targets[0], cst.Name) and not targets[0].lpar:
        return [Step(line, small, value.expression, targets[0], binds=binds)]
    if plain and isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and not small.target.lpar:
        return [Step(line, small, value.expression, small.target, small.annotation, binds=binds)]
    if plain and isinstance(small, (cst.Expr, cst.Return)):
        return [Step(line, small, value.expression, is_return=isinstance(small, cst.Return))]
    changes = _outer_changes(value, awaits)
    if changes is None:
        return None
    changes |= {p for p in (path_of(t) for t in targets) if p and "." in p}
    around = names_in(value)
    steps = [
        Step(line, small, a.expression, simple=False, binds=binds, changes=changes, around=around) for a in awaits
    ]
    steps[-1].is_return = isinstance(small, cst.Return)
    return steps


def _comprehension_element(root, node) -> bool:
    inner = outermost_comprehension(root, node)
    if inner is None:
        return False
    comp = inner.for_in
    parts = [inner.key, inner.value] if isinstance(inner, cst.DictComp) else [inner.elt]
    return comp.asynchronous is None and comp.inner_for_in is None and any(contains(p, node) for p in parts)


def _in_comprehension(root, node) -> bool:
    inner = outermost_comprehension(root, node)
    return inner is not None and not contains(inner.for_in.iter, node)


def _outer_changes(value, awaits) -> Optional[Set[str]]:
    """What the parts of a statement around its awaits change, or None when they call
    something we cannot see through: only builtins, logging and container methods pass."""
    changes: Set[str] = set()
    for node in calls_in(value, outside=awaits):
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
    later_reads = (later.effect.names if later.effect else set()) | later.around
    if bound & later_reads or bound & later.binds or later.binds & (earlier.effect.names if earlier.effect else set()):
        return True
    paths = (later.effect.reads | set(later.effect.receivers)) if later.effect else set()
    return any(c == p or p.startswith(c + ".") or c in later_reads for c in earlier.changes for p in paths | {c})


def split_runs(steps: Sequence[Optional[Step]], candidate, compatible) -> Iterator[List[Step]]:
    """Greedy runs of candidates, each compatible with every earlier member of its run, with
    at least two calls that suspend (others have nothing to overlap)."""
    for run in _greedy_runs(steps, candidate, compatible):
        if sum(1 for s in run if s.effect is None or s.effect.suspends) >= 2:
            yield run


def _greedy_runs(steps, candidate, compatible) -> Iterator[List[Step]]:
    run: List[Step] = []
    last = len(steps) - 1
    for index, step in enumerate(steps):
        # A step with no step beside it can join no run: its effect (the costly question) is not asked.
        alone = (index == 0 or steps[index - 1] is None) and (index == last or steps[index + 1] is None)
        if step is None or alone or not candidate(step):
            if len(run) >= 2:
                yield run
            run = []
            continue
        if all(compatible(earlier, step) for earlier in run):
            run.append(step)
        else:
            if len(run) >= 2:
                yield run
            run = [step]
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
def is_test_module(model) -> bool:
    return any(model.imports_module(name) for name in TEST_MODULES)


def ordinary_context(model, by_verb: bool = True) -> bool:
    """False where the order of awaits is the point: test functions, lifecycle and cleanup
    functions (for loops, `by_verb` False: only by the words that name a lifecycle step, so
    `start_handler` is checked), exception handlers and `finally`, transaction and lock bodies."""
    function = model.function_name
    if function.lstrip("_").lower().startswith("test") or vocab.lifecycle_function(function, by_verb):
        return False
    if function.startswith("__") and function.endswith("__"):
        return False  # __aenter__, __aexit__, __call__ (an ASGI app's protocol steps)
    parent = next((n for n in reversed(model.ancestors) if isinstance(n, _BLOCK_OWNERS)), None)
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


_BLOCK_OWNERS = (cst.BaseCompoundStatement, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.Else)


def _catches_stop_iteration(handler) -> bool:
    names = names_in(handler.type) if handler.type else set()
    return bool(names & {"StopAsyncIteration", "StopIteration"})


# ---------------------------------------------------------------------------------- messages
def shown_call(expr: cst.BaseExpression) -> str:
    """How an awaitable appears in a message: whole when short, `f(...)` when long."""
    if isinstance(expr, cst.Call):
        return edits.snippet(expr, limit=40)
    return dotted_name(expr) or "<awaitable>"


def has_task_group(rule: Rule) -> bool:
    """Can the suggestion name `asyncio.TaskGroup` (3.11+)? Not when the target is older."""
    target = rule.settings.target_version
    return target is None or target >= (3, 11)


def structured_alternative(rule: Rule) -> str:
    settings = rule.settings
    newer = settings.target_version is not None and settings.target_version >= (3, 11)
    if has_task_group(rule) and (newer or settings.prefer_taskgroup):
        return " or start them as tasks in an 'async with asyncio.TaskGroup() as tg:' block"
    return ""


def may_add_asyncio(rule: Rule) -> bool:
    """A gather fix imports asyncio: not in backend-neutral code (anyio, trio or sniffio named)."""
    return not rule.model.mentions_neutral_library


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


def plan_gather(
    rule: Rule, steps: Sequence[Step], awaitables: Sequence[cst.BaseExpression], shown: Sequence[str]
) -> Tuple[str, Optional[Fix]]:
    """The replacement text for the message, and the fix (None when we cannot write one safely)."""
    model = rule.model
    name_text, reference = gather_name(model)
    returning = steps[-1].is_return
    bound = [s.target.value if s.target is not None else None for s in steps]
    function = model.function
    used = names_in(function) if function is not None else set()
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
    if not all(s.simple for s in steps):
        text = f"await {call_text}"  # the statements around the awaits then use its results
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


# ---------------------------------------------------------------------------------- loops (AIO402)
def loop_awaits(model, node) -> Optional[List[cst.Call]]:
    """The calls a `for` loop or comprehension awaits once per item, when its iterations are
    independent; None otherwise."""
    if isinstance(node, cst.For):
        target, body, parts = node.target, node.body, [node.body]
        if contains_any(body, (cst.Break, cst.Return, cst.Yield), into_scopes=False):
            return None
    else:
        comp = node.for_in
        if comp.asynchronous is not None or comp.inner_for_in is not None:
            return None
        target = comp.target
        parts = [node.key, node.value] if isinstance(node, cst.DictComp) else [node.elt]
        if any(contains_any(i, cst.Await) for i in comp.ifs):
            return None
        body = None
    item = names_in(target)
    iterable = node.iter if isinstance(node, cst.For) else node.for_in.iter
    if any(set(vocab.receiver_words(n)) & vocab.ORDERED_ITEM_WORDS for n in _item_words(iterable) | item):
        return None  # events, updates, chunks, steps: their order is the point
    awaits = [a for p in parts for a in awaits_in(p, into_scopes=False)]
    if not awaits or any(contains_any(a.expression, cst.Await) for a in awaits):
        return None
    if any(_in_comprehension(p, a) for p in parts for a in awaits):
        return None  # an inner comprehension's own awaits: checked on their own
    derived, carried, changed = _iteration_state(body, item) if body is not None else (set(item), set(), set())
    if derived is None:
        return None
    effects = []
    for awaited in awaits:
        if not isinstance(awaited.expression, cst.Call):
            return None
        effect = effect_of(model, awaited.expression)
        if effect is None or effect.names & (carried | changed):
            return None
        if any(p.split(".")[0] in changed for p in effect.reads):
            return None
        for key, kind in effect.receivers.items():
            if key.split(".")[0] not in derived and kind not in SHAREABLE:
                return None  # one object shared by the iterations, of a kind that may serialise them
        for key in effect.named_changes:
            if key.split(".")[0] in derived and _peer(key):
                continue  # one message or change to each peer (`ws.send_str(...)` for each `ws`)
            if not _to_the_item(awaited.expression, derived):
                return None  # to one shared destination, or to handlers: its order shows
        func = awaited.expression.func
        if isinstance(func, cst.Name) and func.value in derived:
            return None  # the items are callbacks: run in the order they were registered
        effects.append(effect)
    if not any(e.suspends for e in effects):
        return None  # project helpers that never suspend: nothing to overlap
    if not any(e.names & derived for e in effects):
        return None  # the same call every time (a retry, a poll): nothing per item
    for a in effects:
        for b in effects:
            if any(_shared_key(x, derived) and _meet(x, y) for x in a.writes for y in b.reads | b.writes):
                return None  # one iteration writes what another reads
    return [a.expression for a in awaits]


def _item_words(iterable) -> Set[str]:
    """The names that say what a loop runs over: `self.events`, `updates["updates"]`, `get_steps()`."""
    words = names_in(iterable)
    for node in string_literals(iterable):
        words.add(node.raw_value if hasattr(node, "raw_value") else node.value.strip("'\""))
    return words


def _meet(x: str, y: str) -> bool:
    return x == y or x.startswith(y + ".") or y.startswith(x + ".")


def _shared_key(key: str, derived: Set[str]) -> bool:
    return key.split(".")[0] not in derived


def _peer(key: str) -> bool:
    return any(set(vocab.receiver_words(part)) & vocab.PEER_WORDS for part in key.split("."))


def _to_the_item(call: cst.Call, derived: Set[str]) -> bool:
    """A message or change whose destination is the item: its first argument or `chat_id=`."""
    first = next((a for a in call.args if a.keyword is None and not a.star), None)
    chosen = [a for a in call.args if a.keyword is not None and _destination(a.keyword.value)]
    if first is not None and any(_destination(n) for n in names_in(first.value) & derived):
        chosen.append(first)  # `bot.send_message(user_id, text)`; not `client.send_command(cmd)`
    return any(names_in(a.value) & derived for a in chosen)


def _destination(name: str) -> bool:
    words = vocab.receiver_words(name)
    return bool(words) and (words[-1] == "id" or bool(set(words) & vocab.PEER_WORDS))


def _iteration_state(body, item: Set[str]):
    """(names that hold the item or values derived from it, names carried from one
    iteration to the next, containers the body changes), or (None, ...) when the body
    continues on an awaited result."""
    statements = list(_flat(body.body if isinstance(body, cst.IndentedBlock) else [body]))
    facts = [statement_facts(s) for s in statements]
    bound_anywhere = set().union(*(f[1] for f in facts)) if facts else set()
    derived, assigned, carried, changed, awaited = set(item), set(), set(), set(), set()
    for statement, (reads, targets, augmented, stores, from_await, flows) in zip(statements, facts):
        carried |= (reads & bound_anywhere) - assigned - item
        carried |= augmented
        changed |= stores
        awaited |= from_await
        for target, sources in flows:
            if sources & derived:
                derived.add(target)
        assigned |= targets
    for test in flow.continue_guards(body):
        if names_in(test) & awaited:
            return None, None, None  # whether the next item is worked on depends on a result
    return derived, carried, changed - item


def _flat(statements) -> Iterator[cst.CSTNode]:
    """The statements of a loop body in the order they run, into `if`/`try`/`with` blocks
    (their tests and items first); a nested loop stays whole."""
    for statement in statements:
        if isinstance(statement, cst.If):
            yield statement.test
            yield from _flat(statement.body.body)
            if statement.orelse is not None:
                orelse = statement.orelse
                yield from _flat([orelse] if isinstance(orelse, cst.If) else orelse.body.body)
        elif isinstance(statement, cst.Try):
            yield from _flat(statement.body.body)
            for handler in statement.handlers:
                yield from _flat(handler.body.body)
            for extra in (statement.orelse, statement.finalbody):
                if extra is not None:
                    yield from _flat(extra.body.body)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                yield item
            yield from _flat(statement.body.body)
        else:
            yield statement


def plan_loop_gather(rule: Rule, node, calls: Sequence[cst.Call]) -> Tuple[str, Optional[Fix]]:
    """The gather spelling for the message, and the fix for the collect shapes."""
    model = rule.model
    name_text, reference = gather_name(model)
    if isinstance(node, cst.For):
        target, items, ifs = node.target, node.iter, []
        collect = _collect_shape(node, model.parent)
        call = collect[1] if collect else None
    else:
        target, items, ifs = node.for_in.target, node.for_in.iter, list(node.for_in.ifs)
        elt = node.elt if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)) else None
        call = elt.expression if isinstance(elt, cst.Await) and not elt.lpar else None
        collect = None
    shown = edits.snippet(call if call is not None else calls[0], limit=40)
    condition = "".join(f" if {edits.snippet(i.test, limit=30)}" for i in ifs)
    target_text = edits.code(target)
    if isinstance(node, cst.For) and collect is None and not _self_contained(node, calls):
        # Several steps per item, or a call on names the body makes: the body becomes one coroutine.
        shown = f"one_item({target_text})"
    text = f"await {name_text}(*({shown} for {target_text} in {edits.snippet(items, limit=40)}{condition}))"
    if shown.startswith("one_item("):
        text += f"' with the loop body in 'async def one_item({target_text})"
    if collect is not None:
        text = f"{collect[0]} = {text}" if collect[2] is not None else f"{collect[0]}.extend({text})"
    if call is None or reference is None or (not isinstance(node, cst.For) and not isinstance(node, cst.ListComp)):
        return text, None
    name, needs_import = reference
    generator = cst.GeneratorExp(
        elt=call.with_changes(lpar=[], rpar=[]),
        for_in=cst.CompFor(target=target, iter=items, ifs=ifs),
    )
    gathered = cst.Await(edits.call(f"{name}.gather", [cst.Arg(generator, star="*")]))
    if isinstance(node, cst.ListComp):
        replacements = [(node, gathered.with_changes(lpar=node.lpar, rpar=node.rpar))]
    else:
        results, _, previous = collect
        if previous is not None:
            statement = cst.SimpleStatementLine(
                [cst.Assign([cst.AssignTarget(cst.Name(results))], gathered)], leading_lines=previous.leading_lines
            )
            replacements = [(previous, REMOVE), (node, statement)]
        else:
            extend = cst.Call(cst.Attribute(cst.Name(results), cst.Name("extend")), [cst.Arg(gathered)])
            replacements = [(node, cst.SimpleStatementLine([cst.Expr(extend)], leading_lines=node.leading_lines))]
    fix = rule.make_fix(
        f"Await the calls together with '{name}.gather(...)'", replacements, safe=False,
        imports=("asyncio",) if needs_import else (),
    )
    return text, fix


def _self_contained(node: cst.For, calls) -> bool:
    """One statement awaiting one call that reads only the loop's own names and outer ones."""
    body = node.body
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    if len(statements) != 1 or len(calls) != 1:
        return False
    return not (statement_facts(statements[0]).targets & names_in(calls[0]))


def _collect_shape(node: cst.For, block):
    """For `for x in xs: results.append(await f(x))`: (results, the call, the `results = []`
    statement right before the loop or None)."""
    body = node.body
    if not isinstance(body, cst.IndentedBlock) or len(body.body) != 1 or node.leading_lines and any(
        line.comment for line in node.leading_lines
    ):
        return None
    line = body.body[0]
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or not isinstance(line.body[0], cst.Expr):
        return None
    if line.trailing_whitespace.comment is not None or any(empty.comment for empty in line.leading_lines):
        return None
    call = line.body[0].value
    if not (
        isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "append"
        and isinstance(call.func.value, cst.Name) and len(call.args) == 1 and call.args[0].keyword is None
        and not call.args[0].star and isinstance(call.args[0].value, cst.Await) and not call.args[0].value.lpar
    ):
        return None
    results = call.func.value.value
    return results, call.args[0].value.expression, _empty_list_before(node, block, results)


def _empty_list_before(node: cst.For, block, results: str):
    """The `results = []` line right before the loop in its block, or None."""
    body = list(getattr(block, "body", ()))
    index = next((i for i, s in enumerate(body) if s is node), 0)
    previous = body[index - 1] if index > 0 else None
    if not isinstance(previous, cst.SimpleStatementLine) or len(previous.body) != 1:
        return None
    small = previous.body[0]
    if previous.trailing_whitespace.comment is not None or not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return None
    target, value = small.targets[0].target, small.value
    if isinstance(target, cst.Name) and target.value == results and isinstance(value, cst.List) and not value.elements:
        return previous
    return None
