"""Never crash, never corrupt: run check and fix over CPython's stdlib and the pinned corpus.

    python benchmarks/verify_corpus.py                  # stdlib + corpus (without homeassistant)
    python benchmarks/verify_corpus.py --all            # with homeassistant
    python benchmarks/verify_corpus.py --no-stdlib starlette fastapi
    python benchmarks/verify_corpus.py --no-cli         # skip the CLI subprocess runs
    python benchmarks/verify_corpus.py --json out.json  # figures and failures as JSON

The checks are `aiolint.fixes.verify`, the oracle the tests use too; this script picks the
roots and writes the figures. Two parts. The CLI part runs `aiolint check` and `aiolint fix
--unsafe-fixes --diff` on every root in a subprocess: no traceback may appear, and the exit
codes must be 0, 1 or 2. The verification part lints each file in this process, applies every
fix (safe and unsafe) and checks:

- AIO000 only where LibCST itself rejects the file;
- the fixed file parses (LibCST), and compiles if the original did (catches an `await` put in a
  sync function); `compile` only builds a code object, nothing is run;
- a second fix changes nothing;
- every original line outside the spans of the nodes the fixes replaced is kept, in order
  (added `import x` lines aside);
- per code, the findings that were fixed are gone on re-check;
- the CLI's `fix` on a copy of the changed files writes exactly the bytes fix_source produced.

Exit status 1 if anything failed. Nothing from the linted code is imported or executed.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

from aiolint.fixes import verify

try:  # python -m benchmarks.verify_corpus, or imported
    from benchmarks import corpus
except ImportError:  # python benchmarks/verify_corpus.py: this directory is on sys.path
    import corpus

DEFAULT = [name for name in corpus.PINNED if name != "homeassistant"]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", help=f"default: {', '.join(DEFAULT)}")
    parser.add_argument("--all", action="store_true", help="include homeassistant (large)")
    parser.add_argument("--no-stdlib", action="store_true", help="skip CPython's standard library")
    parser.add_argument("--no-corpus", action="store_true", help="skip the pinned packages")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI subprocess runs")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="worker processes for the CLI runs")
    parser.add_argument("--json", metavar="FILE", help="also write figures and failures as JSON")
    parser.add_argument(
        "--results", metavar="FILE", help="also write the figures as the 'robustness' section of FILE (results.md)"
    )
    args = parser.parse_args(argv)

    roots: Dict[str, Path] = {}
    if not args.no_stdlib:
        roots["cpython-stdlib"] = verify.stdlib_root()
    if not args.no_corpus:
        roots.update(corpus.ensure(args.packages or (list(corpus.PINNED) if args.all else DEFAULT)))

    figures = verify.verify(list(roots.values()), cli=not args.no_cli, jobs=args.jobs)
    print(verify.report(figures))
    if args.results:
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        corpus.write_section(
            Path(args.results),
            "robustness",
            f"## Robustness: check and fix over the stdlib and the corpus\n\n"
            f"Written by `python benchmarks/verify_corpus.py {' '.join(argv if argv is not None else sys.argv[1:])}` "
            f"on {stamp}.\n\n```\n{verify.report(figures).rstrip()}\n```\n",
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "roots": {name: str(root) for name, root in roots.items()},
                    "files": figures.files,
                    "lines": figures.lines,
                    "findings": dict(figures.findings),
                    "aio000_causes": dict(figures.aio000_causes),
                    "aio000_files": figures.aio000_files,
                    "files_fixed": figures.files_fixed,
                    "fixes_applied": dict(figures.fixes_applied),
                    "introduced": dict(figures.introduced),
                    "cli": figures.cli,
                    "failures": figures.failures,
                    "seconds": round(figures.seconds, 1),
                },
                indent=2,
            )
        )
    return 1 if figures.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
