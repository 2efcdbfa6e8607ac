from __future__ import annotations

import collections
from dataclasses import replace
from typing import Dict, List, Optional, Tuple

import libcst as cst

from aiolint.core.needs import Needs, Shape, Where
from aiolint.core.rule import BlockingCallRule, Rule, RuleDocs
from aiolint.rules import all_rules
from aiolint.rules._threads import to_thread_text
from aiolint.semantics import dotted_name, known
from aiolint.semantics.scopes import CLASS, COMPREHENSION, DEF, MODULE
from aiolint.core.walk import iter_nodes

# Decorators that leave a sync function a plain function run on call. Any other one may
# change that (sync_to_async, a thread-pool wrapper, property, contextmanager): silent.
_PLAIN_DECORATORS = known.TRANSPARENT_DECORATORS | {"functools.lru_cache", "functools.cache", "lru_cache", "cache"}


def _blocking_rules(settings) -> list:
    """AIO100-AIO106, AIO108, AIO109 (every BlockingCallRule), minus the ones the user explicitly ignores."""
    return [rule for rule in all_rules() if issubclass(rule, BlockingCallRule) and not _ignored(settings, rule.code)]


def _ignored(settings, code: str) -> bool:
    # `--select AIO107` alone must still see through helpers; `--ignore AIO103` means "open() is fine".
    ignored = max((len(p) for p in settings.ignore if code.startswith(p)), default=-1)
    selected = max((len(p) for p in settings.select if code.startswith(p)), default=-1)
    return ignored > selected


def _needs_or_anything(needs: Optional[Tuple[Needs, ...]]) -> Tuple[Needs, ...]:
    # A blocking rule that declares no needs (text triggers only) could match anything.
    return (Needs(Where.ANY),) if needs is None else needs


def _discard(finding) -> None:
    """Sink of the inner rules: AIO107 asks them what matches, it never reports their findings."""


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
            "`enrich() -> load_profile() -> requests.get()`. Passing a helper to a thread-pool "
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
        return tuple(
            replace(need, where=Where.SYNC, shapes=need.shapes | {Shape.ASYNC_CODE, Shape.CALLS_LOCAL_HELPER})
            for rule in _blocking_rules(settings)
            for need in _needs_or_anything(rule.needs_for(settings))
        )

    def __init__(self, model, settings, sink):
        super().__init__(model, settings, sink)
        self._matchers = [
            rule(model, settings, _discard)
            for rule in _blocking_rules(settings)
            if rule.is_triggered(model.source, settings)
        ]
        self._direct: Dict[int, str] = {}  # helper -> the first blocking call in its own body
        self._callers: Dict[int, List[Tuple[int, str]]] = collections.defaultdict(list)  # helper -> (caller, as called)
        self._async_calls: List[Tuple[cst.Call, int, str, str]] = []  # (call, helper, as called, async function)
        self._plain_cache: Dict[int, bool] = {}

    # ------------------------------------------------------------------ collect during the walk
    def visit_Call(self, node: cst.Call) -> None:
        model = self.model
        if model.in_async_context:
            target = self._helper(node.func)
            if target is not None:
                self._async_calls.append((node, id(target), dotted_name(node.func), model.function_name))
            return
        function = model.function
        if function is None or function.asynchronous is not None or not self._in_helper_body():
            return
        here = id(function)
        if here not in self._direct:
            for matcher in self._matchers:
                found = matcher.match(node)
                if found is not None:
                    self._direct[here] = f"{found.callee}()"
                    break
        target = self._helper(node.func)
        if target is not None and target is not function:
            self._callers[id(target)].append((here, dotted_name(node.func)))

    def _in_helper_body(self) -> bool:
        """Directly in a module-level def or a method (not a def nested in a function)."""
        for scope in reversed(self.model.scopes):
            if scope.kind != COMPREHENSION:
                return scope.parent is not None and scope.parent.kind in (MODULE, CLASS)
        return False

    def _helper(self, func: cst.BaseExpression) -> Optional[cst.FunctionDef]:
        """The sync helper a callee names: a module-level def, or `self.m`/`cls.m` of the enclosing class."""
        model = self.model
        target = None
        # Cheap checks first (module bindings, the first parameter's name), so that most calls
        # never make the model collect a function's bindings.
        if isinstance(func, cst.Name):
            defined = model.module_scope.bindings.get(func.value)
            if defined and len(defined) == 1 and defined[0].kind == DEF:
                found = model.lookup(func.value)
                if found is not None and found[0] is model.module_scope:
                    target = defined[0].value
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            function = model.function
            params = (function.params.posonly_params or function.params.params) if function is not None else ()
            if params and params[0].name.value == func.value.value:
                owner = model.enclosing_method(func.value.value)
                if owner is not None:
                    target = model.find_method(owner[0], func.attr.value)
        if isinstance(target, cst.FunctionDef) and target.asynchronous is None and self._plain(target):
            return target
        return None

    def _plain(self, function: cst.FunctionDef) -> bool:
        """Calling it runs its body now: no decorator that may wrap it, and not a generator."""
        cached = self._plain_cache.get(id(function))
        if cached is None:
            cached = all(_decorator_name(d) in _PLAIN_DECORATORS for d in function.decorators) and not any(
                isinstance(n, cst.Yield) for n in iter_nodes(function.body, into_scopes=False)
            )
            self._plain_cache[id(function)] = cached
        return cached

    # ------------------------------------------------------------------ resolve at the end
    def leave_Module(self, node: cst.Module) -> None:
        chains = self._chains()
        library = self.model.async_library
        for call, target, called, function in self._async_calls:
            chain = chains.get(target)
            if chain is None:
                continue
            self.report(
                call,
                chain=" -> ".join([f"{called}()", *chain]),
                function=function,
                helper=chain[-2][:-2] if len(chain) > 1 else called,
                replacement=to_thread_text(call, library, self.settings.target_version),
            )

    def _chains(self) -> Dict[int, List[str]]:
        """For every helper that blocks: the calls from it down to the blocking one.

        A breadth-first walk up the call graph from the functions that block directly,
        so each helper gets a shortest chain and cycles end (a helper is visited once).
        """
        chains = {helper: [call] for helper, call in self._direct.items()}
        queue = collections.deque(chains)
        while queue:
            callee = queue.popleft()
            for caller, called in self._callers.get(callee, ()):
                if caller not in chains:
                    chains[caller] = [f"{called}()", *chains[callee]]
                    queue.append(caller)
        return chains


def _decorator_name(decorator: cst.Decorator) -> Optional[str]:
    expr = decorator.decorator
    return dotted_name(expr.func if isinstance(expr, cst.Call) else expr)
