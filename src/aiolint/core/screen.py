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


_NEWLINE = 10
_BACKSLASH = 92
# Categories, by whether "\n" belongs to them (anything not listed: assume it may).
_CATEGORY_HAS_NEWLINE = {
    name: has
    for names, has in (
        (("CATEGORY_SPACE", "CATEGORY_NOT_DIGIT", "CATEGORY_NOT_WORD", "CATEGORY_LINEBREAK"), True),
        (("CATEGORY_NOT_SPACE", "CATEGORY_DIGIT", "CATEGORY_WORD", "CATEGORY_NOT_LINEBREAK"), False),
    )
    for name in names
}
_ZERO_WIDTH_OK = {"AT_BEGINNING_LINE", "AT_END_LINE", "AT_BOUNDARY", "AT_NON_BOUNDARY"}


def _class_has_newline(items) -> bool:
    negate = False
    hit = False
    for op, av in items:
        if op is _sre.NEGATE:
            negate = True
        elif op is _sre.LITERAL:
            hit = hit or av == _NEWLINE
        elif op is _sre.RANGE:
            hit = hit or av[0] <= _NEWLINE <= av[1]
        elif op is _sre.CATEGORY:
            hit = hit or _CATEGORY_HAS_NEWLINE.get(str(av), True)
        else:
            return True  # unknown member: assume the worst
    return hit != negate


def _line_local(items, flags: int) -> bool:
    r"""Can a match cross a line break only as a backslash continuation (a literal "\\\n")?

    Such a match lies within one logical line, so searching the logical lines around the
    required literals finds it. Zero-width checks must not tell the window's edges from line
    breaks: only ^ $ (with MULTILINE) and \b \B are allowed; lookarounds are not.
    """
    previous = None
    for op, av in items:
        if op is _sre.LITERAL:
            if av == _NEWLINE and previous != (_sre.LITERAL, _BACKSLASH):
                return False
        elif op is _sre.NOT_LITERAL:
            if av != _NEWLINE:
                return False
        elif op is _sre.ANY:
            if flags & re.DOTALL:
                return False
        elif op is _sre.IN:
            if _class_has_newline(av):
                return False
        elif op is _sre.AT:
            name = str(av)
            if name in ("AT_BEGINNING", "AT_END"):
                if not flags & re.MULTILINE:
                    return False
            elif name not in _ZERO_WIDTH_OK:
                return False
        elif op is _sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if not _line_local(sub, (flags | add_flags) & ~del_flags):
                return False
        elif op is _sre.BRANCH:
            if not all(_line_local(branch, flags) for branch in av[1]):
                return False
        elif op in _REPEATS:
            if not _line_local(av[2], flags):
                return False
        elif _ATOMIC is not None and op is _ATOMIC:
            if not _line_local(av, flags):
                return False
        elif op is _sre.GROUPREF:
            pass  # repeats what a group matched, and the group is checked itself
        else:
            return False  # lookarounds, conditionals, anything new: not line-local
        previous = (op, av)
    return True


_line_local_cache: Dict[Pattern[str], bool] = {}


def line_local(pattern: Pattern[str]) -> bool:
    found = _line_local_cache.get(pattern)
    if found is None:
        try:
            found = isinstance(pattern.pattern, str) and _line_local(
                _sre_parse.parse(pattern.pattern, pattern.flags), pattern.flags
            )
        except Exception:
            found = False
        _line_local_cache[pattern] = found
    return found


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
        required = required_literals(pattern)
        for literals in required:
            if not any(literal in text for literal in literals):
                hit = False
                break
        else:
            if required and line_local(pattern):
                # Around the set with the fewest occurrences in this text: fewest windows.
                rarest = min(required, key=lambda literals: sum(text.count(literal) for literal in literals))
                hit = _search_around(pattern, text, rarest)
            else:
                hit = pattern.search(text) is not None
        results[pattern] = hit
    return hit


# More occurrences than this: one pass over the whole text is cheaper than many small ones.
_MAX_WINDOWS = 200


def _search_around(pattern: Pattern[str], text: str, literals: FrozenSet[str]) -> bool:
    """Search only the logical lines that hold one of `literals` (every match holds one).

    For line-local patterns (see `_line_local`) on patterns like `imports(...)`, whose
    leading `(?:^|[;:])` gives `re` no literal to skip ahead by.
    """
    starts = []
    for literal in literals:
        at = text.find(literal)
        while at != -1:
            starts.append(at)
            if len(starts) > _MAX_WINDOWS:
                return pattern.search(text) is not None
            at = text.find(literal, at + 1)
    searched_to = -1
    for at in sorted(starts):
        if at < searched_to:
            continue  # inside a logical line already searched
        begin = text.rfind("\n", 0, at) + 1
        while begin >= 2 and text[begin - 2] == "\\":  # the line before continues into this one
            begin = text.rfind("\n", 0, begin - 1) + 1
        end = text.find("\n", at)
        while end != -1 and end >= 1 and text[end - 1] == "\\":
            end = text.find("\n", end + 1)
        if end == -1:
            end = len(text)
        if pattern.search(text, begin, end) is not None:
            return True
        searched_to = end
    return False
