"""Score aiolint against a labelled set of call sites from public application repos.

    python benchmarks/score_labels.py --set reach                 # family from the set (AIO1)
    python benchmarks/score_labels.py --set reach --json > out.json
    python benchmarks/score_labels.py --set benchmarks/labels/x.jsonl --family AIO4

A set is `benchmarks/labels/<name>.jsonl`, one object per line:

    {"repo": "owner/name", "commit": "<40 hex>", "path": "pkg/handlers.py", "line": 42,
     "label": "true|trap|ambiguous", "codes": ["AIO104"], "kind": "attribute",
     "chain": "...", "reason": "..."}

Every repo@commit of the set is materialised from the mirror that the `fetch` tool
leaves (`--mirrors`, default /work/.mirror: `<mirrors>/owner+name/repo`, a bare git
directory) into `benchmarks/.labels-src/owner+name@<commit[:12]>/` (Python sources and
pyproject.toml/setup.cfg/setup.py only, blobs the snapshot lacks skipped, then `git
init` so the directory is a project root). aiolint is then run on each whole directory
as one project, in a subprocess:

    aiolint check --format json --no-cache --isolated --no-respect-gitignore -j N --select FAMILY .

and its findings are matched to the labels by path and line:

- a `true` site is found when a finding with one of its `codes` is on its line
  (a finding of the family with another code is counted as "wrong code", not found);
- a `trap` site is a false alarm when any finding of the family is on its line;
- `ambiguous` sites are listed with what was reported there, never scored;
- findings of the family on lines that carry no label are listed, to be judged by hand.

Recall, false alarms and precision (found true sites / (found true sites + trap lines
flagged)) are reported per kind of indirection. A repo whose mirror is missing is
reported ("fetch github:owner/name") and left out of the figures, not a crash.
The matching (`score`) is a pure function, tested on a synthetic set in
tests/test_score_labels.py.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import OrderedDict, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

HERE = Path(__file__).resolve().parent
LABELS_DIR = HERE / "labels"
DEFAULT_SRC = HERE / ".labels-src"
DEFAULT_MIRRORS = Path("/work/.mirror")
LABELS = ("true", "trap", "ambiguous")
KEPT_NAMES = ("pyproject.toml", "setup.cfg", "setup.py")
DONE_MARKER = ".labels-src-commit"


@dataclass(frozen=True)
class Label:
    repo: str
    commit: str
    path: str
    line: int
    label: str
    codes: Tuple[str, ...] = ()
    kind: str = ""
    chain: str = ""
    reason: str = ""

    @property
    def site(self) -> Tuple[str, str, str, int]:
        return (self.repo, self.commit, self.path, self.line)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    code: str
    message: str = ""


@dataclass
class KindScore:
    true: int = 0
    found: int = 0
    wrong_code: int = 0
    traps: int = 0
    alarms: int = 0
    ambiguous: int = 0

    @property
    def recall(self) -> Optional[float]:
        return self.found / self.true if self.true else None

    @property
    def precision(self) -> Optional[float]:
        flagged = self.found + self.alarms
        return self.found / flagged if flagged else None


@dataclass
class Report:
    family: str
    kinds: Dict[str, KindScore] = field(default_factory=dict)
    total: KindScore = field(default_factory=KindScore)
    missed: List[Label] = field(default_factory=list)
    wrong_code: List[Tuple[Label, List[Finding]]] = field(default_factory=list)
    false_alarms: List[Tuple[Label, List[Finding]]] = field(default_factory=list)
    ambiguous_hits: List[Tuple[Label, List[Finding]]] = field(default_factory=list)
    unlabelled: List[Tuple[str, str, Finding]] = field(default_factory=list)  # (repo, commit, finding)
    not_run: List[Tuple[str, str, str]] = field(default_factory=list)  # (repo, commit, why)


# ---------------------------------------------------------------------------- labels
def set_path(name: str) -> Path:
    """`reach` -> benchmarks/labels/reach.jsonl; a path is taken as it is."""
    candidate = Path(name)
    if candidate.suffix == ".jsonl" or os.sep in name or "/" in name:
        return candidate
    return LABELS_DIR / f"{name}.jsonl"


def load_labels(path: Path) -> List[Label]:
    labels: List[Label] = []
    seen: Set[Tuple[str, str, str, int, str]] = set()
    with open(path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, 1):
            if not text.strip():
                continue
            where = f"{path}:{number}"
            try:
                raw = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: not JSON ({exc.msg})") from None
            for key in ("repo", "commit", "path", "line", "label"):
                if key not in raw:
                    raise ValueError(f"{where}: missing {key!r}")
            if raw["label"] not in LABELS:
                raise ValueError(f"{where}: label must be one of {', '.join(LABELS)}")
            if raw["label"] == "true" and not raw.get("codes"):
                raise ValueError(f"{where}: a true site needs its codes")
            label = Label(
                repo=raw["repo"], commit=raw["commit"], path=raw["path"].replace("\\", "/"),
                line=int(raw["line"]), label=raw["label"], codes=tuple(raw.get("codes") or ()),
                kind=raw.get("kind") or "", chain=raw.get("chain") or "", reason=raw.get("reason") or "",
            )
            # One line can hold two sites of different kinds (a comprehension that awaits, starting a run).
            key = label.site + (label.kind,)
            if key in seen:
                raise ValueError(f"{where}: {label.path}:{label.line} ({label.kind}) is labelled twice")
            seen.add(key)
            labels.append(label)
    return labels


def family_of(labels: Iterable[Label]) -> Optional[str]:
    """The common prefix 'AIOn' of every code of the true sites, if there is one."""
    prefixes = {code[:4] for label in labels for code in label.codes}
    return prefixes.pop() if len(prefixes) == 1 else None


# ---------------------------------------------------------------------------- matching
def score(labels: Sequence[Label], findings: Dict[Tuple[str, str], List[Finding]], family: str,
          not_run: Sequence[Tuple[str, str, str]] = ()) -> Report:
    """Match findings (per (repo, commit)) to labels. Repos in `not_run` are left out."""
    skipped = {(repo, commit) for repo, commit, _ in not_run}
    report = Report(family=family, not_run=list(not_run))
    at: Dict[Tuple[str, str, str, int], List[Finding]] = defaultdict(list)
    for (repo, commit), found in findings.items():
        for finding in found:
            if finding.code.startswith(family):
                at[(repo, commit, finding.path, finding.line)].append(finding)
    labelled: Set[Tuple[str, str, str, int]] = set()
    for label in labels:
        if (label.repo, label.commit) in skipped:
            continue
        labelled.add(label.site)
        kind = report.kinds.setdefault(label.kind or "(none)", KindScore())
        here = at.get(label.site, [])
        for bucket in (kind, report.total):
            if label.label == "true":
                bucket.true += 1
            elif label.label == "trap":
                bucket.traps += 1
            else:
                bucket.ambiguous += 1
        if label.label == "true":
            if any(f.code in label.codes for f in here):
                kind.found += 1
                report.total.found += 1
            elif here:
                kind.wrong_code += 1
                report.total.wrong_code += 1
                report.wrong_code.append((label, here))
            else:
                report.missed.append(label)
        elif label.label == "trap":
            if here:
                kind.alarms += 1
                report.total.alarms += 1
                report.false_alarms.append((label, here))
        elif here:
            report.ambiguous_hits.append((label, here))
    for (repo, commit, path, line), found in sorted(at.items()):
        if (repo, commit) in skipped or (repo, commit, path, line) in labelled:
            continue
        for finding in found:
            report.unlabelled.append((repo, commit, finding))
    report.kinds = OrderedDict(sorted(report.kinds.items()))
    return report


# ---------------------------------------------------------------------------- sources
def mirror_of(repo: str, mirrors: Path) -> Optional[Path]:
    base = mirrors / repo.replace("/", "+")
    for candidate in (base / "repo", base):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def _git(git_dir: Path, *args: str, data: Optional[bytes] = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], input=data, capture_output=True, check=False)


def _kept(path: str) -> bool:
    return path.endswith((".py", ".pyi")) or path.rsplit("/", 1)[-1] in KEPT_NAMES


def materialise(repo: str, commit: str, mirrors: Path, src: Path) -> Tuple[Optional[Path], str]:
    """The repo's sources at `commit` under `src`; (None, why) when that cannot be done."""
    dest = src / f"{repo.replace('/', '+')}@{commit[:12]}"
    marker = dest / DONE_MARKER
    if marker.is_file() and marker.read_text().strip() == commit:
        return dest, ""
    git_dir = mirror_of(repo, mirrors)
    if git_dir is None:
        return None, f"no mirror under {mirrors}: fetch github:{repo}"
    if _git(git_dir, "cat-file", "-e", f"{commit}^{{commit}}").returncode != 0:
        return None, f"commit {commit[:12]} is not in the mirror {git_dir}: fetch github:{repo} again"
    listing = _git(git_dir, "ls-tree", "-r", "-z", "--full-tree", commit)
    if listing.returncode != 0:
        return None, f"git ls-tree failed: {listing.stderr.decode(errors='replace').strip()}"
    wanted: List[Tuple[str, str]] = []
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        path = os.fsdecode(name)
        if kind == "blob" and mode in ("100644", "100755") and _kept(path):
            wanted.append((sha, path))
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    root = dest.resolve()
    batch = _git(git_dir, "cat-file", "--batch", data="".join(f"{sha}\n" for sha, _ in wanted).encode())
    stream, offset = batch.stdout, 0
    for sha, path in wanted:
        end = stream.index(b"\n", offset)
        header = stream[offset:end].decode().split()
        offset = end + 1
        if len(header) < 3 or header[1] != "blob":  # "<sha> missing": the snapshot lacks it
            continue
        size = int(header[2])
        body = stream[offset:offset + size]
        offset += size + 1
        target = (dest / path).resolve()
        if root not in target.parents:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    # A .git makes the directory a project root, as the real checkout was.
    subprocess.run(["git", "init", "-q", str(dest)], capture_output=True, check=False)
    marker.write_text(commit + "\n")
    return dest, ""


# ---------------------------------------------------------------------------- aiolint
def run_aiolint(directory: Path, family: str, aiolint: Sequence[str], jobs: int) -> Tuple[Optional[List[Finding]], str]:
    command = [*aiolint, "check", "--format", "json", "--no-cache", "--isolated", "--no-respect-gitignore",
               "-j", str(jobs), "--select", family, "."]
    try:
        done = subprocess.run(command, cwd=directory, capture_output=True, text=True, check=False)
    except OSError as exc:
        return None, f"cannot run {command[0]}: {exc}"
    if done.returncode not in (0, 1):
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return None, f"aiolint exited {done.returncode}: {' | '.join(tail)}"
    try:
        raw = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        return None, "aiolint did not print JSON"
    found = [
        Finding(path=os.path.normpath(item["path"]).replace(os.sep, "/"), line=int(item["line"]),
                code=item["code"], message=item.get("message", ""))
        for item in raw
    ]
    return found, ""


def aiolint_version(aiolint: Sequence[str]) -> str:
    try:
        done = subprocess.run([*aiolint, "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return "?"
    return (done.stdout or done.stderr).strip() or "?"


# ---------------------------------------------------------------------------- output
def _pct(value: Optional[float]) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}%"


def to_json(report: Report, meta: Dict[str, object]) -> Dict[str, object]:
    def site(label: Label, found: Sequence[Finding] = ()) -> Dict[str, object]:
        out = {"repo": label.repo, "path": label.path, "line": label.line, "kind": label.kind,
               "codes": list(label.codes), "chain": label.chain, "reason": label.reason}
        if found:
            out["findings"] = [asdict(f) for f in found]
        return out

    def kind_row(kind: KindScore) -> Dict[str, object]:
        return {**asdict(kind), "recall": kind.recall, "precision": kind.precision}

    return {
        **meta,
        "family": report.family,
        "kinds": {name: kind_row(kind) for name, kind in report.kinds.items()},
        "total": kind_row(report.total),
        "false_alarms": [site(label, found) for label, found in report.false_alarms],
        "wrong_code": [site(label, found) for label, found in report.wrong_code],
        "missed": [site(label) for label in report.missed],
        "ambiguous_hits": [site(label, found) for label, found in report.ambiguous_hits],
        "unlabelled": [{"repo": repo, "commit": commit, **asdict(f)} for repo, commit, f in report.unlabelled],
        "not_run": [{"repo": repo, "commit": commit, "why": why} for repo, commit, why in report.not_run],
    }


def to_text(report: Report, meta: Dict[str, object], show_missed: bool) -> str:
    lines = [f"set {meta['set']}: {meta['labels']} labels, {meta['repos']} repo@commits; family {report.family}; "
             f"{meta['aiolint']}", ""]
    header = (f"{'kind':<20} {'true':>5} {'found':>6} {'recall':>7} {'wrong':>6} {'traps':>6} {'alarms':>7} "
              f"{'precision':>9} {'ambig':>6}")
    lines.append(header)
    lines.append("-" * len(header))
    rows = list(report.kinds.items()) + [("all", report.total)]
    for name, kind in rows:
        lines.append(f"{name:<20} {kind.true:>5} {kind.found:>6} {_pct(kind.recall):>7} {kind.wrong_code:>6} "
                     f"{kind.traps:>6} {kind.alarms:>7} {_pct(kind.precision):>9} {kind.ambiguous:>6}")
    for title, items in (("False alarms (trap lines with a finding)", report.false_alarms),
                         ("Wrong code (true sites reported under another code)", report.wrong_code),
                         ("Reported on ambiguous sites (not scored)", report.ambiguous_hits)):
        if items:
            lines += ["", f"{title}: {len(items)}"]
            for label, found in items:
                for finding in found:
                    lines.append(f"  {label.repo} {label.path}:{label.line} {finding.code} {finding.message}"
                                 f"  [{label.kind}: {label.reason or label.chain}]")
    if show_missed and report.missed:
        lines += ["", f"Missed true sites: {len(report.missed)}"]
        lines += [f"  {site.repo} {site.path}:{site.line} {'/'.join(site.codes)} [{site.kind}] {site.chain}"
                  for site in report.missed]
    lines += ["", f"Unlabelled findings (judge by hand): {len(report.unlabelled)}"]
    lines += [f"  {repo} {f.path}:{f.line} {f.code} {f.message}" for repo, _, f in report.unlabelled]
    if report.not_run:
        lines += ["", f"Not run: {len(report.not_run)}"]
        lines += [f"  {repo}@{commit[:12]}: {why}" for repo, commit, why in report.not_run]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- main
def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="reach", help="a set name under benchmarks/labels/ or a .jsonl path")
    parser.add_argument("--family", help="code prefix to select and to count as alarms, e.g. AIO1 "
                        "(default: the one prefix of the set's codes)")
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS, help="where `fetch` left the bare mirrors")
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC, help="where repos are materialised")
    parser.add_argument("--aiolint", default="aiolint", help="the aiolint command (default: 'aiolint' on PATH)")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="aiolint worker processes per repo (default 1)")
    parser.add_argument("--repo", action="append", default=[], help="only this owner/name (repeatable)")
    parser.add_argument("--show-missed", action="store_true", help="list the true sites that were not found")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)

    path = set_path(args.set)
    labels = load_labels(path)
    if args.repo:
        labels = [label for label in labels if label.repo in args.repo]
    family = args.family or family_of(labels)
    if not family:
        parser.error("the set's codes span several families: give --family")
    aiolint = args.aiolint.split()
    groups: "OrderedDict[Tuple[str, str], None]" = OrderedDict((label.site[:2], None) for label in labels)
    findings: Dict[Tuple[str, str], List[Finding]] = {}
    not_run: List[Tuple[str, str, str]] = []
    for repo, commit in groups:
        directory, why = materialise(repo, commit, args.mirrors, args.src)
        if directory is None:
            not_run.append((repo, commit, why))
            continue
        found, why = run_aiolint(directory, family, aiolint, args.jobs)
        if found is None:
            not_run.append((repo, commit, why))
            continue
        findings[(repo, commit)] = found
        print(f"{repo}@{commit[:12]}: {len(found)} findings", file=sys.stderr)
    report = score(labels, findings, family, not_run)
    meta = {"set": str(path), "labels": len(labels), "repos": len(groups), "aiolint": aiolint_version(aiolint)}
    print(json.dumps(to_json(report, meta), indent=2) if args.json else to_text(report, meta, args.show_missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
