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
from typing import Any, Dict, Optional, Tuple

_SUFFIX = ".jsonl"
# A shard bigger than this is not read (a summary missing is only made again).
_MAX_SHARD = 64 * 1024 * 1024


class SummaryStore:
    def __init__(self, directory: str, format_tag: int):
        self.directory = directory
        self.format_tag = format_tag
        # shard -> (its size when read, {digest: JSON text}): a shard is read again only when it grew.
        self._shards: Dict[str, Tuple[int, Dict[str, str]]] = {}
        self._ready = False

    def get(self, digest: str) -> Optional[Dict[str, Any]]:
        shard = digest[:2]
        known = self._shards.get(shard)
        text = known[1].get(digest) if known is not None else None
        if text is None:
            text = self._read(shard, known).get(digest)
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) and data.get("format") == self.format_tag else None

    def _read(self, shard: str, known: Optional[Tuple[int, Dict[str, str]]]) -> Dict[str, str]:
        path = os.path.join(self.directory, shard + _SUFFIX)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return {}
        try:
            with os.fdopen(fd, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if known is not None and known[0] == size:
                    return known[1]
                if size > _MAX_SHARD:
                    return {}
                data = handle.read()
        except OSError:
            return {}
        lines: Dict[str, str] = {}
        for line in data.split(b"\n")[:-1]:  # the last piece has no newline: a line being written
            if not line:
                continue
            digest, _, text = line.partition(b" ")
            try:
                lines[digest.decode("ascii")] = text.decode("utf-8")
            except UnicodeDecodeError:
                continue
        self._shards[shard] = (size, lines)
        return lines

    def put(self, digest: str, summary: Dict[str, Any]) -> None:
        """Best effort: a summary that cannot be written is made again next time."""
        # Led by a newline too, so that a line torn before it (no newline at its end) stays alone.
        line = ("\n" + digest + " " + json.dumps(summary, separators=(",", ":")) + "\n").encode("utf-8")
        try:
            if not self._ready:
                os.makedirs(self.directory, exist_ok=True)
                # A directory that is a symlink (or resolves elsewhere) would lead writes out of the cache.
                if os.path.islink(self.directory) or os.path.realpath(self.directory) != self.directory:
                    return
                self._ready = True
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(os.path.join(self.directory, digest[:2] + _SUFFIX), flags, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError:
            pass
