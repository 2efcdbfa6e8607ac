"""Does `aiolint server` report what `aiolint check` reports, on real code? And does its fix-all
write what `aiolint fix` writes?

For every file `aiolint check --format json` reports something in (the pinned corpus by default),
one server process gets the file through didOpen; its diagnostics must equal the CLI's findings
(code, message, start and end; columns converted here from characters to UTF-16 units), and the
`source.fixAll.aiolint` action applied to the text must equal `aiolint fix -` on the file.

    python benchmarks/server_agreement.py                 # the pinned corpus, Home Assistant included
    python benchmarks/server_agreement.py PATH ...
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

try:  # python -m benchmarks.server_agreement, or imported
    from benchmarks import corpus
except ImportError:  # python benchmarks/server_agreement.py: this directory is on sys.path
    import corpus

HERE = Path(__file__).resolve().parent

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def utf16_position(lines: List[str], line: int, column: int) -> tuple:
    """A 1-based (line, character column) as LSP's 0-based (line, UTF-16 units)."""
    if line - 1 >= len(lines):
        return (len(lines), 0)
    text = lines[line - 1].rstrip("\r\n")
    return (line - 1, len(text[: column - 1].encode("utf-16-le")) // 2)


def offset(lines: List[str], position: lsp.Position) -> int:
    if position.line >= len(lines):
        return sum(len(line) for line in lines)
    base = sum(len(line) for line in lines[: position.line])
    units = index = 0
    while units < position.character:
        units += 2 if ord(lines[position.line][index]) > 0xFFFF else 1
        index += 1
    return base + index


def apply(text: str, edits: List[lsp.TextEdit]) -> str:
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        lines = _LINE.findall(text)
        text = text[: offset(lines, edit.range.start)] + edit.new_text + text[offset(lines, edit.range.end) :]
    return text


async def compare(files: Dict[str, list], root: Path) -> Counter:
    client = LanguageClient("aiolint-agreement", "1")
    published: Dict[str, List[lsp.Diagnostic]] = {}
    arrived = asyncio.Event()

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        if params.version == 1:
            published[params.uri] = list(params.diagnostics)
            arrived.set()

    await client.start_io(sys.executable, "-m", "aiolint", "server", cwd=str(root))
    await client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), root_uri=root.as_uri()))
    client.initialized(lsp.InitializedParams())
    tally: Counter = Counter()
    for path, expected in files.items():
        text = (await asyncio.to_thread(Path(path).read_bytes)).decode("utf-8")
        uri = Path(path).resolve().as_uri()
        lines = _LINE.findall(text)
        document = lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=document))
        while uri not in published:
            arrived.clear()
            await asyncio.wait_for(arrived.wait(), 300)
        want = [
            (
                f["code"],
                f["message"],
                utf16_position(lines, f["line"], f["column"]),
                utf16_position(lines, f["end_line"], f["end_column"]),
            )
            for f in expected
        ]
        got = [
            (
                d.code,
                d.message,
                (d.range.start.line, d.range.start.character),
                (d.range.end.line, d.range.end.character),
            )
            for d in published[uri]
        ]
        tally["files"] += 1
        tally["findings"] += len(want)
        if got != want:
            tally["files that differ"] += 1
            print(f"DIFFER {path}\n  check:  {want}\n  server: {got}")
        if any(f["fix"] and f["fix"]["applicability"] == "safe" for f in expected):
            whole = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=len(lines), character=0))
            actions = await client.text_document_code_action_async(
                lsp.CodeActionParams(
                    text_document=lsp.TextDocumentIdentifier(uri=uri),
                    range=whole,
                    context=lsp.CodeActionContext(diagnostics=[], only=["source.fixAll"]),
                )
            )
            fixed = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "aiolint", "fix", "-", "--stdin-filename", path],
                input=text.encode("utf-8"),
                capture_output=True,
            )
            server_fixed = apply(text, actions[0].edit.changes[uri]) if actions else text
            tally["fix-all compared"] += 1
            if server_fixed != fixed.stdout.decode("utf-8"):
                tally["fix-all differs"] += 1
                print(f"FIX DIFFERS {path}")
        closed = lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        client.text_document_did_close(closed)
    await client.shutdown_async(None)
    client.exit(None)
    await client._server.wait()
    await client.stop()
    return tally


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="files or directories (default: the pinned corpus)")
    args = parser.parse_args(argv)
    paths = args.paths or [str(root) for root in corpus.ensure(None).values()]
    done = subprocess.run(
        [sys.executable, "-m", "aiolint", "check", "--format", "json", "--no-cache", *paths],
        capture_output=True,
        text=True,
    )
    files: Dict[str, list] = {}
    for finding in json.loads(done.stdout):
        files.setdefault(finding["path"], []).append(finding)
    tally = asyncio.run(compare(files, Path.cwd()))
    print(", ".join(f"{key}: {value}" for key, value in tally.items()) or "no findings to compare")
    return 1 if tally["files that differ"] or tally["fix-all differs"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
