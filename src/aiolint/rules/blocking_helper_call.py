from __future__ import annotations

import collections
from dataclasses import replace
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

import libcst as cst

from aiolint.core.needs import Needs, Shape, Where
from aiolint.core.rule import BlockingCallRule, Rule, RuleDocs
from aiolint.rules import all_rules
from aiolint.rules._threads import to_thread_text
from aiolint.semantics import dotted_name, library
from aiolint.semantics.guards import NO_GUARDS, Guards


Hops = List[Tuple[str, Optional[str]]]  # (shown, helper name or None), from a helper down to the blocking call


def _blocking_rules(settings) -> list:
    """AIO100-AIO106, AIO108, AIO109 (every BlockingCallRule), minus the ones the user explicitly ignores."""
    return [rule for rule in all_rules() if issubclass(rule, BlockingCallRule) and not _ignored(settings, rule.code)]


def _ignored(settings, code: str) -> bool:
    # `--select AIO107` alone must still see through helpers; `--ignore AIO103` means "open() is fine".
    ignored = max((len(p) for p in settings.ignore if code.startswith(p)), default=-1)
    selected = max((len(p) for p in settings.select if code.startswith(p)), default=-1)
    return ignored > selected


@lru_cache(maxsize=32)
def _helper_needs(settings) -> Tuple[Needs, ...]:
    return tuple(
        replace(need, where=Where.SYNC, shapes=need.shapes | {Shape.ASYNC_CODE, Shape.CALLS_LOCAL_HELPER})
        for rule in _blocking_rules(settings)
        for need in _needs_or_anything(rule.needs_for(settings))
    )


def _needs_or_anything(needs: Optional[Tuple[Needs, ...]]) -> Tuple[Needs, ...]:
    # A blocking rule that declares no needs (text triggers only) could match anything.
    return (Needs(Where.ANY),) if needs is None else needs


def _discard(finding) -> None:
    """Sink of the inner rules: AIO107 asks them what matches, it never reports their findings."""


_CONSTRUCTED = (
    "{chain} blocks the event loop in async function '{function}'; move the blocking work out of "
    "{cls}.__init__(), or use {replacement}"
)


class BlockingHelperCall(Rule):
    code = "AIO107"
    name = "blocking-helper-call"
    message = (
        "{chain} blocks the event loop in async function '{function}'; make {helper}() async, or use {replacement}"
    )
    docs = RuleDocs(
        what=(
            "Checks for calls, in async functions, of sync functions of the same module (or "
            "methods of the enclosing class reached as `self.m()`/`cls.m()`) that block: directly, "
            "with a call AIO100-AIO106, AIO108 or AIO109 would report in async code, or through other such "
            "functions. The message names the chain, e.g. "
            "`enrich() -> load_profile() -> requests.get()`. Helpers in the project's other modules "
            "(read, never imported) and methods of project classes reached through attributes "
            "(`self.db.add_user()`) count too; their hops carry file:line, e.g. "
            "`db.add_user() -> Database.add_user() (bot/db.py:11) -> sqlite3.Cursor.execute() "
            "(bot/db.py:12)`. Constructing a project class runs its own `__init__`: `Database()` is "
            "reported when that blocks (an inherited `__init__`, or one that blocks only under "
            "`if param:`, is not followed). Passing a helper to a thread-pool "
            "runner (`asyncio.to_thread(load_profile, user)`) is fine and not reported."
        ),
        why=(
            "A blocking call hidden one or two functions down stops the event loop just as "
            "surely as one written in the async function itself, and is much easier to miss in "
            "review."
        ),
        example=(
            "import requests\n\n"
            "def load_profile(user):\n"
            "    return requests.get(f'https://api.example/{user}').json()\n\n"
            "async def enrich(user):\n"
            "    return load_profile(user)\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "import requests\n\n"
            "def load_profile(user):\n"
            "    return requests.get(f'https://api.example/{user}').json()\n\n"
            "async def enrich(user):\n"
            "    return await asyncio.to_thread(load_profile, user)\n"
        ),
    )

    @classmethod
    def needs_for(cls, settings) -> Tuple[Needs, ...]:
        """What a blocking rule needs, met in a sync def, in a file that has async code."""
        try:
            return _helper_needs(settings)  # asked several times per file: built once per settings
        except TypeError:  # settings that cannot be hashed
            return _helper_needs.__wrapped__(settings)

    def __init__(self, model, settings, sink):
        super().__init__(model, settings, sink)
        self._matchers = [
            rule(model, settings, _discard)
            for rule in _blocking_rules(settings)
            if rule.is_triggered(model.source, settings)
        ]
        self._codes = {rule.code for rule in _blocking_rules(settings)}
        # helper -> the first blocking call in its own body, as hops [(shown, helper name or None)],
        # with the parameters it runs only if set (`if host and port:`): the guards all its blocking calls share
        self._direct: Dict[int, Tuple[Hops, Guards]] = {}
        self._functions: Dict[int, cst.FunctionDef] = {}
        # helper -> (caller, as called, the call, the parameters of the caller that the call runs only if set)
        self._callers: Dict[int, List[Tuple[int, str, cst.Call, Guards]]] = collections.defaultdict(list)
        # calls of a class whose `__init__` is followed (`Database()`): id(call)
        self._constructions: set = set()
        # (call, helper of this module, as called, async function, chain of a helper in another module)
        self._async_calls: List[Tuple[cst.Call, Optional[cst.FunctionDef], str, str, Optional[Hops]]] = []

    # ------------------------------------------------------------------ collect during the walk
    def visit_Call(self, node: cst.Call) -> None:
        model = self.model
        if model.in_async_context:
            target = self._helper(node)
            if isinstance(target, list):
                self._async_calls.append((node, None, _shown(node.func), model.function_name, target))
            elif target is not None:
                self._async_calls.append((node, target, _shown(node.func), model.function_name, None))
            return
        function = model.function
        if function is None or function.asynchronous is not None or not model.in_top_level_function:
            return
        here = id(function)
        self._functions[here] = function
        known = self._direct.get(here)
        if known is None or known[1]:  # none yet, or only one that runs under an `if`
            for matcher in self._matchers:
                found = matcher.match(node)
                if found is not None:
                    self._blocks(here, [(f"{found.callee}()", None)])
                    break
        target = self._helper(node)
        if isinstance(target, list):
            self._blocks(here, target)
        elif target is not None and target is not function:
            self._callers[id(target)].append((here, _shown(node.func), node, model.guarding_parameters()))

    def _blocks(self, here: int, hops: Hops) -> None:
        """A blocking call (or one of a helper in another module) in the body of the sync def `here`."""
        guarded = self.model.guarding_parameters()
        known = self._direct.get(here)
        if known is None or not guarded:
            self._direct[here] = (hops, guarded)
        elif known[1]:  # blocks if either `if` is taken: only the parameters both test guard it
            self._direct[here] = (known[0], known[1] & guarded)

    def _helper(self, call: cst.Call):
        """The sync helper a call runs: a def of this module (module level, `self.m`, a method of
        a typed receiver, a class's own `__init__`) as its FunctionDef; one of another project module
        as the hops of its chain down to the blocking call (each with file:line); None when it is
        neither or does not block. A call of a class is noted in `_constructions`."""
        func = call.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return None
        # Cheap checks first, so that most calls never make the model collect a function's bindings.
        if isinstance(func, cst.Name) and not self.model.bound_in_module(func.value):
            return None
        definition = self.model.definition(func)
        if definition is None:
            return None
        if definition.kind == "class":
            target = self._constructor(definition)
            if target is not None:
                self._constructions.add(id(call))
            return target
        if definition.kind != "function":
            return None
        if definition.node is not None:
            target = definition.node
            if target.asynchronous is None and self.model.is_plain_function(target):
                return target
            return None
        return self._project_hops(definition.summary)

    def _constructor(self, definition):
        """`Database()` runs the class's own `__init__` (an inherited one is not followed)."""
        if definition.node is not None:
            init = self.model.find_method(definition.node, "__init__", inherited=False)
            if init is not None and init.asynchronous is None and self.model.is_plain_function(init):
                return init
            return None
        summary = definition.summary
        if not summary.defines("__init__"):
            return None
        init = self.model.project.method(definition.module, summary.name, "__init__")
        hops = self._project_hops(init) if init is not None else None
        if hops:  # `Database.__init__() (db.py:5)` is no helper one could make async
            hops[0] = (hops[0][0], None)
        return hops

    def _project_hops(self, summary):
        if not summary.plain:
            return None
        chain = summary.blocks
        if not chain or not self._reported_code(chain):
            return None
        shown = self.model.project.shown
        hops = [(f"{summary.name}() ({shown(summary.path)}:{summary.line})", summary.name)]
        for index, (label, where, line) in enumerate(chain):
            last = index == len(chain) - 1
            hops.append((f"{label} ({where}:{line})", None if last else label[:-2]))
        return hops if hops else None

    def _reported_code(self, chain) -> bool:
        """The library call a chain ends in is one of the rules the user has not switched off."""
        label = chain[-1][0][:-2]
        code = library.BLOCKING_FUNCTIONS.get(label)
        if code is None:
            type_name, _, method = label.rpartition(".")
            found = library.blocking_method(type_name, method)
            code = found[0] if found else None
        return code in self._codes

    # ------------------------------------------------------------------ resolve at the end
    def leave_Module(self, node: cst.Module) -> None:
        chains = self._chains()
        library_name = self.model.async_library
        for call, target, called, function, hops in self._async_calls:
            chain = hops
            constructed = id(call) in self._constructions
            if target is not None:
                chain, guarded = chains.get(id(target), (None, NO_GUARDS))
                if chain is not None and guarded and (
                    constructed or self.model.guard_after_call(call, target, guarded) is None
                ):
                    continue  # `get_node(node_name=n)`: the blocking branch needs `host`, which stays None
            if chain is None:
                continue
            helpers = [name for _, name in chain if name]
            hops = [text for text, _ in chain]
            if constructed and target is not None:  # `Database() -> Database.__init__() -> sqlite3.connect()`
                hops.insert(0, _init_hop(called))
            if chain[0][1] != called:  # `db.add_user() -> Database.add_user() (db.py:11)`
                hops.insert(0, f"{called}()")
            replacement = to_thread_text(call, library_name, self.settings.target_version)
            if constructed and not helpers:
                self.report(
                    call, template=_CONSTRUCTED, chain=" -> ".join(hops), function=function,
                    cls=called.rpartition(".")[2], replacement=replacement,
                )
                continue
            self.report(
                call,
                chain=" -> ".join(hops),
                function=function,
                helper=helpers[-1] if helpers else called,
                replacement=replacement,
            )

    def _chains(self) -> Dict[int, Tuple[Hops, Guards]]:
        """For every helper that blocks: the calls from it down to the blocking one, and the
        parameters it blocks only if set.

        A breadth-first walk up the call graph from the functions that block directly, so each
        helper gets a shortest chain. A call that leaves a guarding parameter unset is no edge. A
        helper is visited again only when its guards shrink (a second route needs fewer of them),
        so cycles end.
        """
        chains = dict(self._direct)
        queue = collections.deque(chains)
        model = self.model
        while queue:
            callee = queue.popleft()
            hops, guarded = chains[callee]
            for caller, called, call, around in self._callers.get(callee, ()):
                constructed = id(call) in self._constructions
                if constructed and guarded:
                    continue  # an `__init__` that blocks only if set: the call's arguments are not mapped to it
                carried = (
                    model.guard_after_call(call, self._functions[callee], guarded, self._functions[caller])
                    if guarded else NO_GUARDS
                )
                if carried is None:
                    continue
                guarded_here = carried | around
                known = chains.get(caller)
                # `Database()` runs `Database.__init__()`, which is no helper one could make async.
                route = (
                    [(f"{called}()", None), (_init_hop(called), None), *hops]
                    if constructed else [(f"{called}()", called), *hops]
                )
                if known is None:
                    chains[caller] = (route, guarded_here)
                    queue.append(caller)
                elif known[1] - guarded_here:  # a route that needs fewer guards; with none, name it
                    hops_here = known[0] if guarded_here else route
                    chains[caller] = (hops_here, known[1] & guarded_here)
                    queue.append(caller)
        return chains


def _init_hop(called: str) -> str:
    """`models.Database` -> `Database.__init__()`: what constructing it runs."""
    return f"{called.rpartition('.')[2]}.__init__()"


def _shown(func: cst.BaseExpression) -> str:
    return dotted_name(func) or "<call>"
