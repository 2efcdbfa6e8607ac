"""bench.py's measurement: the peers' venvs, the aiolint snapshot, and running a tool as a child.

Every tool runs as a child process; CPU is the child's user+sys time (os.wait4), RSS its peak,
and for process trees the peak of the summed PSS of the tree (sampled from /proc every 20 ms).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
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
CHILDREN = HERE / "children"  # programs the sections run in a child process, with the snapshot


def _libcst_version() -> str:
    from importlib.metadata import version

    return version("libcst")


FLAKE8_STACK = ["flake8==7.5.0", "pycodestyle==2.15.0", "pyflakes==4.1.0", "mccabe==0.7.0"]
VENV_SPECS: Dict[str, List[str]] = {
    "flake8": FLAKE8_STACK,
    # aiolint itself comes from the snapshot on PYTHONPATH (see `snapshot`); same LibCST as here.
    "flake8-aiolint": FLAKE8_STACK + [f"libcst=={_libcst_version()}"],
    "flake8-async": FLAKE8_STACK + ["flake8-async==26.8.1"],
    "flake8-bugbear": FLAKE8_STACK + ["flake8-bugbear==26.10.27"],
    "ruff": ["ruff==0.17.5"],
}
# With --peers VENV: the tools come from that one venv instead (nothing is installed). flake8 loads
# every plugin it can see, so each variant runs `VENV/bin/python -S -m flake8` with only a "view"
# on PYTHONPATH: a directory of links to these distributions (and what they require) in VENV.
PEER_DISTRIBUTIONS: Dict[str, List[str]] = {
    "flake8": ["flake8"],
    "flake8-aiolint": ["flake8", "libcst"],  # aiolint itself comes from the snapshot
    "flake8-async": ["flake8", "flake8-async"],
    "flake8-bugbear": ["flake8", "flake8-bugbear"],
}
PEERS: List[Optional[Path]] = [None]
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


def use_peers(venv: Optional[str]) -> None:
    PEERS[0] = Path(venv).resolve() if venv else None
    if PEERS[0] is not None and not (PEERS[0] / "bin" / "python").exists():
        raise SystemExit(f"--peers {venv}: no bin/python there")


def tool_command(name: str, tool: str) -> List[str]:
    """How to start `tool` (flake8, ruff) of the variant `name`."""
    if PEERS[0] is None:
        ensure_venv(name)
        return [str(venv_bin(name, tool))]
    if tool != "flake8":
        return [str(PEERS[0] / "bin" / tool)]
    return [str(PEERS[0] / "bin" / "python"), "-S", "-m", "flake8"]


def tool_env(name: str, args: argparse.Namespace) -> dict:
    """The environment of the variant `name`: the aiolint snapshot for flake8-aiolint only."""
    env = aiolint_env(args) if name == "flake8-aiolint" else plain_env()
    if PEERS[0] is not None and name in PEER_DISTRIBUTIONS:
        paths = [str(peer_view(name))] + ([str(args.snapshot)] if name == "flake8-aiolint" else [])
        env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def tool_version(name: str, tool: str) -> str:
    """`tool --version` of the variant, one line (what the report says was measured)."""
    done = subprocess.run(tool_command(name, tool) + ["--version"], capture_output=True, text=True,
                          env=tool_env(name, argparse.Namespace(snapshot="")))
    return " ".join(done.stdout.split()) or "?"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def peer_view(name: str) -> Path:
    """(Re)build the view of variant `name` on the --peers venv; see PEER_DISTRIBUTIONS."""
    from importlib import metadata

    assert PEERS[0] is not None
    sites = sorted(PEERS[0].glob("lib/python*/site-packages"))
    if not sites:
        raise SystemExit(f"--peers {PEERS[0]}: no lib/python*/site-packages")
    site = sites[0]
    installed = {_normal(d.metadata["Name"] or ""): d for d in metadata.distributions(path=[str(site)])}
    root = VENVS / f"peers-{name}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    wanted, seen = list(PEER_DISTRIBUTIONS[name]), set()
    while wanted:
        current = _normal(wanted.pop())
        if current in seen:
            continue
        seen.add(current)
        dist = installed.get(current)
        if dist is None:
            if current in map(_normal, PEER_DISTRIBUTIONS[name]):
                raise SystemExit(f"--peers {PEERS[0]}: {current} is not installed there")
            continue  # an optional or platform-only requirement
        for top in {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}:
            if top != "__pycache__" and not (root / top).exists() and (site / top).exists():
                (root / top).symlink_to(site / top)
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                wanted.append(re.match(r"[A-Za-z0-9._-]+", requirement).group(0))
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


def check_ok(run: Run, allowed=(0, 1)) -> None:
    if run.returncode not in allowed:
        raise SystemExit(f"{run.label} failed (exit {run.returncode}):\n{run.stderr[-3000:]}")
