"""Benchmark aiolint against its peers on the pinned real-world corpus; write results.md.

    .venv/bin/python benchmarks/bench.py --peers /tmp/aio_peers   # everything; writes results.md
    python benchmarks/bench.py                      # the same, peers installed from PyPI into .venvs/
    python benchmarks/bench.py --only flake8,ruff   # some sections
    python benchmarks/bench.py --quick              # no flake8-async run, scaling up to 100x
    python benchmarks/bench.py --output -           # print the Markdown instead of writing it

Sections (`--only`, comma separated):
  flake8      flake8 bare / + aiolint / + flake8-bugbear / + flake8-async, `-j1`, on starlette + uvicorn
  ruff        `ruff --isolated --select ASYNC,RUF006` on the same files, on Home Assistant, on all
  standalone  `aiolint check -j 2` on Home Assistant: cold, cold without the project index
              (AIOLINT_NO_PROJECT_INDEX=1), warm (cache), a cold plain ruff run, per-process and
              total RSS
  bigfile     one 56,000-line module: wall, CPU and peak RSS
  scaling     engine lines/s for 1x/10x/100x/1000x files sampled from the corpus (target 3)
  triggers    how many files each rule's text pre-check lets through to the LibCST parse
  profile     where the time of the in-flake8 workload goes (cProfile, top functions)

The parts: `measure.py` (venvs, the aiolint snapshot, running and measuring a child process),
`sections.py` (one function per section), `children/` (the programs sections run in a child).
Peers get their own virtualenvs under benchmarks/.venvs/ (created on first use, from PyPI), all with
the same flake8/pycodestyle/pyflakes; or, with `--peers VENV`, they come from one existing venv holding
flake8, flake8-async, flake8-bugbear and ruff (each flake8 variant sees only its own plugin: see
measure.PEER_DISTRIBUTIONS). aiolint runs from a snapshot of this checkout's src/ (every rule enabled).
The corpus comes from corpus.py (downloaded once). Every tool runs as a
child process; CPU is the child's user+sys time (os.wait4), RSS its peak, and for process trees the
peak of the summed RSS of the tree (sampled from /proc every 20 ms). Timings on a shared machine are
noisy: compare the ratios, which come from runs made side by side, and use --repeat (the minimum
over repeats is reported).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

try:  # python -m benchmarks.bench, or imported by the tests
    from benchmarks import corpus, measure, sections
except ImportError:  # python benchmarks/bench.py: this directory is on sys.path
    import corpus
    import measure
    import sections

HERE = measure.HERE
REPO = measure.REPO
SECTIONS = list(sections.SECTIONS)


def environment() -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "src"], cwd=REPO, capture_output=True, text=True)
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    import aiolint
    from aiolint.rules import all_rules

    return (
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; aiolint {aiolint.__version__} at "
        f"{commit.stdout.strip() or '?'}{' + uncommitted changes in src/' if dirty.stdout.strip() else ''}; "
        f"{len(all_rules())} rules ({', '.join(r.code for r in all_rules())})\n"
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}\n"
    )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"sections, comma separated: {', '.join(SECTIONS)}"
    )
    parser.add_argument("--skip", default="", help="sections to leave out")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each cheap variant (least CPU is kept)")
    parser.add_argument("--repeat-async", type=int, default=1, help="runs of flake8 + flake8-async (~60 s each)")
    parser.add_argument("--scaling-max", type=int, default=1000, choices=(1, 10, 100, 1000))
    parser.add_argument("--serial", action="store_true", help="also run standalone `--no-cache -j1` (slow)")
    parser.add_argument("--quick", action="store_true", help="no flake8-async, scaling to 100x, one repeat")
    parser.add_argument("--output", default=str(HERE / "results.md"), help="Markdown file, or - for stdout")
    parser.add_argument(
        "--peers", metavar="VENV", help="take flake8, flake8-async, flake8-bugbear and ruff from this venv "
        "instead of installing them into benchmarks/.venvs/"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.scaling_max = min(args.scaling_max, 100)
        args.repeat = 1
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    skipped = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = [s for s in wanted + sorted(skipped) if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    wanted = [s for s in SECTIONS if s in wanted and s not in skipped]

    measure.use_peers(args.peers)
    roots = {name: _source_root(path) for name, path in corpus.ensure().items()}
    args.snapshot = measure.snapshot()
    report = sections.Report()
    command = " ".join(["python benchmarks/bench.py", *(argv if argv is not None else sys.argv[1:])])
    header = (
        f"# aiolint benchmark\n\nWritten by `{command.strip()}` (run from the repository root, with the "
        "aiolint venv's python: `.venv/bin/python benchmarks/bench.py --peers /tmp/aio_peers` regenerates "
        "this whole file; sections and options: the docstring of benchmarks/bench.py).\n\n"
    )
    header += environment()
    started = time.perf_counter()
    try:
        for name in wanted:
            try:
                sections.SECTIONS[name](report, roots, args)
            except (Exception, SystemExit) as exc:  # one broken section must not lose the others
                measure.log(f"section {name} failed: {exc}")
                report.add(f"## Section `{name}` failed\n\n```\n{str(exc)[-2000:]}\n```\n\n")
                report.verdict(f"section `{name}`", "failed (see its section)", False)
    finally:
        shutil.rmtree(args.snapshot, ignore_errors=True)
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    header += (
        f"- load average at end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; whole run "
        f"{time.perf_counter() - started:.0f} s\n\n"
    )
    if report.verdicts:
        header += "## Targets\n\n| target | measured | |\n|---|---|---|\n" + "\n".join(report.verdicts) + "\n\n"
    text = header + "".join(report.parts)
    if args.output != "-":
        kept = corpus.kept_sections(Path(args.output))  # other scripts' sections (verify_corpus.py)
        text += f"\n{kept}" if kept else ""
    if args.output == "-":
        print(text)
    else:
        Path(args.output).write_text(text)
        measure.log(f"wrote {args.output}")
    return 0


def _source_root(path: Path) -> Path:
    """The directory an sdist extracted to (`<name>-<version>/`), not the wrapper around it."""
    children = [c for c in path.iterdir() if c.is_dir()]
    return children[0] if len(children) == 1 else path


if __name__ == "__main__":
    raise SystemExit(main())
