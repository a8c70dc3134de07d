"""Who may read the schema: introspection (`__schema`, `__type`) and the "Did you mean ...?" suggestions that
graphql-core adds to error messages are for callers with a valid token (GraphiQL once signed in, a client's
developers). An anonymous caller gets neither, unless `DPV_PUBLIC_INTROSPECTION` is set (OWASP GraphQL Cheat
Sheet: a stranger should not be handed the map of the API, nor have it spelled out one typo at a time).
`__typename` stays open to everyone: clients need it to read unions and interfaces.

- **Validation.** `SchemaVisibility` puts two rules in front of the schema's for an anonymous operation:
  `HideSuggestions`, which turns graphql-core's suggestions off for the whole validation of the document, and
  graphql-core's `NoSchemaIntrospectionCustomRule`. The validation rules are part of the key of Strawberry's
  ValidationCache, so a document validated for an anonymous caller is cached apart from the same document
  validated for a signed-in one: neither answer can ever serve the other.
- **Execution.** Variables are coerced when execution starts, and their errors suggest too (an enum value, an
  input field); the execution context hides those for the same callers (schema/core/execution.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ValidationContext
from graphql.validation import NoSchemaIntrospectionCustomRule, ValidationRule
from strawberry.extensions import SchemaExtension


def schema_visible(context: Any) -> bool:
    """Whether the caller of this operation may introspect the schema and be given suggestions: a caller with a
    valid token (a principal), or anyone when the service is configured so. No context: no caller to trust."""
    if getattr(context, "principal", None) is not None:
        return True
    settings = getattr(context, "settings", None)
    return bool(getattr(settings, "public_introspection", False))


class HideSuggestions(ValidationRule):
    """Not a check: it turns off the suggestions of every rule of the validation it is part of.

    graphql-core (3.3) lets `validate(..., hide_suggestions=True)` do this, but Strawberry's validation (and its
    cached variant) does not pass the flag; every suggesting rule reads it from the validation context, which all
    rules share and which exists before any of them visits the document."""

    def __init__(self, context: ValidationContext):
        super().__init__(context)
        context._hide_suggestions = True


ANONYMOUS_RULES = (HideSuggestions, NoSchemaIntrospectionCustomRule)


class SchemaVisibility(SchemaExtension):
    """Adds `ANONYMOUS_RULES` to the validation of an operation whose caller may not read the schema."""

    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        if not schema_visible(execution.context):
            execution.validation_rules = (*ANONYMOUS_RULES, *execution.validation_rules)
        yield
