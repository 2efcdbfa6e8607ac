"""flake8 front end: adapts the engine to flake8's plugin protocol, nothing more.

flake8 classifies a plugin by its first parameter: we take `tree`, Python's `ast` of the file,
for the pre-screen (no second parse to decide that a file has nothing to find), and lint the
text (`lines`), since LibCST needs the source.
"""
from __future__ import annotations

import argparse
import gc
import sys
from typing import Any, ClassVar, Generator, Iterable, List, Tuple

from aiolint import __version__
from aiolint.core.pipeline import lint
from aiolint.core.settings import (
    DEFAULT_SETTINGS,
    Settings,
    known_codes,
    parse_blocking_calls,
    parse_version,
    unknown_code_message,
)


class AiolintPlugin:
    name = "aiolint"
    version = __version__
    # Set by parse_options, which flake8 calls in the main process and, with -j, in every worker.
    settings: ClassVar[Settings] = DEFAULT_SETTINGS

    def __init__(self, tree: Any, filename: str, lines: List[str]):
        self.tree = tree  # flake8's `ast` tree: the pre-screen reads it instead of parsing again
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, parser: Any) -> None:
        parser.add_option(
            "--aio-blocking-calls",
            default="",
            parse_from_config=True,
            comma_separated_list=True,
            help="AIO106: extra blocking calls, as qualified names with optional '=replacement', "
            "comma separated; 'pkg.*' matches everything under pkg (e.g. legacy_sdk.*=legacy_sdk.aio)",
        )
        parser.add_option(
            "--aio-target-version",
            default="",
            parse_from_config=True,
            type=_target_version,
            help="Python version the code targets (e.g. 3.11); newer idioms are suggested from it",
        )
        parser.add_option(
            "--aio-prefer-taskgroup",
            default=False,
            action="store_true",
            parse_from_config=True,
            help="AIO400: mention asyncio.TaskGroup as the structured alternative to gather",
        )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        _check_aio_codes(options)
        # Everything imported so far (flake8, LibCST, the rules) lives as long as the process:
        # keep the cyclic GC from scanning it again at every collection while files are linted.
        gc.freeze()
        cls.settings = Settings(
            select=reported_codes(options),
            blocking_calls=parse_blocking_calls(options.aio_blocking_calls),
            target_version=parse_version(options.aio_target_version),
            prefer_taskgroup=bool(options.aio_prefer_taskgroup),
        )

    def run(self) -> Generator[Tuple[int, int, str, type], None, None]:
        for finding in lint("".join(self.lines), self.filename, self.settings, tree=self.tree):
            yield finding.line, finding.col - 1, f"{finding.code} {finding.message}", type(self)


def _target_version(value: str) -> str:
    """argparse `type` of --aio-target-version: a bad value is flake8's own usage error (argparse
    applies it to values from the config file too, as they become the option's default)."""
    try:
        parse_version(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


# flake8's own options that name codes; only the AIO ones are ours to check.
_CODE_OPTIONS = ("select", "extend_select", "ignore", "extend_ignore", "extend_default_select")


def _listed_codes(options: Any) -> Iterable[Tuple[str, str]]:
    for attr in _CODE_OPTIONS:
        for item in getattr(options, attr, None) or ():
            yield attr.replace("_", "-"), str(item)
    per_file = getattr(options, "per_file_ignores", "") or ""
    items = per_file.split() if isinstance(per_file, str) else list(per_file)
    for item in items:
        _, _, codes = str(item).rpartition(":")
        for code in codes.split(","):
            yield "per-file-ignores", code


def _check_aio_codes(options: Any) -> None:
    """`--select AIO9` or `aio101` would silently check nothing: stop as flake8 stops on a bad
    option (usage message on stderr, exit 2), naming the nearest code."""
    codes = known_codes()
    for option, item in _listed_codes(options):
        item = item.strip()
        if not item.upper().startswith("AIO"):
            continue
        message = unknown_code_message(item, codes)
        if message is not None:
            print(f"flake8: error: --{option}: {message}", file=sys.stderr)
            raise SystemExit(2)


def reported_codes(options: Any) -> Tuple[str, ...]:
    """The rules worth running: those whose codes flake8 would report. () means all of them.

    flake8 runs every plugin on every file and drops the codes its select/ignore
    settings exclude; a rule whose findings would all be dropped need not run (a
    file no remaining rule is triggered by is not even parsed). flake8's own
    DecisionEngine decides, so nothing the user sees changes. Per-file ignores only
    ever drop more. This only narrows `select`: rules that read `ignore` (AIO107:
    "--ignore AIO103 means open() is fine") see the user's settings as before.
    """
    from aiolint.rules import all_rules

    try:
        from flake8.style_guide import Decision, DecisionEngine

        decide = DecisionEngine(options).decision_for
        codes = [rule.code for rule in all_rules()]
        kept = tuple(code for code in codes if decide(code) == Decision.Selected)
    except Exception:  # another flake8, other options: run everything, as flake8 expects
        return ()
    if len(kept) == len(codes):
        return ()
    return kept or ("AIO000",)  # AIO000 is never a rule: selecting only it runs none
