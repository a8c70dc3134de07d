"""The SDL the SPA is written against (frontend-contract/schema.graphql) is the schema the code builds."""

from __future__ import annotations

from pathlib import Path

from schema import schema

CONTRACT = Path(__file__).resolve().parent.parent / "frontend-contract" / "schema.graphql"
REGENERATE = "uv run dpv export-schema > frontend-contract/schema.graphql"


def test_committed_sdl_matches_the_code():
    built = schema.as_str() + "\n"
    committed = CONTRACT.read_text() if CONTRACT.exists() else ""
    assert committed == built, f"frontend-contract/schema.graphql is out of date. Regenerate it with:\n  {REGENERATE}"


def test_contract_names_exist():
    """Names of ../shared/API.md that the market area owns, spelt exactly."""
    sdl = schema.as_str()
    for name in [
        "node(",
        "nodes(",
        "dpvs(",
        "dpv(",
        "providers(",
        "viewer:",
        "dpvCreate(",
        "lotCreate(",
        "dpvExerciseExtension(",
        "accessAgreementCreate(",
        "accessAgreementGiveNotice(",
        "membershipApply(",
        "membershipDecide(",
        "documentRecord(",
        "settingCreate(",
        "settingUpdate(",
        "type Dpv implements Node",
        "type Lot implements Node",
        "type Provider implements",
        "type Setting implements Node",
        "weeklyRateCap",
        "latestOfstedJudgement",
        "postcodeDistrict",
        "totalCount",
        "userErrors",
        "leadAuthority",
        "startsOn",
        "endsOn",
        "ageMin",
        "ageMax",
        "vacancies",
    ]:
        assert name in sdl, name


async def test_repeated_queries_hit_the_validation_cache(gql, db):
    """Validation is the largest cost of a small request; the cache must hit on a repeated query (the depth and
    alias limits' rules are made once, as the cache is keyed by the rules)."""
    from schema.core.limits import DOCUMENTS

    query = "{ dpvs(first: 3) { totalCount } }"
    await gql.ok(query)
    document = DOCUMENTS.cached(query)
    assert document is not None and len(document.validated) == 1
    (errors,) = document.validated.values()
    await gql.ok(query)
    assert DOCUMENTS.cached(query) is document and list(document.validated.values()) == [errors]
    assert next(iter(document.validated.values())) is errors  # the same result, not validated again
