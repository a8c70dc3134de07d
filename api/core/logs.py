"""The service's log lines: one configuration, a request id in each, and nothing in them a log reader must not see.

**What a log line may hold.** The time, the level, the logger, the request id, and the message: its format
string, with arguments that are numbers, dates, identifiers and other short strings, scrubbed as below. For an
exception: its type, the traceback's frames (file, line, function, source line; never local variables), and of
its attributes only the SQLSTATE, the constraint, table, column and schema it names, an `errno`, and the
`extensions.code` of our own errors.

**What it never holds** (children's data, tokens, secrets and passwords reach the service in requests, in SQL
parameters, in database error messages and in GraphQL error messages, so each of these is kept out):
- an exception's message, anywhere: a database error quotes the row it refused ("Failing row contains (...)"),
  SQLAlchemy adds the statement's parameters, graphql-core's "Variable '$input' got invalid value ..." quotes
  the input. A traceback printed into a message's text keeps its frames and loses its messages alike;
- the repr of objects that are not plain values (a SQLAlchemy row or parameter set, a WebSocket frame, a
  client, a request): their type stands in for them;
- bytes (their length stands in);
- values of credential fields in mappings and in `key=value` / `"key": "value"` text (`access_token`,
  `refresh_token`, `client_secret`, `code`, `code_verifier`, `password`, `token`, `authorization`, ...);
- JWTs anywhere, what follows `Bearer`/`Basic`, and any long word of mixed-case letters and digits (what a
  random secret, refresh token, authorization code or client id looks like; a backstop, as such values should
  never reach a message in the first place); the client id Authlib writes into its own messages;
- the values of a URL's query string (GET /graphql carries the query's variables there, and a client may put a
  code or a secret in an OAuth URL): the parameter names stay, e.g. `/graphql?query&variables`.

**Where that is enforced: once, for every record.** `install()` puts a log record factory in front of the
standard one, so every record any logger of the process makes (ours, SQLAlchemy's, Strawberry's, Authlib's,
uvicorn's access and error logs, asyncio's) is made safe when it is made, before any handler, filter or
formatter sees it, whichever handlers a deployment or a test attaches. An exception is rendered then, safely,
into `exc_text`, and `exc_info` is cleared, so no formatter (nor an error-reporting handler) renders it again
from the live exception. Call sites need no care beyond passing exceptions as exceptions (as arguments or
`exc_info`), never pre-formatted into a string. SQLAlchemy's engines are also made with `hide_parameters=True`
(api/core/db.py), which keeps parameters out of its exceptions' text wherever else that text may go.

**The request id.** Each record carries the id of the request or WebSocket connection being served as
`request_id` (None outside one: the timer runner, the event hub): the web's `RequestId` middleware
(api/web/request_id.py) sets it with `set_request_id`, in a context variable that tasks and worker threads started
while serving inherit.

**The format.** `log_config()` is the one logging configuration of the service (`dpv serve` passes it to
uvicorn, which applies it in each worker): one handler on standard error for every logger, uvicorn's included;
plain text by default, one JSON object per line with `DPV_LOG_FORMAT=json`.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any
from uuid import UUID

# --- the request id -------------------------------------------------------------------------------------------------

_request_id: ContextVar[str | None] = ContextVar("dpv_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request or WebSocket connection being served; None outside one."""
    return _request_id.get()


def set_request_id(request_id: str | None) -> None:
    """The id of the request or connection being served from here on, in this context (api/web/request_id.py)."""
    _request_id.set(request_id)


# --- what a record may hold -----------------------------------------------------------------------------------------

REDACTED = "[redacted]"

# Names whose values are credentials, in mappings and in `key=value` / `"key": "value"` text.
CREDENTIAL_KEYS = (
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "client_assertion",
    "assertion",
    "code_verifier",
    "code",
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "csrf_token",
    "api_key",
    "apikey",
)
_CREDENTIAL_NAMES = frozenset(CREDENTIAL_KEYS)
_KEY_VALUE = re.compile(
    r"(?i)(?<![\w.-])([\"']?)(" + "|".join(re.escape(k) for k in CREDENTIAL_KEYS) + r")\1(\s*[:=]\s*)([\"']?)"
    r"(?!\[(?:redacted|jwt)\]|%|\$\d)[^\"'\s&,;}\])]+"
)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*){0,2}")
_SCHEME_CREDENTIALS = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
# A long word of mixed-case letters and digits: what a random secret, refresh token, code or client id looks like
# (identifiers and type names carry no digits, hashes and request ids are lowercase hex).
_RANDOM_TOKEN = re.compile(r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[a-z])(?=[\w-]*[A-Z])[\w-]{20,}(?![\w-])")
# Authlib writes the client id a request supplied into its message (a misconfigured client may send its secret).
_AUTHLIB_CLIENT = re.compile(r"Authenticate .* via (\"[\w-]+\" (?:success|failed))", re.DOTALL)
_QUERY = re.compile(r"(/[^\s?#\"'<>]*)\?([^\s#\"'<>]+)")
_QUERY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\[\]-]{0,40}")
_TRACEBACK = "Traceback (most recent call last):"
_FRAME = re.compile(r"  File \".*\", line \d+, in .*")
_EXCEPTION_LINE = re.compile(r"([A-Za-z_][\w.]*)(?::.*)?")
_BUILTIN_EXCEPTION = re.compile(r"[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Group|Iteration)")
_CHAIN_LINES = (
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
)
_IDENTIFIER = re.compile(r"[\w.$-]{1,63}")
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,59}")
_PLAIN_TYPES = (int, float, Decimal, datetime, date, time, timedelta, UUID, Enum, type(None))


def _query_names(match: re.Match[str]) -> str:
    names = [pair.split("=", 1)[0] for pair in match.group(2).split("&") if pair]
    return match.group(1) + "?" + "&".join(n if _QUERY_NAME.fullmatch(n) else "_" for n in names)


def _without_messages(text: str) -> str:
    """A traceback printed as text (uvicorn logs a failed start that way) with its frames and exception types
    only: an exception line keeps its type, anything else not a frame is dropped."""
    kept: list[str] = []
    after_frame = False
    for line in text.splitlines():
        if _FRAME.fullmatch(line):
            kept.append(line)
            after_frame = True
            continue
        if after_frame and line.startswith("    "):  # the frame's source line, and 3.11's ^^^ markers
            kept.append(line)
            continue
        after_frame = False
        stripped = line.strip()
        if not stripped or stripped == _TRACEBACK or stripped in _CHAIN_LINES:
            kept.append(line)
        elif (m := _EXCEPTION_LINE.fullmatch(stripped)) and (
            "." in m.group(1) or _BUILTIN_EXCEPTION.fullmatch(m.group(1))
        ):
            kept.append(m.group(1))
    return "\n".join(kept)


def scrub(text: str) -> str:
    """A string as it may appear in a log line."""
    if _TRACEBACK in text:
        text = _without_messages(text)
    text = _JWT.sub("[jwt]", text)
    text = _RANDOM_TOKEN.sub(REDACTED, text)
    text = _SCHEME_CREDENTIALS.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _KEY_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(4)}{REDACTED}", text)
    return _QUERY.sub(_query_names, text)


def _type_name(value: object) -> str:
    cls = type(value)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def describe(exc: BaseException) -> str:
    """An exception as a log line may name it: its type and a few attributes known to hold no data."""
    details = []
    for attr in ("sqlstate", "constraint_name", "table_name", "column_name", "schema_name"):
        value = getattr(exc, attr, None)
        if isinstance(value, str) and _IDENTIFIER.fullmatch(value):
            details.append(f"{attr}={value}")
    errno = getattr(exc, "errno", None)
    if isinstance(errno, int):
        details.append(f"errno={errno}")
    extensions = getattr(exc, "extensions", None)
    code = extensions.get("code") if isinstance(extensions, Mapping) else None
    if isinstance(code, str) and _CODE.fullmatch(code):
        details.append(f"code={code}")
    return _type_name(exc) + (f" [{' '.join(details)}]" if details else "") + " (message withheld)"


def safe_traceback(exc: BaseException) -> str:
    """The exception and its chain as Python prints them, with `describe` in place of each message."""
    lines: list[str] = []
    seen: set[int] = set()

    def add(e: BaseException) -> None:
        seen.add(id(e))
        if e.__cause__ is not None and id(e.__cause__) not in seen:
            add(e.__cause__)
            lines.append(f"\n{_CHAIN_LINES[0]}\n\n")
        elif e.__context__ is not None and not e.__suppress_context__ and id(e.__context__) not in seen:
            add(e.__context__)
            lines.append(f"\n{_CHAIN_LINES[1]}\n\n")
        if e.__traceback__ is not None:
            lines.append(_TRACEBACK + "\n")
            lines.extend(traceback.StackSummary.extract(traceback.walk_tb(e.__traceback__)).format())
        lines.append(describe(e) + "\n")

    add(exc)
    return "".join(lines).rstrip("\n")


class _Opaque:
    """Stands in for an object whose repr may hold data: only its type is shown."""

    __slots__ = ("_text",)

    def __init__(self, text: str):
        self._text = text

    def __repr__(self) -> str:
        return self._text

    __str__ = __repr__


def safe_value(value: Any, depth: int = 0) -> Any:
    """A logging argument as a log line may show it."""
    if isinstance(value, bool) or isinstance(value, _PLAIN_TYPES) and not isinstance(value, str):
        return value
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, BaseException):
        return _Opaque(describe(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _Opaque(f"<{len(value)} bytes>")
    if isinstance(value, PurePath):
        return scrub(str(value))
    if depth < 4 and isinstance(value, Mapping):
        return {
            safe_value(k, depth + 1): REDACTED
            if isinstance(k, str) and k.lower() in _CREDENTIAL_NAMES
            else safe_value(v, depth + 1)
            for k, v in value.items()
        }
    if depth < 4 and isinstance(value, (list, tuple, set, frozenset)):
        return (
            type(value)(safe_value(v, depth + 1) for v in value)
            if not hasattr(value, "_fields")
            else tuple(safe_value(v, depth + 1) for v in value)
        )
    return _Opaque(f"<{_type_name(value)}>")


def redact(record: logging.LogRecord) -> None:
    """Make one record safe, in place (the module's doc says what that means)."""
    if record.exc_info:
        exc = record.exc_info[1]
        record.exc_text = safe_traceback(exc) if exc is not None else None  # exc_info=True outside an except
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = scrub(record.exc_text)
    msg = record.msg
    if isinstance(msg, BaseException):
        msg = describe(msg)
    elif not isinstance(msg, str):
        msg = str(safe_value(msg))
    elif record.name == "asyncio":  # its reprs of tasks and futures quote their exceptions' messages
        msg = msg.split("\n", 1)[0]
    elif record.name.startswith("authlib"):
        msg = _AUTHLIB_CLIENT.sub(r"Authenticate a client via \1", msg)
    args = record.args
    if isinstance(args, Mapping):
        args = safe_value(args)
    elif isinstance(args, tuple):
        args = tuple(safe_value(a) for a in args)
    if not args:
        record.msg, record.args = scrub(msg), args
        return
    # The format is judged joined with its (safe) arguments: a credential may be split between them
    # ("token=%s"), and scrubbing the format alone could take its placeholders. When the joined text is clean
    # the record keeps its format and arguments (uvicorn's access formatter reads them); else it is the text.
    try:
        rendered = msg % args
    except Exception:  # e.g. %d given a stand-in: the format and the arguments side by side instead
        shown = args.values() if isinstance(args, Mapping) else args
        record.msg, record.args = scrub(f"{msg} (arguments: {', '.join(str(a) for a in shown)})"), None
        return
    cleaned = scrub(rendered)
    record.msg, record.args = (msg, args) if cleaned == rendered else (cleaned, None)


def _redacting_factory(base: Any) -> Any:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        record.request_id = _request_id.get()
        try:
            redact(record)
        except Exception:  # a record that could not be made safe is not written as it was
            record.msg, record.args, record.exc_info, record.exc_text = (
                "log record withheld: it could not be made safe",
                None,
                None,
                None,
            )
        return record

    make.dpv_redacting = True  # type: ignore[attr-defined]  # a mark on the function, for install() to find
    return make


def install() -> None:
    """Make every log record of this process safe as it is made (idempotent)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "dpv_redacting", False):
        logging.setLogRecordFactory(_redacting_factory(current))


# --- formats and the configuration ---------------------------------------------------------------------------------

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Fields our own records add with `extra=` (schema/core/error_log.py), written as they are by the JSON format.
EXTRA_FIELDS = ("code", "operation_type", "operation", "path")


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": rid if rid != "-" else None,
            "message": record.getMessage(),
        }
        for key in EXTRA_FIELDS:
            if key in record.__dict__:
                entry[key] = record.__dict__[key]
        if record.exc_info and not record.exc_text:  # a record made before install(): still rendered safely
            record.exc_text = safe_traceback(record.exc_info[1]) if record.exc_info[1] else None
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


LEVELS = {
    "critical": logging.CRITICAL,
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": 5,
}


def log_config(log_format: str = "text", level: str = "info") -> dict[str, Any]:
    """The service's logging configuration (`logging.config.dictConfig`): every logger, uvicorn's included,
    through one handler on standard error, in `log_format` ("text" or "json"), from `level` up. SQLAlchemy,
    asyncio and Alembic say only what goes wrong (warnings and errors) whatever the level."""
    formatter = {"json": "api.core.logs.JsonFormatter", "text": "api.core.logs.TextFormatter"}[log_format]
    numeric = LEVELS[level.lower()]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"dpv": {"()": formatter}},
        "handlers": {"dpv": {"class": "logging.StreamHandler", "formatter": "dpv", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["dpv"], "level": numeric},
        "loggers": {
            **{
                name: {"handlers": [], "propagate": True, "level": numeric}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
            },
            "sqlalchemy": {"handlers": [], "propagate": True, "level": logging.WARNING},
            "asyncio": {"handlers": [], "propagate": True, "level": logging.WARNING},
            "alembic": {"handlers": [], "propagate": True, "level": logging.WARNING},  # /readyz reads the head
        },
    }
