"""Which files a run lints, and which codes each file ignores: `exclude`,
`per-file-ignores` and `.gitignore`, on top of files.iter_python_files' built-in excludes.

Patterns are fnmatch globs. One without a `/` matches a file or directory name at any
depth (`generated`, `*_pb2.py`); one with a `/` matches the path relative to the
directory the pattern was configured in (`tests/fixtures/*`, `src/legacy`). A pattern
that matches a directory excludes everything below it.
"""
from __future__ import annotations

import fnmatch
import os
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from aiolint.frontends.config import Config
from aiolint.frontends.files import iter_python_files
from aiolint.core.settings import Settings


class PathPatterns:
    def __init__(self, patterns: Sequence[str], root: Path):
        self.root = str(root.resolve())
        self.names = [p for p in (p.strip().rstrip("/") for p in patterns) if p and "/" not in p]
        self.paths = [
            p[2:] if p.startswith("./") else p for p in (p.strip().rstrip("/") for p in patterns) if "/" in p
        ]

    def __bool__(self) -> bool:
        return bool(self.names or self.paths)

    def _relative(self, path: str) -> str:
        absolute = os.path.abspath(path)
        relative = os.path.relpath(absolute, self.root)
        return absolute if relative.startswith("..") else relative

    def _matches_one(self, relative: str) -> bool:
        name = os.path.basename(relative)
        posix = relative.replace(os.sep, "/")
        return any(fnmatch.fnmatchcase(name, p) for p in self.names) or any(
            fnmatch.fnmatchcase(posix, p) for p in self.paths
        )

    def matches(self, path: str, *, parents: bool = True) -> bool:
        """Does the pattern set match `path`, or (with `parents`) a directory above it?"""
        relative = self._relative(path)
        if self._matches_one(relative):
            return True
        if parents:
            parent = os.path.dirname(relative)
            while parent and parent not in (os.sep, "."):
                if self._matches_one(parent):
                    return True
                next_parent = os.path.dirname(parent)
                if next_parent == parent:
                    break
                parent = next_parent
        return False


# ---------------------------------------------------------------------------- .gitignore
class _GitVisible:
    """The files git would show under a directory (tracked, or untracked and not ignored).

    One `git ls-files` per searched directory: cheap, and exactly git's own rules
    (nested .gitignore files, .git/info/exclude, the global excludes file).
    """

    def __init__(self, directory: str, files: Set[str], subtrees: Tuple[str, ...]):
        self.files = files
        self.subtrees = subtrees  # submodules and nested repositories: not filtered
        self.dirs: Set[str] = set()
        top = os.path.abspath(directory)
        for path in files:
            parent = os.path.dirname(path)
            while parent not in self.dirs and len(parent) > len(top):
                self.dirs.add(parent)
                parent = os.path.dirname(parent)

    def hides(self, path: str) -> bool:
        absolute = os.path.abspath(path)
        if absolute in self.files or absolute in self.dirs:
            return False
        return not any(absolute == s or absolute.startswith(s + os.sep) for s in self.subtrees)

    @classmethod
    def of(cls, directory: str) -> Optional["_GitVisible"]:
        def git(*args: str) -> Optional[List[str]]:
            try:
                # The linted tree may be hostile: its own .git/config can name a command
                # git would run (core.fsmonitor); switch that off, and never write its index.
                done = subprocess.run(
                    ["git", "--no-optional-locks", "-c", "core.fsmonitor=false", "-C", directory,
                     "ls-files", "-z", *args],
                    capture_output=True,
                    timeout=60,
                    check=False,
                )
            except (OSError, subprocess.SubprocessError):
                return None
            if done.returncode != 0:  # not a work tree, or no git
                return None
            return [os.fsdecode(entry) for entry in done.stdout.split(b"\0") if entry]

        tracked = git("--stage")
        untracked = git("--others", "--exclude-standard")
        if not tracked and not untracked:
            # Not a work tree, or git ignores the whole directory: it was named, so search it all.
            return None
        top = os.path.abspath(directory)
        files: Set[str] = set()
        subtrees: List[str] = []
        for entry in tracked:
            mode, _, path = entry.partition("\t")
            absolute = os.path.normpath(os.path.join(top, path))
            (subtrees.append(absolute) if mode.startswith("160000") else files.add(absolute))
        for path in untracked:
            absolute = os.path.normpath(os.path.join(top, path))
            (subtrees.append(absolute) if path.endswith("/") else files.add(absolute))
        return cls(directory, files, tuple(subtrees))


# ---------------------------------------------------------------------------- selection
class Selection:
    """The files of one run and each file's settings, from a resolved Config."""

    def __init__(self, config: Config):
        self.config = config
        self.exclude = PathPatterns(config.exclude, config.exclude_root)
        self.per_file = [
            (PathPatterns([pattern], config.per_file_ignores_root), codes)
            for pattern, codes in config.per_file_ignores
        ]
        self._settings: Dict[Tuple[str, ...], Settings] = {}

    def files(self, paths: Sequence[str]) -> List[str]:
        """Named files and directories are used unless an `exclude` pattern matches them (so
        pre-commit, which names files, honours it); directories are searched."""
        found: List[str] = []
        for path in paths:
            if path == "-":
                found.append(path)
            elif self.exclude and self.exclude.matches(path):
                continue
            elif os.path.isdir(path):
                found.extend(iter_python_files([path], skip=self._skipper(path)))
            else:
                found.append(path)
        return found

    def _skipper(self, directory: str) -> Optional[Callable[[str], bool]]:
        git = _GitVisible.of(directory) if self.config.respect_gitignore else None
        exclude = self.exclude if self.exclude else None
        if git is None and exclude is None:
            return None

        def skip(path: str) -> bool:
            # The walk meets parents first, so each path only needs checking by itself.
            return (exclude is not None and exclude.matches(path, parents=False)) or (
                git is not None and git.hides(path)
            )

        return skip

    def ignored_codes(self, path: str) -> Tuple[str, ...]:
        codes: List[str] = []
        for patterns, ignored in self.per_file:
            if patterns.matches(path):
                codes.extend(ignored)
        return tuple(codes)

    def settings_for(self, path: str) -> Settings:
        """The run's settings, with this file's per-file-ignores added to `ignore`."""
        base = self.config.settings
        codes = self.ignored_codes(path) if self.per_file else ()
        if not codes:
            return base
        if codes not in self._settings:
            self._settings[codes] = replace(base, ignore=base.ignore + codes)
        return self._settings[codes]
