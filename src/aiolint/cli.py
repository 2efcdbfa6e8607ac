"""Command-line front end: `aiolint check`, `aiolint fix`, `aiolint rule`, `aiolint rules`.

It only adapts the engine: it finds files, reads bytes, prints findings, and
writes fixed bytes back safely. Exit codes: 0 clean, 1 findings (or, for
`fix --diff`, changes to make), 2 usage or I/O error.
"""
from __future__ import annotations

import argparse
import difflib
import sys
from typing import List, Optional, Sequence

from aiolint import __version__
from aiolint.docs import render_rule
from aiolint.engine import fix_source
from aiolint.files import FileChanged, iter_python_files, write_atomic
from aiolint.rules import all_rules, get_rule
from aiolint.runner import check_files, read_source
from aiolint.settings import Settings, parse_blocking_calls, parse_codes, parse_version

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(
        select=parse_codes(args.select),
        ignore=parse_codes(args.ignore),
        blocking_calls=parse_blocking_calls(args.aio_blocking_calls),
        target_version=parse_version(args.target_version),
        prefer_taskgroup=args.prefer_taskgroup,
        respect_noqa=True,
    )


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories ('-' reads stdin)")
    parser.add_argument("--select", default="", help="comma-separated codes or prefixes to check (default: all)")
    parser.add_argument("--ignore", default="", help="comma-separated codes or prefixes to skip")
    parser.add_argument(
        "--aio-blocking-calls",
        default="",
        metavar="NAMES",
        help="AIO106: extra blocking calls, comma-separated qualified names, each optionally "
        "'=replacement'; 'pkg.*' matches everything under pkg",
    )
    parser.add_argument("--target-version", default="", metavar="X.Y", help="Python version the code targets")
    parser.add_argument(
        "--prefer-taskgroup", action="store_true", help="AIO400: suggest asyncio.TaskGroup alongside gather"
    )
    parser.add_argument(
        "--stdin-filename", default="<stdin>", metavar="NAME", help="name to report for source read from stdin"
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

    fix = commands.add_parser("fix", help="apply fixes, then report what remains")
    _add_common(fix)
    fix.add_argument("--diff", action="store_true", help="print a unified diff instead of writing files")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that may change behaviour")

    rule = commands.add_parser("rule", help="explain one rule")
    rule.add_argument("code", metavar="CODE", help="a rule code (AIO100) or name (blocking-sleep)")

    commands.add_parser("rules", help="list all rules")
    return parser


def _display(path: str, args: argparse.Namespace) -> str:
    return args.stdin_filename if path == "-" else path


def _error(message: str) -> None:
    print(f"aiolint: {message}", file=sys.stderr)


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    status = EXIT_CLEAN
    for result in check_files(args.paths, settings, stdin_filename=args.stdin_filename):
        if result.error is not None:
            _error(f"{result.path}: {result.error}")
            status = EXIT_ERROR
            continue
        for finding in result.findings:
            print(finding.format(result.path))
            status = max(status, EXIT_FINDINGS)
    return status


def cmd_fix(args: argparse.Namespace, settings: Settings) -> int:
    status = EXIT_CLEAN
    fixed_total = remaining_total = unsafe_total = 0
    for path in iter_python_files(args.paths):
        name = _display(path, args)
        try:
            source = read_source(path)
        except OSError as exc:
            _error(f"{path}: cannot read ({exc.strerror or exc})")
            status = EXIT_ERROR
            continue
        result = fix_source(source, name, settings, unsafe=args.unsafe_fixes)
        if result.changed:
            fixed_total += len(result.fixed)
            if args.diff:
                sys.stdout.writelines(_diff(source, result.source, name))
                status = max(status, EXIT_FINDINGS)
            elif path == "-":
                sys.stdout.buffer.write(result.source)
            else:
                try:
                    write_atomic(path, result.source, source)
                except FileChanged:
                    _error(f"{path}: changed on disk while being fixed; left as it is")
                    status = EXIT_ERROR
                    continue
                except OSError as exc:
                    _error(f"{path}: cannot write ({exc.strerror or exc})")
                    status = EXIT_ERROR
                    continue
        elif path == "-" and not args.diff:
            sys.stdout.buffer.write(source)
        remaining = result.remaining
        remaining_total += len(remaining)
        unsafe_total += sum(1 for f in remaining if f.fix is not None and not f.fix.is_safe)
        if not args.diff:
            for finding in remaining:
                print(finding.format(name), file=sys.stderr if path == "-" else sys.stdout)
        if remaining:
            status = max(status, EXIT_FINDINGS)
    print(_summary(fixed_total, remaining_total, unsafe_total, args.diff), file=sys.stderr)
    return status


def _summary(fixed: int, remaining: int, unsafe: int, diff: bool) -> str:
    verb = "would fix" if diff else "fixed"
    hint = f" ({unsafe} have unsafe fixes: --unsafe-fixes)" if unsafe else ""
    return f"{verb} {fixed}, {remaining} remaining{hint}"


def _diff(before: bytes, after: bytes, name: str) -> List[str]:
    old = before.decode("utf-8", "replace").splitlines(keepends=True)
    new = after.decode("utf-8", "replace").splitlines(keepends=True)
    return list(difflib.unified_diff(old, new, name, name))


def cmd_rule(args: argparse.Namespace) -> int:
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "rule":
        return cmd_rule(args)
    if args.command == "rules":
        return cmd_rules()
    if not args.paths:
        parser.error(f"{args.command}: give at least one PATH (or '-' for stdin)")
    try:
        settings = _settings(args)
    except ValueError as exc:
        parser.error(str(exc))
    if args.command == "check":
        return cmd_check(args, settings)
    return cmd_fix(args, settings)
