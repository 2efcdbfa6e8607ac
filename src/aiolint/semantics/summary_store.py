"""Module summaries on disk, beside the findings cache, keyed by the digest of their source.

They live in 256 append-only files, `summaries/<first two hex digits>.jsonl`, one line per summary:
the digest, a space, the summary as JSON. A cold run over a large project summarises thousands of
modules, and creating a file apiece cost more than summarising them on some file systems (0.7 ms a
file on an ext4 with `discard`); appending a line creates nothing.

Several workers append to the same files at once. Each line goes out in one `write` on an
`O_APPEND` descriptor, and a reader takes only whole lines whose digest is the one it asked for and
whose JSON parses to a summary of the current format: a line torn by a crash or a full disk costs
that summary (it is made again), never a wrong one; every line starts with a newline of its own,
so a torn one never swallows the next. Lines are never rewritten: deleting the cache
directory, as for the findings, reclaims the space of modules that have changed since.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterator, List, Optional, Tuple

_SUFFIX = ".jsonl"
# A shard bigger than this is not read (a summary missing is only made again).
_MAX_SHARD = 64 * 1024 * 1024


class SummaryStore:
    def __init__(self, directory: str, format_tag: int):
        self.directory = directory
        self.format_tag = format_tag
        # shard -> (where its whole lines end, {digest: (start, end) of its JSON}): only what was
        # appended since is read; the JSON itself is read again when asked for, not kept.
        self._shards: Dict[str, Tuple[int, Dict[str, Tuple[int, int]]]] = {}
        self._ready = False

    def get(self, digest: str) -> Optional[Dict[str, Any]]:
        shard = digest[:2]
        known = self._shards.get(shard)
        span = known[1].get(digest) if known is not None else None
        data = self._load(shard, span) if span is not None else None
        if data is None:  # not indexed yet, or a torn line that a later one may have replaced
            fresh = self._index(shard, self._shards.get(shard)).get(digest)
            if fresh is not None and fresh != span:
                data = self._load(shard, fresh)
        return data if isinstance(data, dict) and data.get("format") == self.format_tag else None

    def _load(self, shard: str, span: Tuple[int, int]) -> Any:
        try:
            fd = open_for_reading(self._path(shard))
            try:
                text = os.pread(fd, span[1] - span[0], span[0])
            finally:
                os.close(fd)
            return json.loads(text)
        except (OSError, ValueError):
            return None

    def _path(self, shard: str) -> str:
        return os.path.join(self.directory, shard + _SUFFIX)

    def _index(self, shard: str, known) -> Dict[str, Tuple[int, int]]:
        """Where each digest's JSON lies in the shard, reading only what was appended since last time."""
        offset, spans = known if known is not None else (0, {})
        try:
            data = read_appended(self._path(shard), offset, _MAX_SHARD)
        except OSError:
            return spans
        if not data:
            return spans
        for start, space, stop in whole_lines(data):
            spans[data[start:space].decode("ascii", "replace")] = (offset + space + 1, offset + stop)
        self._shards[shard] = (offset + len(data), spans)
        return spans

    def put(self, digest: str, summary: Dict[str, Any]) -> None:
        """Best effort: a summary that cannot be written is made again next time."""
        if not self._ready:
            try:
                os.makedirs(self.directory, exist_ok=True)
            except OSError:
                return
            # A directory that is a symlink (or resolves elsewhere) would lead writes out of the cache.
            if os.path.islink(self.directory) or os.path.realpath(self.directory) != self.directory:
                return
            self._ready = True
        append_lines(self._path(digest[:2]), [line(digest, summary)])


# ---------------------------------------------------------------- append-only files of lines
# Shared with the findings cache's table of project-file stamps (frontends/cache.py).


def line(key: str, value: Any) -> bytes:
    """One record: led by a newline too, so that a line torn before it (no newline at its end)
    stays alone."""
    return ("\n" + key + " " + json.dumps(value, separators=(",", ":")) + "\n").encode("utf-8")


def append_lines(path: str, lines: List[bytes]) -> None:
    """Best effort, in one `write` on an `O_APPEND` descriptor (no symlink followed)."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
        try:
            os.write(fd, b"".join(lines))
        finally:
            os.close(fd)
    except OSError:
        pass


def open_for_reading(path: str) -> int:
    """A file of lines for reading; a symlink planted in its place is refused (OSError)."""
    return os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))


def read_appended(path: str, offset: int, limit: int) -> bytes:
    """The whole lines appended to the file since `offset` (b"" if none, or if the file is over
    `limit`): what follows the last newline is a line still being written, read next time, so
    the next offset is `offset + len(result)`."""
    fd = open_for_reading(path)
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size <= offset or size > limit:
            return b""
        handle.seek(offset)
        data = handle.read(size - offset)
    return data[:data.rfind(b"\n") + 1]


def whole_lines(data: bytes) -> Iterator[Tuple[int, int, int]]:
    """(start, the space after the key, end) of each line with a key, in what `read_appended` gave."""
    end = len(data)
    position = 0
    while position < end:
        stop = data.index(b"\n", position)
        space = data.find(b" ", position, stop)
        if space > position:
            yield position, space, stop
        position = stop + 1
