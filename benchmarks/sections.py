"""bench.py's sections: each measures one thing and adds a part (and its targets) to the report.

The programs some sections run in a child process are files under `children/`.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

try:  # python -m benchmarks.bench, or imported by the tests
    from benchmarks.measure import (
        CHILDREN, FLAKE8_STACK, REPO, Run, aiolint_env, best, check_ok, count_lines, ensure_venv, log, measure,
        plain_env, venv_bin,
    )
except ImportError:  # python benchmarks/bench.py: this directory is on sys.path
    from measure import (
        CHILDREN, FLAKE8_STACK, REPO, Run, aiolint_env, best, check_ok, count_lines, ensure_venv, log, measure,
        plain_env, venv_bin,
    )

FLAKE8_PACKAGES = ["starlette", "uvicorn"]
TARGET_IN_FLAKE8 = 0.5  # aiolint's added CPU / flake8's own CPU
TARGET_VS_ASYNC = 1 / 20  # aiolint's added CPU / flake8-async's added CPU
TARGET_COLD_WALL, TARGET_WARM_WALL, TARGET_RSS_MB = 30.0, 1.5, 300.0


def codes_cell(counter: collections.Counter, prefixes: Sequence[str] = ()) -> str:
    items = [(c, n) for c, n in sorted(counter.items()) if not prefixes or c.startswith(tuple(prefixes))]
    return ", ".join(f"{c} {n}" for c, n in items) or "none"


def mb(value: float) -> str:
    return f"{value:.0f} MB"


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
            check_ok(run, (0,))
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
        plugin = codes_cell(codes, ("AIO", "ASYNC")) if name != "flake8" else f"({sum(codes.values())} E/W/F/C)"
        all_cpu = ", ".join(f"{r.cpu:.2f}" for r in runs[name])
        report.add(
            f"| {label} | {run.cpu:.2f} ({all_cpu}) | {run.wall:.2f} | {mb(run.rss_mb)} | {lines / run.cpu:,.0f} "
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
        check_ok(ruff, (0,))
        tools = [("ruff", ruff)]
        if with_aiolint:
            log(f"aiolint on {title}")
            command = _aiolint_check_command(args, ["--no-cache", *map(str, paths)])
            aio = measure("aiolint", command, env=aiolint_env(args))
            check_ok(aio)
            tools.append(("aiolint", aio))
        for tool, run in tools:
            report.add(
                f"| {title} ({files} files, {lines:,} lines) | {tool} | {run.cpu:.2f} | {run.wall:.2f} "
                f"| {mb(run.tree_mb)} | {lines / run.wall:,.0f} | {codes_cell(run.codes())} |"
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
        check_ok(run)
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
            f"| {label} | {run.wall:.2f} | {run.cpu:.2f} | {lines / run.wall:,.0f} | {mb(run.rss_mb)} "
            f"| {mb(run.tree_mb)} | {codes_cell(run.codes())} |"
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
            [sys.executable, str(CHILDREN / "scaling.py")],
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


def _breakdown(report: Report, paths: List[str], args: argparse.Namespace) -> None:
    result = subprocess.run(
        [sys.executable, str(CHILDREN / "breakdown.py")], input=json.dumps(paths), capture_output=True, text=True,
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
        [sys.executable, str(CHILDREN / "profile_lint.py")], input=json.dumps(paths), capture_output=True, text=True,
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


SECTIONS = {
    "flake8": section_flake8,
    "ruff": section_ruff,
    "standalone": section_standalone,
    "scaling": section_scaling,
    "triggers": section_triggers,
    "profile": section_profile,
}
