"""flake8 front end: adapts the engine to flake8's plugin protocol, nothing more.

flake8 classifies a plugin by its first parameter: we take `tree`, Python's `ast` of the file,
for the pre-screen (no second parse to decide that a file has nothing to find), and lint the
text (`lines`), since LibCST needs the source.
"""
from __future__ import annotations

import gc
from typing import Any, ClassVar, Generator, List, Tuple

from aiolint import __version__
from aiolint.core.pipeline import lint
from aiolint.core.settings import DEFAULT_SETTINGS, Settings, parse_blocking_calls, parse_version


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
