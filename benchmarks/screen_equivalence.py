"""The pre-screen never hides a finding: lint every file of the pinned corpus and the stdlib with the
screen (as `aiolint check` does) and without it (every enabled rule on every file), and compare.

    python benchmarks/screen_equivalence.py            # corpus + stdlib, 2 processes
    python benchmarks/screen_equivalence.py --jobs 1 starlette uvicorn

Prints the counts, every difference, and how many files each way parsed with LibCST.
"""
from __future__ import annotations

import argparse
import sysconfig
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import List, Optional, Tuple

from aiolint.core import pipeline as engine
from aiolint.core.settings import Settings
from aiolint.frontends.files import iter_python_files

try:  # python -m benchmarks.screen_equivalence, or imported
    from benchmarks import corpus
except ImportError:  # python benchmarks/screen_equivalence.py: this directory is on sys.path
    import corpus

SETTINGS = Settings()


def compare(path: str) -> Tuple[str, int, bool, Optional[str]]:
    """(path, findings, parsed by the screened run, difference or None)."""
    data = Path(path).read_bytes()
    screened = [f.plain() for f in engine.lint(data, path, SETTINGS)]
    try:
        text = engine.decode(data)
        parsed = bool(engine.screened_rules(text, SETTINGS))
        # The same path, so that both runs see the rest of the project (`rules` skips only the screen).
        every = [
            f.plain() for f in engine.analyse(data, SETTINGS, rules=engine.enabled_rules(SETTINGS), path=path).findings
        ]
    except Exception:  # what the parser rejects: lint reported it as AIO000 either way
        return path, len(screened), True, None
    if screened != every:
        only_every = [f"{f.line}:{f.col} {f.code}" for f in every if f not in screened]
        only_screened = [f"{f.line}:{f.col} {f.code}" for f in screened if f not in every]
        return path, len(screened), parsed, f"hidden by the screen: {only_every}; only with it: {only_screened}"
    return path, len(screened), parsed, None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", help="default: every pinned package, and the stdlib")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    roots = [str(root) for root in corpus.ensure(args.packages or list(corpus.PINNED)).values()]
    if not args.packages:
        roots.append(sysconfig.get_paths()["stdlib"])
    files = list(iter_python_files(roots))
    differences = findings = parsed = 0
    with ProcessPoolExecutor(args.jobs) as pool:
        for path, count, was_parsed, difference in pool.map(compare, files, chunksize=16):
            findings += count
            parsed += was_parsed
            if difference:
                differences += 1
                print(f"{path}: {difference}")
    print(f"{len(files)} files, {findings} findings, {parsed} parsed with the screen; differences: {differences}")
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
