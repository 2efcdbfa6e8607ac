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
        CHILDREN, REPO, Run, aiolint_env, best, check_ok, count_lines, log, measure, tool_command,
        tool_env, tool_version,
    )
except ImportError:  # python benchmarks/bench.py: this directory is on sys.path
    from measure import (
        CHILDREN, REPO, Run, aiolint_env, best, check_ok, count_lines, log, measure, tool_command,
        tool_env, tool_version,
    )

FLAKE8_PACKAGES = ["starlette", "uvicorn"]
TARGET_IN_FLAKE8 = 0.15  # aiolint's added CPU / flake8's own CPU (issue 17 v2)
TARGET_VS_ASYNC = 1 / 100  # aiolint's added CPU / flake8-async's added CPU (issue 17 v2)
# Home Assistant, 2 workers: issue 17 v2 asks ≤ 0.4x the version before it, ~15.5 s on a quiet machine
# (14.7-16.2 s measured side by side on 2026-12-01); RSS per process.
TARGET_COLD_WALL, TARGET_RSS_MB = 0.4 * 15.5, 150.0
TARGET_WARM_VS_RUFF = 1.0  # warm check / a plain cold `ruff check --no-cache` (default rules) on the same tree
TARGET_INDEX_SHARE = 0.30  # what building the project index adds to a cold check (issue 13)
BIG_FILE_LINES, TARGET_BIG_WALL, TARGET_BIG_MB = 56_000, 2.0, 200.0


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
    variants = [
        ("flake8", "flake8 (bare)"),
        ("flake8-aiolint", "flake8 + aiolint"),
        ("flake8-bugbear", "flake8 + flake8-bugbear"),
    ]
    if not args.quick:
        variants.append(("flake8-async", "flake8 + flake8-async"))
    commands = {name: tool_command(name, "flake8") for name, _ in variants}
    runs: Dict[str, List[Run]] = collections.defaultdict(list)
    # Interleaved, so that load from other processes hits all variants alike.
    for round_ in range(args.repeat):
        for name, label in variants:
            if name == "flake8-async" and round_ >= args.repeat_async:
                continue
            log(f"flake8 round {round_ + 1}: {label}")
            command = commands[name] + ["--isolated", "-j1", "--exit-zero", *paths]
            run = measure(label, command, env=tool_env(name, args))
            check_ok(run, (0,))
            runs[name].append(run)
    chosen = {name: best(runs[name]) for name, _ in variants}
    bare = chosen["flake8"]
    report.add(
        f"## 1. Inside flake8 (`-j1`, {' + '.join(FLAKE8_PACKAGES)}: {files} files, {lines:,} lines)\n\n"
        f"`flake8 --isolated -j1` with the same flake8 stack in each variant "
        f"(`{tool_version(variants[-1][0], 'flake8')}`); every aiolint rule enabled (the default); "
        f"least CPU of {args.repeat} interleaved runs"
        + (f" ({args.repeat_async} for flake8-async)" if not args.quick else "")
        + ".\n\n| run | CPU s | wall s | RSS | lines/s (CPU) | added CPU vs bare | plugin findings |\n"
        "|---|---:|---:|---:|---:|---:|---|"
    )
    for name, label in variants:
        run = chosen[name]
        added = run.cpu - bare.cpu
        codes = run.codes()
        plugin = codes_cell(codes, ("AIO", "ASYNC", "B")) if name != "flake8" else f"({sum(codes.values())} E/W/F/C)"
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
            f"({added_async:+.2f} s; target ≤ 1/{1 / TARGET_VS_ASYNC:.0f}).\n\n"
        )
        report.verdict(
            f"aiolint adds ≤ 1/{1 / TARGET_VS_ASYNC:.0f} of flake8-async's added CPU",
            f"1/{1 / vs:.0f} ({vs:.3f})",
            vs <= TARGET_VS_ASYNC,
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
    ruff_command = tool_command("ruff", "ruff")
    others = [name for name in roots if name not in FLAKE8_PACKAGES and name != "homeassistant"]
    # Home Assistant is compared in section 2 (it is the standalone workload); linting it twice costs minutes.
    sets = [
        (" + ".join(FLAKE8_PACKAGES), [roots[p] for p in FLAKE8_PACKAGES], True),
        (f"the other {len(others)} packages", [roots[p] for p in others], True),
        ("homeassistant", [roots["homeassistant"]], False),
    ]
    report.add(
        "## Ruff and standalone aiolint on the same files\n\n"
        f"`ruff check --isolated --no-cache --select ASYNC,RUF006` ({tool_version('ruff', 'ruff')}, all cores) next to "
        "`aiolint check --no-cache` (all cores); aiolint on Home Assistant is in section 2.\n\n"
        "| files | tool | CPU s | wall s | peak memory (tree PSS) | lines/s (wall) | findings per code |\n"
        "|---|---|---:|---:|---:|---:|---|"
    )
    for title, paths, with_aiolint in sets:
        files, lines = count_lines(paths)
        log(f"ruff on {title}")
        ruff = measure(
            "ruff",
            [*ruff_command, "check", "--isolated", "--no-cache", "--select", "ASYNC,RUF006",
             "--output-format", "concise", "--exit-zero", *map(str, paths)],
            env=tool_env("ruff", args),
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
    ruff = tool_command("ruff", "ruff") + ["check", "--isolated", "--no-cache", "--exit-zero", "--output-format",
                                           "concise"]
    try:
        runs = []
        base = ["-j", "2", "--cache-dir", str(cache_dir / "cache")]
        env = aiolint_env(args)
        # AIOLINT_NO_PROJECT_INDEX=1 (semantics/project.py): no project index, for its share of a cold run.
        no_index = dict(env, AIOLINT_NO_PROJECT_INDEX="1")
        load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        colds: Dict[str, List[Run]] = collections.defaultdict(list)
        # Interleaved, so that load from other processes hits all variants alike; least wall time kept.
        for n in range(args.repeat):
            log(f"standalone round {n + 1}: cold; cold without the project index; ruff")
            shutil.rmtree(cache_dir / "cache", ignore_errors=True)
            command = _aiolint_check_command(args, base + [str(root)])
            colds["cold"].append(measure("cold", command, env=env))
            # The same cold start (an empty cache to fill), so that the difference is the index's own.
            shutil.rmtree(cache_dir / "no-index", ignore_errors=True)
            unindexed_command = _aiolint_check_command(
                args, ["-j", "2", "--cache-dir", str(cache_dir / "no-index"), str(root)]
            )
            colds["no-index"].append(measure("no-index", unindexed_command, env=no_index))
            colds["ruff"].append(measure("ruff", ruff + [str(root)], env=tool_env("ruff", args)))
            colds["ruff-async"].append(
                measure("ruff-async", ruff + ["--select", "ASYNC", str(root)], env=tool_env("ruff", args))
            )
        # The last cold runs filled both caches: the warm runs read them, with and without the
        # index interleaved, for what the index adds to a warm check.
        warm_pairs = []
        for n in range(args.repeat):
            log(f"standalone: warm {n + 1}, with and without the project index")
            warm_run = measure("warm", command, env=env)
            runs.append((f"warm (cache) #{n + 1}", warm_run))
            warm_pairs.append((warm_run, measure("warm-no-index", unindexed_command, env=no_index)))
        if args.serial:
            log("standalone: --no-cache -j1")
            serial = measure("serial", _aiolint_check_command(args, ["--no-cache", "-j1", str(root)]), env=env)
            runs.append(("`--no-cache -j1`", serial))
        entries = sum(len(names) for _, _, names in os.walk(cache_dir))
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    cold = min(colds["cold"], key=lambda r: r.wall)
    unindexed = min(colds["no-index"], key=lambda r: r.wall)
    ruff_cold = min(colds["ruff"], key=lambda r: r.wall)
    ruff_async = min(colds["ruff-async"], key=lambda r: r.wall)
    runs = [(f"cold, 2 workers, empty cache (least wall of {args.repeat})", cold),
            (f"cold, 2 workers, empty cache, AIOLINT_NO_PROJECT_INDEX=1 (least wall of {args.repeat})", unindexed),
            *runs]
    for _, run in runs:
        check_ok(run)
    for run in (ruff_cold, ruff_async):
        check_ok(run, (0,))
    warm = min((r for label, r in runs if label.startswith("warm")), key=lambda r: r.wall)
    same = all(r.output == cold.output for label, r in runs if "NO_PROJECT_INDEX" not in label)
    report.add(
        f"## 2. Standalone `aiolint check` on Home Assistant 2024.3.3 ({files} files, {lines:,} lines)\n\n"
        f"`-j 2`, all rules; cache in a fresh temporary directory ({entries} entries after the runs). "
        f"Output identical in every run with the index: {'yes' if same else '**NO**'}. Cold runs interleaved with "
        f"ruff ({tool_version('ruff', 'ruff')}, `ruff check --isolated --no-cache`, all cores).\n\n"
        "| run | wall s | CPU s | lines/s (wall) | peak RSS, largest process | peak PSS, whole tree | findings |\n"
        "|---|---:|---:|---:|---:|---:|---|"
    )
    ruff_rows = [(f"ruff, default rules (least wall of {args.repeat})", ruff_cold),
                 (f"ruff `--select ASYNC` (least wall of {args.repeat})", ruff_async)]
    for label, run in runs + ruff_rows:
        report.add(
            f"| {label} | {run.wall:.2f} | {run.cpu:.2f} | {lines / run.wall:,.0f} | {mb(run.rss_mb)} "
            f"| {mb(run.tree_mb)} | {codes_cell(run.codes()) if not label.startswith('ruff') else ''} |"
        )
    share = cold.wall / unindexed.wall - 1
    share_cpu = cold.cpu / unindexed.cpu - 1
    warm_added = sorted(a.wall - b.wall for a, b in warm_pairs)
    warm_added_cpu = sorted(a.cpu - b.cpu for a, b in warm_pairs)
    unindexed_warm = min((b for _, b in warm_pairs), key=lambda r: r.wall)
    report.add(
        f"\nThe project index adds {share:+.0%} wall ({share_cpu:+.0%} CPU) to a cold check; all cold walls: "
        + "; ".join(f"{k} " + ", ".join(f"{r.wall:.1f}" for r in v) for k, v in colds.items())
        + f". To a warm check (rounds interleaved with a warm run of the cache filled without the index, "
        f"least {unindexed_warm.wall:.2f} s wall): median {warm_added[len(warm_added) // 2]:+.2f} s wall, "
        f"{warm_added_cpu[len(warm_added_cpu) // 2]:+.2f} s CPU; the rounds, least first: "
        + ", ".join(f"{d:+.2f}" for d in warm_added)
        + " s wall.\n\n"
    )
    report.verdict(
        f"cold ≤ {TARGET_COLD_WALL:.1f} s wall (2 workers; 0.4x the version before issue 17)",
        f"{cold.wall:.1f} s (CPU {cold.cpu:.1f} s; load average {load_before:.1f} when it started)",
        cold.wall <= TARGET_COLD_WALL,
    )
    report.verdict(
        f"project index adds ≤ {TARGET_INDEX_SHARE:.0%} to a cold check",
        f"{share:+.0%} wall, {share_cpu:+.0%} CPU ({cold.wall:.1f} s vs {unindexed.wall:.1f} s)",
        share <= TARGET_INDEX_SHARE,
    )
    report.verdict(
        f"warm ≤ {TARGET_WARM_VS_RUFF}x a cold `ruff check --no-cache` (default rules)",
        f"{warm.wall / ruff_cold.wall:.2f}x ({warm.wall:.2f} s vs {ruff_cold.wall:.2f} s)",
        warm.wall <= TARGET_WARM_VS_RUFF * ruff_cold.wall,
    )
    peak = max(r.rss_mb for _, r in runs)
    tree = max(r.tree_mb for _, r in runs)
    report.verdict(
        f"peak RSS ≤ {TARGET_RSS_MB:.0f} MB per process",
        f"{peak:.0f} MB per process, {tree:.0f} MB whole tree",
        peak <= TARGET_RSS_MB,
    )


def big_file_text(lines: int = BIG_FILE_LINES) -> str:
    """The big single module of tests/test_everyday.py's test_big_file_peak_memory: handlers that each
    block once (one AIO100 apiece)."""
    out = ["import asyncio", "import time", ""]
    index = 0
    while len(out) < lines:
        out += [
            f"async def handler_{index}(request, session):",
            f"    data = await session.get(request.url + '/{index}')",
            "    if data.status != 200:",
            "        time.sleep(0.1)",
            f"    result = {{'id': {index}, 'value': data.json()}}",
            "    return result",
            "",
            "",
        ]
        index += 1
    return "\n".join(out) + "\n"


def section_bigfile(report: Report, roots: Dict[str, Path], args: argparse.Namespace) -> None:
    directory = Path(tempfile.mkdtemp(prefix="aiolint-bench-big-"))
    try:
        path = directory / "big.py"
        text = big_file_text()
        path.write_text(text)
        runs = []
        for n in range(args.repeat):
            log(f"big file {n + 1}")
            runs.append(measure("big", _aiolint_check_command(args, ["--no-cache", "-j", "1", str(path)]),
                                env=aiolint_env(args)))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    for run in runs:
        check_ok(run)
    run = min(runs, key=lambda r: r.wall)
    lines = text.count("\n")
    report.add(
        f"## One big module ({lines:,} lines, {len(text) / 2**20:.1f} MB; linted in pieces by core/chunks.py)\n\n"
        f"`aiolint check --no-cache -j 1 big.py`, least wall of {args.repeat}: {run.wall:.2f} s wall "
        f"(all: {', '.join(f'{r.wall:.2f}' for r in runs)}), {run.cpu:.2f} s CPU, peak RSS {mb(run.rss_mb)}; "
        f"findings {codes_cell(run.codes())}.\n\n"
    )
    report.verdict(f"{lines // 1000}k-line file ≤ {TARGET_BIG_WALL:.0f} s wall", f"{run.wall:.2f} s",
                   run.wall <= TARGET_BIG_WALL)
    report.verdict(f"{lines // 1000}k-line file ≤ {TARGET_BIG_MB:.0f} MB", mb(max(r.rss_mb for r in runs)),
                   max(r.rss_mb for r in runs) <= TARGET_BIG_MB)


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
    "bigfile": section_bigfile,
    "scaling": section_scaling,
    "triggers": section_triggers,
    "profile": section_profile,
}
