"""Which library calls block: the data behind AIO102, AIO103, AIO108 and AIO109.

Tables only. What an expression *is* (a path, a file, a socket, a client) comes from
the model's `type_of`, whose facts (what builds or declares a `pathlib.Path`, a sync file,
a socket, a network client) are in `library.py`; the rules combine the two.
"""
from __future__ import annotations

from typing import Dict, FrozenSet

# ----------------------------------------------------------------------------- AIO102: processes
SUBPROCESS_EXEC = frozenset(
    {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen"}
)
SUBPROCESS_SHELL = frozenset({"subprocess.getoutput", "subprocess.getstatusoutput", "os.system", "os.popen"})
# Start a program: fork+exec is not free either.
SPAWN = frozenset(
    {f"os.spawn{suffix}" for suffix in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")}
    | {"os.posix_spawn", "os.posix_spawnp"}
)
# Wait for a child. `os.waitstatus_to_exitcode` only converts a number and is not here.
WAIT = frozenset({"os.wait", "os.wait3", "os.wait4", "os.waitpid", "os.waitid"})

# ----------------------------------------------------------------------------- AIO103: files
OPEN_FUNCTIONS = frozenset({"builtins.open", "io.open", "io.open_code", "os.fdopen"})
# Methods of a sync file object that wait for the disk.
FILE_METHODS = frozenset({"read", "readline", "readlines", "write", "writelines", "flush"})
# Path methods that do a whole read or write (AIO103); `open` is AIO103 too.
PATH_READ_WRITE = frozenset({"read_text", "read_bytes", "write_text", "write_bytes"})

# ----------------------------------------------------------------------------- AIO108: the file system
# Functions that touch the disk -> whether the call returns a finished value (False: an iterator or
# context manager whose use does the I/O, so moving the call alone to a thread is no fix).
FILESYSTEM_FUNCTIONS: Dict[str, bool] = {
    **{
        f"os.{name}": True
        for name in (
            "stat", "lstat", "listdir", "remove", "unlink", "rename", "renames", "replace", "makedirs",
            "mkdir", "rmdir", "removedirs", "chmod", "chown", "lchown", "utime", "link", "symlink",
            "readlink", "access", "statvfs", "truncate",
        )
    },
    "os.scandir": False,
    "os.walk": False,
    "os.fwalk": False,
    # os.path: only the functions that ask the disk. join/basename/dirname/splitext/normpath/abspath/
    # relpath are string arithmetic and never listed.
    **{
        f"os.path.{name}": True
        for name in (
            "exists", "lexists", "isfile", "isdir", "islink", "ismount", "getsize", "getmtime", "getatime",
            "getctime", "samefile", "sameopenfile", "realpath",
        )
    },
    **{
        f"shutil.{name}": True
        for name in (
            "copy", "copy2", "copyfile", "copyfileobj", "copymode", "copystat", "copytree", "move", "rmtree",
            "make_archive", "unpack_archive", "disk_usage", "chown",
        )
    },
    "glob.glob": True,
    "glob.iglob": False,
    "tempfile.mkstemp": True,
    "tempfile.mkdtemp": True,
    "tempfile.TemporaryFile": False,
    "tempfile.NamedTemporaryFile": False,
    "tempfile.TemporaryDirectory": False,
}
# `pathlib.Path` methods that touch the disk beyond AIO103's, -> returns a finished value.
# Path arithmetic (`name`, `parent`, `with_suffix`, `joinpath`, `/`) and `resolve()` without
# `strict=True` are not here.
PATH_METHODS: Dict[str, bool] = {
    **{
        name: True
        for name in (
            "exists", "is_file", "is_dir", "is_symlink", "is_mount", "is_socket", "is_fifo",
            "is_block_device", "is_char_device", "stat", "lstat", "mkdir", "unlink", "rmdir", "rename",
            "replace", "touch", "chmod", "lchmod", "samefile", "owner", "group", "readlink",
            "symlink_to", "hardlink_to",
        )
    },
    "iterdir": False,
    "glob": False,
    "rglob": False,
    "walk": False,
}
# `Path.resolve(strict=True)` raises for a missing file: that one asks the disk for sure.
PATH_RESOLVE = "resolve"

# Functions of the `aiofiles.os` / `aiofiles.ospath` modules, for the message.
AIOFILES_OS = frozenset(
    {
        "os.stat", "os.rename", "os.renames", "os.replace", "os.remove", "os.unlink", "os.mkdir",
        "os.makedirs", "os.link", "os.symlink", "os.readlink", "os.rmdir", "os.removedirs", "os.scandir",
        "os.listdir", "os.access", "os.statvfs",
        "os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.islink", "os.path.ismount",
        "os.path.getsize", "os.path.getmtime", "os.path.getatime", "os.path.getctime", "os.path.samefile",
        "os.path.sameopenfile",
    }
)

AIOFILES_TEMPFILE = frozenset(
    {
        "tempfile.TemporaryFile",
        "tempfile.NamedTemporaryFile",
        "tempfile.SpooledTemporaryFile",
        "tempfile.TemporaryDirectory",
    }
)

# ----------------------------------------------------------------------------- AIO109: the network
# Name resolution and connecting: qualified name -> what to use instead, by kind (see AIO109).
DNS_FUNCTIONS: Dict[str, str] = {
    "socket.getaddrinfo": "getaddrinfo",
    "socket.gethostbyname": "getaddrinfo",
    "socket.gethostbyname_ex": "getaddrinfo",
    "socket.gethostbyaddr": "getnameinfo",
    "socket.getnameinfo": "getnameinfo",
    "socket.getfqdn": "getnameinfo",
    "socket.create_connection": "connect",
}
# Methods of a blocking `socket.socket` that wait for the peer -> the loop's `sock_*` equivalent.
SOCKET_METHODS: Dict[str, str] = {
    "connect": "sock_connect",
    "connect_ex": "sock_connect",  # the same blocking connect, returning an error number
    "accept": "sock_accept",
    "recv": "sock_recv",
    "recv_into": "sock_recv_into",
    "recvfrom": "sock_recvfrom",
    "recvfrom_into": "sock_recvfrom_into",
    "send": "sock_sendall",
    "sendall": "sock_sendall",
    "sendto": "sock_sendto",
    "sendfile": "sock_sendfile",
    "makefile": "",
}
# Calls that make a socket non-blocking: method -> the argument values that do it.
SOCKET_NONBLOCKING_METHODS = frozenset({"setblocking", "settimeout"})
# A socket handed to one of these (as an argument, or `sock=`) belongs to the event loop.
SOCKET_LOOP_TAKERS = frozenset(
    {
        "create_connection", "create_server", "create_datagram_endpoint", "create_unix_connection",
        "create_unix_server", "connect_accepted_socket", "open_connection", "start_server",
        "open_unix_connection", "start_unix_server", "add_reader", "add_writer", "sendfile",
        "from_stdlib_socket", "wrap_socket",
    }
)

_SMTP = frozenset(
    {
        "connect", "login", "sendmail", "send_message", "ehlo", "helo", "ehlo_or_helo_if_needed", "starttls",
        "quit", "noop", "verify", "rset", "mail", "rcpt", "data", "docmd", "auth", "expn",
    }
)
_FTP = frozenset(
    {
        "connect", "login", "cwd", "pwd", "retrbinary", "retrlines", "storbinary", "storlines", "nlst", "dir",
        "mlsd", "size", "delete", "rename", "mkd", "rmd", "quit", "sendcmd", "voidcmd", "transfercmd",
        "ntransfercmd", "abort", "prot_p", "auth",
    }
)
_IMAP = frozenset(
    {
        "login", "login_cram_md5", "authenticate", "logout", "select", "examine", "search", "fetch", "store",
        "list", "lsub", "append", "copy", "expunge", "uid", "noop", "close", "starttls", "create", "delete",
        "rename", "status", "subscribe", "unsubscribe", "check", "capability", "namespace", "getquota",
        "setquota", "getacl", "setacl", "sort", "thread", "enable", "idle",
    }
)
_POP = frozenset(
    {"user", "pass_", "apop", "rpop", "stat", "list", "retr", "dele", "quit", "top", "uidl", "noop", "rset",
     "stls", "capa"}
)
# Blocking client classes -> the methods of their instances that talk to the server ("*": any method,
# for proxies whose methods are the remote procedures).
NETWORK_CLIENTS: Dict[str, FrozenSet[str]] = {
    "smtplib.SMTP": _SMTP,
    "smtplib.SMTP_SSL": _SMTP,
    "smtplib.LMTP": _SMTP,
    "ftplib.FTP": _FTP,
    "ftplib.FTP_TLS": _FTP,
    "imaplib.IMAP4": _IMAP,
    "imaplib.IMAP4_SSL": _IMAP,
    "poplib.POP3": _POP,
    "poplib.POP3_SSL": _POP,
    "xmlrpc.client.ServerProxy": frozenset({"*"}),
    "paramiko.SSHClient": frozenset({"connect", "exec_command"}),
    "paramiko.client.SSHClient": frozenset({"connect", "exec_command"}),
}
# Client constructors that connect at once: class -> when. "always", or "host": when given a host
# (first positional argument or `host=`). ServerProxy and SSHClient connect only when used.
CONNECTING_CONSTRUCTORS: Dict[str, str] = {
    "smtplib.SMTP": "host",
    "smtplib.SMTP_SSL": "host",
    "smtplib.LMTP": "host",
    "ftplib.FTP": "host",
    "ftplib.FTP_TLS": "host",
    "imaplib.IMAP4": "always",
    "imaplib.IMAP4_SSL": "always",
    "poplib.POP3": "always",
    "poplib.POP3_SSL": "always",
}
# What to suggest for each client family.
CLIENT_REPLACEMENTS: Dict[str, str] = {
    "smtplib": "aiosmtplib",
    "ftplib": "aioftp",
    "imaplib": "aioimaplib",
    "poplib": "an async POP3 client",
    "xmlrpc.client": "an async XML-RPC client (aiohttp-xmlrpc)",
    "paramiko": "asyncssh",
}
