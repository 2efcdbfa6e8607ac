"""`[tool.aiolint]` in pyproject.toml, merged with the command line (which wins).

The nearest pyproject.toml that has a `[tool.aiolint]` table, walking up from the
linted paths, is the configuration; its directory is the root that `exclude` and
`per-file-ignores` patterns are relative to.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from aiolint.core.settings import Settings, check_codes, parse_codes, settings_from_options

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older Pythons only
    import tomli as tomllib

# key -> what it means; README documents the same keys (a test keeps them in step).
KEYS: Dict[str, str] = {
    "select": "codes or prefixes to check (default: all)",
    "ignore": "codes or prefixes to skip",
    "per-file-ignores": "glob pattern -> codes or prefixes to skip in matching files",
    "blocking-calls": "AIO106: extra blocking calls (qualified names, optionally `=replacement`)",
    "exclude": "glob patterns of files and directories to skip, added to the built-in excludes",
    "respect-gitignore": "skip files that git ignores while searching directories (default true)",
    "target-version": "the Python version the code targets, e.g. \"3.11\"",
    "prefer-taskgroup": "AIO400: mention asyncio.TaskGroup as the structured alternative",
}
_SETTINGS_KEYS = ("select", "ignore", "blocking-calls", "target-version", "prefer-taskgroup")


class ConfigError(ValueError):
    """A configuration file or value aiolint cannot use; reported as a usage error."""


@dataclass(frozen=True)
class Config:
    settings: Settings
    path: Optional[Path] = None  # the pyproject.toml that was read, if any
    exclude: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    respect_gitignore: bool = True
    # Directories the patterns are relative to: the file's directory for its own
    # values, the working directory for command-line values.
    exclude_root: Path = field(default_factory=Path.cwd)
    per_file_ignores_root: Path = field(default_factory=Path.cwd)
    # Where each value came from: key -> the pyproject.toml's path or "command line".
    sources: Mapping[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------------- discovery
def _mentions_aiolint(path: Path) -> bool:
    try:
        return "aiolint" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _table(path: Path) -> Optional[dict]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    table = data.get("tool", {}).get("aiolint") if isinstance(data.get("tool"), dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.aiolint] must be a table")
    return table


def find_config(start: Path) -> Optional[Path]:
    """The nearest pyproject.toml with a [tool.aiolint] table, in `start` or above it."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        # Reading text first spares parsing every pyproject.toml on the way up.
        if candidate.is_file() and _mentions_aiolint(candidate) and _table(candidate) is not None:
            return candidate
    return None


def discovery_start(paths: Sequence[str], stdin_filename: Optional[str] = None) -> Path:
    """Where to start looking: the deepest directory holding every linted path."""
    names = [stdin_filename if p == "-" and stdin_filename else ("." if p == "-" else p) for p in paths]
    absolute = [os.path.abspath(name) for name in names] or [os.getcwd()]
    common = os.path.commonpath(absolute)
    return Path(common if os.path.isdir(common) else os.path.dirname(common))


# ------------------------------------------------------------------------- values
def _string_list(key: str, value: object, where: str) -> List[str]:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    raise ConfigError(f"{where}: {key} must be a list of strings")


def _per_file_ignores(value: object, where: str) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    """A table {pattern = [codes]} or flake8's form, a list/string of `pattern:codes` items."""
    pairs: List[Tuple[str, Tuple[str, ...]]] = []
    if isinstance(value, dict):
        for pattern, codes in value.items():
            listed = _string_list(f"per-file-ignores.{pattern!r}", codes, where)
            _check_codes(listed, f"{where}: per-file-ignores")
            pairs.append((pattern, parse_codes(listed)))
        return tuple(pairs)
    items = value.split() if isinstance(value, str) else _string_list("per-file-ignores", value, where)
    for item in items:
        pattern, sep, codes = item.rpartition(":")
        if not sep or not pattern:
            raise ConfigError(f"{where}: per-file-ignores item {item!r} is not 'pattern:CODES'")
        _check_codes([c for c in codes.split(",") if c.strip()], f"{where}: per-file-ignores")
        pairs.append((pattern, parse_codes(codes)))
    return tuple(pairs)


def _check_codes(items: Sequence[str], where: str) -> None:
    try:
        check_codes(items, where)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _bool(key: str, value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(f"{where}: {key} must be true or false")


def _normalise(table: Mapping[str, object], where: str) -> Dict[str, object]:
    values = {str(key).replace("_", "-"): value for key, value in table.items()}
    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(KEYS)}")
    if "target-version" in values and not isinstance(values["target-version"], str):
        # TOML reads 3.10 as the number 3.1: insist on a string.
        raise ConfigError(f'{where}: target-version must be a string, e.g. "3.11"')
    for key in ("select", "ignore", "blocking-calls", "exclude"):
        if key in values:
            values[key] = _string_list(key, values[key], where)
    for key in ("select", "ignore"):
        if key in values:
            _check_codes(values[key], f"{where}: {key}")
    for key in ("prefer-taskgroup", "respect-gitignore"):
        if key in values:
            values[key] = _bool(key, values[key], where)
    if "per-file-ignores" in values:
        values["per-file-ignores"] = _per_file_ignores(values["per-file-ignores"], where)
    return values


def resolve(
    paths: Sequence[str],
    overrides: Mapping[str, object],
    *,
    config_file: Optional[str] = None,
    isolated: bool = False,
    stdin_filename: Optional[str] = None,
) -> Config:
    """The configuration for one run: pyproject.toml's [tool.aiolint], then `overrides`.

    `overrides` holds command-line values by config key, only for flags that were given;
    each replaces the file's value for that key.
    """
    path: Optional[Path] = None
    values: Dict[str, object] = {}
    if config_file:
        path = Path(config_file)
        values = _normalise(_table(path) or {}, str(path))
    elif not isolated:
        path = find_config(discovery_start(paths, stdin_filename))
        if path is not None:
            values = _normalise(_table(path) or {}, str(path))
    given = _normalise(overrides, "command line")
    if "select" in given:
        # As in ruff: a selection on the command line starts afresh. The file's `select` is
        # replaced and its `ignore` no longer hides what the command line asked for;
        # `--ignore` given alongside still applies, and so do per-file-ignores.
        values.pop("ignore", None)
    sources = {key: str(path) for key in values}
    values.update(given)
    sources.update({key: "command line" for key in given})
    try:
        settings = settings_from_options(
            {k: v for k, v in values.items() if k in _SETTINGS_KEYS}, respect_noqa=True, report_syntax_errors=True
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    cwd = Path.cwd()
    file_root = path.resolve().parent if path is not None else cwd
    return Config(
        settings=settings,
        path=path,
        exclude=tuple(values.get("exclude", ())),
        per_file_ignores=tuple(values.get("per-file-ignores", ())),
        respect_gitignore=bool(values.get("respect-gitignore", True)),
        exclude_root=cwd if "exclude" in given else file_root,
        per_file_ignores_root=cwd if "per-file-ignores" in given else file_root,
        sources=sources,
    )
