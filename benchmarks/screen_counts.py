"""How loose each rule's needs are: for every file, the rules the pre-screen lets through to the
LibCST parse (and those the project index adds), and whether each of them then reports anything.

    python benchmarks/screen_counts.py                       # starlette + uvicorn (the flake8 workload)
    python benchmarks/screen_counts.py --files starlette     # also list the files each rule let through in vain

Per rule: files let through by the screen, by the project index, and files with a finding of that
rule. A rule with many files let through and few findings has loose needs (`core/needs.py`).
"""
from __future__ import annotations

import argparse
import collections
from pathlib import Path
from typing import List, Optional

from aiolint.core import pipeline as engine
from aiolint.core.settings import Settings
from aiolint.frontends.files import iter_python_files

try:  # python -m benchmarks.screen_counts
    from benchmarks import corpus
except ImportError:  # python benchmarks/screen_counts.py
    import corpus

SETTINGS = Settings()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", default=["starlette", "uvicorn"])
    parser.add_argument("--files", action="store_true", help="list the files each rule let through in vain")
    args = parser.parse_args(argv)
    roots = [str(root) for root in corpus.ensure(args.packages).values()]
    screened = collections.Counter()
    by_project = collections.Counter()
    found = collections.Counter()
    vain = collections.defaultdict(list)
    files = parsed = with_findings = 0
    for path in iter_python_files(roots):
        files += 1
        data = Path(path).read_bytes()
        try:
            text = engine.decode(data)
        except Exception:
            continue
        rules = engine.screened_rules(text, SETTINGS)
        every = engine.with_project_rules(rules, text, path, SETTINGS)
        if not every:
            continue
        parsed += 1
        try:
            findings = engine.analyse(data, SETTINGS, text, rules=every, path=path).findings
        except Exception:
            continue
        codes = {f.code for f in findings}
        with_findings += bool(codes)
        for rule in every:
            (screened if rule in rules else by_project)[rule.code] += 1
            if rule.code in codes:
                found[rule.code] += 1
            else:
                vain[rule.code].append(path)
    print(f"{files} files, {parsed} parsed with LibCST, {with_findings} with findings")
    print(f"{'rule':8} {'screen':>6} {'project':>7} {'found':>5}")
    for code in sorted(set(screened) | set(by_project)):
        print(f"{code:8} {screened[code]:6} {by_project[code]:7} {found[code]:5}")
        if args.files:
            for path in vain[code]:
                print(f"           {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
