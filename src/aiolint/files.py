"""File handling for the CLI: finding Python files, reading them, writing fixes safely."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Sequence

DEFAULT_EXCLUDES = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", ".tox", ".nox", ".venv", "venv", ".eggs", "__pycache__",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".aiolint_cache", "build", "dist",
        "node_modules", "site-packages", "__pypackages__",
    }
)
PYTHON_SUFFIXES = (".py", ".pyi")


def iter_python_files(
    paths: Sequence[str],
    excludes: Iterable[str] = DEFAULT_EXCLUDES,
    skip: Optional[Callable[[str], bool]] = None,
) -> Iterator[str]:
    """Files named on the command line are always checked; directories are searched.

    `skip(path)` prunes directories and files met while searching (config excludes, .gitignore).
    """
    excluded = frozenset(excludes)
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if d not in excluded
                    and not d.endswith(".egg-info")
                    and not (skip is not None and skip(os.path.join(root, d)))
                )
                for name in sorted(files):
                    if name.endswith(PYTHON_SUFFIXES) and not (skip is not None and skip(os.path.join(root, name))):
                        yield os.path.join(root, name)
        else:
            yield path


class FileChanged(Exception):
    """The file on disk is not what we read: someone else wrote it; we do not overwrite."""


def write_atomic(path: str, data: bytes, expected: bytes) -> None:
    """Replace `path` with `data` via a temporary file in the same directory and a rename.

    Keeps the file's permissions; refuses (FileChanged) if the file no longer holds `expected`.
    Writes through a symlink to its target, never replacing the link itself.
    """
    target = Path(path).resolve()
    with open(target, "rb") as handle:
        if handle.read() != expected:
            raise FileChanged(path)
    mode = os.stat(target).st_mode & 0o7777
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".aiolint-tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
