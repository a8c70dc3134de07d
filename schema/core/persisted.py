"""Persisted documents: the operations of frontend-contract/persisted-documents.json, run by their id.

A request names one with `documentId` (`"sha256:<hex>"`, the SHA-256 of the document's normalised text, as
graphql-codegen's client preset writes it) instead of `query`. Each document is parsed once, at its first use,
and kept for as long as the process runs (the file is the bound: no caller can add to it); its validation and
cost plan are kept with it (schema/core/limits.py `Document`), so a persisted operation is neither parsed nor
validated again. The exact text of a persisted document sent as `query` (a WebSocket's `subscribe` has no
`documentId`) is the same operation and is served the same way.

A client registered as persisted-only (`dpv client create --persisted-only`; its tokens carry the claim, see
auth/server.py) may run nothing else: any other document is refused before it is parsed, with
`extensions.code` PERSISTED_QUERY_REQUIRED. An id the file does not hold is PERSISTED_QUERY_NOT_FOUND. GraphiQL
and every other client send what they like.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from graphql import DocumentNode, GraphQLError, parse

T = TypeVar("T")

PERSISTED_QUERY_REQUIRED = "PERSISTED_QUERY_REQUIRED"
PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"

# The key under which the HTTP view tells the schema that a `documentId` was not found. Not a string: no JSON a
# client sends in `extensions` can hold it.
NOT_FOUND = object()


class PersistedDocuments(Generic[T]):
    """The documents of one file, by id and by text; each parsed at its first use, made into what the schema
    keeps of a document (schema/core/limits.py `Document`: its validation and cost plan too), and then kept."""

    def __init__(self, texts: dict[str, str]):
        self._texts = dict(texts)
        self._ids = {text: document_id for document_id, text in self._texts.items()}
        self._documents: dict[str, T] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> PersistedDocuments[T]:
        """The file's documents; a missing file holds none (then every documentId is not found)."""
        try:
            texts = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls({})
        if not isinstance(texts, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in texts.items()):
            raise ValueError(f"{path}: persisted documents must be a JSON object of id to document text")
        return cls(texts)

    def __len__(self) -> int:
        return len(self._texts)

    def text(self, document_id: str) -> str | None:
        return self._texts.get(document_id)

    def document(self, text: str, make: Callable[[DocumentNode], T]) -> T | None:
        """What `make` made of the parsed persisted text (None: the text is not a persisted document)."""
        document_id = self._ids.get(text)
        if document_id is None:
            return None
        found = self._documents.get(document_id)
        if found is None:
            with self._lock:
                found = self._documents.get(document_id)
                if found is None:
                    found = self._documents[document_id] = make(parse(text))
        return found


_STORES: dict[Path, PersistedDocuments[Any]] = {}
_STORES_LOCK = threading.Lock()


def documents(path: Path) -> PersistedDocuments[Any]:
    """The persisted documents of a file, read once per process."""
    key = path.resolve()
    store = _STORES.get(key)
    if store is None:
        with _STORES_LOCK:
            store = _STORES.get(key)
            if store is None:
                store = _STORES[key] = PersistedDocuments[Any].load(key)
    return store


class Refused(Exception):
    """Not run: `error` says why (answered as the operation's error, before it runs)."""

    def __init__(self, error: GraphQLError):
        super().__init__(error.message)
        self.error = error


_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


def placeholder(operation_name: str | None) -> DocumentNode:
    """What stands for a refused document, so that nothing the caller sent is parsed: a query of the name asked
    for (the refusal is answered before anything runs)."""
    name = operation_name if operation_name and _NAME.fullmatch(operation_name) else ""
    return parse(f"query {name} {{ __typename }}")


def required() -> GraphQLError:
    return GraphQLError(
        "This client may run persisted documents only: send `documentId` (frontend-contract/persisted-documents.json) "
        "instead of `query`.",
        extensions={"code": PERSISTED_QUERY_REQUIRED},
    )


def not_found(document_id: object) -> GraphQLError:
    return GraphQLError(
        f"No persisted document has the id {str(document_id)[:80]!r}: ids are `sha256:<hex>` of "
        "frontend-contract/persisted-documents.json.",
        extensions={"code": PERSISTED_QUERY_NOT_FOUND},
    )
