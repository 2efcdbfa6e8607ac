"""The result cache: per-file findings keyed by what could change them.

A key is the SHA-256 of the file's bytes and a fingerprint of everything else
that decides the findings: the aiolint version, a hash of aiolint's own source
(so a development checkout never serves results of older code), the LibCST and
Python versions, and the settings. Nothing is ever "invalidated": a changed
input is a different key.

Safe under concurrent runs: an entry is written to a temporary file in its
shard directory and renamed into place, so readers see a whole entry or none.
Entries carry a checksum of their payload; anything that does not verify
(truncated by a crash before the data reached the disk, edited, garbage) is a
miss, never an error. All paths are derived from hex digests under the cache
directory, and shard directories that are not plain directories inside it are
refused, so the cache never writes elsewhere.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from aiolint.core.findings import Applicability, Finding, Fix
from aiolint.semantics.project import file_stamp as project_file_stamp

DEFAULT_DIR = ".aiolint_cache"
_KEY = re.compile(r"[0-9a-f]{64}")
_FORMAT = b"aiolint-cache-2"
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


def _encode(key: str, findings: List[Finding], dependencies: Sequence[Tuple[str, int, int]] = ()) -> bytes:
    rows = []
    for f in findings:
        fix = None if f.fix is None else [f.fix.applicability, f.fix.description, list(f.fix.imports)]
        rows.append([f.code, f.name, f.message, f.line, f.col, f.end_line, f.end_col, fix, f.cell])
    entry = [key, rows, [list(d) for d in dependencies]] if dependencies else [key, rows]
    payload = json.dumps(entry, separators=(",", ":")).encode()
    return _FORMAT + b" " + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def _decode(key: str, data: bytes, stamp=project_file_stamp) -> Optional[List[Finding]]:
    header, sep, payload = data.partition(b"\n")
    if not sep or header != _FORMAT + b" " + hashlib.sha256(payload).hexdigest().encode():
        return None
    stored_key, rows, *rest = json.loads(payload)
    if stored_key != key:
        return None
    # Findings read from other project files (a helper in another module) hold only while those
    # files are as they were: same size, same modification time.
    for dependency in rest[0] if rest else ():
        path, size, mtime = dependency
        if not isinstance(path, str) or stamp(path) != (path, size, mtime):
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
        # Project files' stamps, looked up once per Cache (one per run): a warm check of Home
        # Assistant checked 153,231 dependencies of 2,632 files.
        self._stamps: dict = {}

    def key(self, source: bytes) -> str:
        digest = hashlib.sha256(self.fingerprint.encode())
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
            return _decode(key, data, self._stamp)
        except Exception:  # a bad entry is a miss; linting again rewrites it
            return None

    def _stamp(self, path: str):
        found = self._stamps.get(path)
        if found is None:
            found = self._stamps[path] = project_file_stamp(path)
        return found

    def put(self, key: str, findings: List[Finding], dependencies: Sequence[Tuple[str, int, int]] = ()) -> None:
        """Store plain findings under `key`. Best effort: failing to write is not an error."""
        if not _KEY.fullmatch(key):
            return
        try:
            shard = self._shard(key[:2])
            if shard is None:
                return
            fd, temp = tempfile.mkstemp(dir=shard, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(_encode(key, findings, dependencies))
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
