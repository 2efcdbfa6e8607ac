"""File handling for the CLI: finding Python files, reading them, writing fixes safely."""
from __future__ import annotations

import errno
import os
import stat
import tempfile
from typing import Callable, Iterable, Iterator, Optional, Sequence

DEFAULT_EXCLUDES = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", ".tox", ".nox", ".venv", "venv", ".eggs", "__pycache__",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".aiolint_cache", "build", "dist",
        "node_modules", "site-packages", "__pypackages__",
    }
)
PYTHON_SUFFIXES = (".py", ".pyi", ".ipynb")


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
                        if not _special(os.path.join(root, name)):
                            yield os.path.join(root, name)
        else:
            yield path


def _special(path: str) -> bool:
    """A FIFO, socket or device found while searching: reading it could block forever.

    A path that cannot be stat'ed (broken link, symlink loop) is not special: reading it
    reports the error.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


class FileChanged(Exception):
    """The file on disk is not what we read: someone else wrote it; we do not overwrite."""


class OutsideTree(OSError):
    """The path is a symlink to a file outside the tree being fixed; we do not write there."""

    def __init__(self, path: str):
        super().__init__(errno.EPERM, "a symlink to a file outside the tree being fixed; not written", path)


def tree_root(path: str, roots: Optional[Sequence[str]] = None) -> str:
    """The tree `path` belongs to: the deepest directory among `roots` (the command line's
    arguments) that holds it by name, else the directory the path names it in."""
    absolute = os.path.abspath(path)
    best = ""
    for root in roots or ():
        candidate = os.path.abspath(root)
        if len(candidate) > len(best) and os.path.isdir(candidate) and _within(absolute, candidate):
            best = candidate
    return best or os.path.dirname(absolute)


def _within(path: str, directory: str) -> bool:
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:  # different drives
        return False


def write_atomic(path: str, data: bytes, expected: bytes, roots: Optional[Sequence[str]] = None) -> None:
    """Replace `path` with `data` via a temporary file in the same directory and a rename.

    Keeps the file's permissions (and owner, when allowed); refuses (FileChanged) if the file no
    longer holds `expected`. Writes through a symlink to its target, never replacing the link
    itself, but only when the target lies inside the tree the file was found in (`tree_root`):
    a repository's symlink must not make `aiolint fix .` edit files elsewhere (OutsideTree).
    """
    target = os.path.realpath(path)
    root = os.path.realpath(tree_root(path, roots))
    if not _within(target, root):
        raise OutsideTree(path)
    info = os.stat(target)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", path)
    directory, name = os.path.split(target)
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".aiolint-tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, stat.S_IMODE(info.st_mode))
        if hasattr(os, "chown") and (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
            try:
                os.chown(temp, info.st_uid, info.st_gid)
            except OSError:
                pass  # not ours to give away; the content still matters more
        # Compare as late as possible: the window in which another writer can be lost is the
        # time between this read and the rename.
        with open(target, "rb") as handle:
            if handle.read() != expected:
                raise FileChanged(path)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
