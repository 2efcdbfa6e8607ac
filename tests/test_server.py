"""`aiolint server`, driven as an editor drives it: a real server process over stdio.

The client is pygls' LanguageClient. Positions are checked in UTF-16 code units, worked out
here independently of the server (a line holds characters outside the BMP). The timeouts
only guard against a hang; nothing here measures time.
"""
from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

from aiolint.core.findings import Finding
from aiolint.fixes.text_edits import TextEdit
from aiolint.frontends import server as srv
from aiolint.frontends.docs import render_rule
from aiolint.rules import get_rule

HANG_GUARD = 60  # seconds; a hang guard, not a timing assertion

SOURCE = """\
import asyncio
import time

import requests


async def handler(url):
    label = "café ☕ 😋"; time.sleep(1)
    loop = asyncio.get_event_loop()
    return requests.get(url), loop, label
"""

SLEEP_MESSAGE = "time.sleep() blocks the event loop in async function 'handler'; use 'await asyncio.sleep(1)'"
LOOP_MESSAGE = "asyncio.get_event_loop() in async function 'handler'; use 'asyncio.get_running_loop()'"
REQUESTS_MESSAGE = (
    "requests.get() blocks the event loop in async function 'handler'; use an async client "
    "(aiohttp, httpx.AsyncClient) or 'await asyncio.to_thread(requests.get, url)'"
)


# ------------------------------------------------------------------ UTF-16, done independently
def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def lsp_lines(text: str) -> List[str]:
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)


def span(text: str, line: int, needle: str) -> tuple:
    """((line, start), (line, end)) of `needle` on 0-based `line`, in UTF-16 units."""
    content = lsp_lines(text)[line]
    start = content.index(needle)
    return ((line, utf16(content[:start])), (line, utf16(content[: start + len(needle)])))


def offset(text: str, position: lsp.Position) -> int:
    lines = lsp_lines(text)
    if position.line >= len(lines):
        return len(text)
    base = sum(len(line) for line in lines[: position.line])
    units = index = 0
    line = lines[position.line]
    while units < position.character:
        units += 2 if ord(line[index]) > 0xFFFF else 1
        index += 1
    return base + index


def apply_edits(text: str, edits: List[lsp.TextEdit]) -> str:
    ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
    for edit in ordered:
        text = text[: offset(text, edit.range.start)] + edit.new_text + text[offset(text, edit.range.end) :]
    return text


def apply_workspace_edit(text: str, edit: lsp.WorkspaceEdit, uri: str, version: int) -> str:
    assert edit.changes is None
    (change,) = edit.document_changes
    assert change.text_document.uri == uri and change.text_document.version == version
    return apply_edits(text, change.edits)


def as_tuple(diagnostic: lsp.Diagnostic) -> tuple:
    r = diagnostic.range
    return (diagnostic.code, ((r.start.line, r.start.character), (r.end.line, r.end.character)), diagnostic.message)


def cli(*args: str, stdin: Optional[str] = None, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aiolint", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=HANG_GUARD,
    )


# ------------------------------------------------------------------ the session
class Session:
    """One server process and a client that keeps every notification it is sent."""

    def __init__(self) -> None:
        self.client = LanguageClient("aiolint-tests", "1")
        self.diagnostics: Dict[str, List[lsp.PublishDiagnosticsParams]] = {}
        self.logs: List[str] = []
        self.arrived = asyncio.Event()

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.diagnostics.setdefault(params.uri, []).append(params)
            self.arrived.set()

        @self.client.feature(lsp.WINDOW_LOG_MESSAGE)
        def on_log(params: lsp.LogMessageParams) -> None:
            self.logs.append(params.message)

    async def start(self, root: Path, options: Optional[dict] = None) -> lsp.InitializeResult:
        await self.client.start_io(sys.executable, "-m", "aiolint", "server", cwd=str(root))
        capabilities = lsp.ClientCapabilities(
            workspace=lsp.WorkspaceClientCapabilities(
                workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=True)
            )
        )
        result = await asyncio.wait_for(
            self.client.initialize_async(
                lsp.InitializeParams(
                    capabilities=capabilities,
                    root_uri=root.as_uri(),
                    initialization_options=options,
                )
            ),
            HANG_GUARD,
        )
        self.client.initialized(lsp.InitializedParams())
        return result

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
            )
        )

    def replace(self, uri: str, text: str, version: int) -> None:
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def diagnostics_for(self, uri: str, version: int) -> List[lsp.Diagnostic]:
        async def wait() -> List[lsp.Diagnostic]:
            while True:
                for params in self.diagnostics.get(uri, []):
                    if params.version == version:
                        return list(params.diagnostics)
                self.arrived.clear()
                await self.arrived.wait()

        return await asyncio.wait_for(wait(), HANG_GUARD)

    async def actions(self, uri: str, where: lsp.Range, only: Optional[List[str]] = None, diagnostics=()) -> list:
        params = lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=where,
            context=lsp.CodeActionContext(diagnostics=list(diagnostics), only=only),
        )
        return await asyncio.wait_for(self.client.text_document_code_action_async(params), HANG_GUARD) or []

    async def close(self) -> int:
        await asyncio.wait_for(self.client.shutdown_async(None), HANG_GUARD)
        self.client.exit(None)
        process = self.client._server
        code = await asyncio.wait_for(process.wait(), HANG_GUARD)
        await asyncio.wait_for(self.client.stop(), HANG_GUARD)
        return code


def run(coroutine):
    return asyncio.run(coroutine)


def whole(text: str) -> lsp.Range:
    return lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=len(lsp_lines(text)), character=0))


# ------------------------------------------------------------------ end to end
def test_diagnostics_code_actions_and_clean_exit(tmp_path):
    path = tmp_path / "service.py"
    path.write_text(SOURCE, encoding="utf-8")
    uri = path.as_uri()

    async def scenario():
        session = Session()
        result = await session.start(tmp_path)
        assert result.server_info.name == "aiolint"
        assert FIX_ALL in result.capabilities.code_action_provider.code_action_kinds
        session.open(uri, SOURCE)
        diagnostics = await session.diagnostics_for(uri, 1)

        # codes, ranges (0-based, UTF-16: the line holds an astral character) and whole messages
        assert [as_tuple(d) for d in diagnostics] == [
            ("AIO100", span(SOURCE, 7, "time.sleep(1)"), SLEEP_MESSAGE),
            ("AIO305", span(SOURCE, 8, "asyncio.get_event_loop()"), LOOP_MESSAGE),
            ("AIO101", span(SOURCE, 9, "requests.get(url)"), REQUESTS_MESSAGE),
        ]
        assert span(SOURCE, 7, "time.sleep(1)")[0][1] == 25  # 24 characters before it, one of them two units
        assert {d.source for d in diagnostics} == {"aiolint"}
        assert {d.severity for d in diagnostics} == {lsp.DiagnosticSeverity.Warning}
        sleep, loop, http = diagnostics

        # the same findings as `aiolint check` on the saved file
        checked = await asyncio.to_thread(cli, "check", "--format", "json", "--no-cache", str(path), cwd=tmp_path)
        checked = json.loads(checked.stdout)
        assert [(f["code"], f["line"] - 1, f["message"]) for f in checked] == [
            (d.code, d.range.start.line, d.message) for d in diagnostics
        ]

        # quick fixes: the safe one preferred, the unsafe one labelled, a noqa for each
        actions = await session.actions(uri, sleep.range, diagnostics=[sleep])
        assert [(a.title, a.kind, a.is_preferred) for a in actions] == [
            ("AIO100: Replace with 'await asyncio.sleep(...)'", lsp.CodeActionKind.QuickFix, True),
            ("Disable AIO100 for this line", lsp.CodeActionKind.QuickFix, None),
            ("aiolint: apply all safe fixes", FIX_ALL, None),
        ]
        assert [as_tuple(d) for d in actions[0].diagnostics] == [as_tuple(sleep)]
        fixed_sleep = apply_workspace_edit(SOURCE, actions[0].edit, uri, 1)
        # the fix also removes `import time`, which it left unused
        assert fixed_sleep == SOURCE.replace("time.sleep(1)", "await asyncio.sleep(1)").replace("import time\n", "")
        silenced = apply_workspace_edit(SOURCE, actions[1].edit, uri, 1)
        assert silenced == SOURCE.replace("time.sleep(1)\n", "time.sleep(1)  # noqa: AIO100\n")

        actions = await session.actions(uri, http.range, diagnostics=[http])
        assert [(a.title, a.is_preferred) for a in actions] == [
            ("AIO101: Run 'requests.get' in a worker thread (unsafe)", False),
            ("Disable AIO101 for this line", None),
        ]
        assert apply_workspace_edit(SOURCE, actions[0].edit, uri, 1) == SOURCE.replace(
            "requests.get(url)", "await asyncio.to_thread(requests.get, url)"
        )

        # fix all (as an editor asks on save) equals `aiolint fix` on the same text
        (fix_all,) = await session.actions(uri, whole(SOURCE), only=["source.fixAll"])
        assert fix_all.kind == FIX_ALL
        expected = (await asyncio.to_thread(cli, "fix", "-", stdin=SOURCE, cwd=tmp_path)).stdout
        assert apply_workspace_edit(SOURCE, fix_all.edit, uri, 1) == expected
        assert "await asyncio.sleep(1)" in expected and "get_running_loop()" in expected
        assert await session.actions(uri, whole(SOURCE), only=["refactor"]) == []

        # hover over a finding shows the rule's page
        hover = await asyncio.wait_for(
            session.client.text_document_hover_async(
                lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=loop.range.start)
            ),
            HANG_GUARD,
        )
        assert hover.contents.value == render_rule(get_rule("AIO305"))

        # the noqa edit, applied, silences the finding
        session.replace(uri, silenced, 2)
        assert [d.code for d in await session.diagnostics_for(uri, 2)] == ["AIO305", "AIO101"]

        # a syntax error: AIO000, and the server keeps answering
        broken = silenced.replace("async def handler(url):", "async def handler(url:")
        session.replace(uri, broken, 3)
        (error,) = await session.diagnostics_for(uri, 3)
        assert error.code == "AIO000" and error.severity == lsp.DiagnosticSeverity.Error
        assert error.message.startswith("cannot parse this file (")
        assert error.range.start.line == 6
        assert await session.actions(uri, whole(broken)) == []
        session.replace(uri, SOURCE, 4)
        assert [d.code for d in await session.diagnostics_for(uri, 4)] == ["AIO100", "AIO305", "AIO101"]

        # save: analysed again; close: diagnostics cleared
        session.client.text_document_did_save(
            lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        session.client.text_document_did_close(
            lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        assert await session.diagnostics_for(uri, None) == []
        return await session.close()

    assert run(scenario()) == 0


FIX_ALL = "source.fixAll.aiolint"


def test_exit_without_shutdown_is_exit_code_1(tmp_path):
    async def scenario():
        session = Session()
        await session.start(tmp_path)
        session.client.exit(None)
        code = await asyncio.wait_for(session.client._server.wait(), HANG_GUARD)
        await asyncio.wait_for(session.client.stop(), HANG_GUARD)
        return code

    assert run(scenario()) == 1


def test_rapid_changes_publish_the_newest_version_only_last(tmp_path):
    path = tmp_path / "busy.py"
    uri = path.as_uri()
    versions = {n: SOURCE.replace("time.sleep(1)", f"time.sleep({n})") for n in range(1, 21)}

    async def scenario():
        session = Session()
        await session.start(tmp_path)
        session.open(uri, versions[1])
        for n in range(2, 21):
            session.replace(uri, versions[n], n)
        final = await session.diagnostics_for(uri, 20)
        assert final[0].message.endswith("use 'await asyncio.sleep(20)'")
        # no result for an older version arrives after the newest one
        published = [p.version for p in session.diagnostics[uri]]
        assert published[-1] == 20 and published == sorted(published)
        return await session.close()

    assert run(scenario()) == 0


def test_configuration_and_initialization_options(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.aiolint]\nignore = ["AIO305"]\nper-file-ignores = { "legacy/*" = ["AIO100"] }\nexclude = ["generated"]\n'
    )
    (tmp_path / "legacy").mkdir()
    (tmp_path / "generated").mkdir()
    files = {name: tmp_path / name for name in ("app.py", "legacy/old.py", "generated/gen.py")}
    for path in files.values():
        path.write_text(SOURCE, encoding="utf-8")

    async def scenario(options):
        session = Session()
        await session.start(tmp_path, options)
        found = {}
        for name, path in files.items():
            session.open(path.as_uri(), SOURCE)
            found[name] = [d.code for d in await session.diagnostics_for(path.as_uri(), 1)]
        assert await session.close() == 0
        return found, session.logs

    found, _ = run(scenario(None))
    assert found == {"app.py": ["AIO100", "AIO101"], "legacy/old.py": ["AIO101"], "generated/gen.py": []}
    # the same as `aiolint check` on each file
    for name, codes in found.items():
        checked = json.loads(cli("check", "--format", "json", "--no-cache", name, cwd=tmp_path).stdout or "[]")
        assert [f["code"] for f in checked] == codes

    found, logs = run(scenario({"select": ["AIO1"], "perFileIgnores": {"app.py": ["AIO101"]}, "colour": 1}))
    # an option replaces the file's value for its key, as a command-line flag does
    assert found == {"app.py": ["AIO100"], "legacy/old.py": ["AIO100", "AIO101"], "generated/gen.py": []}
    assert any("unknown initializationOptions key 'colour'" in message for message in logs)


def test_a_bad_configuration_is_an_aio000_on_the_document(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.aiolint]\nselct = ['AIO1']\n")
    path = tmp_path / "app.py"
    uri = path.as_uri()

    async def scenario():
        session = Session()
        await session.start(tmp_path)
        session.open(uri, SOURCE)
        (diagnostic,) = await session.diagnostics_for(uri, 1)
        assert diagnostic.code == "AIO000"
        assert diagnostic.message.startswith("cannot use the configuration (")
        assert "unknown key(s) selct" in diagnostic.message
        return await session.close()

    assert run(scenario()) == 0


def test_without_the_extra_the_command_says_what_to_install(tmp_path):
    # Hide pygls from the child: a `pygls` that is not a package makes find_spec fail like an absent one.
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\nclass _Block:\n    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('pygls', 'lsprotocol'):\n"
        "            raise ModuleNotFoundError(name)\n        return None\n"
        "sys.meta_path.insert(0, _Block())\n"
    )
    import os

    env = dict(os.environ, PYTHONPATH=str(blocker))
    done = subprocess.run(
        [sys.executable, "-m", "aiolint", "server"], capture_output=True, text=True, env=env, timeout=HANG_GUARD
    )
    assert done.returncode == 2
    assert done.stderr == 'aiolint: the language server needs the server extra: pip install "aiolint[server]"\n'
    assert done.stdout == ""


# ------------------------------------------------------------------ pieces, in process
def test_positions_are_utf16_code_units_on_lsp_lines():
    codec = srv.PositionCodec()
    lines = srv.split_lines("a = '😋'; b\r\nc\rd\x0ce\n")
    assert lines == ["a = '😋'; b\r\n", "c\r", "d\x0ce\n"]  # a form feed ends no line in LSP
    assert srv.to_position(lines, 1, 10, codec) == lsp.Position(line=0, character=10)
    assert srv.to_position(lines, 3, 3, codec) == lsp.Position(line=2, character=2)
    assert srv.to_position(lines, 1, 99, codec) == lsp.Position(line=0, character=11)  # clamped to the line
    assert srv.to_position(lines, 4, 1, codec) == lsp.Position(line=3, character=0)  # past the last line
    # a client that negotiated another position encoding gets its own units
    utf8 = srv.PositionCodec(encoding=lsp.PositionEncodingKind.Utf8)
    utf32 = srv.PositionCodec(encoding=lsp.PositionEncodingKind.Utf32)
    assert srv.to_position(lines, 1, 10, utf8) == lsp.Position(line=0, character=12)
    assert srv.to_position(lines, 1, 10, utf32) == lsp.Position(line=0, character=9)


def test_noqa_edit_adds_or_extends_and_never_breaks_code():
    def edit(text: str, line: int, code: str = "AIO100") -> Optional[TextEdit]:
        analysis = srv.Analysis("file:///x.py", 1, text, None, None, [], srv.split_lines(text))
        return srv.noqa_edit(analysis, Finding(code, "n", "m", line, 1, line, 2))

    assert edit("time.sleep(1)   \n", 1) == TextEdit((1, 14), (1, 17), "  # noqa: AIO100")
    assert edit("time.sleep(1)  # noqa: E501 see docs\n", 1) == TextEdit((1, 28), (1, 28), ",AIO100")
    assert edit("time.sleep(1)  # noqa\n", 1) is None
    assert edit("x = f(1, \\\n  2)\n", 1) is None
    assert edit('x = f("""\nabc""")\n', 1) is None
    assert edit('x = f(1,\n  2)\n', 1) == TextEdit((1, 9), (1, 9), "  # noqa: AIO100")
    assert edit('x = f(f"""{y}\nabc""")\n', 1) is None
    assert edit('x = f(f"{y}")\ny = 2\n', 1) == TextEdit((1, 14), (1, 14), "  # noqa: AIO100")


def test_options_accept_config_keys_in_three_spellings():
    options, notes = srv.parse_options(
        {
            "select": "AIO1",
            "per_file_ignores": {"a": ["AIO100"]},
            "blockingCalls": ["x.y"],
            "config": "p.toml",
            "isolated": True,
            "x": 1,
        }
    )
    overrides = {"select": "AIO1", "per-file-ignores": {"a": ["AIO100"]}, "blocking-calls": ["x.y"]}
    assert dict(options.overrides) == overrides
    assert (options.config_file, options.isolated) == ("p.toml", True)
    assert len(notes) == 1 and "'x'" in notes[0]
    assert srv.parse_options([1])[1] == ["initializationOptions must be an object, not list; ignored"]


def test_an_exception_in_analysis_becomes_aio000_and_a_log(monkeypatch):
    server = srv.AiolintServer()
    logged = []
    monkeypatch.setattr(server, "_current_version", lambda uri: (True, 7))
    monkeypatch.setattr(server, "log", lambda message, kind=None: logged.append(message))

    def boom(*args, **kwargs):
        raise RuntimeError("rule table missing")

    monkeypatch.setattr(srv, "analyse", boom)
    analysis = server._analyse_if_current("file:///x.py", 7, "x = 1\n")
    (finding,) = analysis.findings
    assert (finding.code, finding.line, finding.col) == ("AIO000", 1, 1)
    assert finding.message == (
        "internal error in the aiolint server (RuntimeError: rule table missing); please report it"
    )
    published = []
    monkeypatch.setattr(srv.AiolintServer, "codec", srv.PositionCodec())
    monkeypatch.setattr(server, "text_document_publish_diagnostics", published.append)
    server.publish(analysis)
    assert [d.code for d in published[0].diagnostics] == ["AIO000"]
    assert logged == [f"aiolint: file:///x.py: {finding.message}"]
    # a version the editor has replaced is not analysed at all
    assert server._analyse_if_current("file:///x.py", 6, "x = 1\n") is None
    server.analysis_pool.shutdown()


@pytest.mark.parametrize("code", sorted(srv.TAGS))
def test_tags_name_rules_that_exist(code):
    assert get_rule(code).code in srv.TAGS
