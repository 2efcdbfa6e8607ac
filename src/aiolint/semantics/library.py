"""Library types, as data: what builds or declares them, what their methods, attributes and
operators give, which methods block the thread (and which rule says so) and which return coroutines.

`types.py` reads these tables to answer `type_of(expr)`; the blocking-call rules and AIO300 read
them through the model. Every name here is a qualified name as the model resolves it; a type is
named by one canonical spelling (`sqlite3.Connection`), and `CLASSES`/`FACTORIES` map every
spelling that builds or declares it to that one.

An object whose type is not here is unknown, and nothing is said about it. Async libraries
(aiohttp, httpx.AsyncClient, motor, asyncpg, aiosqlite, SQLAlchemy's AsyncSession, redis.asyncio)
are here only so their objects have a type that never blocks: they have no `BLOCKING` entry.
"""
from __future__ import annotations

from typing import Dict, FrozenSet, Tuple

_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})

# Paths, sync files and sockets: one type each (which of their methods block, and for which rule,
# is in `blocking.py`: AIO103, AIO106, AIO109). Sync file objects of every kind are one type, FILE.
PATH = "pathlib.Path"
FILE = "io.IOBase"
SOCKET = "socket.socket"
_PATH_CLASSES = ("pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath")
# Blocking stdlib network clients (AIO109): each is its own type, messages name it.
_NETWORK_CLIENT_CLASSES = (
    "smtplib.SMTP",
    "smtplib.SMTP_SSL",
    "smtplib.LMTP",
    "ftplib.FTP",
    "ftplib.FTP_TLS",
    "imaplib.IMAP4",
    "imaplib.IMAP4_SSL",
    "poplib.POP3",
    "poplib.POP3_SSL",
    "xmlrpc.client.ServerProxy",
    "paramiko.SSHClient",
    "paramiko.client.SSHClient",
)

# ------------------------------------------------------------------ what declares or builds a type
# A class (as called, or as written in an annotation) -> its canonical type.
CLASSES: Dict[str, str] = {
    # paths, sockets, network clients
    **{cls: PATH for cls in _PATH_CLASSES},
    "socket.socket": SOCKET,
    **{cls: cls for cls in _NETWORK_CLIENT_CLASSES},
    # HTTP
    "requests.Session": "requests.Session",
    "requests.sessions.Session": "requests.Session",
    "httpx.Client": "httpx.Client",
    "urllib3.PoolManager": "urllib3.PoolManager",
    "urllib3.HTTPConnectionPool": "urllib3.PoolManager",
    "urllib3.HTTPSConnectionPool": "urllib3.PoolManager",
    "http.client.HTTPConnection": "http.client.HTTPConnection",
    "http.client.HTTPSConnection": "http.client.HTTPSConnection",  # its own type: messages name it
    # sqlite3 and the DB-API drivers
    "sqlite3.Connection": "sqlite3.Connection",
    "sqlite3.Cursor": "sqlite3.Cursor",
    "psycopg2.extensions.connection": "psycopg2.connection",
    "psycopg2.extensions.cursor": "psycopg2.cursor",
    "psycopg.Connection": "psycopg.Connection",
    "psycopg.Cursor": "psycopg.Cursor",
    "pymysql.Connection": "pymysql.Connection",
    "pymysql.connections.Connection": "pymysql.Connection",
    "pymysql.cursors.Cursor": "pymysql.Cursor",
    "pymysql.cursors.DictCursor": "pymysql.Cursor",
    "MySQLdb.Connection": "MySQLdb.Connection",
    "MySQLdb.connections.Connection": "MySQLdb.Connection",
    # pymongo
    "pymongo.MongoClient": "pymongo.MongoClient",
    "pymongo.mongo_client.MongoClient": "pymongo.MongoClient",
    "pymongo.database.Database": "pymongo.Database",
    "pymongo.collection.Collection": "pymongo.Collection",
    "pymongo.cursor.Cursor": "pymongo.Cursor",
    # redis (sync)
    "redis.Redis": "redis.Redis",
    "redis.StrictRedis": "redis.Redis",
    "redis.client.Redis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    # SQLAlchemy (sync)
    "sqlalchemy.engine.Engine": "sqlalchemy.Engine",
    "sqlalchemy.Engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.base.Engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.Connection": "sqlalchemy.Connection",
    "sqlalchemy.Connection": "sqlalchemy.Connection",
    "sqlalchemy.engine.base.Connection": "sqlalchemy.Connection",
    "sqlalchemy.orm.Session": "sqlalchemy.Session",
    "sqlalchemy.orm.session.Session": "sqlalchemy.Session",
    "sqlmodel.Session": "sqlalchemy.Session",
    "sqlalchemy.orm.sessionmaker": "sqlalchemy.sessionmaker",
    "sqlalchemy.orm.session.sessionmaker": "sqlalchemy.sessionmaker",
    "sqlalchemy.orm.scoped_session": "sqlalchemy.scoped_session",
    "sqlalchemy.orm.Query": "sqlalchemy.Query",
    "sqlalchemy.orm.query.Query": "sqlalchemy.Query",
    # threading and queues
    "threading.Thread": "threading.Thread",
    "threading.Event": "threading.Event",
    "threading.Lock": "threading.Lock",
    "threading.RLock": "threading.RLock",  # its own type: AIO502 says which lock the code built
    "_thread.RLock": "threading.RLock",
    "threading.Semaphore": "threading.Semaphore",
    "threading.BoundedSemaphore": "threading.BoundedSemaphore",  # its own type: asyncio has one too
    "threading.Condition": "threading.Condition",
    "queue.Queue": "queue.Queue",
    "queue.LifoQueue": "queue.Queue",
    "queue.PriorityQueue": "queue.Queue",
    "queue.SimpleQueue": "queue.SimpleQueue",
    "concurrent.futures.ThreadPoolExecutor": "concurrent.futures.Executor",
    "concurrent.futures.ProcessPoolExecutor": "concurrent.futures.Executor",
    "concurrent.futures.thread.ThreadPoolExecutor": "concurrent.futures.Executor",
    "concurrent.futures.process.ProcessPoolExecutor": "concurrent.futures.Executor",
    "concurrent.futures.Future": "concurrent.futures.Future",
    # asyncio (never blocking; coroutine methods below)
    "asyncio.Lock": "asyncio.Lock",
    "asyncio.Event": "asyncio.Event",
    "asyncio.Condition": "asyncio.Condition",
    "asyncio.Semaphore": "asyncio.Semaphore",
    "asyncio.BoundedSemaphore": "asyncio.Semaphore",
    "asyncio.Queue": "asyncio.Queue",
    "asyncio.LifoQueue": "asyncio.Queue",
    "asyncio.PriorityQueue": "asyncio.Queue",
    "asyncio.StreamWriter": "asyncio.StreamWriter",
    "asyncio.StreamReader": "asyncio.StreamReader",
    "asyncio.streams.StreamWriter": "asyncio.StreamWriter",
    "asyncio.streams.StreamReader": "asyncio.StreamReader",
    # async clients: known, so that they are known not to block
    "aiohttp.ClientSession": "aiohttp.ClientSession",
    "aiohttp.ClientResponse": "aiohttp.ClientResponse",
    "httpx.AsyncClient": "httpx.AsyncClient",
    "motor.motor_asyncio.AsyncIOMotorClient": "motor.AsyncIOMotorClient",
    "pymongo.AsyncMongoClient": "motor.AsyncIOMotorClient",
    "redis.asyncio.Redis": "redis.asyncio.Redis",
    "redis.asyncio.StrictRedis": "redis.asyncio.Redis",
    "sqlalchemy.ext.asyncio.AsyncSession": "sqlalchemy.AsyncSession",
    "sqlalchemy.ext.asyncio.AsyncEngine": "sqlalchemy.AsyncEngine",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "sqlalchemy.async_sessionmaker",
    "sqlmodel.ext.asyncio.session.AsyncSession": "sqlalchemy.AsyncSession",
    "asyncpg.Pool": "asyncpg.Pool",
    "asyncpg.pool.Pool": "asyncpg.Pool",
    "asyncpg.Connection": "asyncpg.Connection",
    "asyncpg.connection.Connection": "asyncpg.Connection",
    "aiosqlite.Connection": "aiosqlite.Connection",
    # bot frameworks (coroutine methods below)
    "discord.ext.commands.Context": "discord.Messageable",
    "discord.ext.commands.context.Context": "discord.Messageable",
    "discord.abc.Messageable": "discord.Messageable",
    "discord.TextChannel": "discord.Messageable",
    "discord.DMChannel": "discord.Messageable",
    "discord.Thread": "discord.Messageable",
    "discord.User": "discord.Messageable",
    "discord.Member": "discord.Messageable",
    "discord.Message": "discord.Message",
    "discord.Interaction": "discord.Interaction",
    "aiogram.types.Message": "aiogram.Message",
    "aiogram.types.message.Message": "aiogram.Message",
    "aiogram.types.CallbackQuery": "aiogram.CallbackQuery",
    "aiogram.types.callback_query.CallbackQuery": "aiogram.CallbackQuery",
    "aiogram.Bot": "aiogram.Bot",
    "aiogram.client.bot.Bot": "aiogram.Bot",
    "telegram.Update": "telegram.Update",
    "telegram.Message": "telegram.Message",
    "telegram.CallbackQuery": "telegram.CallbackQuery",
    "telegram.Bot": "telegram.Bot",
    "telegram.ext.CallbackContext": "telegram.CallbackContext",
    "telegram.ext.ContextTypes.DEFAULT_TYPE": "telegram.CallbackContext",
}

# Functions (not classes) whose call returns an object of a known type.
FACTORIES: Dict[str, str] = {
    **{f"{cls}.{factory}": PATH for cls in _PATH_CLASSES for factory in ("home", "cwd")},
    "builtins.open": FILE,
    "io.open": FILE,
    "io.open_code": FILE,
    "os.fdopen": FILE,
    "tempfile.TemporaryFile": FILE,
    "tempfile.NamedTemporaryFile": FILE,
    "socket.create_connection": SOCKET,
    "socket.create_server": SOCKET,
    "socket.fromfd": SOCKET,
    "_thread.allocate_lock": "threading.Lock",
    "requests.session": "requests.Session",
    "urllib3.connection_from_url": "urllib3.PoolManager",
    "sqlite3.connect": "sqlite3.Connection",
    "psycopg2.connect": "psycopg2.connection",
    "psycopg.connect": "psycopg.Connection",
    "psycopg.Connection.connect": "psycopg.Connection",
    "pymysql.connect": "pymysql.Connection",
    "pymysql.Connect": "pymysql.Connection",
    "MySQLdb.connect": "MySQLdb.Connection",
    "MySQLdb.Connect": "MySQLdb.Connection",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "sqlalchemy.create_engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.create_engine": "sqlalchemy.Engine",
    "sqlmodel.create_engine": "sqlalchemy.Engine",
    "redis.asyncio.from_url": "redis.asyncio.Redis",
    "redis.asyncio.Redis.from_url": "redis.asyncio.Redis",
    "sqlalchemy.ext.asyncio.create_async_engine": "sqlalchemy.AsyncEngine",
    "aiosqlite.connect": "aiosqlite.Connection",
}

# (type, method) -> the type of what the method returns. "__call__" is calling the object itself.
METHODS: Dict[Tuple[str, str], str] = {
    **{
        (PATH, method): PATH
        for method in ("with_name", "with_suffix", "with_stem", "joinpath", "resolve", "absolute", "expanduser",
                       "relative_to", "with_segments")
    },
    (PATH, "open"): FILE,
    (SOCKET, "dup"): SOCKET,
    ("sqlite3.Connection", "cursor"): "sqlite3.Cursor",
    ("sqlite3.Connection", "execute"): "sqlite3.Cursor",
    ("sqlite3.Connection", "executemany"): "sqlite3.Cursor",
    ("sqlite3.Cursor", "execute"): "sqlite3.Cursor",
    ("psycopg2.connection", "cursor"): "psycopg2.cursor",
    ("psycopg.Connection", "cursor"): "psycopg.Cursor",
    ("psycopg.Connection", "execute"): "psycopg.Cursor",
    ("pymysql.Connection", "cursor"): "pymysql.Cursor",
    ("MySQLdb.Connection", "cursor"): "pymysql.Cursor",
    ("pymongo.MongoClient", "get_database"): "pymongo.Database",
    ("pymongo.MongoClient", "get_default_database"): "pymongo.Database",
    ("pymongo.Database", "get_collection"): "pymongo.Collection",
    ("pymongo.Collection", "find"): "pymongo.Cursor",
    ("pymongo.Collection", "with_options"): "pymongo.Collection",
    ("pymongo.Cursor", "sort"): "pymongo.Cursor",
    ("pymongo.Cursor", "limit"): "pymongo.Cursor",
    ("pymongo.Cursor", "skip"): "pymongo.Cursor",
    ("pymongo.Cursor", "batch_size"): "pymongo.Cursor",
    ("sqlalchemy.Engine", "connect"): "sqlalchemy.Connection",
    ("sqlalchemy.Engine", "begin"): "sqlalchemy.Connection",
    ("sqlalchemy.sessionmaker", "__call__"): "sqlalchemy.Session",
    ("sqlalchemy.sessionmaker", "begin"): "sqlalchemy.Session",
    ("sqlalchemy.scoped_session", "__call__"): "sqlalchemy.Session",
    ("sqlalchemy.Session", "query"): "sqlalchemy.Query",
    ("sqlalchemy.scoped_session", "query"): "sqlalchemy.Query",
    **{
        ("sqlalchemy.Query", step): "sqlalchemy.Query"
        for step in ("filter", "filter_by", "where", "order_by", "group_by", "join", "outerjoin", "limit",
                     "offset", "options", "distinct", "having", "select_from", "with_entities")
    },
    ("concurrent.futures.Executor", "submit"): "concurrent.futures.Future",
    ("aiohttp.ClientSession", "get"): "aiohttp.ClientResponse",
    ("aiohttp.ClientSession", "post"): "aiohttp.ClientResponse",
    ("sqlalchemy.async_sessionmaker", "__call__"): "sqlalchemy.AsyncSession",
    ("sqlalchemy.AsyncEngine", "connect"): "sqlalchemy.AsyncConnection",
    ("sqlalchemy.AsyncEngine", "begin"): "sqlalchemy.AsyncConnection",
    ("motor.AsyncIOMotorClient", "get_database"): "motor.Database",
    ("motor.Database", "get_collection"): "motor.Collection",
}

# Methods that give a known type on any receiver (the name is distinctive): Celery's sends.
ANY_RECEIVER_METHODS: Dict[str, str] = {
    "delay": "celery.AsyncResult",
    "apply_async": "celery.AsyncResult",
}

# (type, attribute) -> the type of the attribute; "*" stands for any attribute not a method.
ATTRIBUTES: Dict[Tuple[str, str], str] = {
    (PATH, "parent"): PATH,
    ("pymongo.MongoClient", "*"): "pymongo.Database",
    ("pymongo.Database", "*"): "pymongo.Collection",
    ("pymongo.Collection", "*"): "pymongo.Collection",  # sub-collections: db.users.archive
    ("motor.AsyncIOMotorClient", "*"): "motor.Database",
    ("motor.Database", "*"): "motor.Collection",
    ("motor.Collection", "*"): "motor.Collection",
    ("telegram.Update", "message"): "telegram.Message",
    ("telegram.Update", "effective_message"): "telegram.Message",
    ("telegram.Update", "callback_query"): "telegram.CallbackQuery",
    ("telegram.CallbackQuery", "message"): "telegram.Message",
    ("telegram.CallbackContext", "bot"): "telegram.Bot",
    ("aiogram.CallbackQuery", "message"): "aiogram.Message",
    ("aiogram.Message", "bot"): "aiogram.Bot",
    ("discord.Message", "channel"): "discord.Messageable",
    ("discord.Message", "author"): "discord.Messageable",
}
# Attributes that are methods or plain data, never a sub-object, of the "*" types above.
NOT_SUBOBJECTS: Dict[str, FrozenSet[str]] = {
    "pymongo.MongoClient": frozenset({"address", "nodes", "close", "options", "codec_options", "read_preference",
                                      "write_concern", "read_concern", "topology_description", "HOST", "PORT"}),
    "pymongo.Database": frozenset({"name", "client", "codec_options", "read_preference", "write_concern",
                                   "read_concern"}),
    "pymongo.Collection": frozenset({"name", "full_name", "database", "codec_options", "read_preference",
                                     "write_concern", "read_concern"}),
}
NOT_SUBOBJECTS["motor.AsyncIOMotorClient"] = NOT_SUBOBJECTS["pymongo.MongoClient"]
NOT_SUBOBJECTS["motor.Database"] = NOT_SUBOBJECTS["pymongo.Database"]
NOT_SUBOBJECTS["motor.Collection"] = NOT_SUBOBJECTS["pymongo.Collection"]

# `x <op> y` with `x` of the type -> the type of the result: `Path(base) / "name"`.
OPERATORS: Dict[Tuple[str, str], str] = {
    (PATH, "/"): PATH,
}

# Annotations that declare an object of a type nothing calls to build one (a parameter annotated
# `TextIO` is a sync file). In-memory buffers and the abstract io bases are not here: `io.StringIO`
# does no I/O.
ANNOTATIONS: Dict[str, str] = {
    name: FILE
    for name in ("typing.IO", "typing.TextIO", "typing.BinaryIO", "io.TextIOWrapper", "io.BufferedReader",
                 "io.BufferedWriter", "io.BufferedRandom", "io.FileIO")
}

# `x[...]` on an object of the type -> the type of the item.
SUBSCRIPTS: Dict[str, str] = {
    "pymongo.MongoClient": "pymongo.Database",
    "pymongo.Database": "pymongo.Collection",
    "motor.AsyncIOMotorClient": "motor.Database",
    "motor.Database": "motor.Collection",
}

# ------------------------------------------------------------------ what blocks
_DB = "an async driver"
_MYSQL = f"{_DB} (aiomysql or asyncmy)"
_MYSQL_CONNECTION = frozenset({"execute", "executemany", "commit", "rollback", "ping", "select_db", "query"})
_MONGO = "an async client (pymongo.AsyncMongoClient or motor)"
_SQLALCHEMY = "SQLAlchemy's AsyncSession (sqlalchemy.ext.asyncio)"
_HTTP = "an async client (aiohttp, httpx.AsyncClient)"
_DBAPI_CURSOR = frozenset({"execute", "executemany", "executescript", "fetchone", "fetchmany", "fetchall",
                           "callproc", "copy_expert", "copy_from", "copy_to", "nextset", "scroll"})
_DBAPI_CONNECTION = frozenset({"execute", "executemany", "executescript", "commit", "rollback", "backup"})
_MONGO_COMMANDS = frozenset({
    "find_one", "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one",
    "delete_many", "count_documents", "estimated_document_count", "aggregate", "distinct", "bulk_write",
    "find_one_and_delete", "find_one_and_replace", "find_one_and_update", "create_index", "create_indexes",
    "drop_index", "drop_indexes", "drop", "list_indexes", "index_information", "rename", "count", "insert",
    "update", "remove", "save", "find_and_modify", "watch",
})

# Canonical type -> (rule code, methods whose call blocks or "*" for every method but those in
# NON_BLOCKING, the replacement to name). Types absent here never block.
BLOCKING: Dict[str, Tuple[str, FrozenSet[str], str]] = {
    "requests.Session": ("AIO101", _VERBS | {"send"}, _HTTP),
    "httpx.Client": ("AIO101", _VERBS | {"send", "stream"}, _HTTP),
    "urllib3.PoolManager": ("AIO101", frozenset({"request", "urlopen", "request_encode_url", "request_encode_body"}),
                            _HTTP),
    "http.client.HTTPConnection": ("AIO101", frozenset({"request", "getresponse", "connect", "send"}), _HTTP),
    "http.client.HTTPSConnection": ("AIO101", frozenset({"request", "getresponse", "connect", "send"}), _HTTP),
    "sqlite3.Connection": ("AIO104", _DBAPI_CONNECTION, f"{_DB} (aiosqlite)"),
    "sqlite3.Cursor": ("AIO104", _DBAPI_CURSOR, f"{_DB} (aiosqlite)"),
    "psycopg2.connection": ("AIO104", _DBAPI_CONNECTION, f"{_DB} (asyncpg or psycopg's AsyncConnection)"),
    "psycopg2.cursor": ("AIO104", _DBAPI_CURSOR, f"{_DB} (asyncpg or psycopg's AsyncConnection)"),
    "psycopg.Connection": ("AIO104", _DBAPI_CONNECTION, f"{_DB} (psycopg.AsyncConnection)"),
    "psycopg.Cursor": ("AIO104", _DBAPI_CURSOR, f"{_DB} (psycopg.AsyncConnection)"),
    "pymysql.Connection": ("AIO104", _MYSQL_CONNECTION, _MYSQL),
    "pymysql.Cursor": ("AIO104", _DBAPI_CURSOR, f"{_DB} (aiomysql or asyncmy)"),
    "MySQLdb.Connection": ("AIO104", _MYSQL_CONNECTION, _MYSQL),
    "pymongo.MongoClient": ("AIO104", frozenset({"list_database_names", "list_databases", "drop_database",
                                                 "server_info", "start_session"}), _MONGO),
    "pymongo.Database": ("AIO104", frozenset({"command", "list_collection_names", "list_collections",
                                              "create_collection", "drop_collection", "validate_collection"}), _MONGO),
    "pymongo.Collection": ("AIO104", _MONGO_COMMANDS, _MONGO),
    "pymongo.Cursor": ("AIO104", frozenset({"next", "to_list", "distinct", "explain"}), _MONGO),
    "redis.Redis": ("AIO104", frozenset({"*"}), "an async client (redis.asyncio.Redis)"),
    "sqlalchemy.Engine": ("AIO104", frozenset({"connect", "begin", "execute", "raw_connection"}), _SQLALCHEMY),
    "sqlalchemy.Connection": ("AIO104", frozenset({"execute", "exec_driver_sql", "scalar", "scalars", "commit",
                                                  "rollback"}), _SQLALCHEMY),
    "sqlalchemy.Session": ("AIO104", frozenset({"execute", "scalar", "scalars", "get", "commit", "flush",
                                               "refresh"}), _SQLALCHEMY),
    "sqlalchemy.scoped_session": ("AIO104", frozenset({"execute", "scalar", "scalars", "get", "commit", "flush",
                                                      "refresh"}), _SQLALCHEMY),
    # update()/delete() on a Query are bulk statements: they run at once.
    "sqlalchemy.Query": ("AIO104", frozenset({"all", "first", "one", "one_or_none", "scalar", "count", "update",
                                              "delete"}),
                         _SQLALCHEMY),
    "threading.Thread": ("AIO105", frozenset({"join"}), ""),
    "threading.Event": ("AIO105", frozenset({"wait"}), ""),
    "threading.Lock": ("AIO105", frozenset({"acquire"}), ""),
    "threading.RLock": ("AIO105", frozenset({"acquire"}), ""),
    "threading.Semaphore": ("AIO105", frozenset({"acquire"}), ""),
    "threading.BoundedSemaphore": ("AIO105", frozenset({"acquire"}), ""),
    "threading.Condition": ("AIO105", frozenset({"wait", "wait_for", "acquire"}), ""),
    "queue.Queue": ("AIO105", frozenset({"get", "put", "join"}), ""),
    "queue.SimpleQueue": ("AIO105", frozenset({"get"}), ""),
    "concurrent.futures.Future": ("AIO105", frozenset({"result", "exception"}), ""),
    "celery.AsyncResult": ("AIO105", frozenset({"get", "wait"}), ""),
}
# Methods of a "*" type that do no I/O of their own.
NON_BLOCKING: Dict[str, FrozenSet[str]] = {
    "redis.Redis": frozenset({"pipeline", "pubsub", "lock", "register_script", "get_encoder", "close",
                              "get_connection_kwargs", "set_response_callback", "from_url", "connection_pool"}),
}
# Types whose iteration (`for x in it`, `list(it)`) or indexing (`it[0]`) runs the query.
BLOCKING_ITERATION: Dict[str, str] = {
    "pymongo.Cursor": "pymongo.Cursor",
    "sqlalchemy.Query": "sqlalchemy.Query",
}
# Builtins that iterate the iterable given as their first argument, there and then.
ITERATING_BUILTINS = frozenset({
    "builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset", "builtins.dict", "builtins.sorted",
    "builtins.sum", "builtins.any", "builtins.all",
})
# Lazy builtins: iterating what they return iterates their arguments from this position on
# (all of them when True, else that one only).
ITERATED_THROUGH: Dict[str, Tuple[int, bool]] = {
    "builtins.enumerate": (0, False),
    "builtins.zip": (0, True),
    "builtins.filter": (1, False),
    "builtins.map": (1, True),
}


def blocking_method(type_name: str, method: str):
    """(code, replacement) when calling `method` on an object of `type_name` blocks, else None."""
    entry = BLOCKING.get(type_name)
    if entry is None:
        return None
    code, methods, replacement = entry
    if method in methods or ("*" in methods and method not in NON_BLOCKING.get(type_name, ()) and not
                             method.startswith("_")):
        return code, replacement
    return None


# ------------------------------------------------------------------ coroutine methods
_STREAM_READS = frozenset({"read", "readline", "readexactly", "readuntil"})
_DISCORD_SEND = frozenset({"send", "reply", "trigger_typing", "fetch_message", "history"})
_AIOGRAM_MESSAGE = frozenset({"answer", "reply", "edit_text", "edit_caption", "edit_reply_markup", "delete",
                              "answer_photo", "answer_document", "reply_photo", "forward", "copy_to", "pin",
                              "answer_sticker", "answer_video", "answer_audio", "answer_voice",
                              "answer_animation", "answer_media_group", "send_copy"})
_TELEGRAM_MESSAGE = frozenset({"reply_text", "reply_html", "reply_markdown", "reply_markdown_v2", "reply_photo",
                               "reply_document", "reply_video", "reply_audio", "reply_voice", "reply_sticker",
                               "reply_media_group", "edit_text", "edit_caption", "edit_reply_markup", "delete",
                               "forward", "copy", "pin", "unpin"})
_BOT_SENDS = frozenset({"send_message", "send_photo", "send_document", "send_video", "send_audio", "send_voice",
                        "send_sticker", "send_animation", "send_media_group", "edit_message_text",
                        "delete_message", "answer_callback_query", "get_me", "get_chat", "get_file",
                        "forward_message", "copy_message", "send_chat_action", "set_webhook", "delete_webhook"})

COROUTINE_METHODS: Dict[str, FrozenSet[str]] = {
    "asyncio.StreamWriter": frozenset({"drain", "wait_closed", "start_tls"}),
    "asyncio.StreamReader": _STREAM_READS,
    "asyncio.Lock": frozenset({"acquire"}),
    "asyncio.Event": frozenset({"wait"}),
    "asyncio.Condition": frozenset({"acquire", "wait", "wait_for"}),
    "asyncio.Semaphore": frozenset({"acquire"}),
    "asyncio.Queue": frozenset({"get", "put", "join"}),
    "aiohttp.ClientSession": frozenset({"close"}),
    "aiohttp.ClientResponse": frozenset({"text", "json", "read"}),
    "discord.Messageable": _DISCORD_SEND,
    "discord.Message": frozenset({"reply", "edit", "delete", "add_reaction", "remove_reaction", "pin", "unpin",
                                  "clear_reactions", "create_thread"}),
    "aiogram.Message": _AIOGRAM_MESSAGE,
    "aiogram.CallbackQuery": frozenset({"answer"}),
    "aiogram.Bot": _BOT_SENDS,
    "telegram.Message": _TELEGRAM_MESSAGE,
    "telegram.CallbackQuery": frozenset({"answer", "edit_message_text", "edit_message_reply_markup",
                                         "delete_message"}),
    "telegram.Bot": _BOT_SENDS,
    "sqlalchemy.AsyncSession": frozenset({"execute", "scalar", "scalars", "get", "commit", "flush", "refresh",
                                          "rollback", "close", "delete", "merge"}),
    "redis.asyncio.Redis": frozenset({"get", "set", "delete", "exists", "expire", "incr", "decr", "hget",
                                      "hset", "hgetall", "lpush", "rpush", "lpop", "rpop", "publish", "close",
                                      "aclose", "ping"}),
    "aiosqlite.Connection": frozenset({"execute", "executemany", "commit", "rollback", "close", "cursor"}),
    "asyncpg.Pool": frozenset({"execute", "executemany", "fetch", "fetchrow", "fetchval", "close"}),
    "asyncpg.Connection": frozenset({"execute", "executemany", "fetch", "fetchrow", "fetchval", "close"}),
}

# `with X as y` gives `y` the type of X unless listed here (type entered -> type bound).
ENTERED: Dict[str, str] = {}

# ------------------------------------------------------------------ blocking functions (for summaries)
# Functions whose call blocks, for the project index (other modules' helpers): qualified name ->
# the rule that reports it. The rules' own tables say the same for code in the linted file.
BLOCKING_FUNCTIONS: Dict[str, str] = {
    "time.sleep": "AIO100",
    **{f"requests.{verb}": "AIO101" for verb in _VERBS},
    **{f"httpx.{verb}": "AIO101" for verb in _VERBS},
    "urllib.request.urlopen": "AIO101",
    "urllib.request.urlretrieve": "AIO101",
    **{
        f"subprocess.{f}": "AIO102"
        for f in ("run", "call", "check_call", "check_output", "Popen", "getoutput", "getstatusoutput")
    },
    "os.system": "AIO102",
    "os.popen": "AIO102",
    "sqlite3.connect": "AIO104",
    "psycopg2.connect": "AIO104",
    "psycopg.connect": "AIO104",
    "pymysql.connect": "AIO104",
    "MySQLdb.connect": "AIO104",
    "builtins.input": "AIO105",
}


def method_names(code: str) -> FrozenSet[str]:
    """The method names through which a `code` finding can arise on a typed object: the blocking
    methods of its types, and the methods that derive one of its types (for the pre-screen)."""
    types = {name for name, (c, _, _) in BLOCKING.items() if c == code}
    names = {m for name in types for m in BLOCKING[name][1] if m != "*"}
    names |= {method for (_, method), result in METHODS.items() if result in types and method != "__call__"}
    return frozenset(names)
