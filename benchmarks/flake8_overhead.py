"""What aiolint adds inside flake8, as CPU ratios from runs made side by side (issue 17's target).

    python benchmarks/flake8_overhead.py --bare /tmp/bare/bin/flake8 \
        --async /tmp/async/bin/flake8 --aiolint .venv/bin/flake8 \
        [--before /path/to/older/src | --before-flake8 /older/venv/bin/flake8] [--rounds 5] [starlette uvicorn]

Each round runs `flake8 --isolated -j1 --exit-zero` over the packages' source roots with: a flake8
without plugins (`--bare`), the one with aiolint (`--aiolint`: this checkout, and with `--before`
an older `src/` put first on PYTHONPATH in the same venv, or with `--before-flake8` the flake8 of a
venv where an older aiolint is installed: for a layout the current plugin entry point cannot load),
and with flake8-async (`--async`, only in
the first `--async-rounds` rounds: it is slow). The variants alternate inside a round, so load
changes hit them alike; each keeps its least CPU (user+sys of the child, os.wait4): noise only adds.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional

try:  # python -m benchmarks.flake8_overhead
    from benchmarks import corpus, measure
except ImportError:  # python benchmarks/flake8_overhead.py
    import corpus
    import measure


def _root(path: Path) -> Path:
    children = [c for c in path.iterdir() if c.is_dir()]
    return children[0] if len(children) == 1 else path


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", default=["starlette", "uvicorn"])
    parser.add_argument("--bare", required=True, help="flake8 of a venv without plugins")
    parser.add_argument("--aiolint", required=True, help="flake8 of a venv with this aiolint installed")
    parser.add_argument("--before", help="an older aiolint src/ dir, run in the --aiolint venv for comparison")
    parser.add_argument("--before-flake8", help="flake8 of a venv with an older aiolint installed (not --before)")
    parser.add_argument(
        "--no-index", action="store_true",
        help="also the --aiolint flake8 with AIOLINT_NO_PROJECT_INDEX=1: what the project index adds",
    )
    parser.add_argument("--async", dest="async_", help="flake8 of a venv with flake8-async")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--async-rounds", type=int, default=1)
    parser.add_argument("--select", default="", help="e.g. AIO: passed to every variant as --select")
    parser.add_argument(
        "--plugin-select", default="",
        help="e.g. AIO: --select for the plugin variants only (issue 17: `flake8 -j1 --select AIO` vs `flake8 -j1`)",
    )
    args = parser.parse_args(argv)
    paths = [str(_root(p)) for p in corpus.ensure(args.packages).values()]
    flags = ["--isolated", "-j1", "--exit-zero"] + ([f"--select={args.select}"] if args.select else [])
    plain = measure.plain_env()
    plugin = [f"--select={args.plugin_select}"] if args.plugin_select else []
    variants = [("bare", args.bare, plain, []), ("aiolint", args.aiolint, plain, plugin)]
    if args.before:
        before = dict(plain, PYTHONPATH=args.before)
        variants.append(("before", args.aiolint, before, plugin))
    elif args.before_flake8:
        variants.append(("before", args.before_flake8, plain, plugin))
    if args.no_index:
        variants.append(("no-index", args.aiolint, dict(plain, AIOLINT_NO_PROJECT_INDEX="1"), plugin))
    if args.async_:
        variants.append(("flake8-async", args.async_, plain, ["--select=ASYNC"] if plugin else []))
    best: Dict[str, measure.Run] = {}
    for round_ in range(args.rounds):
        for label, flake8, env, extra in variants:
            if label == "flake8-async" and round_ >= args.async_rounds:
                continue
            run = measure.measure(label, [flake8, *flags, *extra, *paths], env=env)
            measure.check_ok(run)
            found = sum(run.codes().values())
            measure.log(f"round {round_ + 1} {label}: {run.cpu:.2f} s CPU, {found} findings")
            if label not in best or run.cpu < best[label].cpu:
                best[label] = run
    bare = best["bare"].cpu
    print(f"flake8 {' '.join(flags)} on {', '.join(args.packages)}; least CPU of {args.rounds} rounds"
          + (f"; plugin variants with --select {args.plugin_select} (flake8-async: --select ASYNC)" if plugin else ""))
    for label, run in best.items():
        codes = run.codes()
        own = sum(n for c, n in codes.items() if c.startswith(("AIO", "ASYNC")))
        added = run.cpu - bare
        print(
            f"  {label:13} {run.cpu:7.2f} s  added {added:+6.2f} s = {added / bare:5.3f}x flake8's own  "
            f"({own} plugin findings)"
        )
    if "flake8-async" in best:
        by_async = best["flake8-async"].cpu - bare
        for label in ("aiolint", "before"):
            if label in best:
                added = best[label].cpu - bare
                share = by_async / added if added > 0 else float("inf")
                print(f"  {label} added / flake8-async added: {added / by_async:.4f} (1/{share:.0f})")
    if "no-index" in best and best["no-index"].cpu > bare:
        grown = (best["aiolint"].cpu - bare) / (best["no-index"].cpu - bare) - 1
        print(f"  aiolint added / no-index added: {grown:+.1%}")
    if "before" in best:
        a, b = best["aiolint"], best["before"]
        grown = (a.cpu - bare) / (b.cpu - bare) - 1 if b.cpu > bare else float("inf")
        print(f"  aiolint added / before added: {grown:+.1%}")
        ours = sorted(line for line in a.output.splitlines() if " AIO" in line)
        same = ours == sorted(line for line in b.output.splitlines() if " AIO" in line)
        print(f"  aiolint findings identical to before: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
