"""What a callee's name says about its effect: one vocabulary, keyed by meaning.

Used as a fallback by the independence analysis (`semantics/independence.py`): when a
callee is a project function its body decides; when it is a library or unknown function
its name is all we have. A name is read without its async markers (`async_`, `_async`,
leading underscores, Django's `a` before a step: `aclose`, `asave`), split into words;
its *verb* is the first word the table knows (`db_get_user` -> `get`, `async_stop` ->
`stop`). Some words mark a step wherever they stand (`config_entry_first_refresh`).
"""
from __future__ import annotations

import re
from typing import Dict, FrozenSet, List, Optional

# ---------------------------------------------------------------------------------- meanings
READ = "read"  # returns data, changes nothing others see: may overlap with anything but a change of it
WRITE = "write"  # changes stored state (a row, a file, a remote resource)
MESSAGE = "message"  # output a person or peer sees, in order: a chat message, a reply, a reaction
LIFECYCLE = "lifecycle"  # opens, starts, logs in, tears down: what follows depends on it
GUARD = "guard"  # checks a precondition and raises: must come before what it guards
PACING = "pacing"  # sleeps, waits, throttles: the delay is the point
SYNC = "sync"  # lock/event/queue/condition operations
DISPATCH = "dispatch"  # runs registered handlers or callbacks: in the order they were registered

# Meanings that tie a call to its place whatever the other call does.
ORDERED = frozenset({LIFECYCLE, GUARD, PACING, SYNC, DISPATCH})

_VERBS: Dict[str, FrozenSet[str]] = {
    READ: frozenset(
        "get fetch find list read query search count lookup resolve retrieve download select scan "
        "show describe inspect peek is has exists compute calc calculate render make build "
        "format parse convert encode decode hash open_image threaded".split()
    ),
    WRITE: frozenset(
        "set update insert delete execute commit rollback put upsert save store persist create add remove "
        "edit patch post upload push pop write append extend replace modify mutate change move rename copy "
        "mark enqueue dequeue incr decr increment decrement drop truncate destroy dispose purge evict "
        "expire invalidate revoke grant approve confirm accept reject transfer pay charge refund install "
        "uninstall deploy generate mount attach detach bind unbind register unregister subscribe unsubscribe reset "
        "clear restore populate enable disable unlink rm chmod chown symlink link touch fsync migrate "
        "apply process kick ban unban mute unmute pin unpin promote restrict lock_ delete_messages "
        "purge_messages approve_chat".split()
    ),
    MESSAGE: frozenset(
        "send reply respond answer notify broadcast publish signal announce "
        "say log print echo react followup defer typing ack nack eof edit_message delete_message record track "
        "report".split()
    ),
    LIFECYCLE: frozenset(
        "load start stop close aclose shutdown open connect disconnect reconnect login logout setup teardown "
        "cleanup init initialize initialise startup restart reload unload serve run begin finish complete "
        "end abort kill terminate pause resume wake schedule retry prepare enter exit bootstrap join "
        "wait_closed drain flush cancel handle on refresh sync pair unpair".split()
    ),
    GUARD: frozenset("check ensure validate verify assert require raise guard auth authenticate authorize".split()),
    PACING: frozenset("sleep throttle wait backoff delay".split()),
    DISPATCH: frozenset("call invoke dispatch emit fire trigger callback hook".split()),
    SYNC: frozenset("acquire release lock unlock notify_all wait_for locked is_set task_done gather".split()),
}
_MEANING_OF: Dict[str, str] = {}
for _meaning in (SYNC, PACING, DISPATCH, GUARD, LIFECYCLE, MESSAGE, WRITE, READ):  # the first meaning listed wins
    for _word in _VERBS[_meaning]:
        _MEANING_OF.setdefault(_word, _meaning)

# Words that mark a lifecycle or persistence step wherever they stand in a name, and are
# hardly ever the noun of a plain read.
_STEP_WORDS: Dict[str, str] = {
    **dict.fromkeys(
        "setup setups teardown init initialize initialise reload unload refresh migrate register "
        "unregister subscribe unsubscribe startup shutdown restart connect disconnect reconnect login "
        "logout install uninstall bootstrap token tokens session".split(),
        LIFECYCLE,
    ),
    **dict.fromkeys(
        "commit rollback flush save persist delete unlink reset populate restore enable disable".split(), WRITE
    ),
    "sleep": PACING,
}

# Django's async ORM and several clients prefix a step with `a` (`aclose`, `asave`).
_A_PREFIXED = frozenset(
    "close shutdown start stop connect disconnect commit rollback flush drain cancel release send write "
    "put publish set insert update delete execute save create refresh get".split()
)
# Functions that are lifecycle steps themselves, by name: the order of their awaits is the point.
LIFECYCLE_FUNCTIONS = frozenset({"lifespan", "main_loop", "event_loop"})
_FUNCTION_LIFECYCLE_WORDS = frozenset(
    "setup setups teardown startup shutdown init initialize initialise cleanup migrate migration unload "
    "reload bootstrap".split()
)
_FUNCTION_LIFECYCLE_VERBS = frozenset(
    "setup teardown cleanup init start stop close aclose shutdown open connect disconnect restart reload "
    "reset run serve login logout migrate commit rollback release acquire drain cancel finish dispose "
    "unload bootstrap".split()
)

# Receivers by what their name says they hold (the fallback when nothing built them in sight).
SERIAL_RECEIVER_WORDS = frozenset(
    "conn connection con cursor cur db database tx txn transaction session sess ws websocket socket sock "
    "stream reader writer pipe file fp fh f page browser tab proc process protocol transport lock rlock "
    "mutex event queue q sem semaphore cond condition barrier latch limiter channel chan smb serial "
    "state".split()
)
SYNC_RECEIVER_WORDS = frozenset(
    "lock rlock mutex event queue q sem semaphore cond condition barrier latch limiter".split()
)
# Objects that stand for one peer or destination: a message or change to each of them (the
# loop's own item) has no order to keep with the others.
PEER_WORDS = frozenset(
    "ws websocket socket sock channel chan chat user member peer client conn connection stream writer "
    "collection coll room thread guild shard recipient".split()
)
# What a loop's items are when their order is the point: events and updates in arrival order,
# pieces of one stream, steps and migrations in sequence.
ORDERED_ITEM_WORDS = frozenset(
    "event events update updates chunk chunks line lines frame frames packet packets step steps migration "
    "migrations patch patches".split()
)
CONCURRENT_RECEIVER_WORDS = frozenset("bot pool engine".split())
CLIENT_WORDS = frozenset("client api".split())  # only for objects built in sight

# Mutating methods of builtin containers: `self.cache.update(...)` changes `self.cache`.
CONTAINER_MUTATORS = frozenset(
    "append extend insert pop popitem remove clear update setdefault add discard sort reverse "
    "__setitem__ __delitem__".split()
)

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def name_words(name: str) -> List[str]:
    """Lowercase words without async markers: `_async_update_token` -> update, token;
    `closeAsync` -> close; `aclose` -> close."""
    words = [w.lower() for part in name.split("_") for w in _WORD.findall(part)]
    while words and words[0] == "async":
        del words[0]
    while words and words[-1] == "async":
        del words[-1]
    if words and words[0][:1] == "a" and words[0][1:] in _A_PREFIXED:
        words[0] = words[0][1:]
    return words


def meaning(name: str) -> Optional[str]:
    """The effect a callee's name announces, or None when it says nothing we know."""
    if name.startswith("__") and name.endswith("__"):
        return LIFECYCLE  # protocol steps: __aenter__, __aexit__
    if "sleep" in name.lower():
        return PACING
    words = name_words(name)
    if not words:
        return None
    plain = "_".join(words)
    for special in ("wait_closed", "notify_all", "wait_for", "is_set", "task_done", "edit_message", "delete_message"):
        if plain.startswith(special):
            return _MEANING_OF[special]
    for word in words:
        if word in _STEP_WORDS:
            return _STEP_WORDS[word]
        if len(word) > 1 and word.endswith("s") and word[:-1] in _STEP_WORDS:
            return _STEP_WORDS[word[:-1]]
    for word in words[:3]:  # the verb: `db_get_user`, `user_profile_update` is not a verb phrase
        found = _MEANING_OF.get(word)
        if found is not None:
            return found
    return None


def lifecycle_function(name: str, by_verb: bool = True) -> bool:
    """A function that is a lifecycle or cleanup step itself (`setup`, `async_setup_entry`,
    `_async_finish_startup`, `setUp`, `lifespan`). With `by_verb` False only the words that
    name a lifecycle step anywhere count, not a leading verb (`start_handler` is a handler)."""
    words = name_words(name)
    if name in LIFECYCLE_FUNCTIONS or "_".join(words) in LIFECYCLE_FUNCTIONS:
        return True
    if name.lstrip("_").lower().startswith(("setup", "teardown", "cleanup")):
        return True  # `setUp`, `tearDown`
    if any(w in _FUNCTION_LIFECYCLE_WORDS for w in words):
        return True
    return by_verb and bool(words) and words[0] in _FUNCTION_LIFECYCLE_VERBS


def receiver_words(name: str) -> List[str]:
    return name_words(name.lstrip("_"))
