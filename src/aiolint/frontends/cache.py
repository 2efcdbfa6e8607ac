"""The result cache: per-file findings keyed by what could change them.

A key is the SHA-256 of the file's bytes, of where it is, and of a fingerprint of
everything else that decides the findings: the aiolint version, a hash of
aiolint's own source (so a development checkout never serves results of older
code), the LibCST and Python versions, and the settings. Where the file is
matters since the project index: the same bytes in two packages import different
siblings, and a message names their files. Nothing is ever "invalidated": a
changed input is a different key.

Safe under concurrent runs: an entry is written to a temporary file in its
shard directory and renamed into place, so readers see a whole entry or none.
Entries carry a checksum (CRC-32) of their payload; anything that does not
verify (truncated by a crash before the data reached the disk, edited, garbage)
is a miss, never an error. All paths are derived from hex digests under the cache
directory, and shard directories that are not plain directories inside it are
refused, so the cache never writes elsewhere.

A finding read from other project files (a helper in another module) holds only while those files
are as they were: its entry lists them by the id of their stamp (path, size, mtime), and the stamps
themselves are lines in one append-only table beside the entries (`stamps.jsonl`, written like the
module summaries: `semantics/summary_store.py`). A warm run reads that table once and looks each
file up once, however many entries depend on it; spelled out in every entry, Home Assistant's
153,000 dependencies were most of the bytes a warm check decoded.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from aiolint.core.findings import Applicability, Finding, Fix
from aiolint.semantics.project import file_stamp as project_file_stamp
from aiolint.semantics.summary_store import append_lines, line, open_for_reading, read_appended

DEFAULT_DIR = ".aiolint_cache"
_KEY = re.compile(r"[0-9a-f]{64}")
_FORMAT = b"aiolint-cache-4"
_STAMPS = "stamps.jsonl"
# A table bigger than this is not read, and the next writer starts it again (entries whose
# stamps are no longer listed are misses): one line per version of each project file seen.
_MAX_STAMPS = 16 * 1024 * 1024
_RUNS = "runs"  # run records (`RunRecord`), the latest few
_MAX_RUNS = 8
_MAX_RECORD = 64 * 1024 * 1024
_README = (
    b"Created by aiolint: cached findings, safe to delete.\n"
)


def _package_source_hash() -> str:
    """Hash of aiolint's own .py files: results of other code are never served."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        digest.update(str(path.relative_to(root)).encode() + b"\0" + data + b"\0")
    return digest.hexdigest()


_SOURCE_HASH: Optional[str] = None


def fingerprint(settings: object) -> str:
    """Everything but the file's bytes that decides its findings."""
    global _SOURCE_HASH
    import libcst

    import aiolint

    if _SOURCE_HASH is None:
        _SOURCE_HASH = _package_source_hash()
    parts = [
        _FORMAT.decode(),
        str(aiolint.__version__),  # looked up now, not at import: an upgrade is a new fingerprint
        _SOURCE_HASH,
        getattr(libcst, "__version__", "?"),
        "%d.%d" % sys.version_info[:2],
        repr(settings),  # a frozen dataclass of plain values: its repr is its identity
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _encode(key: str, findings: List[Finding], dependencies: Sequence[str] = ()) -> bytes:
    """`dependencies`: the ids of the project-file stamps the findings were read from."""
    # The ids as one string, split at spaces when read: a warm run reads tens of thousands of them,
    # and a JSON list of strings is decoded an object at a time.
    rows = _rows(findings)
    entry = [key, rows, " ".join(dependencies)] if dependencies else [key, rows]
    return _framed(json.dumps(entry, separators=(",", ":")).encode())


def _framed(payload: bytes) -> bytes:
    return _FORMAT + b" " + _checksum(payload) + b"\n" + payload


def _unframed(data: bytes) -> Optional[bytes]:
    """The payload of what `_framed` wrote, if it verifies."""
    header, sep, payload = data.partition(b"\n")
    return payload if sep and header == _FORMAT + b" " + _checksum(payload) else None


def _rows(findings: List[Finding]) -> list:
    rows = []
    for f in findings:
        fix = None if f.fix is None else [f.fix.applicability, f.fix.description, list(f.fix.imports)]
        rows.append([f.code, f.name, f.message, f.line, f.col, f.end_line, f.end_col, fix, f.cell])
    return rows


def _checksum(payload: bytes) -> bytes:
    # It tells a whole entry from a torn or garbled one (a crash, a full disk), not a forged one:
    # whoever can write the cache can write any checksum. CRC-32 does that at a tenth of SHA-256's cost.
    return b"%08x" % zlib.crc32(payload)


def _decode(key: str, data: bytes, current: Callable[[str], bool]) -> Optional[Tuple[List[Finding], str]]:
    """The findings of an entry and its dependencies' ids, if it verifies and `current` says they
    are unchanged."""
    payload = _unframed(data)
    if payload is None:
        return None
    stored_key, rows, *rest = json.loads(payload.decode())  # bytes would have their encoding guessed first
    if stored_key != key or (rest and not current(rest[0])):
        return None
    findings = _findings(rows)
    return None if findings is None else (findings, rest[0] if rest else "")


def _findings(rows: object) -> Optional[List[Finding]]:
    """What `_rows` stored, or None if it is not that."""
    if type(rows) is not list:
        return None
    findings = []
    for row in rows:
        if type(row) is not list or len(row) != 9:
            return None
        code, name, message, line, col, end_line, end_col, fix, cell = row
        if not all(isinstance(v, str) for v in (code, name, message)):
            return None
        if not all(type(v) is int for v in (line, col, end_line, end_col, cell)):
            return None
        if fix is not None:
            applicability, description, imports = fix
            if applicability not in {a.value for a in Applicability}:
                return None
            fix = Fix(Applicability(applicability), str(description), (), tuple(str(i) for i in imports))
        findings.append(Finding(code, name, message, line, col, end_line, end_col, fix, cell))
    return findings


class Cache:
    """One cache directory, used with one set of settings."""

    def __init__(self, directory: "str | os.PathLike[str]", settings: object):
        self.root = os.path.realpath(os.fspath(directory))
        self.fingerprint = fingerprint(settings)
        self._ready = False
        self._shards: set = set()
        self._stamps = _StampTable(os.path.join(self.root, _STAMPS))
        self._cwd = os.getcwd()
        self._hit_dependencies: Dict[str, str] = {}  # key -> the stamp ids of the entry `get` served

    def key(self, source: bytes, path: str = "") -> str:
        """The key of `source` linted as the file at `path` (relative to the current directory)."""
        # The path as written, made absolute without touching the disk (a realpath would cost an
        # lstat per part of every path on every warm run): two spellings of one file are two keys,
        # which costs a miss, never a wrong hit.
        where = path if not path or os.path.isabs(path) else os.path.join(self._cwd, path)
        digest = hashlib.sha256(self.fingerprint.encode())
        digest.update(where.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(source)
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        if not _KEY.fullmatch(key):  # only our own digests name files: nothing else can steer a path
            raise ValueError(f"not a cache key: {key!r}")
        return os.path.join(self.root, key[:2], key[2:])

    def get(self, key: str) -> Optional[List[Finding]]:
        """The findings stored under `key`, or None (missing, unreadable or not verifiable)."""
        if not _KEY.fullmatch(key):
            return None
        try:
            fd = open_for_reading(self._path(key))
        except OSError:
            return None
        try:
            with os.fdopen(fd, "rb") as handle:
                data = handle.read()
            found = _decode(key, data, self._stamps.current)
        except Exception:  # a bad entry is a miss; linting again rewrites it
            return None
        if found is None:
            return None
        if found[1]:
            self._hit_dependencies[key] = found[1]
        return found[0]

    def dependencies(self, key: str) -> List[Tuple[str, int, int]]:
        """The stamps of the project files that the entry `get(key)` served was read from."""
        return self._stamps.stamps(self._hit_dependencies.get(key, ""))

    def run_record(self, paths: Sequence[str]) -> "RunRecord":
        """The record of runs over these paths, from this directory, with these settings."""
        named = "\0".join([self.fingerprint, self._cwd, *paths]).encode("utf-8", "surrogateescape")
        return RunRecord(self, hashlib.sha256(named).hexdigest())

    def put(self, key: str, findings: List[Finding], dependencies: Sequence[Tuple[str, int, int]] = ()) -> None:
        """Store plain findings under `key`. Best effort: failing to write is not an error."""
        if not _KEY.fullmatch(key):
            return
        try:
            shard = self._shard(key[:2])
            if shard is None:
                return
            ids = self._stamps.ids(dependencies) if dependencies else ()
            _write_atomically(os.path.join(shard, key[2:]), _encode(key, findings, ids))
        except OSError:
            pass

    def _shard(self, name: str) -> Optional[str]:
        shard = os.path.join(self.root, name)
        if name in self._shards:
            return shard
        if not self._ready:
            os.makedirs(self.root, exist_ok=True)
            for marker, text in (
                ("CACHEDIR.TAG", b"Signature: 8a477f597d28d172789f06886806bc55\n" + _README),
                (".gitignore", b"# " + _README + b"*\n"),
            ):
                marker_path = os.path.join(self.root, marker)
                if not os.path.lexists(marker_path):
                    try:
                        with open(marker_path, "xb") as handle:
                            handle.write(text)
                    except OSError:
                        pass
            self._ready = True
        try:
            os.mkdir(shard)
        except FileExistsError:
            pass
        # A shard that is a symlink (or resolves elsewhere) would lead writes out of the cache.
        if os.path.islink(shard) or not os.path.isdir(shard) or os.path.realpath(shard) != shard:
            return None
        self._shards.add(name)
        return shard


def _write_atomically(path: str, data: bytes) -> None:
    """Readers see the whole of `data` at `path`, or what was there before."""
    fd, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def _read_plain_file(path: str, limit: int) -> bytes:
    """The bytes of a regular file (no symlink followed), b"" if it is bigger than `limit`."""
    with os.fdopen(open_for_reading(path), "rb") as handle:
        if os.fstat(handle.fileno()).st_size > limit:
            return b""
        return handle.read()


class RunRecord:
    """Every file's findings from the last run over the same paths, in one file: `runs/<digest>`.

    A warm check of a big project otherwise opens one entry per file (Home Assistant: 6,739) and
    checks each entry's dependencies on its own (153,000 stamp ids). The record holds the findings
    by key and the union of the stamps of the project files they were read from: while every one of
    those stamps still holds, every finding it lists for a key does, since each was current with
    them when the record was written. If one does not, the record is not used at all and each file
    goes through its entry, which knows its own dependencies.

    A stamp of a file the run itself reads is kept under the path the run reads it by, so checking
    it needs no `stat`: the run's own read gives it (`seen` in `current`)."""

    def __init__(self, cache: Cache, name: str):
        self._cache = cache
        self.name = name
        self._files: Dict[str, object] = {}  # key -> rows, as stored
        # The stamps as three columns: decoded and compared as plain strings and ints, not as
        # thousands of small lists.
        self._paths: List[str] = []
        self._sizes_and_mtimes: List[Tuple[int, int]] = []

    @property
    def _path(self) -> str:
        return os.path.join(self._cache.root, _RUNS, self.name)

    def load(self) -> "RunRecord":
        """Read the record, if there is one that verifies (a damaged one is as good as none)."""
        try:
            payload = _unframed(_read_plain_file(self._path, _MAX_RECORD))
            if payload is not None:
                paths, sizes, mtimes, files = json.loads(payload.decode())
                columns = (paths, sizes, mtimes)
                if type(files) is dict and all(type(c) is list and len(c) == len(paths) for c in columns):
                    if all(type(path) is str for path in paths):
                        self._paths, self._sizes_and_mtimes, self._files = paths, list(zip(sizes, mtimes)), files
        except (OSError, ValueError, TypeError):
            pass
        return self

    def holds(self, key: str) -> bool:
        return key in self._files

    @property
    def stamps(self) -> List[Tuple[str, int, int]]:
        return [(path, *now) for path, now in zip(self._paths, self._sizes_and_mtimes)]

    def current(self, seen: Dict[str, Tuple[int, int]]) -> bool:
        """Does every stamp still hold? `seen`: (size, mtime_ns) of the files this run read, by path."""
        now = list(map(seen.get, self._paths))
        for n, found in enumerate(now):
            if found is None:  # not a file of this run: its stamp is asked for
                now[n] = project_file_stamp(self._paths[n])[1:]
        return now == self._sizes_and_mtimes

    def findings(self, key: str) -> Optional[List[Finding]]:
        try:
            return _findings(self._files.get(key))
        except (TypeError, ValueError):  # not what `save` wrote: that file goes through its entry
            return None

    def save(self, findings: Dict[str, List[Finding]], stamps: Set[Tuple[str, int, int]], read: Sequence[str]) -> None:
        """Record this run: the findings by key, and the stamps (path, size, mtime_ns) of the files
        they depend on. `read`: the paths this run read its files by. Best effort."""
        here = {}  # a dependency's resolved path -> the path this run read it by (made absolute lexically)
        for path in read:
            here.setdefault(os.path.normpath(os.path.join(self._cache._cwd, path)), path)
        kept = sorted({(here.get(path, path), size, mtime) for path, size, mtime in stamps})
        columns = [[stamp[n] for stamp in kept] for n in range(3)]
        payload = json.dumps([*columns, {key: _rows(found) for key, found in findings.items()}], separators=(",", ":"))
        try:
            directory = self._cache._shard(_RUNS)
            if directory is None:
                return
            _write_atomically(self._path, _framed(payload.encode()))
            records = sorted(os.scandir(directory), key=lambda e: e.stat().st_mtime_ns if e.is_file() else 0)
            for old in records[:-_MAX_RUNS]:  # runs over other paths: only the latest few are kept
                if old.name != self.name and _KEY.fullmatch(old.name):
                    os.unlink(old.path)
        except OSError:
            pass


class _StampTable:
    """Stamps of project files, (path, size, mtime_ns), each named by a short digest of itself.

    An entry holds only the ids of its dependencies. Each file is stat'ed once per run (a warm
    check of Home Assistant has 153,000 dependencies on 2,632 files), and an id known to be current
    is not looked at again. An id the table does not hold (a torn or lost line) makes its entry a
    miss, never a wrong hit."""

    def __init__(self, path: str):
        self.path = path
        self._read_to = 0  # where the table's whole lines end, as far as this process has read it
        self._listed: Dict[str, Tuple[str, int, int]] = {}  # id -> stamp, as the table lists it
        self._current: Set[str] = set()  # ids whose stamp the file still has, this run
        self._stat: Dict[str, Tuple[str, int, int]] = {}  # path -> its stamp now, this run
        self._ids: Dict[Tuple[str, int, int], str] = {}

    def current(self, ids: str) -> bool:
        """Are all these stamps (given by their ids, separated by spaces) still those of their files?"""
        if type(ids) is not str:
            return False
        listed = ids.split(" ")
        if self._current.issuperset(listed):  # after the first few entries, nearly always
            return True
        for sid in set(listed).difference(self._current):
            stamp = self._listed.get(sid)
            if stamp is None:
                self._read()
                stamp = self._listed.get(sid)
            if stamp is None or self._now(stamp[0]) != stamp:
                return False
            self._current.add(sid)
        return True

    def _now(self, path: str) -> Tuple[str, int, int]:
        found = self._stat.get(path)
        if found is None:
            found = self._stat[path] = project_file_stamp(path)
        return found

    def _read(self) -> None:
        """What was appended to the table since this process last read it."""
        try:
            data = read_appended(self.path, self._read_to, _MAX_STAMPS)
        except OSError:
            return
        lines = [record.partition(b" ") for record in data.split(b"\n") if record]
        try:  # thousands of lines: one JSON document, unless a line is torn or garbled
            stamps = json.loads(b"[" + b",".join(value for _, _, value in lines) + b"]")
        except ValueError:
            stamps = None
        if stamps is None or len(stamps) != len(lines):  # then line by line, each on its own
            stamps = []
            for _, _, value in lines:
                try:
                    stamps.append(json.loads(value))
                except ValueError:
                    stamps.append(None)
        for (sid, _, _), stamp in zip(lines, stamps):
            if type(stamp) is list and len(stamp) == 3:
                path, size, mtime = stamp
                if isinstance(path, str) and type(size) is int and type(mtime) is int:
                    self._listed[sid.decode("ascii", "replace")] = (path, size, mtime)
        self._read_to += len(data)

    def stamps(self, ids: str) -> List[Tuple[str, int, int]]:
        """The stamps of ids `current` found current."""
        return [self._listed[sid] for sid in ids.split(" ") if sid in self._listed] if ids else []

    def ids(self, stamps: Sequence[Tuple[str, int, int]]) -> List[str]:
        """The ids of these stamps, adding to the table those it does not list yet."""
        found = []
        for stamp in stamps:
            sid = self._ids.get(stamp)
            if sid is None:
                sid = self._ids[stamp] = hashlib.sha256(json.dumps(list(stamp)).encode()).hexdigest()[:16]
            found.append(sid)
        if any(sid not in self._listed for sid in found):
            self._read()  # what other runs and workers have added: they are not written again
        new = []
        for sid, stamp in zip(found, stamps):
            if sid not in self._listed:
                self._listed[sid] = tuple(stamp)
                new.append(line(sid, stamp))
        if new:
            if self._restarted():
                return self.ids(stamps)  # every stamp is new to the new table
            append_lines(self.path, new)
        return found

    def _restarted(self) -> bool:
        """Start a table that has grown too big to be read again (the next append creates it)."""
        try:
            if os.lstat(self.path).st_size <= _MAX_STAMPS:
                return False
            os.unlink(self.path)
        except OSError:
            return False
        self._listed, self._read_to = {}, 0
        return True
