"""`aiolint server`: a Language Server Protocol server over stdio (pygls), a front end like the CLI.

It adapts the engine to an editor and holds no analysis of its own:

- diagnostics: `lint` on the editor's text with the settings `aiolint check` would use for the
  file (`[tool.aiolint]` found from the file's path, per-file-ignores, exclude, `# noqa`), plus
  the client's initialization options; published on open and save, and on change after a
  short pause in typing (DEBOUNCE_SECONDS);
- code actions: each finding's own fix (`fix_edits`, the JSON format's edits), "fix all"
  (`fix_source`, what `aiolint fix` writes) and "disable AIO… for this line" (`# noqa`);
- hover: the rule's page (`aiolint rule CODE`) over a finding.

Analysis runs on one worker thread, never on the server's event loop. Each document's text
is analysed as of one version; a result for a version the editor has since replaced is
dropped, and work queued for it is skipped before it starts. Whatever goes wrong with one
document becomes an AIO000 diagnostic on it and a log message; the server keeps going.

Positions: findings are 1-based lines and columns in characters; LSP wants 0-based lines and
columns in the client's position encoding (UTF-16 unless the client offers another), counted
on lines split at `\\n`, `\\r\\n` and `\\r` only, as LSP says.
"""
from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import tokenize
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import PositionCodec

from aiolint import __version__
from aiolint.core.findings import Finding
from aiolint.core.noqa import noqa_comment
from aiolint.core.pipeline import fix_edits, fix_source, internal_error_finding, lint
from aiolint.core.settings import Settings
from aiolint.fixes.text_edits import TextEdit, text_edits
from aiolint.frontends.config import KEYS as CONFIG_KEYS, ConfigError, resolve
from aiolint.frontends.docs import INTERNAL_ERROR_CODE, anchor, render_internal_error, render_rule
from aiolint.frontends.formats import docs_base_uri
from aiolint.frontends.selection import Selection
from aiolint.rules import all_rules

logger = logging.getLogger("aiolint.server")

SOURCE = "aiolint"
FIX_ALL_KIND = "source.fixAll.aiolint"
SEVERITY_ERROR, SEVERITY_WARNING = lsp.DiagnosticSeverity.Error, lsp.DiagnosticSeverity.Warning
ERROR, WARNING = lsp.MessageType.Error, lsp.MessageType.Warning
DEBOUNCE_SECONDS = 0.3

# Diagnostic tags, where a rule's finding is code to delete or an API on its way out.
TAGS: Dict[str, Tuple[lsp.DiagnosticTag, ...]] = {
    "AIO302": (lsp.DiagnosticTag.Unnecessary,),  # the create_task around an awaited coroutine
    "AIO306": (lsp.DiagnosticTag.Unnecessary,),  # wait_for(aw, None) is just `await aw`
    "AIO504": (lsp.DiagnosticTag.Unnecessary,),  # a timeout that can never fire
    "AIO307": (lsp.DiagnosticTag.Deprecated,),  # get_event_loop() to drive a program
}

# Initialization options: `[tool.aiolint]` keys, also spelled camelCase or snake_case, plus
# `config` (a pyproject.toml to read instead of searching) and `isolated` (read none).
_OPTION_NAMES = {re.sub(r"-(.)", lambda m: m.group(1).upper(), key): key for key in CONFIG_KEYS}
_OPTION_NAMES.update({key.replace("-", "_"): key for key in CONFIG_KEYS})
_OPTION_NAMES.update({key: key for key in CONFIG_KEYS})


@dataclass(frozen=True)
class Options:
    overrides: Mapping[str, object] = field(default_factory=dict)  # by [tool.aiolint] key
    config_file: Optional[str] = None
    isolated: bool = False


def parse_options(raw: object) -> Tuple[Options, List[str]]:
    """The client's initialization options, and a note for each one not understood."""
    if raw is None:
        return Options(), []
    if not isinstance(raw, dict):
        return Options(), [f"initializationOptions must be an object, not {type(raw).__name__}; ignored"]
    overrides: Dict[str, object] = {}
    notes: List[str] = []
    config_file, isolated = None, False
    for name, value in raw.items():
        if name == "config":
            if isinstance(value, str) and value:
                config_file = value
            elif value is not None:
                notes.append("initializationOptions.config must be a path; ignored")
        elif name == "isolated":
            isolated = bool(value)
        elif name in _OPTION_NAMES:
            overrides[_OPTION_NAMES[name]] = value
        else:
            known = ", ".join((*CONFIG_KEYS, "config", "isolated"))
            notes.append(f"unknown initializationOptions key {name!r}; known: {known}")
    return Options(overrides, config_file, isolated), notes


# ---------------------------------------------------------------------------- settings
def settings_for(path: Optional[str], options: Options, root: Optional[str]) -> Optional[Settings]:
    """What `aiolint check PATH` would use for this file, or None if `exclude` skips it.

    Raises ConfigError, as the CLI would report it. Paths and patterns from the client are relative
    to the workspace root (the CLI's are relative to the working directory).
    """
    anchor_path = path or root or os.getcwd()
    config_file = options.config_file
    if config_file and root is not None and not os.path.isabs(config_file):
        config_file = os.path.join(root, config_file)
    config = resolve([anchor_path], options.overrides, config_file=config_file, isolated=options.isolated)
    if root is not None:
        base = Path(root)
        if "exclude" in options.overrides:
            config = replace(config, exclude_root=base)
        if "per-file-ignores" in options.overrides:
            config = replace(config, per_file_ignores_root=base)
    selection = Selection(config)
    if path is None:
        return config.settings
    if selection.exclude and selection.exclude.matches(path):
        return None
    return selection.settings_for(path)


# ---------------------------------------------------------------------------- positions
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> List[str]:
    """The lines as LSP counts them (only \\n, \\r\\n and \\r end a line), each with its ending."""
    return _LINE.findall(text)


def _bare(line: str) -> str:
    return line.rstrip("\r\n")


def to_position(lines: Sequence[str], line: int, col: int, codec: PositionCodec) -> lsp.Position:
    """A 1-based (line, column in characters) as an LSP position in the client's units."""
    index = max(line - 1, 0)
    if index >= len(lines):  # the end of the text, after its last line break
        return lsp.Position(line=len(lines), character=0)
    text = _bare(lines[index])
    column = min(max(col - 1, 0), len(text))
    return lsp.Position(line=index, character=codec.client_num_units(text[:column]))


def to_range(lines: Sequence[str], start: Tuple[int, int], end: Tuple[int, int], codec: PositionCodec) -> lsp.Range:
    return lsp.Range(start=to_position(lines, *start, codec), end=to_position(lines, *end, codec))


def finding_range(lines: Sequence[str], finding: Finding, codec: PositionCodec) -> lsp.Range:
    end = (finding.end_line or finding.line, finding.end_col or finding.col)
    return to_range(lines, (finding.line, finding.col), end, codec)


def _key(position: lsp.Position) -> Tuple[int, int]:
    return (position.line, position.character)


def overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    """Do two ranges touch? An empty range (a cursor) touches the range it is in or at the edge of."""
    return _key(a.start) <= _key(b.end) and _key(b.start) <= _key(a.end)


# ---------------------------------------------------------------------------- rule docs
_RULES = {rule.code: rule for rule in all_rules()}


def rule_page(code: str) -> str:
    if code == INTERNAL_ERROR_CODE:
        return render_internal_error()
    rule = _RULES.get(code)
    return render_rule(rule) if rule is not None else ""


def _code_description(code: str, base: Optional[str]) -> Optional[lsp.CodeDescription]:
    if not base:
        return None
    rule = _RULES.get(code)
    name = rule.name if rule is not None else "internal-error"
    return lsp.CodeDescription(href=f"{base}#{anchor(code, name)}")


def diagnostic(lines: Sequence[str], finding: Finding, codec: PositionCodec, base: Optional[str]) -> lsp.Diagnostic:
    fix = finding.fix
    return lsp.Diagnostic(
        range=finding_range(lines, finding, codec),
        message=finding.message,
        severity=SEVERITY_ERROR if finding.code == INTERNAL_ERROR_CODE else SEVERITY_WARNING,
        code=finding.code,
        code_description=_code_description(finding.code, base),
        source=SOURCE,
        tags=list(TAGS[finding.code]) if finding.code in TAGS else None,
        data={"name": finding.name, "fix": str(fix.applicability) if fix is not None else None},
    )


# ---------------------------------------------------------------------------- analysis
@dataclass
class Analysis:
    """One version of one document, as the engine saw it. Fix edits are worked out on demand."""

    uri: str
    version: Optional[int]
    text: str
    path: Optional[str]
    settings: Optional[Settings]  # None: the file is excluded, or the configuration is broken
    findings: List[Finding]
    lines: List[str]
    _edits: Optional[Dict[tuple, List[TextEdit]]] = None
    _fix_all: Optional[List[TextEdit]] = None
    _in_strings: Optional[Set[int]] = None
    _in_strings_known: bool = False

    def lines_in_strings(self) -> Optional[Set[int]]:
        if not self._in_strings_known:
            self._in_strings, self._in_strings_known = lines_ending_in_strings(self.text), True
        return self._in_strings

    def edits(self) -> Dict[tuple, List[TextEdit]]:
        """Each fixable finding's own fix as text edits (the JSON format's `fix.edits`)."""
        if self._edits is None:
            fixable = self.settings is not None and any(f.fix is not None for f in self.findings)
            self._edits = fix_edits(self.text, self.path or "<untitled>", self.settings) if fixable else {}
        return self._edits

    def fix_all(self) -> List[TextEdit]:
        """`aiolint fix` on this text (safe fixes only), as text edits."""
        if self._fix_all is None:
            fixable = self.settings is not None and any(f.fix is not None and f.fix.is_safe for f in self.findings)
            if fixable:
                fixed = fix_source(self.text, self.path or "<untitled>", self.settings).source
                self._fix_all = text_edits(self.text, fixed) if fixed != self.text else []
            else:
                self._fix_all = []
        return self._fix_all


def analyse(
    uri: str, version: Optional[int], text: str, path: Optional[str], options: Options, root: Optional[str]
) -> Analysis:
    """Lint one version of a document. Never raises: failures become an AIO000 finding."""
    lines = split_lines(text)
    try:
        settings = settings_for(path, options, root)
    except ConfigError as exc:
        finding = internal_error_finding(f"cannot use the configuration ({exc}); aiolint did not check this file")
        return Analysis(uri, version, text, path, None, [finding], lines)
    if settings is None:
        return Analysis(uri, version, text, path, None, [], lines)
    findings = lint(text, path or "<untitled>", settings)
    # per-file-ignores filter afterwards in `aiolint check`; settings_for has them in `ignore` already.
    findings = [f for f in findings if settings.is_enabled(f.code)]
    return Analysis(uri, version, text, path, settings, findings, lines)


def failed(uri: str, version: Optional[int], text: str, exc: BaseException) -> Analysis:
    message = f"internal error in the aiolint server ({type(exc).__name__}: {exc}); please report it"
    return Analysis(uri, version, text, None, None, [internal_error_finding(message)], split_lines(text))


# ---------------------------------------------------------------------------- code actions
def lsp_edits(analysis: Analysis, edits: Sequence[TextEdit], codec: PositionCodec) -> List[lsp.TextEdit]:
    return [
        lsp.TextEdit(range=to_range(analysis.lines, edit.start, edit.end, codec), new_text=edit.content)
        for edit in edits
    ]


def lines_ending_in_strings(text: str) -> Optional[Set[int]]:
    """The lines (1-based) that end inside a string, f-strings included (tokenized in pieces since
    Python 3.12): a comment cannot go there. None if the text does not tokenize."""
    fstring_start, fstring_end = getattr(tokenize, "FSTRING_START", -1), getattr(tokenize, "FSTRING_END", -1)
    inside: Set[int] = set()
    opened: List[int] = []  # first lines of the f-strings the tokenizer is in
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                inside.update(range(token.start[0], token.end[0]))
            elif token.type == fstring_start:
                opened.append(token.start[0])
            elif token.type == fstring_end and opened:
                inside.update(range(opened.pop(), token.end[0]))
    except (tokenize.TokenError, SyntaxError):
        return None
    return inside


def noqa_edit(analysis: Analysis, finding: Finding) -> Optional[TextEdit]:
    """Silence `finding` on its line: extend the line's `# noqa: …` or add one."""
    index = finding.line - 1
    if not 0 <= index < len(analysis.lines):
        return None
    line = _bare(analysis.lines[index])
    in_strings = analysis.lines_in_strings()
    if line.rstrip().endswith("\\") or in_strings is None or finding.line in in_strings:
        return None  # a comment cannot go there (or, if the text does not tokenize, we cannot tell)
    match = noqa_comment(line)
    if match is not None:
        if not match.group("codes"):
            return None  # a bare `# noqa` silences the line already
        end = match.end("codes")
        return TextEdit((finding.line, end + 1), (finding.line, end + 1), f",{finding.code}")
    kept = len(line.rstrip())
    return TextEdit((finding.line, kept + 1), (finding.line, len(line) + 1), f"  # noqa: {finding.code}")


def _workspace_edit(analysis: Analysis, edits: List[lsp.TextEdit], versioned: bool) -> lsp.WorkspaceEdit:
    if versioned:
        document = lsp.OptionalVersionedTextDocumentIdentifier(uri=analysis.uri, version=analysis.version)
        return lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(text_document=document, edits=edits)])
    return lsp.WorkspaceEdit(changes={analysis.uri: edits})


def _wanted(kind: str, only: Optional[Sequence[str]]) -> bool:
    """LSP kinds are hierarchical: asking for `source.fixAll` includes `source.fixAll.aiolint`."""
    return not only or any(kind == want or kind.startswith(f"{want}.") for want in only)


def code_actions(
    analysis: Analysis,
    requested: lsp.Range,
    only: Optional[Sequence[str]],
    codec: PositionCodec,
    versioned: bool,
    base: Optional[str] = None,
) -> List[lsp.CodeAction]:
    """The actions for the findings under `requested`, then "fix all". Runs on the worker thread."""
    actions: List[lsp.CodeAction] = []
    here = [
        f for f in analysis.findings
        if f.code != INTERNAL_ERROR_CODE and overlaps(finding_range(analysis.lines, f, codec), requested)
    ]
    if _wanted(lsp.CodeActionKind.QuickFix, only):
        fixes, silences = [], []
        for finding in here:
            diag = diagnostic(analysis.lines, finding, codec, base)
            if finding.fix is not None:
                edits = analysis.edits().get(finding.sort_key())
                if edits:
                    unsafe = not finding.fix.is_safe
                    title = f"{finding.code}: {finding.fix.description}{' (unsafe)' if unsafe else ''}"
                    fixes.append(
                        lsp.CodeAction(
                            title=title,
                            kind=lsp.CodeActionKind.QuickFix,
                            diagnostics=[diag],
                            is_preferred=not unsafe,
                            edit=_workspace_edit(analysis, lsp_edits(analysis, edits, codec), versioned),
                        )
                    )
            silence = noqa_edit(analysis, finding)
            if silence is not None:
                silences.append(
                    lsp.CodeAction(
                        title=f"Disable {finding.code} for this line",
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[diag],
                        edit=_workspace_edit(analysis, lsp_edits(analysis, [silence], codec), versioned),
                    )
                )
        actions.extend(fixes)
        actions.extend(silences)
    if _wanted(FIX_ALL_KIND, only):
        # Offered when asked for by kind (on save), or when a safe fix is under the cursor.
        if only or any(f.fix is not None and f.fix.is_safe for f in here):
            edits = analysis.fix_all()
            if edits:
                actions.append(
                    lsp.CodeAction(
                        title="aiolint: apply all safe fixes",
                        kind=FIX_ALL_KIND,
                        edit=_workspace_edit(analysis, lsp_edits(analysis, edits, codec), versioned),
                    )
                )
    return actions


# ---------------------------------------------------------------------------- the server
@dataclass
class _Document:
    task: Optional[asyncio.Task] = None  # the pending (debounced or running) analysis
    latest: Optional[Analysis] = None  # the newest published analysis


class AiolintServer(LanguageServer):
    def __init__(self, debounce: float = DEBOUNCE_SECONDS):
        super().__init__("aiolint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.debounce = debounce
        self.options = Options()
        self.documents: Dict[str, _Document] = {}
        # One worker: the analyses share the GIL anyway, and one at a time keeps stale ones cheap
        # (skipped before they start).
        self.analysis_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aiolint-analysis")
        self.docs_base = docs_base_uri()
        self.stopping = False  # after `shutdown`: no new analyses

    # ---- helpers
    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Log) -> None:
        logger.info("%s", message)
        try:
            self.window_log_message(lsp.LogMessageParams(type=kind, message=message))
        except Exception:  # no client to tell (shutting down)
            pass

    @property
    def codec(self) -> PositionCodec:
        return self.workspace.position_codec

    def _root(self) -> Optional[str]:
        try:
            root = self.workspace.root_path
        except Exception:
            return None
        return root or None

    def _path(self, uri: str) -> Optional[str]:
        if not uri.startswith("file:"):
            return None
        return to_fs_path(uri)

    def _current_version(self, uri: str) -> Tuple[bool, Optional[int]]:
        document = self.workspace.text_documents.get(uri)
        return (document is not None, document.version if document is not None else None)

    def _versioned_edits(self) -> bool:
        try:
            edit = self.client_capabilities.workspace.workspace_edit
            return bool(edit and edit.document_changes)
        except AttributeError:
            return False

    # ---- diagnostics
    def schedule(self, uri: str, delay: float) -> None:
        """(Re)start the analysis of `uri`: a newer request replaces a pending one."""
        if self.stopping:
            return
        state = self.documents.setdefault(uri, _Document())
        if state.task is not None and not state.task.done():
            state.task.cancel()
        state.task = asyncio.ensure_future(self._refresh(uri, delay))

    async def _refresh(self, uri: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        open_, version = self._current_version(uri)
        if not open_:
            return
        text = self.workspace.get_text_document(uri).source
        loop = asyncio.get_running_loop()
        try:
            analysis = await loop.run_in_executor(self.analysis_pool, self._analyse_if_current, uri, version, text)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the executor itself failed (shutting down)
            analysis = failed(uri, version, text, exc)
        if analysis is None:
            return
        open_, now = self._current_version(uri)
        if not open_ or now != version:
            return  # the editor has moved on; the newer version has its own analysis scheduled
        state = self.documents.setdefault(uri, _Document())
        state.latest = analysis
        self.publish(analysis)

    def _analyse_if_current(self, uri: str, version: Optional[int], text: str) -> Optional[Analysis]:
        """On the worker thread. Skips a version the editor has replaced while it waited."""
        if self._current_version(uri) != (True, version):
            return None
        try:
            return analyse(uri, version, text, self._path(uri), self.options, self._root())
        except Exception as exc:  # logged when published (on the event loop, which owns the client)
            logger.exception("analysing %s failed", uri)
            return failed(uri, version, text, exc)

    def publish(self, analysis: Analysis) -> None:
        codec = self.codec
        diagnostics = []
        for finding in analysis.findings:
            diagnostics.append(diagnostic(analysis.lines, finding, codec, self.docs_base))
            if finding.code == INTERNAL_ERROR_CODE and "please report it" in finding.message:
                self.log(f"aiolint: {analysis.uri}: {finding.message}", ERROR)
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=analysis.uri, version=analysis.version, diagnostics=diagnostics)
        )

    def forget(self, uri: str) -> None:
        state = self.documents.pop(uri, None)
        if state is not None and state.task is not None:
            state.task.cancel()
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def analysis_for(self, uri: str) -> Optional[Analysis]:
        """The analysis of the document's current version (waiting for one that is under way)."""
        open_, version = self._current_version(uri)
        if not open_:
            return None
        state = self.documents.get(uri)
        if state is not None and state.latest is not None and state.latest.version == version:
            return state.latest
        text = self.workspace.get_text_document(uri).source
        loop = asyncio.get_running_loop()
        analysis = await loop.run_in_executor(self.analysis_pool, self._analyse_if_current, uri, version, text)
        if analysis is not None and self._current_version(uri) == (True, version):
            self.documents.setdefault(uri, _Document()).latest = analysis
        return analysis


def create_server(debounce: float = DEBOUNCE_SECONDS) -> AiolintServer:
    server = AiolintServer(debounce)

    @server.feature(lsp.INITIALIZE)
    def initialize(params: lsp.InitializeParams) -> None:
        server.options, notes = parse_options(params.initialization_options)
        for note in notes:
            server.log(f"aiolint: {note}", WARNING)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
        server.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
        server.schedule(params.text_document.uri, server.debounce)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: lsp.DidSaveTextDocumentParams) -> None:
        server.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: lsp.DidCloseTextDocumentParams) -> None:
        server.forget(params.text_document.uri)

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=False),
    )
    async def code_action(params: lsp.CodeActionParams) -> Optional[List[lsp.CodeAction]]:
        uri = params.text_document.uri
        try:
            analysis = await server.analysis_for(uri)
            if analysis is None:
                return None
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                server.analysis_pool,
                code_actions,
                analysis,
                params.range,
                params.context.only,
                server.codec,
                server._versioned_edits(),
                server.docs_base,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.exception("code actions for %s failed", uri)
            server.log(f"aiolint: code actions for {uri} failed: {type(exc).__name__}: {exc}", ERROR)
            return None

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(params: lsp.HoverParams) -> Optional[lsp.Hover]:
        state = server.documents.get(params.text_document.uri)
        if state is None or state.latest is None:
            return None
        analysis, codec = state.latest, server.codec
        point = lsp.Range(start=params.position, end=params.position)
        pages, seen = [], set()
        for finding in analysis.findings:
            where = finding_range(analysis.lines, finding, codec)
            if finding.code not in seen and overlaps(where, point):
                seen.add(finding.code)
                pages.append(rule_page(finding.code))
        if not pages:
            return None
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n---\n".join(pages)))

    @server.feature(lsp.SHUTDOWN)
    def shutdown(params: Any = None) -> None:
        server.stopping = True
        for state in server.documents.values():
            if state.task is not None:
                state.task.cancel()
        server.analysis_pool.shutdown(wait=False, cancel_futures=True)

    return server


def main(debounce: float = DEBOUNCE_SECONDS) -> int:
    """`aiolint server`: serve on stdin/stdout until the client says `exit`."""
    logging.basicConfig(level=logging.WARNING, format="aiolint server: %(levelname)s %(message)s")
    server = create_server(debounce)
    server.start_io()
    # LSP: exit code 0 after a `shutdown` request, 1 otherwise (pygls' own sys.exit does not get out)
    return 0 if server.stopping else 1
