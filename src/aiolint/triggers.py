"""Fast evaluation of rule triggers (the text pre-check that decides whether a file is parsed).

Two things make the pre-check cheap without changing a single answer:

- A regex only runs on a text that contains one of its *required literals*: strings
  that every match must contain, read off the compiled pattern's syntax tree
  (`imports("time")` requires "time"; `create_task|ensure_future` requires one of
  the two). `str.__contains__` scans a text several times faster than `re.search`
  fails on it, and most files lack most literals.
- Results are remembered for the text being checked, so a pattern shared by many
  rules (ASYNC_DEF, `imports("asyncio")`) is searched once per file.

Every trigger pattern goes through `search`, whoever asks (the engine, a rule's own
`is_triggered`, AIO107 asking the blocking rules).
"""
from __future__ import annotations

import re
import threading
from typing import Dict, FrozenSet, List, Optional, Pattern, Tuple

try:  # the parser behind `re.compile`; its module name changed in 3.11
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_REPEATS = tuple(
    getattr(_sre, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_sre, name)
)
_ATOMIC = getattr(_sre, "ATOMIC_GROUP", None)


def _rank(literals: FrozenSet[str]) -> tuple:
    # Longer strings are rarer; fewer alternatives are fewer scans.
    return (min(map(len, literals)), -len(literals))


def _usable(candidates: List[FrozenSet[str]]) -> List[FrozenSet[str]]:
    return sorted((c for c in candidates if c and all(c)), key=_rank, reverse=True)


def _best(candidates: List[FrozenSet[str]]) -> Optional[FrozenSet[str]]:
    usable = _usable(candidates)
    return usable[0] if usable else None


def _required(items, every: bool = False):
    """A set of strings one of which occurs in every match of the parsed sequence `items`, or None.

    With every=True: all such sets found (each must be satisfied), best first.
    """
    candidates: List[FrozenSet[str]] = []
    run: List[str] = []
    for op, av in items:
        if op is _sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            candidates.append(frozenset(["".join(run)]))
            run = []
        found: Optional[FrozenSet[str]] = None
        if op is _sre.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if not add_flags & _sre.SRE_FLAG_IGNORECASE:
                found = _required(sub)
        elif op is _sre.BRANCH:
            alternatives = [_required(branch) for branch in av[1]]
            if alternatives and all(alternatives):
                found = frozenset().union(*alternatives)  # type: ignore[arg-type]
        elif op in _REPEATS:
            low, _high, sub = av
            if low >= 1:
                found = _required(sub)
        elif _ATOMIC is not None and op is _ATOMIC:
            found = _required(av)
        # Anything else (classes, anchors, lookarounds, backreferences, ...) requires no literal we
        # can name, and it breaks a literal run: the literals around it are not adjacent.
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset(["".join(run)]))
    return _usable(candidates) if every else _best(candidates)


_literals: Dict[Pattern[str], Tuple[FrozenSet[str], ...]] = {}


def required_literals(pattern: Pattern[str]) -> Tuple[FrozenSet[str], ...]:
    """Sets of strings such that every match of `pattern` contains a member of each set."""
    try:
        return _literals[pattern]
    except KeyError:
        pass
    found: Tuple[FrozenSet[str], ...] = ()
    if isinstance(pattern.pattern, str) and not pattern.flags & re.IGNORECASE:
        try:
            found = tuple(_required(_sre_parse.parse(pattern.pattern, pattern.flags), every=True))
        except Exception:  # an unexpected parser shape: no pre-filter, the regex decides alone
            found = ()
    _literals[pattern] = found
    return found


class _Memo(threading.local):
    text: Optional[str] = None
    results: Dict[Pattern[str], bool] = {}


_memo = _Memo()


def search(pattern: Pattern[str], text: str) -> bool:
    """`bool(pattern.search(text))`, faster."""
    memo = _memo
    if memo.text is not text:  # identity: the memo holds the text, so its id cannot be reused
        memo.text, memo.results = text, {}
    results = memo.results
    hit = results.get(pattern)
    if hit is None:
        for literals in required_literals(pattern):
            if not any(literal in text for literal in literals):
                hit = False
                break
        else:
            hit = pattern.search(text) is not None
        results[pattern] = hit
    return hit
