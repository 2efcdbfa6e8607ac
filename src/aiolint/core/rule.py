"""The rule model: one rule is one class in its own module under `aiolint/rules/`.

A rule class carries, as data:
- `code`, `name`, `message` (a `str.format` template),
- `docs` (what it does, why it is bad, example, use instead, fix safety),
- `fix_availability` (the `Applicability` of the fixes it offers, or None),
- `needs` (`core/needs.py`): what a file must contain for the rule to have anything to
  report, as data (where it reports, which callees, which imports, which shapes); checked
  on the text, then on Python's `ast`, before any LibCST parse. Rules that declare no
  `needs` fall back to `triggers`: regular expressions that must *all* occur in a file's
  text for the rule to have anything to find. The engine never parses a file that no enabled
  rule is triggered by. A trigger must be a cheap over-approximation: the fixture
  tests run with triggers on, so a trigger that is too narrow fails them.

Detection is written as LibCST-style visitor methods, `visit_<Node>(self, node)` and
`leave_<Node>(self, node)`, where <Node> is a LibCST node class. The engine runs all
rules in one traversal and keeps `self.model` (the shared semantics) in step with it.
Rules report findings with `self.report(node, fix=..., **message_fields)`; they never
mutate the tree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, ClassVar, Dict, List, Optional, Pattern, Sequence, Tuple

import libcst as cst

from aiolint.core import screen as triggers
from aiolint.core.findings import SAFE, UNSAFE, Applicability, Fix, Replacement, Report
from aiolint.fixes.build import one_line
from aiolint.core.needs import Facts, Needs, text_may_meet

if TYPE_CHECKING:  # pragma: no cover
    from aiolint.semantics import SemanticModel
    from aiolint.core.settings import Settings


ASYNC_DEF = r"\basync\s+def\b"  # trigger: the file has async context at all


def imports(*modules: str) -> str:
    """Trigger regex: an `import`/`from` statement of one of `modules` (or a submodule).

    Rules that match by qualified name can only fire where the module is imported,
    so this is an exact pre-check for them (function-local imports included).
    """
    names = "|".join(re.escape(m) for m in modules)
    gap = r"(?:[ \t]|\\\n)"  # spaces, tabs, backslash continuations
    return rf"(?:^|[;:]){gap}*(?:import|from){gap}+(?:[\w.]+(?:{gap}+as{gap}+\w+)?{gap}*,{gap}*)*(?:{names})\b"


@dataclass(frozen=True)
class RuleDocs:
    what: str
    why: str
    example: str
    use_instead: str
    fix_safety: str = ""


class Rule:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    message: ClassVar[str] = ""
    docs: ClassVar[RuleDocs]
    fix_availability: ClassVar[Optional[Applicability]] = None
    triggers: ClassVar[Sequence[str]] = ()
    needs: ClassVar[Optional[Tuple[Needs, ...]]] = None

    # Filled in by __init_subclass__: LibCST node class -> handler method names.
    _visits: ClassVar[Dict[type, Tuple[str, ...]]] = {}
    _leaves: ClassVar[Dict[type, Tuple[str, ...]]] = {}
    _trigger_patterns: ClassVar[Tuple[Pattern[str], ...]] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        visits: Dict[type, List[str]] = {}
        leaves: Dict[type, List[str]] = {}
        for attr in dir(cls):
            for prefix, table in (("visit_", visits), ("leave_", leaves)):
                if attr.startswith(prefix) and callable(getattr(cls, attr)):
                    node_class = getattr(cst, attr[len(prefix):], None)
                    if not (isinstance(node_class, type) and issubclass(node_class, cst.CSTNode)):
                        raise TypeError(f"{cls.__name__}.{attr}: {attr[len(prefix):]} is not a LibCST node class")
                    table.setdefault(node_class, []).append(attr)
        cls._visits = {k: tuple(v) for k, v in visits.items()}
        cls._leaves = {k: tuple(v) for k, v in leaves.items()}
        cls._trigger_patterns = tuple(re.compile(t, re.MULTILINE) for t in cls.triggers)
        if cls.fix_availability is not None:  # a typo in a rule fails at import, not in a report
            cls.fix_availability = Applicability(cls.fix_availability)

    def __init__(self, model: "SemanticModel", settings: "Settings", sink: Callable[[Report], None]):
        self.model = model
        self.settings = settings
        self._sink = sink

    # ----------------------------------------------------------------- engine hooks
    @classmethod
    def needs_for(cls, settings: "Settings") -> Optional[Tuple[Needs, ...]]:
        """The rule's `needs` (a rule whose needs come from its settings overrides this)."""
        return cls.needs

    @classmethod
    def is_triggered(cls, text: str, settings: "Settings", seen: Optional[Dict[str, bool]] = None) -> bool:
        """Could this file hold a finding, judging by its text? Must never say no when the answer is yes.
        `seen`: which literals occur in `text`, shared by the rules asked about the same file."""
        needs = cls.needs_for(settings)
        if needs is not None:
            return text_may_meet(needs, text, seen)
        return all(triggers.search(pattern, text) for pattern in cls._trigger_patterns)

    @classmethod
    def is_screened_in(cls, facts: Facts, settings: "Settings") -> bool:
        """Could this file hold a finding, judging by its `ast` facts? (True for rules without `needs`.)"""
        needs = cls.needs_for(settings)
        return needs is None or any(facts.meets(need) for need in needs)

    # ----------------------------------------------------------------- for rule bodies
    def report(
        self, node: cst.CSTNode, fix: Optional[Fix] = None, *, template: Optional[str] = None, **fields: object
    ) -> None:
        """Report `node`; `template` words a second shape of the finding (default: `message`)."""
        message = (template or self.message).format(**fields)
        if "\n" in message or "\r" in message:
            # A message is one line, always (editors, reviewdog and grep read lines); code
            # shown in it goes through `fixes.build.snippet`, this only guards the contract.
            message = " ".join(message.split())
        self._sink(Report(self.code, self.name, message, node, fix))

    def code_of(self, node: cst.CSTNode) -> str:
        return self.model.module.code_for_node(node)

    def shown(self, node: cst.CSTNode, limit: int = 72) -> str:
        """A node's code as a message shows it: one line, shortened after a whole token
        (`fixes.build.one_line`, the one answer to "show this code in a message")."""
        return one_line(self.code_of(node), limit)

    def make_fix(
        self,
        description: str,
        replacements: Sequence[Tuple[cst.CSTNode, Replacement]],
        *,
        safe: bool,
        imports: Sequence[str] = (),
    ) -> Fix:
        return Fix(SAFE if safe else UNSAFE, description, tuple(replacements), tuple(imports))


@dataclass(frozen=True)
class Blocking:
    """What a blocking-call rule matched: for its own report and for AIO107's chains."""

    callee: str  # as shown in messages: "time.sleep", "s.get (requests.Session)"
    replacement: str  # what to write instead, shown at the end of the message
    fix: Optional[Fix] = None


class BlockingCallRule(Rule):
    """Base of AIO100-AIO106, AIO108, AIO109: a call that blocks, reported in async context.

    Subclasses implement `match(call)`; it must not depend on being in async
    context, because AIO107 also calls it on the bodies of sync helpers.
    """

    message = "{callee}() blocks the event loop in async function '{function}'; use {replacement}"

    def match(self, call: cst.Call) -> Optional[Blocking]:  # pragma: no cover - abstract
        raise NotImplementedError

    def visit_Call(self, node: cst.Call) -> None:
        if not self.model.in_async_context:
            return
        found = self.match(node)
        if found is not None:
            self.report(
                node,
                fix=found.fix,
                callee=found.callee,
                function=self.model.function_name,
                replacement=found.replacement,
            )
