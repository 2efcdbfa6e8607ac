"""How long `aiolint server` takes to publish diagnostics after an edit, next to `aiolint check`.

Not a test: a measurement. A 2,000-line module (generated here, deterministic, with findings in it;
or `--file`) is opened in a real server process over stdio; each round replaces its text (one comment
changes, so the findings stay the same) and times didChange -> publishDiagnostics for that version.
The baselines are the same text linted in this process (`aiolint.lint`, what the server runs) and
`aiolint check --no-cache FILE` as a command (wall time, interpreter start-up included).

The server runs with `--debounce 0` for the overhead figure: the debounce is a deliberate wait, not
cost. A second, shorter series with the default debounce shows what typing feels like.

    python benchmarks/server_latency.py                     # 30 rounds
    python benchmarks/server_latency.py --runs 50 --results benchmarks/results.md
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

import aiolint
from aiolint.frontends.config import resolve

try:  # python -m benchmarks.server_latency, or imported
    from benchmarks import corpus
except ImportError:  # python benchmarks/server_latency.py: this directory is on sys.path
    import corpus

HERE = Path(__file__).resolve().parent

LINES = 2000
SERVER_CPU: List[float] = []  # per edit, of the whole server process, first series
LINT_CPU: List[float] = []  # per in-process lint
TARGET = 0.20  # the server adds at most 20 % to the engine's own time

HEADER = '''"""A generated service module for benchmarks/server_latency.py."""
import asyncio
import json
import time

import requests

'''

BLOCK = '''

class Service{n}:
    def __init__(self, session, limit={n}):
        self.session = session
        self.limit = limit
        self.cache = {{}}

    async def fetch_{n}(self, url, retries=3):
        last = None
        for attempt in range(retries):
            try:
                async with self.session.get(url, timeout=10) as response:
                    response.raise_for_status()
                    data = await response.json()
                    self.cache[url] = data
                    return data
            except OSError as exc:
                last = exc
                await asyncio.sleep(0.1 * attempt)
        raise RuntimeError(f"gave up on {{url}}") from last

    def summary_{n}(self):
        return {{key: len(value) for key, value in self.cache.items() if value}}
'''

# Every fifth block also holds a mistake, so the file has findings (and positions to compute).
MISTAKES = [
    "\n    async def pause_{n}(self):\n        time.sleep(0.5)\n",
    "\n    async def loop_{n}(self):\n        return asyncio.get_event_loop()\n",
    "\n    async def legacy_{n}(self, url):\n        return json.loads(requests.get(url).text)\n",
]


def generate(lines: int = LINES) -> str:
    parts, n = [HEADER], 0
    while sum(part.count("\n") for part in parts) < lines - 40:
        parts.append(BLOCK.format(n=n))
        if n % 5 == 0:
            parts.append(MISTAKES[(n // 5) % len(MISTAKES)].format(n=n))
        n += 1
    text = "".join(parts)
    missing = lines - 1 - text.count("\n")
    text += "".join(f"# padding {i}\n" for i in range(missing))
    return text + "# edit 0\n"


def edited(text: str, round_: int) -> str:
    head, _, _ = text.rpartition("# edit ")
    return f"{head}# edit {round_}\n"


# ------------------------------------------------------------------------------- the client
class Client:
    def __init__(self) -> None:
        self.client = LanguageClient("aiolint-benchmark", "1")
        self.published: Dict[int, float] = {}
        self.counts: Dict[int, int] = {}
        self.arrived = asyncio.Event()

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            if params.version is not None:
                self.published[params.version] = time.perf_counter()
                self.counts[params.version] = len(params.diagnostics)
                self.arrived.set()

    async def start(self, root: Path, debounce: Optional[float]) -> None:
        args = ["-m", "aiolint", "server"] + ([] if debounce is None else ["--debounce", str(debounce)])
        await self.client.start_io(sys.executable, *args, cwd=str(root))
        params = lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), root_uri=root.as_uri())
        await self.client.initialize_async(params)
        self.client.initialized(lsp.InitializedParams())

    async def wait(self, version: int) -> float:
        while version not in self.published:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 120)
        return self.published[version]

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await asyncio.wait_for(self.client._server.wait(), 60)
        await self.client.stop()


async def server_series(
    path: Path, text: str, runs: int, debounce: Optional[float], lint_times: Optional[list], hovers: Optional[list]
):
    client = Client()
    await client.start(path.parent, debounce)
    uri = path.as_uri()
    document = lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
    client.client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=document))
    await client.wait(1)
    settings = resolve([str(path)], {}).settings
    latencies: List[float] = []
    pid = client.client._server.pid
    cpu_before = await asyncio.to_thread(cpu_seconds, pid)
    for round_ in range(2, runs + 2):
        new = edited(text, round_)
        sent = time.perf_counter()
        client.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=round_),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=new)],
            )
        )
        if hovers is not None:  # while that version is analysed: does the server still answer at once?
            asked = time.perf_counter()
            await asyncio.wait_for(
                client.client.text_document_hover_async(
                    lsp.HoverParams(
                        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=0, character=0)
                    )
                ),
                120,
            )
            hovers.append(time.perf_counter() - asked)
        latencies.append(await client.wait(round_) - sent)
        if lint_times is not None:  # the engine alone on the same text, interleaved (same load)
            started, cpu = time.perf_counter(), time.process_time()
            aiolint.lint(new, str(path), settings)
            lint_times.append(time.perf_counter() - started)
            LINT_CPU.append(time.process_time() - cpu)
        await asyncio.sleep(0.05)
    findings = client.counts[runs + 1]
    cpu_after = await asyncio.to_thread(cpu_seconds, pid)
    if cpu_before is not None and cpu_after is not None:
        SERVER_CPU.append((cpu_after - cpu_before) / runs)
    await client.stop()
    return latencies, findings


def cpu_seconds(pid: int) -> Optional[float]:
    """User + system CPU of a process so far (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cli_series(path: Path, runs: int) -> List[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "aiolint", "check", "--no-cache", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        times.append(time.perf_counter() - started)
    return times


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="edits timed per series (default: %(default)s)")
    parser.add_argument("--cli-runs", type=int, default=10, help="`aiolint check` runs (default: %(default)s)")
    parser.add_argument("--file", help="a Python file to use instead of the generated 2,000-line module")
    parser.add_argument(
        "--results", metavar="FILE", help="also write the figures as the 'server-latency' section of FILE"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="aiolint-server-bench-") as scratch:
        path = Path(scratch) / "service.py"
        text = Path(args.file).read_text(encoding="utf-8") if args.file else generate()
        if "# edit " not in text:
            text += "# edit 0\n"
        path.write_text(text, encoding="utf-8")
        lines = text.count("\n")
        load_before = os.getloadavg()

        aiolint.lint(text, str(path))  # warm this process as the server is warmed by didOpen
        lint_times: List[float] = []
        latencies, findings = asyncio.run(server_series(path, text, args.runs, 0, lint_times, None))
        hovers: List[float] = []
        typing, _ = asyncio.run(server_series(path, text, max(args.runs // 3, 5), None, None, None))
        asyncio.run(server_series(path, text, max(args.runs // 3, 5), 0, None, hovers))
        cli_times = cli_series(path, args.cli_runs)
        load_after = os.getloadavg()

    server, engine, cli = statistics.median(latencies), statistics.median(lint_times), statistics.median(cli_times)
    added = server / engine - 1
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    command = " ".join(["python benchmarks/server_latency.py", *(argv if argv is not None else sys.argv[1:])])
    source = f"`{args.file}`" if args.file else "generated"
    verdict = "met" if added <= TARGET else "**not met**"
    cpu_line = "CPU (insensitive to the machine's load): not measured (no /proc)."
    if SERVER_CPU and LINT_CPU:
        server_cpu, lint_cpu = SERVER_CPU[0], statistics.mean(LINT_CPU)
        cpu_line = (
            f"CPU per edit, which the load average does not inflate: server process {ms(server_cpu)} (all its"
            f" threads: JSON-RPC, document sync, analysis), `lint` in process {ms(lint_cpu)}: ratio"
            f" {server_cpu / lint_cpu:.2f} ({(server_cpu / lint_cpu - 1) * 100:+.0f} %)."
        )

    def row(name: str, values: List[float]) -> str:
        return f"| {name} | {ms(statistics.median(values))} | {ms(min(values))} | {ms(max(values))} |"

    body = "\n".join(
        [
            "## Language server: diagnostics latency after didChange",
            "",
            f"Written by `{command}` on {stamp}.",
            f"aiolint {aiolint.__version__}, Python {platform.python_version()}, {os.cpu_count()} cores; load average"
            f" {load_before[0]:.1f} before, {load_after[0]:.1f} after (wall times grow with it, CPU times do not).",
            f"The file: {source}, {lines:,} lines, {findings} findings. Medians of {len(latencies)} edits (server,"
            f" engine) and {len(cli_times)} runs (CLI).",
            "",
            "| measurement | median | min | max |",
            "|---|---:|---:|---:|",
            row("server, `--debounce 0`: didChange sent → publishDiagnostics received", latencies),
            row("engine in process: `aiolint.lint(text)` on the same text, between the edits", lint_times),
            row("`aiolint check --no-cache FILE` (wall, interpreter start-up included)", cli_times),
            row("server, default `--debounce 0.3` (what typing sees)", typing),
            row("a hover request sent right after didChange, while that version is analysed", hovers),
            "",
            f"The server adds **{added * 100:+.0f} %** to the engine's own time (ratio {server / engine:.2f}; target"
            f" ≤ +{TARGET * 100:.0f} %: {verdict}), and publishes in {server / cli:.2f}× the wall time of one"
            " `aiolint check` run.",
            "",
            cpu_line,
            "",
        ]
    )
    print(body)
    if args.results:
        corpus.write_section(Path(args.results), "server-latency", body)
        print(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
