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
from aiolint.semantics.summary_store import append_lines, line, read_appended

DEFAULT_DIR = ".aiolint_cache"
_KEY = re.compile(r"[0-9a-f]{64}")
_FORMAT = b"aiolint-cache-4"
_STAMPS = "stamps.jsonl"
# A table bigger than this is not read, and the next writer starts it again (entries whose
# stamps are no longer listed are misses): one line per version of each project file seen.
_MAX_STAMPS = 16 * 1024 * 1024
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
    rows = []
    for f in findings:
        fix = None if f.fix is None else [f.fix.applicability, f.fix.description, list(f.fix.imports)]
        rows.append([f.code, f.name, f.message, f.line, f.col, f.end_line, f.end_col, fix, f.cell])
    # The ids as one string, split at spaces when read: a warm run reads tens of thousands of them,
    # and a JSON list of strings is decoded an object at a time.
    entry = [key, rows, " ".join(dependencies)] if dependencies else [key, rows]
    payload = json.dumps(entry, separators=(",", ":")).encode()
    return _FORMAT + b" " + _checksum(payload) + b"\n" + payload


def _checksum(payload: bytes) -> bytes:
    # It tells a whole entry from a torn or garbled one (a crash, a full disk), not a forged one:
    # whoever can write the cache can write any checksum. CRC-32 does that at a tenth of SHA-256's cost.
    return b"%08x" % zlib.crc32(payload)


def _decode(key: str, data: bytes, current: Callable[[str], bool]) -> Optional[List[Finding]]:
    """The findings of an entry, if it verifies and `current` says its dependencies are unchanged."""
    header, sep, payload = data.partition(b"\n")
    if not sep or header != _FORMAT + b" " + _checksum(payload):
        return None
    stored_key, rows, *rest = json.loads(payload.decode())  # bytes would have their encoding guessed first
    if stored_key != key or (rest and not current(rest[0])):
        return None
    findings = []
    for row in rows:
        if len(row) != 9:
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
            fd = os.open(self._path(key), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        try:
            with os.fdopen(fd, "rb") as handle:
                data = handle.read()
            return _decode(key, data, self._stamps.current)
        except Exception:  # a bad entry is a miss; linting again rewrites it
            return None

    def put(self, key: str, findings: List[Finding], dependencies: Sequence[Tuple[str, int, int]] = ()) -> None:
        """Store plain findings under `key`. Best effort: failing to write is not an error."""
        if not _KEY.fullmatch(key):
            return
        try:
            shard = self._shard(key[:2])
            if shard is None:
                return
            ids = self._stamps.ids(dependencies) if dependencies else ()
            fd, temp = tempfile.mkstemp(dir=shard, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(_encode(key, findings, ids))
                os.replace(temp, os.path.join(shard, key[2:]))
            except BaseException:
                try:
                    os.unlink(temp)
                except OSError:
                    pass
                raise
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
