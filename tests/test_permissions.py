"""Authorization is decided once per operation, in one place a reader finds from the mutation's file.

Every mutation of the schema names exactly one Permission, declared in its domain's permissions.py; its description
says the scopes that Permission admits; and a run decides it exactly once (the request's decisions are kept in
the context), whether the caller is allowed, refused by its scopes, or refused by the rule over the object.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from strawberry.permission import PermissionExtension
from strawberry.relay import to_base64

from api.core.errors import Forbidden, Unauthenticated
from api.core.permissions import Permission, deciding
from api.core.principal import Scope
from api.market import permissions as market_permissions
from api.placements import permissions as placements
from api.quality import permissions as quality
from api.safeguarding import permissions as safeguarding
from schema import schema
from schema.core.context import Context
from schema.core.mutations import Decides, DecisionsMiscounted
from schema.core.permissions import describe
from tests.conftest import principal_for
from tests.factories import add_setting

DOMAINS = (market_permissions, placements, quality, safeguarding)


def _declared() -> dict[int, str]:
    """Every Permission the domains declare: id -> where (module.NAME)."""
    return {
        id(value): f"{module.__name__}.{name}"
        for module in DOMAINS
        for name, value in vars(module).items()
        if isinstance(value, Permission)
    }


def _mutation_fields() -> list[Any]:
    return list(schema.get_type_by_name("Mutation").fields)  # type: ignore[union-attr]


def test_every_mutation_declares_exactly_one_permission_of_its_domain():
    declared = _declared()
    used: dict[int, str] = {}
    fields = _mutation_fields()
    assert {f.python_name for f in fields} >= {"bid_withdraw", "organisation_create"}
    assert len(fields) == len(schema._schema.mutation_type.fields)  # type: ignore[union-attr]
    for field in fields:
        name = field.python_name
        decides = [e for e in field.extensions if isinstance(e, Decides)]
        assert len(decides) == 1, f"{name} declares {len(decides)} permissions"
        assert not any(isinstance(e, PermissionExtension) for e in field.extensions), f"{name} has a scope guard too"
        permission = decides[0].permission
        assert id(permission) in declared, f"{name}: {permission!r} is not declared in a domain's permissions.py"
        assert id(permission) not in used, f"{name} and {used[id(permission)]} share {permission!r}"
        used[id(permission)] = name
        assert field.description.endswith(describe(permission.scopes, None)), name


def test_a_permission_refuses_anonymous_then_scopes_then_the_rule(market):
    owns = Permission("own", Scope.PROVIDER, rule=lambda p, provider_id: p.organisation_id == provider_id)
    acorn = principal_for(market.acorn, Scope.PROVIDER)
    assert owns.decide(acorn, market.acorn.id) is acorn
    with pytest.raises(Unauthenticated):
        owns.decide(None, market.acorn.id)
    with pytest.raises(Forbidden, match="Requires one of the scopes: provider"):
        owns.decide(principal_for(market.acorn, Scope.PROVIDER_SIGN), market.acorn.id)
    with pytest.raises(Forbidden, match="no such object"):
        owns.decide(acorn, market.birch.id)
    with pytest.raises(TypeError):
        owns.decide(acorn)
    with deciding() as decided:
        owns.decide(acorn, market.acorn.id)
        with pytest.raises(Forbidden):
            owns.decide(acorn, market.birch.id)
    assert decided == [owns, owns]


async def _run(db, settings, principal, document: str, variables: dict | None = None) -> tuple[Any, list]:
    context = Context(db=db, settings=settings, principal=principal)
    result = await schema.execute(document, variable_values=variables, context_value=context)
    return result, context.decided


def _code(result) -> str | None:
    return result.errors[0].extensions["code"] if result.errors else None


ORGANISATION_CREATE = (
    'mutation($slug: String!) { organisationCreate(input: {kind: PROVIDER, slug: $slug, name: "New"}) '
    "{ userErrors { code } } }"
)
SETTING_UPDATE = "mutation($id: ID!) { settingUpdate(input: {settingId: $id, vacancies: 0}) { userErrors { code } } }"
TWO = (
    'mutation { a: organisationCreate(input: {kind: PROVIDER, slug: "one", name: "One"}) { userErrors { code } } '
    'b: organisationCreate(input: {kind: PROVIDER, slug: "two", name: "Two"}) { userErrors { code } } }'
)


async def test_each_mutation_is_decided_once_in_a_run(db, settings, market):
    setting = to_base64("Setting", (await add_setting(db, market.admin, market.acorn.id)).id)
    wla, borough = principal_for(market.wla, Scope.WLA), principal_for(market.barnet, Scope.BOROUGH)

    # allowed: decided once, and done
    result, decided = await _run(db, settings, wla, ORGANISATION_CREATE, {"slug": "new-one"})
    assert result.errors is None and decided == [market_permissions.CREATE_ORGANISATION]
    # allowed, a user error (the slug is taken): decided once, before the rule that is broken
    result, decided = await _run(db, settings, wla, ORGANISATION_CREATE, {"slug": "new-one"})
    assert result.data["organisationCreate"]["userErrors"] and decided == [market_permissions.CREATE_ORGANISATION]
    # refused by its scopes: decided once, FORBIDDEN
    result, decided = await _run(db, settings, borough, ORGANISATION_CREATE, {"slug": "other"})
    assert _code(result) == "FORBIDDEN" and decided == [market_permissions.CREATE_ORGANISATION]
    # the provider's own setting, and someone else's (the rule over the row loaded in the transaction)
    result, decided = await _run(db, settings, market.acorn_staff, SETTING_UPDATE, {"id": setting})
    assert result.errors is None and decided == [market_permissions.UPDATE_SETTING]
    result, decided = await _run(db, settings, market.birch_staff, SETTING_UPDATE, {"id": setting})
    assert _code(result) == "FORBIDDEN" and decided == [market_permissions.UPDATE_SETTING]
    # no such setting: refused before anything is decided, as someone else's would be (FORBIDDEN)
    result, decided = await _run(db, settings, market.acorn_staff, SETTING_UPDATE, {"id": to_base64("Setting", 999999)})
    assert _code(result) == "FORBIDDEN" and decided == []
    # anonymous: refused before the resolver, nothing to decide
    result, decided = await _run(db, settings, None, SETTING_UPDATE, {"id": setting})
    assert _code(result) == "UNAUTHENTICATED" and decided == []
    # two mutations in one request: one decision each
    result, decided = await _run(db, settings, wla, TWO)
    assert result.errors is None and decided == [market_permissions.CREATE_ORGANISATION] * 2


# --- the mechanism: an action that does not decide its permission exactly once is a fault --------------------

SUBMIT, OTHER = Permission("submit", Scope.PROVIDER), Permission("other", Scope.PROVIDER)


def _info(principal) -> Any:
    return SimpleNamespace(context=SimpleNamespace(principal=principal, decided=[]), field_name="someMutation")


async def _resolve(action, principal=None) -> Any:
    return await Decides(SUBMIT).resolve_async(lambda source, info: action(info), None, _info(principal))


@pytest.mark.parametrize(
    "decides",
    [[], [SUBMIT, SUBMIT], [OTHER]],
    ids=["none", "twice", "another"],
)
async def test_an_action_that_decides_other_than_its_permission_once_is_a_fault(market, decides):
    async def action(info):
        for permission in decides:
            permission.decide(market.acorn_staff)
        return "payload"

    with pytest.raises(DecisionsMiscounted):
        await _resolve(action, market.acorn_staff)


async def test_an_action_refused_before_deciding_is_refused_as_it_was(market):
    async def action(info):
        raise Forbidden()  # no such object

    with pytest.raises(Forbidden):
        await _resolve(action, market.acorn_staff)

    async def decided_once(info):
        SUBMIT.decide(market.acorn_staff)
        return "payload"

    assert await _resolve(decided_once, market.acorn_staff) == "payload"
    with pytest.raises(Unauthenticated):
        await _resolve(decided_once, None)
