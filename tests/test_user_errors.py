"""The domain names a field at fault by its own attribute names and raises its own module's codes; the schema
shows them by the API's names (schema/core/errors.py). Pure: no database, no GraphQL request."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.core.errors import UserError, UserErrors
from api.placements import award, bids, pricing
from api.quality import reviews, texts
from schema.core.errors import graphql_path, to_user_errors
from schema.placement.mutations.bid_submit import BidError
from schema.quality.mutations.provider_review_schedule import ProviderReviewError


@pytest.mark.parametrize(
    "domain, api",
    [
        ("bid_id", "bidId"),
        ("rationale", "rationale"),
        ("child.age_years", "child.ageYears"),
        ("extras[2].weekly_price", "extras[2].weeklyPrice"),
        ("document_sha256", "documentSha256"),
        ("documents.EMPLOYERS_LIABILITY_INSURANCE", "documents.EMPLOYERS_LIABILITY_INSURANCE"),
    ],
)
def test_a_domain_path_is_shown_by_its_graphql_name(domain, api):
    assert graphql_path(domain) == api


def test_codes_of_several_modules_are_one_enum_on_the_wire():
    refused = UserErrors(
        [
            *pricing.validate_prices(Decimal("100"), [pricing.Extra("", Decimal("1"))]),
            UserError("bid_id", award.AwardErrorCode.BID_NOT_LIVE, "Only a live bid can be accepted"),
            UserError("bid_id", bids.BidErrorCode.BID_NOT_LIVE, "Only a live bid can be amended"),
        ]
    )
    shown = to_user_errors(BidError, refused)
    assert [(e.field, e.code.name) for e in shown] == [
        ("extras[0].description", "INVALID_EXTRA"),
        ("bidId", "BID_NOT_LIVE"),
        ("bidId", "BID_NOT_LIVE"),
    ]
    assert len({type(e.code) for e in shown}) == 1


def test_a_message_quoting_its_field_quotes_the_graphql_name():
    with pytest.raises(UserErrors) as refused:
        texts.check_texts(
            reviews.ProviderReviewErrorCode.TEXT_TOO_LONG, {"owner_name": ("x" * 201, None, texts.MAX_LINE)}
        )
    (error,) = refused.value.errors
    assert (error.field, error.message) == ("owner_name", "`owner_name` is at most 200 characters")
    (shown,) = to_user_errors(ProviderReviewError, refused.value)
    assert (shown.field, shown.code.name, shown.message) == (
        "ownerName",
        "TEXT_TOO_LONG",
        "`ownerName` is at most 200 characters",
    )
