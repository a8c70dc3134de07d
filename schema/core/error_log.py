"""What the service logs about a GraphQL operation's errors (the schema's `process_errors`, which sees each error
before it is masked).

- **An expected refusal** (an error shown to the caller as it is: UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, a
  parse or validation error, a variable that does not coerce, a subscriber to resume from its cursor): one line at
  INFO, `GraphQL refusal <code> in <operation type> <operation name> at <path>`, with no traceback. Its message
  is not logged: graphql-core's may quote the caller's variables ("Variable '$input' got invalid value ...").
- **An unexpected error** (one that is masked as "Unexpected error."): one line at ERROR, `Unexpected error in
  <operation type> <operation name> at <path>`, with the original exception's traceback, rendered as api/core/logs.py
  allows (frames and exception types, no messages, no parameters).

Which is which is the masking rule itself (schema/core/errors.py `should_mask`): what the caller is shown is the
caller's doing; what is masked is ours. With the JSON log format the line also carries `code`,
`operation_type`, `operation` and `path` as fields.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError

from schema.core.errors import should_mask

log = logging.getLogger("dpv.graphql")

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,59}")


def _operation(execution_context: Any) -> tuple[str, str]:
    """The operation's type and name, as far as they are known (a document that did not parse has neither)."""
    if execution_context is None:
        return "operation", "-"
    try:
        name = execution_context.operation_name
    except Exception:
        name = None
    try:
        kind = execution_context.operation_type.value
    except Exception:  # no document, or no operation of that name
        kind = "operation"
    if name is None:
        return kind, "(anonymous)"
    return kind, name if isinstance(name, str) and _NAME.fullmatch(name) else "(not a name)"


def _code(error: GraphQLError, execution_context: Any) -> str:
    code = (error.extensions or {}).get("code")
    if code is None and error.original_error is not None:
        extensions = getattr(error.original_error, "extensions", None)
        code = extensions.get("code") if isinstance(extensions, dict) else None
    if code is None:
        if error.path is not None or error.original_error is not None:
            code = "BAD_USER_INPUT"  # an argument or a variable the schema's types refused
        elif execution_context is not None and getattr(execution_context, "graphql_document", None) is None:
            code = "GRAPHQL_PARSE_FAILED"
        else:
            code = "GRAPHQL_VALIDATION_FAILED"
    return code if isinstance(code, str) and _CODE.fullmatch(code) else "UNKNOWN"


def log_errors(errors: list[GraphQLError], execution_context: Any = None) -> None:
    """One line per error: INFO for an expected refusal, ERROR with the traceback for an unexpected error."""
    kind, name = _operation(execution_context)
    for error in errors:
        path = ".".join(str(p) for p in error.path) if error.path else "-"
        if should_mask(error):
            log.error(
                "Unexpected error in %s %s at %s",
                kind,
                name,
                path,
                exc_info=error.original_error,
                extra={"operation_type": kind, "operation": name, "path": path},
            )
        else:
            code = _code(error, execution_context)
            log.info(
                "GraphQL refusal %s in %s %s at %s",
                code,
                kind,
                name,
                path,
                extra={"code": code, "operation_type": kind, "operation": name, "path": path},
            )
