"""AIO108, AIO109 and the wider AIO102/AIO103: whole messages, positions; paths, files, sockets in `type_of`."""
from __future__ import annotations

import textwrap

import pytest

from aiolint.core import pipeline as engine
from aiolint.semantics import library
from aiolint.semantics.types import library_type
from aiolint.core.settings import Settings
from conftest import probe as run_probe


def _findings(source, select=("AIO1",)):
    found = engine.lint(textwrap.dedent(source), settings=Settings(select=select))
    return [(f.line, f.col, f.code, f.message) for f in found]


def test_filesystem_messages_name_the_call_and_the_replacement():
    source = """
        import os, shutil
        from pathlib import Path

        async def tidy(p):
            if os.path.exists(p):
                shutil.rmtree(p)
            for entry in os.walk(p):
                pass
            return (Path(p) / "x").is_file()
        """
    assert _findings(source) == [
        (6, 8, "AIO108", "os.path.exists() blocks the event loop in async function 'tidy'; "
         "use aiofiles.os.path.exists, or 'await asyncio.to_thread(os.path.exists, p)'"),
        (7, 9, "AIO108", "shutil.rmtree() blocks the event loop in async function 'tidy'; "
         "use 'await asyncio.to_thread(shutil.rmtree, p)'"),
        (8, 18, "AIO108", "os.walk() blocks the event loop in async function 'tidy'; "
         "use aiofiles.os or anyio.Path, or run the code that uses os.walk() in asyncio.to_thread"),
        (10, 12, "AIO108", "pathlib.Path.is_file() blocks the event loop in async function 'tidy'; "
         "use anyio.Path, or 'await asyncio.to_thread((Path(p) / \"x\").is_file)'"),
    ]


def test_trio_modules_get_trio_spelling():
    source = """
        import os
        import socket
        import trio

        async def main(p, host):
            os.stat(p)
            socket.getaddrinfo(host, 80)
        """
    assert [m for *_, m in _findings(source)] == [
        "os.stat() blocks the event loop in async function 'main'; "
        "use trio.Path, or 'await trio.to_thread.run_sync(os.stat, p)'",
        "socket.getaddrinfo() blocks the event loop in async function 'main'; "
        "use 'await trio.socket.getaddrinfo(...)', or 'await trio.to_thread.run_sync(socket.getaddrinfo, host, 80)'",
    ]


def test_network_messages():
    source = """
        import smtplib, socket

        async def send(host, msg):
            s = socket.socket()
            s.connect((host, 25))
            with smtplib.SMTP(host) as smtp:
                smtp.send_message(msg)
        """
    assert _findings(source) == [
        (6, 5, "AIO109", "s.connect() blocks the event loop in async function 'send'; "
         "use 'await loop.sock_connect(s, (host, 25))', or 'await asyncio.to_thread(s.connect, (host, 25))'"),
        (7, 10, "AIO109", "smtplib.SMTP() blocks the event loop in async function 'send'; "
         "use aiosmtplib, or run the whole exchange in a worker thread"),
        (8, 9, "AIO109", "smtplib.SMTP.send_message() blocks the event loop in async function 'send'; "
         "use aiosmtplib, or 'await asyncio.to_thread(smtp.send_message, msg)'"),
    ]


def test_file_object_and_other_opener_messages():
    source = """
        import os
        from typing import TextIO

        async def log(out: TextIO, fd):
            out.write("x")
            os.fdopen(fd)
        """
    assert [m for *_, m in _findings(source)] == [
        "out.write() blocks the event loop in async function 'log'; use a file opened with aiofiles or anyio, "
        "or 'await asyncio.to_thread(out.write, \"x\")'",
        "os.fdopen() blocks the event loop in async function 'log'; use 'async with aiofiles.open(...)' or "
        "anyio.Path, or run the whole file access in asyncio.to_thread",
    ]


def test_helper_chains_include_the_new_calls():
    source = """
        import os, socket

        def present(p):
            return os.path.isfile(p)

        def lookup(h):
            return socket.getfqdn(h)

        async def main(p, h):
            present(p)
            lookup(h)
        """
    assert [m.split(" blocks")[0] for *_, m in _findings(source, ("AIO107",))] == [
        "present() -> os.path.isfile()",
        "lookup() -> socket.getfqdn()",
    ]


def test_files_without_these_names_are_not_parsed_for_them():
    from aiolint.rules.blocking_filesystem_call import BlockingFilesystemCall
    from aiolint.rules.blocking_network_call import BlockingNetworkCall

    settings = Settings()
    text = "import os\nimport socket\n\nasync def main(p):\n    return os.path.join(p, 'x')\n"
    assert not BlockingFilesystemCall.is_triggered(text, settings)
    assert not BlockingNetworkCall.is_triggered(text, settings)


# --------------------------------------------------------------------------- type_of: paths, files, sockets
def _type_at(source: str):
    """The library type `type_of` gives the argument of the one `probe(x)` call, asked where that call is."""
    return run_probe(source, lambda model, expr: library_type(model.type_of(expr)))[0]


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from pathlib import Path\nasync def f(n):\n    p = Path(n) / 'x'\n    probe(p)\n", library.PATH),
        ("from pathlib import Path\nasync def f(n):\n    probe(Path(n).parent)\n", library.PATH),
        ("from pathlib import Path\nasync def f(n):\n    probe(Path(n).name)\n", None),
        ("async def f(n):\n    with open(n) as fh:\n        probe(fh)\n", library.FILE),
        ("from typing import IO, Optional\nasync def f(fh: Optional[IO[str]]):\n    probe(fh)\n", library.FILE),
        ("from typing import TextIO\nasync def f(fh: TextIO | None = None):\n    probe(fh)\n", library.FILE),
        ("async def f(fh: 'int | None'):\n    probe(fh)\n", None),
        ("import io\nasync def f(fh: io.StringIO):\n    probe(fh)\n", None),
        # `None` says nothing against the file: a method called on it means it is the file
        ("async def f(n, c):\n    fh = open(n)\n    if c:\n        fh = None\n    probe(fh)\n", library.FILE),
        ("async def f(n, c):\n    fh = open(n)\n    fh = c\n    probe(fh)\n", None),
        ("async def f(n, c):\n    fh = c\n    fh = open(n)\n    probe(fh)\n", library.FILE),
        ("async def f(n, c):\n    fh = open(n)\n    for x in c:\n        probe(fh)\n        fh = x\n", None),
        ("async def f(n, c):\n    fh = c\n    with open(n) as fh:\n        probe(fh)\n", library.FILE),
        ("async def f(n, c):\n    fh = c\n    try:\n        fh = open(n)\n    except OSError:\n"
         "        probe(fh)\n", None),
        ("import socket\nclass C:\n    def __init__(self):\n        self.s = None\n    def go(self):\n"
         "        self.s = socket.socket()\n    async def f(self):\n        probe(self.s)\n", library.SOCKET),
        ("import socket\nclass C:\n    def go(self, x):\n        self.s = socket.socket()\n        self.s = x\n"
         "    async def f(self):\n        probe(self.s)\n", None),
        ("import socket\nS = socket.create_connection(('h', 1))\nasync def f():\n    probe(S)\n", library.SOCKET),
    ],
)
def test_type_of_paths_files_sockets(source, expected):
    assert _type_at(source) == expected


def test_asking_about_self_attributes_keeps_later_methods_in_their_class():
    # Typing `self.s` reads every method of the class before the walk reaches them; the scopes made
    # for them must still sit in the class, or `self.helper()` below stops resolving.
    source = """
        import socket, time

        class C:
            def start(self):
                self.s = socket.socket()

            async def a(self):
                self.s.recv(1)

            async def b(self):
                self.helper()

            def helper(self):
                time.sleep(1)
        """
    assert [(line, code) for line, _, code, _ in _findings(source, ("AIO107", "AIO109"))] == [
        (9, "AIO109"),
        (12, "AIO107"),
    ]


def test_async_replacements_under_familiar_names_stay_silent():
    source = """
        from aiofiles import os
        import anyio

        async def tidy(p):
            if await os.path.exists(p):
                await os.remove(p)
            await anyio.Path(p).unlink()
        """
    assert _findings(source) == []


def test_generic_annotations_declare_their_class_but_type_of_a_class_is_no_instance():
    source = "import queue\nasync def f(q: 'queue.Queue[int]', c: type[queue.Queue]):\n    probe(q); probe(c)\n"
    assert run_probe(source, lambda model, expr: library_type(model.type_of(expr))) == ["queue.Queue", None]
