"""Settings shared by the engine, the flake8 plugin and the CLI."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Optional, Tuple


def parse_blocking_calls(value: "str | Iterable[str] | None") -> Tuple[Tuple[str, Optional[str]], ...]:
    """Parse `aio-blocking-calls`: comma-separated `qualified.name[=replacement]` items."""
    if not value:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    parsed = []
    for item in items:
        item = item.strip()
        if not item:
            continue
        name, sep, replacement = item.partition("=")
        parsed.append((name.strip(), replacement.strip() if sep and replacement.strip() else None))
    return tuple(parsed)


def parse_codes(value: "str | Iterable[str] | None") -> Tuple[str, ...]:
    if not value:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(code.strip().upper() for code in items if code.strip())


def known_codes() -> Tuple[str, ...]:
    """Every code a finding can carry: the rules' and AIO000."""
    from aiolint.rules import all_rules

    return ("AIO000",) + tuple(rule.code for rule in all_rules())


def unknown_code_message(item: str, codes: "Iterable[str] | None" = None) -> Optional[str]:
    """None when `item` is a code or prefix of a known code, as written (codes are upper case,
    as in ruff and flake8); else a one-line explanation with the nearest known code."""
    import difflib

    codes = tuple(codes) if codes is not None else known_codes()
    text = item.strip()
    if text and any(code.startswith(text) for code in codes):
        return None
    upper = text.upper()
    if upper and any(code.startswith(upper) for code in codes):
        guess = upper
    else:
        close = difflib.get_close_matches(upper, codes, n=1, cutoff=0.5)
        guess = close[0] if close else ""
    hint = f"; did you mean {guess}?" if guess else "; 'aiolint rules' lists the codes"
    return f"unknown rule code or prefix {text!r}{hint}"


def check_codes(items: "Iterable[str]", where: str) -> None:
    """Raise ValueError naming the first item that is no code or prefix of one."""
    codes = known_codes()
    for item in items:
        message = unknown_code_message(item, codes)
        if message is not None:
            raise ValueError(f"{where}: {message}")


def parse_version(value: "str | None") -> Optional[Tuple[int, int]]:
    """'3.11', 'py311' or '311' -> (3, 11)."""
    if not value:
        return None
    text = str(value).strip().lower()
    if text.startswith("py"):
        text = text[2:]
    if "." in text:
        major, _, minor = text.partition(".")
    else:
        major, minor = text[:1], text[1:]
    try:
        return (int(major), int(minor))
    except ValueError:
        raise ValueError(f"invalid Python version {value!r}; write it like 3.11") from None


@dataclass(frozen=True)
class Settings:
    # Code prefixes, as flake8 and ruff treat them: "AIO1" selects AIO100-AIO199.
    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    # AIO106: (qualified name or `prefix.*`, replacement or None)
    blocking_calls: Tuple[Tuple[str, Optional[str]], ...] = ()
    target_version: Optional[Tuple[int, int]] = None
    prefer_taskgroup: bool = False
    # The CLI honours `# noqa`; inside flake8, flake8 does it itself.
    respect_noqa: bool = False
    # Report files Python cannot parse even when no rule has anything to look at (the CLI;
    # inside flake8, pycodestyle's E999 does it).
    report_syntax_errors: bool = False
    # A notebook's cells: top-level `await` is allowed and the module level is async context.
    top_level_await: bool = False

    def is_enabled(self, code: str) -> bool:
        if code == "AIO000":
            return True
        selected = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        if self.select and selected < 0:
            return False
        ignored = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        # The more specific of select/ignore wins, as in flake8.
        return ignored < 0 or selected > ignored


DEFAULT_SETTINGS = Settings()


def settings_from_options(options: "dict[str, object]", **overrides: object) -> Settings:
    """Settings from option-style keys, as written in config files and fixture headers:
    select, ignore, blocking-calls, target-version, prefer-taskgroup (dashes or underscores)."""
    values = {key.replace("-", "_"): value for key, value in options.items()}
    known = {"select", "ignore", "blocking_calls", "target_version", "prefer_taskgroup"}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown aiolint option(s): {', '.join(sorted(unknown))}")
    prefer = values.get("prefer_taskgroup", False)
    settings = Settings(
        select=parse_codes(values.get("select")),
        ignore=parse_codes(values.get("ignore")),
        blocking_calls=parse_blocking_calls(values.get("blocking_calls")),
        target_version=parse_version(values.get("target_version")),
        prefer_taskgroup=prefer if isinstance(prefer, bool) else str(prefer).lower() in ("1", "true", "yes"),
    )
    return replace(settings, **overrides) if overrides else settings
