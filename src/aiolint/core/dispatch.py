"""One traversal of one module by the triggered rules: each rule's visit/leave handlers are
called for the node classes it names, while the semantic model is kept in step with the walk."""
from __future__ import annotations

import traceback
from typing import Dict, List, Optional, Sequence, Tuple, Type

import libcst as cst

from aiolint.core.findings import Report
from aiolint.core.parse import describe, from_recursion
from aiolint.core.rule import Rule
from aiolint.core.settings import Settings
from aiolint.core.walk import walk
from aiolint.semantics import SemanticModel


# Comprehensions open a scope of their own; the walk emits no BODY event for them.
COMPREHENSIONS = frozenset((cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp))


class RuleRun:
    """The triggered rules over one module. A rule that raises is dropped with its reports;
    `failure` then says why, and the other rules go on."""

    def __init__(
        self, module: cst.Module, text: str, rules: Sequence[Type[Rule]], settings: Settings, project=None
    ):
        self.model = SemanticModel(module, text, project=project, top_level_async=settings.top_level_await)
        self.reports: List[Report] = []
        # id(report) -> the top-level statement the walk was in: `located` need not generate the
        # code above it.
        self.tops: Dict[int, cst.CSTNode] = {}
        self.failure: Optional[str] = None
        self.rules = [rule(self.model, settings, self._report) for rule in rules]
        self._index_handlers()

    def _report(self, report: Report) -> None:
        self.reports.append(report)
        ancestors = self.model.ancestors  # the module, the top-level statement, ... (not yet the visited node)
        self.tops[id(report)] = ancestors[1] if len(ancestors) > 1 else report.node

    def _index_handlers(self) -> None:
        visits: Dict[type, list] = {}
        leaves: Dict[type, list] = {}
        for rule in self.rules:
            for node_class, names in rule._visits.items():
                visits.setdefault(node_class, []).extend(getattr(rule, n) for n in names)
            for node_class, names in rule._leaves.items():
                leaves.setdefault(node_class, []).extend(getattr(rule, n) for n in names)
        self.visits: Dict[type, Tuple] = {k: tuple(v) for k, v in visits.items()}
        self.leaves: Dict[type, Tuple] = {k: tuple(v) for k, v in leaves.items()}

    def _call(self, handlers: tuple, node: cst.CSTNode) -> None:
        for handler in handlers:
            try:
                handler(node)
            except Exception as exc:  # a broken rule must not take the others down
                self._rule_failed(handler.__self__, exc)

    def _rule_failed(self, rule: Rule, exc: Exception) -> None:
        if rule not in self.rules:
            return
        self.rules.remove(rule)
        self.reports[:] = [r for r in self.reports if r.code != rule.code]
        if self.failure is None and from_recursion(exc):  # valid code, just deep
            self.failure = f"this file is nested too deeply for {rule.code} to analyse; {rule.code} did not check it"
        elif self.failure is None:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            self.failure = (
                f"internal error in {rule.code} ({describe(exc)} at "
                f"{where.filename.rsplit('/', 1)[-1]}:{where.lineno}); please report it"
            )
        self._index_handlers()

    def run(self) -> List[Report]:
        model = self.model
        push, pop = model.ancestors.append, model.ancestors.pop
        # By type, not isinstance(): LibCST's classes are ABCs, and isinstance() on them is slow.
        # The comprehension classes have no subclasses.
        comprehensions = COMPREHENSIONS

        def on_enter(node: cst.CSTNode) -> None:
            cls = type(node)
            handlers = self.visits.get(cls)  # self.visits changes when a rule fails
            if handlers:
                self._call(handlers, node)
            push(node)
            if cls in comprehensions:
                model.enter_scope(node)

        def on_leave(node: cst.CSTNode) -> None:
            cls = type(node)
            if cls in comprehensions:
                model.leave_scope(node)
            pop()
            handlers = self.leaves.get(cls)
            if handlers:
                self._call(handlers, node)

        walk(model.module, on_enter, on_leave, model.enter_scope, model.leave_scope)
        return self.reports
