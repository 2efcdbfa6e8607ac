from __future__ import annotations

from typing import Optional

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs
from aiolint.core.rule import Blocking, BlockingCallRule, RuleDocs
from aiolint.rules._threads import to_thread_fix, to_thread_text
from aiolint.semantics import blocking, dotted_name, known
from aiolint.semantics.library import CLASSES, FACTORIES, SOCKET
from aiolint.semantics.types import library_type

# The last name of every call AIO109 can report (ServerProxy's aside).
_CALL_NAMES = (
    known.last_names(blocking.DNS_FUNCTIONS)
    | known.last_names(blocking.CONNECTING_CONSTRUCTORS)
    | frozenset(blocking.SOCKET_METHODS)
    | frozenset(m for methods in blocking.NETWORK_CLIENTS.values() for m in methods if m != "*")
)
# Loop/library spellings of name resolution and connecting, by kind and library.
_RESOLVE = {
    "asyncio": {
        "getaddrinfo": "'await loop.getaddrinfo(...)'",
        "getnameinfo": "'await loop.getnameinfo(...)'",
        "connect": "'await asyncio.open_connection(host, port)'",
    },
    "trio": {
        "getaddrinfo": "'await trio.socket.getaddrinfo(...)'",
        "getnameinfo": "'await trio.socket.getnameinfo(...)'",
        "connect": "'await trio.open_tcp_stream(host, port)'",
    },
    "anyio": {
        "getaddrinfo": "'await anyio.getaddrinfo(...)'",
        "getnameinfo": "'await anyio.getnameinfo(...)'",
        "connect": "'await anyio.connect_tcp(host, port)'",
    },
}
_CONNECTION = {
    "asyncio": "asyncio.open_connection",
    "trio": "trio.open_tcp_stream",
    "anyio": "anyio.connect_tcp",
}


class BlockingNetworkCall(BlockingCallRule):
    code = "AIO109"
    name = "blocking-network-call"
    fix_availability = "unsafe"
    needs = (
        Needs(
            calls=_CALL_NAMES,
            imports=("socket", "smtplib", "ftplib", "imaplib", "poplib", "paramiko"),
        ),
        Needs(imports=("xmlrpc",)),  # a ServerProxy's methods are the remote procedures: any name
    )
    docs = RuleDocs(
        what=(
            "Checks for network calls in async functions that wait in the calling thread: name "
            "resolution (`socket.getaddrinfo`, `gethostbyname`, `gethostbyname_ex`, "
            "`gethostbyaddr`, `getnameinfo`, `getfqdn`) and `socket.create_connection`; "
            "`connect`, `connect_ex`, `accept`, `recv`, `recv_into`, `recvfrom`, `send`, `sendall`, `sendto`, "
            "`sendfile` and `makefile` on a blocking `socket.socket` built in view (not one made "
            "non-blocking with `setblocking(False)`/`settimeout(0)` or handed to the loop's "
            "`sock_*` methods); the blocking stdlib clients `smtplib.SMTP`/`SMTP_SSL`/`LMTP`, "
            "`ftplib.FTP`/`FTP_TLS`, `imaplib.IMAP4`/`IMAP4_SSL`, `poplib.POP3`/`POP3_SSL` (the "
            "constructors that connect, and the methods that talk to the server) and "
            "`xmlrpc.client.ServerProxy` calls; and `paramiko.SSHClient` `connect`/`exec_command`."
        ),
        why=(
            "A DNS lookup or a socket operation on a blocking socket waits for the network: "
            "milliseconds on a good day, the whole resolver or TCP timeout (many seconds) on a bad "
            "one. The event loop and every task on it stop for all of it."
        ),
        example=(
            "import socket\n\n"
            "async def address(host):\n"
            "    return socket.gethostbyname(host)\n"
        ),
        use_instead=(
            "import asyncio\n"
            "import socket\n"
            "\n"
            "async def address(host):\n"
            "    return await asyncio.to_thread(socket.gethostbyname, host)\n"
        ),
        fix_safety=(
            "Unsafe, and only for calls that return a finished value (a lookup, one socket "
            "operation, one client command): the fix runs the call in a worker thread with "
            "`await asyncio.to_thread(socket.gethostbyname, host)` (trio and anyio: "
            "`to_thread.run_sync`). It changes the thread the call runs in; a socket or client "
            "shared with other tasks is now used from two threads. Constructors that connect and "
            "`socket.create_connection` get no fix: the object they return blocks on every later "
            "use, so the exchange as a whole has to move to an async client or a thread. The loop's own "
            "resolver and async clients are the better end state: `await loop.getaddrinfo(host, None)`, "
            "`aiosmtplib.send(message, hostname=...)`, `asyncssh`."
        ),
    )

    def match(self, call: cst.Call) -> Optional[Blocking]:
        func = call.func
        model = self.model
        library = model.async_library
        qualified = model.qualified_name(func)
        if qualified is not None:
            kind = blocking.DNS_FUNCTIONS.get(qualified)
            if kind is not None:
                instead = _RESOLVE[library][kind]
                if kind == "connect":
                    return Blocking(qualified, instead)
                instead = f"{instead}, or {to_thread_text(call, library)}"
                return Blocking(qualified, instead, fix=to_thread_fix(self, call))
            when = blocking.CONNECTING_CONSTRUCTORS.get(qualified)
            if when is not None and (when == "always" or _has_host(call)):
                instead = f"{_client_replacement(qualified)}, or run the whole exchange in a worker thread"
                return Blocking(qualified, instead)
            if qualified in CLASSES or qualified in FACTORIES or not isinstance(func, cst.Attribute):
                return None
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        if method in blocking.SOCKET_METHODS:
            found = self._socket_method(call, func)
            if found is not None:
                return found
        return self._client_method(call, func)

    def _socket_method(self, call: cst.Call, func: cst.Attribute) -> Optional[Blocking]:
        model = self.model
        receiver = func.value
        if library_type(model.type_of(receiver)) != SOCKET or model.handed_to_loop(receiver):
            return None
        if model.offloaded_here(receiver):
            return None
        method = func.attr.value
        library = model.async_library
        shown = dotted_name(func) or f"socket.socket.{method}"
        loop_method = blocking.SOCKET_METHODS[method]
        if not loop_method:  # makefile: a file over the socket
            return Blocking(shown, f"streams from 'await {_CONNECTION[library]}(...)'")
        if library == "asyncio":
            args = ", ".join([edits.code(receiver), *(edits.code(a.value) for a in call.args if a.keyword is None)])
            instead = f"'await loop.{loop_method}({args})'"
        else:
            instead = f"{library}.socket or streams from {_CONNECTION[library]}"
        return Blocking(shown, f"{instead}, or {to_thread_text(call, library)}", fix=to_thread_fix(self, call))

    def _client_method(self, call: cst.Call, func: cst.Attribute) -> Optional[Blocking]:
        model = self.model
        method = func.attr.value
        receiver = func.value
        client = None
        for _ in range(3):  # proxy.system.listMethods(): the proxy is a few attributes up
            found = model.type_of(receiver)
            if found is not None:
                client = library_type(found)
                break
            if not isinstance(receiver, cst.Attribute):
                return None
            receiver = receiver.value
        methods = blocking.NETWORK_CLIENTS.get(client or "")
        if methods is None or model.offloaded_here(receiver):
            return None
        if "*" in methods:
            if method.startswith("_"):
                return None
        elif method not in methods or receiver is not func.value:
            return None
        library = model.async_library
        return Blocking(
            f"{client}.{method}",
            f"{_client_replacement(client)}, or {to_thread_text(call, library)}",
            fix=to_thread_fix(self, call),
        )


def _client_replacement(client: str) -> str:
    module = client.rsplit(".", 1)[0]
    if module == "paramiko.client":
        module = "paramiko"
    return blocking.CLIENT_REPLACEMENTS[module]


def _has_host(call: cst.Call) -> bool:
    for arg in call.args:
        if arg.star:
            return True  # unsure: may pass one
        if arg.keyword is None or arg.keyword.value == "host":
            return not (isinstance(arg.value, cst.SimpleString) and arg.value.value in ('""', "''"))
    return False
