"""Command-line front end: `aiolint check`, `aiolint fix`, `aiolint rule`, `aiolint rules`,
`aiolint server` (the language server, server.py, when the `server` extra is installed).

It only adapts the engine: it reads the configuration (config.py), finds files
(selection.py), reads bytes, reports findings (formats.py), and writes fixed bytes
back safely. Exit codes: 0 clean, 1 findings (or, for `fix --diff`, changes to
make), 2 usage, configuration or I/O error. README.md documents every flag; a test
keeps the two in step.
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections import Counter
from typing import Dict, List, Optional, Sequence

from aiolint import __version__
from aiolint.frontends.cache import DEFAULT_DIR as DEFAULT_CACHE_DIR, Cache
from aiolint.frontends.config import Config, ConfigError, resolve
from aiolint.frontends.docs import INTERNAL_ERROR_CODE, render_internal_error, render_rule
from aiolint.core.findings import Finding
from aiolint.core.noqa import add_noqa
from aiolint.frontends.files import PYTHON_SUFFIXES, FileChanged, write_atomic
from aiolint.frontends.notebook import is_notebook
from aiolint.frontends.formats import FORMATS, REPORTERS
from aiolint.rules import all_rules, get_rule
from aiolint.frontends.runner import FileResult, Task, check_files
from aiolint.frontends.selection import Selection

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


# Flags that set a [tool.aiolint] key, by attribute name -> key. Each wins over the file.
_CONFIG_FLAGS = {
    "select": "select",
    "ignore": "ignore",
    "per_file_ignores": "per-file-ignores",
    "blocking_calls": "blocking-calls",
    "exclude": "exclude",
    "respect_gitignore": "respect-gitignore",
    "target_version": "target-version",
    "prefer_taskgroup": "prefer-taskgroup",
}


def _config(args: argparse.Namespace) -> Config:
    given = {key: getattr(args, attr) for attr, key in _CONFIG_FLAGS.items() if getattr(args, attr) is not None}
    return resolve(
        args.paths, given, config_file=args.config, isolated=args.isolated, stdin_filename=args.stdin_filename
    )


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories ('-' reads stdin)")
    # Defaults are None so that only flags actually given override pyproject.toml.
    parser.add_argument("--select", metavar="CODES", help="comma-separated codes or prefixes to check (default: all)")
    parser.add_argument("--ignore", metavar="CODES", help="comma-separated codes or prefixes to skip")
    parser.add_argument(
        "--per-file-ignores",
        metavar="PAIRS",
        help="codes or prefixes to skip in files matching a glob, e.g. 'tests/*:AIO100,AIO101 scripts/*:AIO1'",
    )
    parser.add_argument(
        "--blocking-calls",
        "--aio-blocking-calls",
        dest="blocking_calls",
        metavar="NAMES",
        help="AIO106: extra blocking calls, comma-separated qualified names, each optionally "
        "'=replacement'; 'pkg.*' matches everything under pkg",
    )
    parser.add_argument(
        "--exclude",
        metavar="PATTERNS",
        help="comma-separated glob patterns of files or directories to skip, added to the built-in excludes",
    )
    parser.add_argument(
        "--respect-gitignore",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="skip files that git ignores when searching directories (default: on)",
    )
    parser.add_argument("--target-version", metavar="X.Y", help="Python version the code targets, e.g. 3.11")
    parser.add_argument(
        "--prefer-taskgroup",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="AIO400: suggest asyncio.TaskGroup alongside gather",
    )
    parser.add_argument(
        "--config", metavar="FILE", help="read [tool.aiolint] from this pyproject.toml instead of searching for one"
    )
    parser.add_argument("--isolated", action="store_true", help="ignore configuration files")
    parser.add_argument(
        "--stdin-filename", default="<stdin>", metavar="NAME", help="name to report for source read from stdin"
    )
    parser.add_argument(
        "-j", "--jobs", type=int, default=0, metavar="N", help="worker processes (default: one per core)"
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    parser.add_argument(
        "--cache-dir", default=DEFAULT_CACHE_DIR, metavar="DIR", help="result cache (default: %(default)s)"
    )
    parser.add_argument("--show-files", action="store_true", help="list the files that would be checked, and stop")
    parser.add_argument(
        "--show-settings", action="store_true", help="print the settings this run would use, and stop"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiolint", description="Find the asyncio mistakes that make async Python slow or wrong."
    )
    parser.add_argument("--version", action="version", version=f"aiolint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = commands.add_parser("check", help="report findings")
    _add_common(check)
    check.add_argument(
        "--output-format",
        "--format",
        dest="format",
        choices=FORMATS,
        default="text",
        help="how to report findings (default: %(default)s, one line per finding)",
    )
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even if there are findings")
    check.add_argument(
        "--show-fixes", action="store_true", help="with --output-format full: show each fix as a diff"
    )
    check.add_argument(
        "--statistics", action="store_true", help="print how many findings each rule has instead of the findings"
    )
    check.add_argument(
        "--add-noqa", action="store_true", help="add '# noqa: CODE' to every line with a finding, and stop"
    )
    check.add_argument(
        "--watch", action="store_true", help="check again whenever a file changes (needs aiolint[watch])"
    )

    fix = commands.add_parser("fix", help="apply fixes, then report what remains")
    _add_common(fix)
    fix.add_argument("--diff", action="store_true", help="print a unified diff instead of writing files")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that may change behaviour")

    rule = commands.add_parser("rule", help="explain one rule")
    rule.add_argument("code", metavar="CODE", help="a rule code (AIO100) or name (blocking-sleep)")

    commands.add_parser("rules", help="list all rules")

    server = commands.add_parser("server", help="run the language server (LSP over stdio) for editors")
    server.add_argument(
        "--debounce",
        type=float,
        default=0.3,
        metavar="SECONDS",
        help="server only: wait this long after an edit before analysing (default: %(default)s)",
    )
    return parser


def _error(message: str) -> None:
    print(f"aiolint: {message}", file=sys.stderr)


def _files(args: argparse.Namespace, selection: Selection) -> List[str]:
    files = selection.files(args.paths)
    for path in args.paths:
        if path != "-" and os.path.isdir(path) and not any(_under(f, path) for f in files):
            # As ruff: say so, and exit as for a clean run.
            _warn(f"no Python files found under {path}")
    return files


def _under(path: str, directory: str) -> bool:
    return os.path.abspath(path).startswith(os.path.abspath(directory).rstrip(os.sep) + os.sep)


def _warn(message: str) -> None:
    print(f"aiolint: warning: {message}", file=sys.stderr)


def cmd_check(args: argparse.Namespace, selection: Selection) -> int:
    if args.watch:
        return _watch(args, selection)
    return _check_once(args, selection)


def _check_once(args: argparse.Namespace, selection: Selection) -> int:
    settings = selection.config.settings
    reporter = REPORTERS[args.format](sys.stdout, selection.settings_for)
    reporter.show_fixes = args.show_fixes
    status = EXIT_CLEAN
    files = _files(args, selection)
    cache = None if args.no_cache else Cache(args.cache_dir, settings)
    counts: Counter = Counter()
    fixable: Dict[str, bool] = {}
    safe = unsafe = 0
    noqa_added = 0
    for result in check_files(files, settings, stdin_filename=args.stdin_filename, jobs=args.jobs, cache=cache):
        if result.error is not None:
            _error(f"{result.path}: {result.error}")
            reporter.error(result.path, result.error)
            status = EXIT_ERROR
            continue
        # per-file-ignores filter afterwards, so that one lint (and cache entry) serves every file.
        file_settings = selection.settings_for(result.path)
        findings = [f for f in result.findings if file_settings.is_enabled(f.code)]
        if args.add_noqa:
            noqa_added += _add_noqa(result, findings, args)
            continue
        for f in findings:
            counts[f.code] += 1
            fixable[f.code] = fixable.get(f.code, False) or f.fix is not None
            if f.fix is not None:
                safe += f.fix.is_safe
                unsafe += not f.fix.is_safe
        if not args.statistics:
            reporter.add(result.path, findings, result.source)
        if findings and not args.exit_zero:
            status = max(status, EXIT_FINDINGS)
    if args.add_noqa:
        print(f"Added {noqa_added} noqa directive{'s' if noqa_added != 1 else ''}.", file=sys.stderr)
        return EXIT_ERROR if status == EXIT_ERROR else EXIT_CLEAN
    if args.statistics:
        _statistics(counts, fixable)
    else:
        reporter.finish()
    if args.format in ("text", "full"):  # machines read stdout; people read this
        print(_check_summary(sum(counts.values()), safe, unsafe), file=sys.stderr)
    return status


def _statistics(counts: Counter, fixable: Dict[str, bool]) -> None:
    names = {rule.code: rule.name for rule in all_rules()}
    names[INTERNAL_ERROR_CODE] = "internal-error"
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        mark = "[*]" if fixable.get(code) else "   "
        print(f"{count:>5}\t{code}\t{mark} {names.get(code, '')}")


def _check_summary(total: int, safe: int, unsafe: int) -> str:
    if not total:
        return "All checks passed!"
    found = f"Found {total} error{'s' if total != 1 else ''}"
    if safe and unsafe:
        return f"{found} ({safe} fixable with aiolint fix; {unsafe} more with --unsafe-fixes)"
    if safe:
        return f"{found} ({safe} fixable with aiolint fix)"
    if unsafe:
        return f"{found} ({unsafe} fixable with aiolint fix --unsafe-fixes)"
    return found


def _add_noqa(result: FileResult, findings: Sequence[Finding], args: argparse.Namespace) -> int:
    """Add `# noqa: CODES` to the lines of `findings` (ruff's --add-noqa); returns how many lines changed."""
    if result.from_stdin or result.source is None or is_notebook(result.path):
        return 0
    wanted = [f for f in findings if f.code != INTERNAL_ERROR_CODE]
    if not wanted:
        return 0
    new, added = add_noqa(result.source, wanted)
    if not added:
        return 0
    try:
        write_atomic(result.path, new, result.source, roots=args.paths)
    except (FileChanged, OSError) as exc:
        _error(f"{result.path}: cannot add noqa ({exc})")
        return 0
    return added


def _watch(args: argparse.Namespace, selection: Selection) -> int:
    try:
        import watchfiles
    except ImportError:
        _error("--watch needs the watchfiles package: pip install 'aiolint[watch]'")
        return EXIT_ERROR
    roots = [p for p in args.paths if p != "-"] or ["."]
    _check_once(args, selection)
    print("aiolint: watching for changes (Ctrl-C to stop)", file=sys.stderr, flush=True)

    def relevant(change: object, path: str) -> bool:
        return path.endswith(PYTHON_SUFFIXES) or os.path.basename(path) == "pyproject.toml"

    try:
        for changes in watchfiles.watch(*roots, watch_filter=relevant, raise_interrupt=False):
            print(f"aiolint: {len(changes)} change(s) detected; checking again", file=sys.stderr, flush=True)
            try:
                selection = Selection(_config(args))
            except ConfigError as exc:
                _error(str(exc))
                continue
            _check_once(args, selection)
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    return EXIT_CLEAN


def _show_settings(args: argparse.Namespace, selection: Selection) -> int:
    config = selection.config
    settings = config.settings
    rules = [rule.code for rule in all_rules() if settings.is_enabled(rule.code)]
    rows = [
        ("config file", str(config.path) if config.path else "(none)"),
        ("select", ", ".join(settings.select) or "(all)"),
        ("ignore", ", ".join(settings.ignore) or "(none)"),
        ("per-file-ignores", "; ".join(f"{p}: {', '.join(c)}" for p, c in config.per_file_ignores) or "(none)"),
        ("exclude", ", ".join(config.exclude) or "(none)"),
        ("respect-gitignore", str(config.respect_gitignore).lower()),
        ("target-version", ".".join(map(str, settings.target_version)) if settings.target_version else "(none)"),
        ("prefer-taskgroup", str(settings.prefer_taskgroup).lower()),
        ("blocking-calls", ", ".join(n + (f"={r}" if r else "") for n, r in settings.blocking_calls) or "(none)"),
        ("enabled rules", ", ".join(rules) or "(none)"),
    ]
    for key, value in rows:
        where = config.sources.get(key)
        suffix = f"  # from {where}" if where else ""
        print(f"{key:<18} = {value}{suffix}")
    return EXIT_CLEAN


def cmd_fix(args: argparse.Namespace, selection: Selection) -> int:
    status = EXIT_CLEAN
    fixed_total = remaining_total = unsafe_total = 0
    task = Task.FIX_UNSAFE if args.unsafe_fixes else Task.FIX
    results = check_files(
        _files(args, selection),
        selection.config.settings,
        stdin_filename=args.stdin_filename,
        jobs=args.jobs,
        task=task,
        ignored_codes=selection.ignored_codes if selection.per_file else None,
    )
    for result in results:
        name, stdin = result.path, result.from_stdin
        if result.error is not None:
            _error(f"{name}: {result.error}")
            status = EXIT_ERROR
            continue
        source, fixed = result.source, result.fixed_source
        assert source is not None
        if fixed is not None:
            fixed_total += len(result.fixed)
            if args.diff:
                sys.stdout.writelines(_diff(source, fixed, name))
                status = max(status, EXIT_FINDINGS)
            elif stdin:
                sys.stdout.buffer.write(fixed)
            else:
                try:
                    write_atomic(name, fixed, source, roots=args.paths)
                except FileChanged:
                    _error(f"{name}: changed on disk while being fixed; left as it is")
                    status = EXIT_ERROR
                    continue
                except OSError as exc:
                    _error(f"{name}: cannot write ({exc.strerror or exc})")
                    status = EXIT_ERROR
                    continue
        elif stdin and not args.diff:
            sys.stdout.buffer.write(source)
        # per-file-ignores filter afterwards, as in check
        file_settings = selection.settings_for(name)
        remaining = [f for f in result.findings if file_settings.is_enabled(f.code)]
        remaining_total += len(remaining)
        unsafe_total += sum(1 for f in remaining if f.fix is not None and not f.fix.is_safe)
        if not args.diff:
            for finding in remaining:
                print(finding.format(name), file=sys.stderr if stdin else sys.stdout)
        if remaining:
            status = max(status, EXIT_FINDINGS)
    print(_summary(fixed_total, remaining_total, unsafe_total, args.diff), file=sys.stderr)
    return status


def _summary(fixed: int, remaining: int, unsafe: int, diff: bool) -> str:
    verb = "would fix" if diff else "fixed"
    hint = f" ({unsafe} have unsafe fixes)" if unsafe else ""
    return f"{verb} {fixed}, {remaining} remaining{hint}"


def _diff(before: bytes, after: bytes, name: str) -> List[str]:
    old = before.decode("utf-8", "replace").splitlines(keepends=True)
    new = after.decode("utf-8", "replace").splitlines(keepends=True)
    return list(difflib.unified_diff(old, new, name, name))


def cmd_rule(args: argparse.Namespace) -> int:
    if args.code.strip().upper() == INTERNAL_ERROR_CODE:
        print(render_internal_error())
        return EXIT_CLEAN
    try:
        rule = get_rule(args.code)
    except KeyError:
        _error(f"no rule {args.code!r}; 'aiolint rules' lists them")
        return EXIT_ERROR
    print(render_rule(rule))
    return EXIT_CLEAN


def cmd_rules() -> int:
    for rule in all_rules():
        fix = f"  [fix: {rule.fix_availability}]" if rule.fix_availability else ""
        print(f"{rule.code}  {rule.name:<34}{fix}")
    return EXIT_CLEAN


SERVER_HINT = 'the language server needs the server extra: pip install "aiolint[server]"'


def cmd_server(args: argparse.Namespace) -> int:
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        _error(SERVER_HINT)
        return EXIT_ERROR
    from aiolint.frontends.server import main as serve  # outside the try: its own import errors are bugs

    return serve(debounce=max(args.debounce, 0.0))


def _tolerate_unencodable_output() -> None:
    # A file name with undecodable bytes, or a message the terminal's encoding cannot show,
    # must not end the run with a UnicodeEncodeError.
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`aiolint check . | head`): stop quietly, as grep does, and
        # point stdout at devnull so the interpreter's final flush does not complain again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS


def _main(argv: Optional[Sequence[str]]) -> int:
    _tolerate_unencodable_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "rule":
        return cmd_rule(args)
    if args.command == "rules":
        return cmd_rules()
    if args.command == "server":
        return cmd_server(args)
    if not args.paths:
        args.paths = ["."]  # as ruff: the current directory
    if args.command == "check" and args.show_fixes and args.format != "full":
        parser.error("--show-fixes goes with --output-format full")
    try:
        selection = Selection(_config(args))
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_ERROR
    if args.show_settings:
        return _show_settings(args, selection)
    if args.show_files:
        for path in sorted(selection.files(args.paths)):
            print(args.stdin_filename if path == "-" else path)
        return EXIT_CLEAN
    if args.command == "check":
        return cmd_check(args, selection)
    return cmd_fix(args, selection)
