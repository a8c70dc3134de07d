"""Provider reviews and complaints through GraphQL: each mutation refused first (nothing changes), then allowed;
who sees what (the provider its own reviews without the alliance's internal notes, the boroughs every review,
a complaint only its two parties and the alliance)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from api.core import clock
from api.core.audit import AuditEvent
from api.core.principal import Scope
from api.quality.models import Complaint, ProviderReview, ReviewAction
from tests.conftest import count, error_code, gid, principal_for
from tests.quality_factories import complaint, placed

SCHEDULE = """mutation($input: ProviderReviewScheduleInput!) { providerReviewSchedule(input: $input) {
  review { id status scheduledOn agenda provider { slug } } userErrors { field code message } } }"""

RECORD = """mutation($input: ProviderReviewRecordInput!) { providerReviewRecord(input: $input) {
  review { id status heldOn attendees notes internalNotes outcome } userErrors { field code message } } }"""

ADD_ACTION = """mutation($input: ProviderReviewActionAddInput!) { providerReviewActionAdd(input: $input) {
  reviewAction { id status description ownerName dueOn overdue owner { slug } review { id } }
  userErrors { field code message } } }"""

UPDATE_ACTION = """mutation($input: ProviderReviewActionUpdateInput!) { providerReviewActionUpdate(input: $input) {
  reviewAction { id status statusNote closedAt } userErrors { field code message } } }"""

REVIEW = """query($id: ID!) { node(id: $id) { ... on ProviderReview { id status notes outcome
  provider { slug } actions { description status owner { slug } } } } }"""

INTERNAL = "query($id: ID!) { node(id: $id) { ... on ProviderReview { internalNotes } } }"

PROVIDER_REVIEWS = """query($id: ID!) { node(id: $id) { ... on Provider { slug
  reviews(first: 10) { totalCount nodes { id status agenda notes } } } } }"""


async def test_reviews_scheduled_recorded_and_acted_on_by_the_alliance_only(gql, db, market):
    acorn = gid("Provider", market.acorn.id)
    on = (clock.today() + timedelta(days=10)).isoformat()
    variables = {
        "input": {"providerId": acorn, "scheduledOn": on, "agenda": "Quarterly review", "idempotencyKey": "rev-1"}
    }
    assert error_code(await gql(SCHEDULE, variables)) == "UNAUTHENTICATED"
    for who in (market.barnet_officer, market.acorn_staff, principal_for(market.wla, Scope.WLA_SAFEGUARDING)):
        result = await gql(SCHEDULE, variables, who)
        assert error_code(result) == "FORBIDDEN" and result.data is None
    assert await count(db, ProviderReview) == 0 and await count(db, AuditEvent) == 0

    bad = await gql.ok(SCHEDULE, {"input": {**variables["input"], "agenda": " "}}, market.admin)
    assert bad["providerReviewSchedule"] == {
        "review": None,
        "userErrors": [{"field": "agenda", "code": "AGENDA_REQUIRED", "message": "`agenda` is required"}],
    }
    payload = (await gql.ok(SCHEDULE, variables, market.admin))["providerReviewSchedule"]
    review = payload["review"]
    assert payload["userErrors"] == [] and review["status"] == "SCHEDULED" and review["scheduledOn"] == on
    assert review["provider"] == {"slug": "acorn-fostering"}
    again = (await gql.ok(SCHEDULE, variables, market.admin))["providerReviewSchedule"]
    assert again["review"]["id"] == review["id"] and await count(db, ProviderReview) == 1

    record = {
        "input": {
            "reviewId": review["id"],
            "heldOn": clock.today().isoformat(),
            "attendees": "WLA; Acorn",
            "outcome": "Plan agreed",
            "notes": "Response times improving",
            "internalNotes": "Watch the missing-episodes trend",
        }
    }
    result = await gql(RECORD, record, market.acorn_staff)
    assert error_code(result) == "FORBIDDEN"
    future = {"input": {**record["input"], "heldOn": (clock.today() + timedelta(days=1)).isoformat()}}
    assert [e["code"] for e in (await gql.ok(RECORD, future, market.admin))["providerReviewRecord"]["userErrors"]] == [
        "HELD_ON_IN_FUTURE"
    ]
    recorded = (await gql.ok(RECORD, record, market.admin))["providerReviewRecord"]["review"]
    assert (recorded["status"], recorded["internalNotes"]) == ("HELD", "Watch the missing-episodes trend")
    again = (await gql.ok(RECORD, record, market.admin))["providerReviewRecord"]
    assert again["review"] is None and again["userErrors"][0]["code"] == "INVALID_TRANSITION"

    add = {
        "input": {
            "reviewId": review["id"],
            "description": "Send the protocol",
            "ownerId": acorn,
            "ownerName": "Registered manager",
            "dueOn": clock.today().isoformat(),
            "idempotencyKey": "a-1",
        }
    }
    assert error_code(await gql(ADD_ACTION, add, market.acorn_staff)) == "FORBIDDEN"
    not_a_party = {
        "input": {**add["input"], "ownerId": gid("LocalAuthority", market.barnet.id), "idempotencyKey": None}
    }
    assert [
        e["code"]
        for e in (await gql.ok(ADD_ACTION, not_a_party, market.admin))["providerReviewActionAdd"]["userErrors"]
    ] == ["OWNER_NOT_A_PARTY"]
    added = (await gql.ok(ADD_ACTION, add, market.admin))["providerReviewActionAdd"]["reviewAction"]
    assert (added["status"], added["owner"], added["overdue"]) == ("OPEN", {"slug": "acorn-fostering"}, False)
    assert added["review"] == {"id": review["id"]}
    assert (await gql.ok(ADD_ACTION, add, market.admin))["providerReviewActionAdd"]["reviewAction"]["id"] == added["id"]
    ours = {
        "input": {
            **add["input"],
            "ownerId": gid("Alliance", market.wla.id),
            "description": "Visit",
            "idempotencyKey": None,
        }
    }
    (await gql.ok(ADD_ACTION, ours, market.admin))
    assert await count(db, ReviewAction) == 2

    update = {"input": {"actionId": added["id"], "status": "CANCELLED"}}
    assert error_code(await gql(UPDATE_ACTION, update, market.acorn_staff)) == "FORBIDDEN"
    assert (await gql.ok(UPDATE_ACTION, update, market.admin))["providerReviewActionUpdate"]["userErrors"][0][
        "code"
    ] == "NOTE_REQUIRED"
    done = (
        await gql.ok(
            UPDATE_ACTION, {"input": {"actionId": added["id"], "status": "DONE", "note": "Received"}}, market.admin
        )
    )["providerReviewActionUpdate"]["reviewAction"]
    assert (done["status"], done["statusNote"]) == ("DONE", "Received") and done["closedAt"]

    actions = [a.action for a in await _events(db)]
    assert actions == [
        "provider_review.schedule",
        "provider_review.record",
        "review_action.add",
        "review_action.add",
        "review_action.update",
    ]


async def _events(db) -> list[AuditEvent]:
    async with db.session() as s:
        return list((await s.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars())


async def test_who_reads_a_review_and_its_internal_notes(gql, db, market):
    from tests.quality_factories import action, held, review

    r = await review(db, market)
    await held(db, market, r.id)
    act = await action(db, market, r.id, market.acorn.id)
    other = await review(db, market, market.birch.id, agenda="Birch's own review")
    rid, acorn = {"id": gid("ProviderReview", r.id)}, {"id": gid("Provider", market.acorn.id)}

    # the alliance, the boroughs and acorn read acorn's review, its shared notes and its actions
    for viewer in (market.admin, market.barnet_officer, market.ealing_officer, market.acorn_staff):
        node = (await gql.ok(REVIEW, rid, viewer))["node"]
        assert (node["status"], node["notes"], node["provider"]) == (
            "HELD",
            "Response times improving",
            {"slug": "acorn-fostering"},
        )
        assert node["actions"] == [
            {
                "description": "Send the updated missing-from-care protocol",
                "status": "OPEN",
                "owner": {"slug": "acorn-fostering"},
            }
        ]
        listed = (await gql.ok(PROVIDER_REVIEWS, acorn, viewer))["node"]["reviews"]
        assert listed["totalCount"] == 1 and listed["nodes"][0]["id"] == rid["id"]
    # the internal notes: the alliance only
    assert (await gql.ok(INTERNAL, rid, market.admin))["node"] == {"internalNotes": "Watch the missing-episodes trend"}
    for viewer in (market.barnet_officer, market.acorn_staff):
        result = await gql(INTERNAL, rid, viewer)
        assert error_code(result) == "FORBIDDEN" and result.data == {"node": {"internalNotes": None}}
    # another provider: acorn's review does not exist for birch; birch sees its own
    assert (await gql.ok(REVIEW, rid, market.birch_staff))["node"] is None
    assert (await gql.ok(PROVIDER_REVIEWS, acorn, market.birch_staff))["node"] is None
    own = (await gql.ok(PROVIDER_REVIEWS, {"id": gid("Provider", market.birch.id)}, market.birch_staff))["node"]
    assert own["reviews"]["nodes"] == [
        {"id": gid("ProviderReview", other.id), "status": "SCHEDULED", "agenda": "Birch's own review", "notes": None}
    ]
    # an action by id: as its review
    aid = {"id": gid("ReviewAction", act.id)}
    query = "query($id: ID!) { node(id: $id) { ... on ReviewAction { description } } }"
    assert (await gql.ok(query, aid, market.barnet_officer))["node"] is not None
    assert (await gql.ok(query, aid, market.birch_staff))["node"] is None
    assert (await gql.ok(REVIEW, rid))["node"] is None  # anonymous: `node` is public, the review is not


RAISE = """mutation($input: ComplaintRaiseInput!) { complaintRaise(input: $input) {
  complaint { id kind raisedBy status subject authority { slug } provider { slug }
    related { __typename ... on Placement { id } ... on Requirement { reference } }
    history { step status note actor { kind organisation { slug } } } }
  userErrors { field code message } } }"""

COMPLAINT = """query($id: ID!) { node(id: $id) { ... on Complaint { id status subject description outcome
  history { step status note actor { organisation { slug } } } } } }"""

COMPLAINTS = """query($filter: ComplaintFilter) { complaints(first: 20, filter: $filter) { totalCount
  nodes { id kind raisedBy status } } }"""

MEDIATE = """mutation($input: ComplaintMediateInput!) { complaintMediate(input: $input) {
  complaint { id status } userErrors { field code message } } }"""

RESOLVE = """mutation($input: ComplaintResolveInput!) { complaintResolve(input: $input) {
  complaint { id status outcome closedAt } userErrors { field code message } } }"""

WITHDRAW = """mutation($input: ComplaintWithdrawInput!) { complaintWithdraw(input: $input) {
  complaint { id status } userErrors { field code message } } }"""


async def test_complaints_raised_seen_by_the_two_parties_and_mediated_by_the_alliance(gql, db, market):
    p = await placed(db, market)
    variables = {
        "input": {
            "kind": "COMPLAINT",
            "aboutId": gid("Provider", market.acorn.id),
            "subject": "Placement plan late",
            "description": "It came three weeks after the start.",
            "relatedId": gid("Placement", p.placement.id),
            "idempotencyKey": "c-1",
        }
    }
    before = await count(db, AuditEvent)
    assert error_code(await gql(RAISE, variables)) == "UNAUTHENTICATED"
    for who in (
        market.admin,
        principal_for(market.barnet, Scope.BOROUGH_AWARD),
        market.ealing_officer,
    ):  # Ealing may raise, but Barnet's placement does not exist for it
        result = await gql(RAISE, variables, who)
        assert error_code(result) == "FORBIDDEN" and result.data is None
    forged = {"input": {**variables["input"], "relatedId": gid("Setting", p.scene.settings["Oak House"].id)}}
    assert error_code(await gql(RAISE, forged, market.barnet_officer)) == "FORBIDDEN"
    assert await count(db, Complaint) == 0 and await count(db, AuditEvent) == before

    payload = (await gql.ok(RAISE, variables, market.barnet_officer))["complaintRaise"]
    c = payload["complaint"]
    assert payload["userErrors"] == []
    assert (c["kind"], c["raisedBy"], c["status"]) == ("COMPLAINT", "BOROUGH", "RAISED")
    assert (c["authority"], c["provider"]) == ({"slug": "barnet"}, {"slug": "acorn-fostering"})
    assert c["related"] == {"__typename": "Placement", "id": gid("Placement", p.placement.id)}
    assert c["history"] == [
        {
            "step": "RAISED",
            "status": "RAISED",
            "note": None,
            "actor": {"kind": "USER", "organisation": {"slug": "barnet"}},
        }
    ]
    assert (await gql.ok(RAISE, variables, market.barnet_officer))["complaintRaise"]["complaint"]["id"] == c["id"]
    assert await count(db, Complaint) == 1

    dispute = {
        "input": {
            "kind": "DISPUTE",
            "aboutId": gid("LocalAuthority", market.barnet.id),
            "subject": "Fee withheld",
            "description": "The first four weeks are unpaid.",
            "relatedId": gid("Requirement", p.requirement.id),
        }
    }
    d = (await gql.ok(RAISE, dispute, market.acorn_staff))["complaintRaise"]["complaint"]
    assert (d["raisedBy"], d["related"]) == (
        "PROVIDER",
        {"__typename": "Requirement", "reference": p.requirement.reference},
    )
    wrong = {"input": {**dispute["input"], "aboutId": gid("Provider", market.birch.id)}}
    assert (await gql.ok(RAISE, wrong, market.acorn_staff))["complaintRaise"]["userErrors"] == [
        {
            "field": "aboutId",
            "code": "NOT_THE_OTHER_PARTY",
            "message": "A borough raises a complaint about a provider, a provider about a borough",
        }
    ]
    birch_one = await complaint(db, market.ealing_officer, market.birch.id, subject="Staffing")

    # the two parties and the alliance see a complaint; another borough or provider does not
    cid = {"id": c["id"]}
    for viewer in (market.admin, market.barnet_officer, market.acorn_staff):
        assert (await gql.ok(COMPLAINT, cid, viewer))["node"]["subject"] == "Placement plan late"
    for outsider in (market.ealing_officer, market.birch_staff, principal_for(market.wla, Scope.WLA_SAFEGUARDING)):
        assert (await gql.ok(COMPLAINT, cid, outsider))["node"] is None
    listed = {
        who: {n["id"] for n in (await gql.ok(COMPLAINTS, {}, principal))["complaints"]["nodes"]}
        for who, principal in (
            ("wla", market.admin),
            ("barnet", market.barnet_officer),
            ("acorn", market.acorn_staff),
            ("ealing", market.ealing_officer),
            ("birch", market.birch_staff),
        )
    }
    birch_id = gid("Complaint", birch_one.id)
    assert listed == {
        "wla": {c["id"], d["id"], birch_id},
        "barnet": {c["id"], d["id"]},
        "acorn": {c["id"], d["id"]},
        "ealing": {birch_id},
        "birch": {birch_id},
    }
    filtered = await gql.ok(COMPLAINTS, {"filter": {"kind": ["DISPUTE"], "status": ["RAISED"]}}, market.admin)
    assert [n["id"] for n in filtered["complaints"]["nodes"]] == [d["id"]]
    by_provider = await gql.ok(
        COMPLAINTS, {"filter": {"providerId": gid("Provider", market.birch.id), "raisedBy": "BOROUGH"}}, market.admin
    )
    assert by_provider["complaints"]["totalCount"] == 1

    # mediation and resolution: the alliance only; withdrawal: the raiser only
    mediate = {"input": {"complaintId": c["id"], "note": "Meeting both on Friday"}}
    for who in (market.barnet_officer, market.acorn_staff):
        assert error_code(await gql(MEDIATE, mediate, who)) == "FORBIDDEN"
        assert error_code(await gql(RESOLVE, {"input": {"complaintId": c["id"], "outcome": "x"}}, who)) == "FORBIDDEN"
    resolve = {"input": {"complaintId": c["id"], "outcome": "Apology and a revised plan"}}
    early = (await gql.ok(RESOLVE, resolve, market.admin))["complaintResolve"]
    assert early["complaint"] is None and early["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert (await gql.ok(MEDIATE, mediate, market.admin))["complaintMediate"]["complaint"][
        "status"
    ] == "UNDER_MEDIATION"
    noted = (await gql.ok(MEDIATE, {"input": {"complaintId": c["id"]}}, market.admin))["complaintMediate"]
    assert noted["userErrors"][0]["code"] == "NOTE_REQUIRED"
    resolved = (await gql.ok(RESOLVE, resolve, market.admin))["complaintResolve"]["complaint"]
    assert (resolved["status"], resolved["outcome"]) == ("RESOLVED", "Apology and a revised plan")
    seen = (await gql.ok(COMPLAINT, cid, market.acorn_staff))["node"]
    assert [(h["step"], h["note"], h["actor"]["organisation"]["slug"]) for h in seen["history"]] == [
        ("RAISED", None, "barnet"),
        ("MEDIATION_STARTED", "Meeting both on Friday", "wla"),
        ("RESOLVED", "Apology and a revised plan", "wla"),
    ]

    withdraw = {"input": {"complaintId": d["id"], "note": "Paid"}}
    for who in (market.barnet_officer, market.admin, market.birch_staff):
        assert error_code(await gql(WITHDRAW, withdraw, who)) == "FORBIDDEN"
    assert (await gql.ok(WITHDRAW, withdraw, market.acorn_staff))["complaintWithdraw"]["complaint"][
        "status"
    ] == "WITHDRAWN"
    async with db.session() as s:
        actions = list(
            (
                await s.execute(
                    select(AuditEvent.action).where(AuditEvent.entity_type == "Complaint").order_by(AuditEvent.id)
                )
            ).scalars()
        )
    assert actions == [
        "complaint.raise",
        "complaint.raise",
        "complaint.raise",
        "complaint.mediate",
        "complaint.resolve",
        "complaint.withdraw",
    ]
