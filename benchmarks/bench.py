"""Benchmark aiolint against its peers on the pinned real-world corpus; write results.md.

    python benchmarks/bench.py                      # everything (~10 min on 2 busy cores)
    python benchmarks/bench.py --only flake8,ruff   # some sections
    python benchmarks/bench.py --quick              # no flake8-async run, scaling up to 100x
    python benchmarks/bench.py --output -           # print the Markdown instead of writing it

Sections (`--only`, comma separated):
  flake8      flake8 bare / + aiolint / + flake8-async, `-j1`, on starlette + uvicorn (target 1)
  ruff        `ruff --isolated --select ASYNC,RUF006` on the same files, on Home Assistant, on all
  standalone  `aiolint check` on Home Assistant: cold (all cores), warm (cache), per-process and
              total RSS (target 2)
  scaling     engine lines/s for 1x/10x/100x/1000x files sampled from the corpus (target 3)
  triggers    how many files each rule's text pre-check lets through to the LibCST parse
  profile     where the time of the in-flake8 workload goes (cProfile, top functions)

Peers get their own virtualenvs under benchmarks/.venvs/ (created on first use, from PyPI), all with
the same flake8/pycodestyle/pyflakes; the aiolint venv installs this checkout in editable mode, so it
measures the working tree. The corpus comes from corpus.py (downloaded once). Every tool runs as a
child process; CPU is the child's user+sys time (os.wait4), RSS its peak, and for process trees the
peak of the summed RSS of the tree (sampled from /proc every 20 ms). Timings on a shared machine are
noisy: compare the ratios, which come from runs made side by side, and use --repeat (the minimum
over repeats is reported).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENVS = HERE / ".venvs"
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402


def _libcst_version() -> str:
    from importlib.metadata import version

    return version("libcst")


FLAKE8_STACK = ["flake8==7.5.0", "pycodestyle==2.15.0", "pyflakes==4.1.0", "mccabe==0.7.0"]
VENV_SPECS: Dict[str, List[str]] = {
    "flake8": FLAKE8_STACK,
    # aiolint itself comes from the snapshot on PYTHONPATH (see `snapshot`); same LibCST as here.
    "flake8-aiolint": FLAKE8_STACK + [f"libcst=={_libcst_version()}"],
    "flake8-async": FLAKE8_STACK + ["flake8-async==26.8.1"],
    "ruff": ["ruff==0.17.5"],
}
FLAKE8_PACKAGES = ["starlette", "uvicorn"]
SECTIONS = ["flake8", "ruff", "standalone", "scaling", "triggers", "profile"]
TARGET_IN_FLAKE8 = 0.5  # aiolint's added CPU / flake8's own CPU
TARGET_VS_ASYNC = 1 / 20  # aiolint's added CPU / flake8-async's added CPU
TARGET_COLD_WALL, TARGET_WARM_WALL, TARGET_RSS_MB = 30.0, 1.5, 300.0
_FINDING = re.compile(r"^.+?:\d+:\d+: ([A-Z]+[0-9]+) ", re.MULTILINE)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- venvs
def venv_bin(name: str, tool: str) -> Path:
    return VENVS / name / "bin" / tool


def ensure_venv(name: str) -> Path:
    """Create (once) the venv `name`; recreated when its requirements change."""
    spec = VENV_SPECS[name]
    root = VENVS / name
    stamp = root / ".bench-spec"
    wanted = json.dumps(spec)
    if stamp.exists() and stamp.read_text() == wanted:
        return root
    log(f"creating venv {name}: {' '.join(spec)}")
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    pip = [str(root / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + spec, check=True)
    stamp.write_text(wanted)
    return root


def snapshot() -> Path:
    """A copy of src/aiolint (plus the metadata flake8 needs to find the plugin) to run from.

    Other people edit the working tree while the benchmark runs; every aiolint run of one
    benchmark must see the same code, or a warm cache run would meet a new fingerprint.
    """
    from importlib.metadata import distribution

    root = Path(tempfile.mkdtemp(prefix="aiolint-bench-src-"))
    shutil.copytree(REPO / "src" / "aiolint", root / "aiolint", ignore=shutil.ignore_patterns("__pycache__"))
    installed = distribution("aiolint")
    info = root / f"aiolint-{installed.version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: aiolint\nVersion: {installed.version}\n")
    (info / "entry_points.txt").write_text(installed.read_text("entry_points.txt") or "")
    return root


def aiolint_env(args: argparse.Namespace) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(args.snapshot) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def plain_env() -> dict:
    """For the peers: no aiolint on the path (flake8 would load it as a plugin)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


# ----------------------------------------------------------------------------- measuring
@dataclass
class Run:
    label: str
    cpu: float  # user + sys seconds of the process and the children it reaped
    wall: float
    rss_mb: float  # peak RSS of the largest single process
    tree_mb: float  # peak of the summed PSS of the process tree (sampled every 20 ms)
    returncode: int
    output: str = field(repr=False, default="")
    stderr: str = field(repr=False, default="")

    def codes(self) -> collections.Counter:
        return collections.Counter(_FINDING.findall(self.output))


def _descendants(pid: int) -> List[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            with open(f"/proc/{current}/task/{current}/children") as handle:
                stack.extend(int(c) for c in handle.read().split())
        except OSError:
            pass
    return found


def _tree_pss(pid: int) -> int:
    """Proportional set size of the process tree: pages shared after fork() count once in total."""
    total = 0
    for child in _descendants(pid):
        try:
            with open(f"/proc/{child}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, IndexError, ValueError):
            pass
    return total


def measure(label: str, command: Sequence[str], cwd: Optional[Path] = None, env: Optional[dict] = None) -> Run:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=out, stderr=err, cwd=cwd, env=env)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _tree_pss(process.pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            label,
            usage.ru_utime + usage.ru_stime,
            wall,
            usage.ru_maxrss / 1024,
            peak[0] / 2**20,
            process.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def best(runs: List[Run]) -> Run:
    """The run with the least CPU: on a shared machine, noise only ever adds time."""
    return min(runs, key=lambda r: r.cpu)


def count_lines(roots: Sequence[Path]) -> tuple:
    from aiolint.frontends.files import iter_python_files

    files = lines = 0
    for path in iter_python_files([str(r) for r in roots]):
        files += 1
        with open(path, "rb") as handle:
            lines += handle.read().count(b"\n")
    return files, lines


def _check_ok(run: Run, allowed=(0, 1)) -> None:
    if run.returncode not in allowed:
        raise SystemExit(f"{run.label} failed (exit {run.returncode}):\n{run.stderr[-3000:]}")


def _codes_cell(counter: collections.Counter, prefixes: Sequence[str] = ()) -> str:
    items = [(c, n) for c, n in sorted(counter.items()) if not prefixes or c.startswith(tuple(prefixes))]
    return ", ".join(f"{c} {n}" for c, n in items) or "none"


def _mb(value: float) -> str:
    return f"{value:.0f} MB"


# ----------------------------------------------------------------------------- sections
class Report:
    def __init__(self) -> None:
        self.parts: List[str] = []
        self.verdicts: List[str] = []

    def add(self, text: str) -> None:
        self.parts.append(text if text.endswith("\n") else text + "\n")

    def verdict(self, target: str, measured: str, ok: Optional[bool]) -> None:
        mark = "n/a" if ok is None else ("met" if ok else "**not met**")
        self.verdicts.append(f"| {target} | {measured} | {mark} |")


def section_flake8(report: Report, roots: Dict[str, Path], args: argparse.Namespace) -> None:
    paths = [str(roots[p]) for p in FLAKE8_PACKAGES]
    files, lines = count_lines([roots[p] for p in FLAKE8_PACKAGES])
    variants = [("flake8", "flake8 (bare)"), ("flake8-aiolint", "flake8 + aiolint")]
    if not args.quick:
        variants.append(("flake8-async", "flake8 + flake8-async"))
    for name, _ in variants:
        ensure_venv(name)
    runs: Dict[str, List[Run]] = collections.defaultdict(list)
    # Interleaved, so that load from other processes hits all variants alike.
    for round_ in range(args.repeat):
        for name, label in variants:
            if name == "flake8-async" and round_ >= args.repeat_async:
                continue
            log(f"flake8 round {round_ + 1}: {label}")
            command = [str(venv_bin(name, "flake8")), "--isolated", "-j1", "--exit-zero", *paths]
            run = measure(label, command, env=aiolint_env(args) if name == "flake8-aiolint" else plain_env())
            _check_ok(run, (0,))
            runs[name].append(run)
    chosen = {name: best(runs[name]) for name, _ in variants}
    bare = chosen["flake8"]
    report.add(
        f"## 1. Inside flake8 (`-j1`, {' + '.join(FLAKE8_PACKAGES)}: {files} files, {lines:,} lines)\n\n"
        f"`flake8 --isolated -j1` with the same flake8 {FLAKE8_STACK[0].split('==')[1]} stack in each venv; "
        f"least CPU of {args.repeat} interleaved runs"
        + (f" ({args.repeat_async} for flake8-async)" if not args.quick else "")
        + ".\n\n| run | CPU s | wall s | RSS | lines/s (CPU) | added CPU vs bare | plugin findings |\n"
        "|---|---:|---:|---:|---:|---:|---|"
    )
    for name, label in variants:
        run = chosen[name]
        added = run.cpu - bare.cpu
        codes = run.codes()
        plugin = _codes_cell(codes, ("AIO", "ASYNC")) if name != "flake8" else f"({sum(codes.values())} E/W/F/C)"
        all_cpu = ", ".join(f"{r.cpu:.2f}" for r in runs[name])
        report.add(
            f"| {label} | {run.cpu:.2f} ({all_cpu}) | {run.wall:.2f} | {_mb(run.rss_mb)} | {lines / run.cpu:,.0f} "
            f"| {'' if name == 'flake8' else f'{added:+.2f} s ({added / bare.cpu:.2f}x)'} | {plugin} |"
        )
    added_aiolint = chosen["flake8-aiolint"].cpu - bare.cpu
    ratio = added_aiolint / bare.cpu
    report.add("")
    report.verdict(
        f"aiolint adds ≤ {TARGET_IN_FLAKE8}x flake8's own CPU",
        f"{ratio:.2f}x ({added_aiolint:+.2f} s on {bare.cpu:.2f} s)",
        ratio <= TARGET_IN_FLAKE8,
    )
    if "flake8-async" in chosen:
        added_async = chosen["flake8-async"].cpu - bare.cpu
        vs = added_aiolint / added_async if added_async > 0 else float("inf")
        report.add(
            f"aiolint adds **{ratio:.2f}x** flake8's own CPU (target ≤ {TARGET_IN_FLAKE8}x) and "
            f"**1/{1 / vs if vs > 0 else float('inf'):.0f}** of what flake8-async adds "
            f"({added_async:+.2f} s; target ≤ 1/20).\n\n"
        )
        report.verdict(
            "aiolint adds ≤ 1/20 of flake8-async's added CPU", f"1/{1 / vs:.0f} ({vs:.3f})", vs <= TARGET_VS_ASYNC
        )
    else:
        report.add(f"aiolint adds **{ratio:.2f}x** flake8's own CPU (target ≤ {TARGET_IN_FLAKE8}x).\n\n")


def _aiolint_check_command(args: argparse.Namespace, extra: Sequence[str]) -> List[str]:
    command = [sys.executable, "-m", "aiolint", "check"]
    helptext = subprocess.run(command + ["--help"], capture_output=True, text=True, env=aiolint_env(args)).stdout
    # The corpus lives in a git-ignored directory, and the sdists carry their own configs.
    for flag in ("--no-respect-gitignore", "--isolated"):
        if flag in helptext:
            command.append(flag)
    return command + list(extra)


def section_ruff(report: Report, roots: Dict[str, Path], args: argparse.Namespace) -> None:
    ensure_venv("ruff")
    others = [name for name in roots if name not in FLAKE8_PACKAGES and name != "homeassistant"]
    # Home Assistant is compared in section 2 (it is the standalone workload); linting it twice costs minutes.
    sets = [
        (" + ".join(FLAKE8_PACKAGES), [roots[p] for p in FLAKE8_PACKAGES], True),
        (f"the other {len(others)} packages", [roots[p] for p in others], True),
        ("homeassistant", [roots["homeassistant"]], False),
    ]
    report.add(
        "## Ruff and standalone aiolint on the same files\n\n"
        "`ruff check --isolated --no-cache --select ASYNC,RUF006` (all cores) next to "
        "`aiolint check --no-cache` (all cores); aiolint on Home Assistant is in section 2.\n\n"
        "| files | tool | CPU s | wall s | peak memory (tree PSS) | lines/s (wall) | findings per code |\n"
        "|---|---|---:|---:|---:|---:|---|"
    )
    for title, paths, with_aiolint in sets:
        files, lines = count_lines(paths)
        log(f"ruff on {title}")
        ruff = measure(
            "ruff",
            [str(venv_bin("ruff", "ruff")), "check", "--isolated", "--no-cache", "--select", "ASYNC,RUF006",
             "--output-format", "concise", "--exit-zero", *map(str, paths)],
            env=plain_env(),
        )
        _check_ok(ruff, (0,))
        tools = [("ruff", ruff)]
        if with_aiolint:
            log(f"aiolint on {title}")
            command = _aiolint_check_command(args, ["--no-cache", *map(str, paths)])
            aio = measure("aiolint", command, env=aiolint_env(args))
            _check_ok(aio)
            tools.append(("aiolint", aio))
        for tool, run in tools:
            report.add(
                f"| {title} ({files} files, {lines:,} lines) | {tool} | {run.cpu:.2f} | {run.wall:.2f} "
                f"| {_mb(run.tree_mb)} | {lines / run.wall:,.0f} | {_codes_cell(run.codes())} |"
            )
    report.add("")


def section_standalone(report: Report, roots: Dict[str, Path], args: argparse.Namespace) -> None:
    root = roots["homeassistant"]
    files, lines = count_lines([root])
    cache_dir = Path(tempfile.mkdtemp(prefix="aiolint-bench-cache-"))
    try:
        runs = []
        base = ["--cache-dir", str(cache_dir / "cache")]
        log("standalone: cold (all cores, empty cache)")
        command = _aiolint_check_command(args, base + [str(root)])
        env = aiolint_env(args)
        load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        runs.append(("cold, all cores, empty cache", measure("cold", command, env=env)))
        for n in range(args.repeat):
            log(f"standalone: warm {n + 1}")
            runs.append((f"warm (cache) #{n + 1}", measure("warm", command, env=env)))
        if args.serial:
            log("standalone: --no-cache -j1")
            serial = measure("serial", _aiolint_check_command(args, ["--no-cache", "-j1", str(root)]), env=env)
            runs.append(("`--no-cache -j1`", serial))
        entries = sum(len(names) for _, _, names in os.walk(cache_dir))
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    for _, run in runs:
        _check_ok(run)
    cold = runs[0][1]
    cores = os.cpu_count() or 1
    warm = min((r for label, r in runs if label.startswith("warm")), key=lambda r: r.wall)
    same = all(r.output == cold.output for label, r in runs)
    report.add(
        f"## 2. Standalone `aiolint check` on Home Assistant 2024.3.3 ({files} files, {lines:,} lines)\n\n"
        f"{os.cpu_count()} cores; cache in a fresh temporary directory ({entries} entries after the runs). "
        f"Output identical in every run: {'yes' if same else '**NO**'}.\n\n"
        "| run | wall s | CPU s | lines/s (wall) | peak RSS, largest process | peak PSS, whole tree | findings |\n"
        "|---|---:|---:|---:|---:|---:|---|"
    )
    for label, run in runs:
        report.add(
            f"| {label} | {run.wall:.2f} | {run.cpu:.2f} | {lines / run.wall:,.0f} | {_mb(run.rss_mb)} "
            f"| {_mb(run.tree_mb)} | {_codes_cell(run.codes())} |"
        )
    report.add("")
    report.verdict(
        f"cold ≤ {TARGET_COLD_WALL:.0f} s wall (all cores)",
        f"{cold.wall:.1f} s (CPU {cold.cpu:.1f} s: {cold.cpu / cores:.1f} s per core if all {cores} were free; "
        f"load average {load_before:.1f} when it started)",
        cold.wall <= TARGET_COLD_WALL,
    )
    report.verdict(f"warm ≤ {TARGET_WARM_WALL} s wall", f"{warm.wall:.2f} s", warm.wall <= TARGET_WARM_WALL)
    peak = max(r.rss_mb for _, r in runs)
    tree = max(r.tree_mb for _, r in runs)
    report.verdict(
        f"peak RSS ≤ {TARGET_RSS_MB:.0f} MB",
        f"{peak:.0f} MB per process, {tree:.0f} MB whole tree",
        peak <= TARGET_RSS_MB,
    )


_SCALING_CHILD = r"""
import json, sys, time
from aiolint.core.pipeline import lint
paths = json.load(sys.stdin)
datas = [open(p, "rb").read() for p in paths]
lint(b"async def f():\n    pass\n")  # imports and registry warmed before the clock starts
started = time.process_time()
findings = sum(len(lint(d, p)) for p, d in zip(paths, datas))
print(json.dumps({"cpu": time.process_time() - started, "findings": findings}))
"""


def section_scaling(report: Report, roots: Dict[str, Path], args: argparse.Namespace) -> None:
    from aiolint.frontends.files import iter_python_files

    every = sorted(p for root in roots.values() for p in iter_python_files([str(root)]))
    random.Random(8).shuffle(every)
    base = max(1, len(every) // 1000)
    report.add(
        f"## 3. Growth with input (engine, one core, in-process `lint()`, no cache)\n\n"
        f"1x = {base} files drawn at random (fixed seed) from all {len(every)} corpus files; each size is a "
        "prefix of the same shuffled list, linted in a fresh process.\n\n"
        "| size | files | lines | CPU s | lines/s | findings |\n|---|---:|---:|---:|---:|---:|"
    )
    rates = []
    for factor in (1, 10, 100, 1000):
        if factor > args.scaling_max:
            break
        chosen = every[: base * factor]
        lines = sum(Path(p).read_bytes().count(b"\n") for p in chosen)
        log(f"scaling {factor}x: {len(chosen)} files")
        result = subprocess.run(
            [sys.executable, "-c", _SCALING_CHILD],
            input=json.dumps(chosen),
            capture_output=True,
            text=True,
            env=aiolint_env(args),
        )
        if result.returncode != 0:
            raise SystemExit(f"scaling child failed:\n{result.stderr[-3000:]}")
        data = json.loads(result.stdout)
        rates.append(lines / data["cpu"])
        report.add(
            f"| {factor}x | {len(chosen)} | {lines:,} | {data['cpu']:.2f} | {lines / data['cpu']:,.0f} "
            f"| {data['findings']} |"
        )
    report.add("")
    if len(rates) >= 3:
        spread = max(rates[1:]) / min(rates[1:])
        report.verdict("lines/s flat from 10x up (linear cost)", f"max/min lines/s = {spread:.2f}", spread <= 1.5)


def section_triggers(report: Report, roots: Dict[str, Path], args: argparse.Namespace) -> None:
    from aiolint.core.pipeline import decode, enabled_rules, lint
    from aiolint.frontends.files import iter_python_files
    from aiolint.core.settings import DEFAULT_SETTINGS

    rules = enabled_rules(DEFAULT_SETTINGS)
    report.add(
        "## Text pre-check: which rules send files to the LibCST parse\n\n"
        "A file is parsed when at least one rule's triggers all match. *alone*: files only that rule "
        "sends (what its trigger costs on its own; most files are sent by several rules); *with findings*: "
        "files where the rule then reports something (a trigger's precision). The parse is most of "
        "aiolint's cost, so parsed lines are what to cut.\n\n"
    )
    sets = ((" + ".join(FLAKE8_PACKAGES), FLAKE8_PACKAGES, True), ("homeassistant", ["homeassistant"], False))
    for title, packages, with_findings in sets:
        texts = []
        for package in packages:
            for path in iter_python_files([str(roots[package])]):
                try:
                    texts.append(decode(Path(path).read_bytes()))
                except Exception:
                    continue
        hits = {rule.code: [] for rule in rules}
        parsed = lines_parsed = 0
        found: Dict[str, int] = collections.Counter()
        lines_with_findings = 0
        started = time.process_time()
        for index, text in enumerate(texts):
            triggered = [rule for rule in rules if rule.is_triggered(text, DEFAULT_SETTINGS)]
            for rule in triggered:
                hits[rule.code].append(index)
            if triggered:
                parsed += 1
                lines_parsed += text.count("\n")
        spent = time.process_time() - started
        if with_findings:
            for index in {i for v in hits.values() for i in v}:
                codes = {f.code for f in lint(texts[index])}
                found.update(codes)
                lines_with_findings += texts[index].count("\n") if codes else 0
        total_lines = sum(t.count("\n") for t in texts)
        counts = collections.Counter(i for v in hits.values() for i in v)
        report.add(
            f"**{title}**: {len(texts)} files, {total_lines:,} lines; parsed {parsed} files "
            f"({lines_parsed:,} lines, {lines_parsed / max(total_lines, 1):.0%})"
            + (f", of which files with any finding: {lines_with_findings:,} lines" if with_findings else "")
            + f"; all pre-checks took {spent:.2f} s CPU.\n\n"
            "| rule | files triggered | lines triggered | alone | lines alone | with findings |\n"
            "|---|---:|---:|---:|---:|---:|"
        )
        for rule in rules:
            alone = [i for i in hits[rule.code] if counts[i] == 1]
            report.add(
                f"| {rule.code} {rule.name} | {len(hits[rule.code])} "
                f"| {sum(texts[i].count(chr(10)) for i in hits[rule.code]):,} | {len(alone)} "
                f"| {sum(texts[i].count(chr(10)) for i in alone):,} "
                f"| {found.get(rule.code, 0) if with_findings else 'n/a'} |"
            )
        report.add("")


_PROFILE_CHILD = r"""
import cProfile, io, json, pstats, sys
from aiolint.core.pipeline import lint
paths = json.load(sys.stdin)
datas = [open(p, "rb").read() for p in paths]
lint(b"async def f():\n    pass\n")
profile = cProfile.Profile()
profile.enable()
for p, d in zip(paths, datas):
    lint(d, p)
profile.disable()
out = io.StringIO()
pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
print(out.getvalue())
"""


_BREAKDOWN_CHILD = r"""
import json, sys, time
from aiolint.core import pipeline as engine
from aiolint.core.dispatch import RuleRun
from aiolint.core.locate import located
from aiolint.core.settings import DEFAULT_SETTINGS as S
paths = json.load(sys.stdin)
datas = [open(p, "rb").read() for p in paths]
engine.lint(b"async def f():\n    pass\n")
clock = time.process_time
out = {}
t = clock(); texts = [engine.decode(d) for d in datas]; out["decode"] = clock() - t
t = clock(); rules = [engine.triggered_rules(x, S) for x in texts]; out["pre-checks"] = clock() - t
chosen = [(d, x, r) for d, x, r in zip(datas, texts, rules) if r]
t = clock(); modules = [engine.parse(d) for d, _, _ in chosen]; out["LibCST parse"] = clock() - t
t = clock(); found = [RuleRun(m, x, r, S).run() for m, (_, x, r) in zip(modules, chosen)]
out["walk + rules + semantics"] = clock() - t
t = clock()
for m, f in zip(modules, found):
    if f:
        located(m, f)
out["positions"] = clock() - t
print(json.dumps({"times": out, "parsed": len(chosen), "lines": sum(x.count("\n") for _, x, _ in chosen)}))
"""


def _breakdown(report: Report, paths: List[str], args: argparse.Namespace) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _BREAKDOWN_CHILD], input=json.dumps(paths), capture_output=True, text=True,
        env=aiolint_env(args),
    )
    if result.returncode != 0:  # engine internals renamed: the profile below still says it
        report.add(f"(breakdown unavailable: {result.stderr.strip().splitlines()[-1:]})\n")
        return
    data = json.loads(result.stdout)
    total = sum(data["times"].values())
    report.add(
        f"Breakdown of `engine.lint` (one core, CPU; {data['parsed']} files, {data['lines']:,} lines parsed):\n\n"
        "| step | CPU s | share |\n|---|---:|---:|"
    )
    for step, spent in data["times"].items():
        report.add(f"| {step} | {spent:.2f} | {spent / total:.0%} |")
    report.add("")


def section_profile(report: Report, roots: Dict[str, Path], args: argparse.Namespace) -> None:
    from aiolint.frontends.files import iter_python_files

    paths = [p for package in FLAKE8_PACKAGES for p in iter_python_files([str(roots[package])])]
    log("profile")
    result = subprocess.run(
        [sys.executable, "-c", _PROFILE_CHILD], input=json.dumps(paths), capture_output=True, text=True,
        env=aiolint_env(args),
    )
    text = result.stdout if result.returncode == 0 else result.stderr
    lines = text.strip().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    header = next((line.strip() for line in lines if "function calls" in line), "")
    prefixes = re.compile("|".join(re.escape(str(p) + "/") for p in (REPO / "src", REPO, args.snapshot)))
    body = [re.sub(r"/\S*/(?:site-packages|lib/python[\d.]+)/", "", prefixes.sub("", line)) for line in lines[start:]]
    report.add(f"## Profile: `engine.lint` on {' + '.join(FLAKE8_PACKAGES)}\n\n")
    _breakdown(report, paths, args)
    report.add(f"cProfile, by cumulative time: {header}\n\n```\n" + "\n".join(body) + "\n```\n")


# ----------------------------------------------------------------------------- main
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

    roots = {name: _source_root(path) for name, path in corpus.ensure().items()}
    args.snapshot = snapshot()
    report = Report()
    command = " ".join(["python benchmarks/bench.py", *(argv if argv is not None else sys.argv[1:])])
    header = f"# aiolint benchmark\n\nWritten by `{command.strip()}`.\n\n"
    header += environment()
    started = time.perf_counter()
    functions = {
        "flake8": section_flake8,
        "ruff": section_ruff,
        "standalone": section_standalone,
        "scaling": section_scaling,
        "triggers": section_triggers,
        "profile": section_profile,
    }
    try:
        for name in wanted:
            try:
                functions[name](report, roots, args)
            except (Exception, SystemExit) as exc:  # one broken section must not lose the others
                log(f"section {name} failed: {exc}")
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
        log(f"wrote {args.output}")
    return 0


def _source_root(path: Path) -> Path:
    """The directory an sdist extracted to (`<name>-<version>/`), not the wrapper around it."""
    children = [c for c in path.iterdir() if c.is_dir()]
    return children[0] if len(children) == 1 else path


if __name__ == "__main__":
    raise SystemExit(main())
