"""Every root operation of the schema against every role.

The table below lists each query and mutation field with the roles allowed to call it. The test fails when
an operation is added to the schema without an entry (or an entry names one that no longer exists), when a
field's description does not say who may call it, and when any role gets other than what the table says:
allowed roles get no top-level error; anonymous callers of a guarded operation get UNAUTHENTICATED; every
other role gets FORBIDDEN, and the data of a refused mutation is unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from strawberry.relay import to_base64

from api.core import clock
from api.core.audit import AuditEvent
from api.core.principal import Scope
from api.market import agreements, dpvs, memberships
from api.market.enums import DpvCategory, LegalBasis
from api.placements import requirements
from api.placements.enums import BidStatus, InvitationStatus, IpaStatus, MatchLevel
from api.placements.models import Bid, Invitation, Ipa
from api.quality import complaints, reviews
from api.quality.enums import ComplaintKind
from api.safeguarding.enums import (
    AlertCategory,
    AlertSeverity,
    AlertStatus,
    SuspensionKind,
    SuspensionReason,
    SuspensionScope,
)
from api.safeguarding.models import SafeguardingAlert, Suspension
from schema import schema
from tests.conftest import Market, empty_tables, make_market, principal_for
from tests.factories import add_setting
from tests.placement_factories import child, fields

ROLES: dict[str, tuple[str, tuple[Scope, ...]] | None] = {
    "anonymous": None,
    "wla": ("wla", (Scope.WLA,)),
    "wla:safeguarding": ("wla", (Scope.WLA_SAFEGUARDING,)),
    "borough": ("barnet", (Scope.BOROUGH,)),
    "borough:award": ("barnet", (Scope.BOROUGH_AWARD,)),
    "provider": ("acorn", (Scope.PROVIDER,)),
    "provider:sign": ("acorn", (Scope.PROVIDER_SIGN,)),
}
EVERYONE = frozenset(ROLES)


@dataclass
class World:
    dpv: str
    lot: str
    agreement: str
    setting: str
    membership: str
    acorn: str
    barnet: str
    requirement: str
    bid: str
    ipa: str
    alert: str = ""
    suspension: str = ""
    review: str = ""
    review_action: str = ""
    complaint: str = ""


@dataclass(frozen=True)
class Op:
    document: str
    variables: Callable[[World], dict]
    allowed: frozenset[str]


def _ops() -> dict[str, Op]:
    wla, provider_side, borough = frozenset({"wla"}), frozenset({"wla", "provider"}), frozenset({"borough"})
    market_readers = frozenset({"wla", "borough", "provider"})
    return {
        # queries
        "node": Op("query($id: ID!) { node(id: $id) { id } }", lambda w: {"id": w.dpv}, EVERYONE),
        "nodes": Op("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", lambda w: {"ids": [w.dpv, w.setting]}, EVERYONE),
        "viewer": Op("{ viewer { scopes } }", lambda w: {}, EVERYONE),
        "dpvs": Op("{ dpvs(first: 5) { totalCount } }", lambda w: {}, EVERYONE),
        "dpv": Op("query($id: ID!) { dpv(id: $id) { name } }", lambda w: {"id": w.dpv}, EVERYONE),
        "providers": Op("{ providers(first: 5) { totalCount } }", lambda w: {}, market_readers),
        # mutations
        "organisationCreate": Op(
            'mutation { organisationCreate(input: {kind: PROVIDER, slug: "new-one", name: "New"}) '
            "{ userErrors { code } } }",
            lambda w: {},
            wla,
        ),
        "dpvCreate": Op(
            'mutation($lead: ID!) { dpvCreate(input: {name: "X", category: SEN_SCHOOLS, leadAuthorityId: $lead, '
            'legalBasis: PA_2023_DYNAMIC_MARKET, startsOn: "2025-04-01"}) { userErrors { code } } }',
            lambda w: {"lead": w.barnet},
            wla,
        ),
        "dpvExerciseExtension": Op(
            "mutation($id: ID!) { dpvExerciseExtension(input: {dpvId: $id}) { userErrors { code } } }",
            lambda w: {"id": w.dpv},
            wla,
        ),
        "lotCreate": Op(
            'mutation($id: ID!) { lotCreate(input: {dpvId: $id, code: "NEW", name: "New"}) { userErrors { code } } }',
            lambda w: {"id": w.dpv},
            wla,
        ),
        "lotRateCapSet": Op(
            'mutation($id: ID!) { lotRateCapSet(input: {lotId: $id, financialYear: 2027, weeklyRateCap: "999.00"})'
            " { userErrors { code } } }",
            lambda w: {"id": w.lot},
            wla,
        ),
        "accessAgreementCreate": Op(
            "mutation($dpv: ID!, $la: ID!) { accessAgreementCreate(input: {dpvId: $dpv, authorityId: $la}) "
            "{ userErrors { code } } }",
            lambda w: {"dpv": w.dpv, "la": w.barnet},
            wla,
        ),
        "accessAgreementGiveNotice": Op(
            "mutation($id: ID!) { accessAgreementGiveNotice(input: {accessAgreementId: $id}) { userErrors { code } } }",
            lambda w: {"id": w.agreement},
            frozenset({"wla", "borough"}),
        ),
        "membershipApply": Op(
            "mutation($lot: ID!, $p: ID!) { membershipApply(input: {lotId: $lot, providerId: $p}) "
            "{ userErrors { code } } }",
            lambda w: {"lot": w.lot, "p": w.acorn},
            provider_side,
        ),
        "membershipDecide": Op(
            'mutation($id: ID!) { membershipDecide(input: {membershipId: $id, decision: REJECT, reason: "r"}) '
            "{ userErrors { code } } }",
            lambda w: {"id": w.membership},
            wla,
        ),
        "membershipWithdraw": Op(
            "mutation($id: ID!) { membershipWithdraw(input: {membershipId: $id}) { userErrors { code } } }",
            lambda w: {"id": w.membership},
            provider_side,
        ),
        "documentRecord": Op(
            'mutation($p: ID!) { documentRecord(input: {providerId: $p, kind: OFSTED_REGISTRATION, reference: "R", '
            'validFrom: "2026-01-01"}) { userErrors { code } } }',
            lambda w: {"p": w.acorn},
            provider_side,
        ),
        "settingCreate": Op(
            'mutation($p: ID!) { settingCreate(input: {providerId: $p, kind: FOSTER_HOUSEHOLD, name: "F", '
            'ageMin: 0, ageMax: 17, sexes: [MALE], places: 2, vacancies: 1, postcodeDistrict: "W6", '
            "location: {latitude: 51.49, longitude: -0.22}}) { userErrors { code } } }",
            lambda w: {"p": w.acorn},
            provider_side,
        ),
        "settingUpdate": Op(
            "mutation($id: ID!) { settingUpdate(input: {settingId: $id, vacancies: 0}) { userErrors { code } } }",
            lambda w: {"id": w.setting},
            provider_side,
        ),
        # the placement search: a borough writes its own requirements; the alliance reads all; providers read
        # those they are invited to and their invitations
        "requirements": Op("{ requirements(first: 5) { totalCount } }", lambda w: {}, market_readers),
        "invitations": Op("{ invitations(first: 5) { totalCount } }", lambda w: {}, provider_side),
        # the event stream: every signed-in caller, each seeing what it may see (tests/test_event_stream.py)
        "changes": Op("{ changes(first: 5) { pageInfo { hasNextPage } } }", lambda w: {}, EVERYONE - {"anonymous"}),
        "events": Op("subscription { events { cursor } }", lambda w: {}, EVERYONE - {"anonymous"}),
        "requirementPublished": Op(
            "subscription { requirementPublished { cursor } }", lambda w: {}, frozenset({"provider"})
        ),
        "bidReceived": Op(
            "subscription($id: ID) { bidReceived(requirementId: $id) { cursor } }",
            lambda w: {"id": w.requirement},
            frozenset({"wla", "borough"}),
        ),
        "requirementCreate": Op(
            'mutation($lot: ID!) { requirementCreate(input: {lotId: $lot, urgency: URGENT, plannedStart: "2099-01-01", '
            'expectedDurationWeeks: 4, child: {caseReference: "C-1", ageYears: 9, sex: MALE, languages: [], needs: [], '
            'siblingGroupSize: 1, homePostcodeDistrict: "W6", homeLocation: {latitude: 51.49, longitude: -0.22}, '
            "maxDistanceKm: 10, avoidAreas: []}}) { userErrors { code } } }",
            lambda w: {"lot": w.lot},
            borough,
        ),
        "requirementUpdate": Op(
            "mutation($id: ID!) { requirementUpdate(input: {requirementId: $id, expectedDurationWeeks: 8}) "
            "{ userErrors { code } } }",
            lambda w: {"id": w.requirement},
            borough,
        ),
        "requirementPublish": Op(
            "mutation($id: ID!) { requirementPublish(input: {requirementId: $id}) { userErrors { code } } }",
            lambda w: {"id": w.requirement},
            borough,
        ),
        "requirementCancel": Op(
            'mutation($id: ID!) { requirementCancel(input: {requirementId: $id, reason: "r"}) '
            "{ userErrors { code } } }",
            lambda w: {"id": w.requirement},
            borough,
        ),
        "requirementClose": Op(
            "mutation($id: ID!) { requirementClose(input: {requirementId: $id}) { userErrors { code } } }",
            lambda w: {"id": w.requirement},
            borough,
        ),
        # bids: a provider bids for itself (not even the alliance bids for it); the borough scores the bids on its
        # own requirements; only an authorised officer (`borough:award`) accepts one. The world's requirement is
        # a DRAFT: the allowed roles get user errors, not top-level errors.
        "bidSubmit": Op(
            'mutation($r: ID!, $s: ID!) { bidSubmit(input: {requirementId: $r, settingId: $s, corePrice: "900.00", '
            'availableFrom: "2099-01-01", needsStatement: "n"}) { userErrors { code } } }',
            lambda w: {"r": w.requirement, "s": w.setting},
            frozenset({"provider"}),
        ),
        "bidAmend": Op(
            'mutation($b: ID!, $s: ID!) { bidAmend(input: {bidId: $b, settingId: $s, corePrice: "800.00", '
            'availableFrom: "2099-01-01", needsStatement: "n"}) { userErrors { code } } }',
            lambda w: {"b": w.bid, "s": w.setting},
            frozenset({"provider"}),
        ),
        "bidWithdraw": Op(
            "mutation($b: ID!) { bidWithdraw(input: {bidId: $b}) { userErrors { code } } }",
            lambda w: {"b": w.bid},
            frozenset({"provider"}),
        ),
        "bidScoreRecord": Op(
            "mutation($b: ID!) { bidScoreRecord(input: {bidId: $b, criterion: SOCIAL_VALUE, score: 3}) "
            "{ userErrors { code } } }",
            lambda w: {"b": w.bid},
            borough,
        ),
        "bidAccept": Op(
            'mutation($b: ID!) { bidAccept(input: {bidId: $b, rationale: "best"}) { userErrors { code } } }',
            lambda w: {"b": w.bid},
            frozenset({"borough:award"}),
        ),
        "ipaSign": Op(  # the allowed roles get a user error (not the document's digest), nothing more
            'mutation($i: ID!) { ipaSign(input: {ipaId: $i, documentSha256: "00"}) { userErrors { code } } }',
            lambda w: {"i": w.ipa},
            frozenset({"provider:sign", "borough:award"}),
        ),
        "dpvSetEvaluationWeights": Op(
            "mutation($id: ID!) { dpvSetEvaluationWeights(input: {dpvId: $id, weights: null}) "
            "{ userErrors { code } } }",
            lambda w: {"id": w.dpv},
            wla,
        ),
        # quality: the alliance holds provider reviews and mediates complaints; a borough or a provider raises a
        # complaint (the world's complaint is Barnet's about acorn: only Barnet withdraws it); the KPIs and the
        # complaints list are read by the market's readers (each sees what concerns it)
        "complaints": Op("{ complaints(first: 5) { totalCount } }", lambda w: {}, market_readers),
        "providerKpis": Op(
            "query($p: ID!) { providerKpis(providerId: $p) { invitations } }", lambda w: {"p": w.acorn}, market_readers
        ),
        "providerReviewSchedule": Op(
            'mutation($p: ID!) { providerReviewSchedule(input: {providerId: $p, scheduledOn: "2099-01-01", '
            'agenda: "a"}) { userErrors { code } } }',
            lambda w: {"p": w.acorn},
            wla,
        ),
        "providerReviewRecord": Op(
            'mutation($r: ID!) { providerReviewRecord(input: {reviewId: $r, heldOn: "2026-01-01", attendees: "a", '
            'outcome: "o"}) { userErrors { code } } }',
            lambda w: {"r": w.review},
            wla,
        ),
        "providerReviewActionAdd": Op(
            'mutation($r: ID!, $o: ID!) { providerReviewActionAdd(input: {reviewId: $r, description: "d", '
            "ownerId: $o}) { userErrors { code } } }",
            lambda w: {"r": w.review, "o": w.acorn},
            wla,
        ),
        "providerReviewActionUpdate": Op(
            "mutation($a: ID!) { providerReviewActionUpdate(input: {actionId: $a, status: DONE}) "
            "{ userErrors { code } } }",
            lambda w: {"a": w.review_action},
            wla,
        ),
        "complaintRaise": Op(  # about acorn: Barnet raises it; acorn gets a user error (not about itself)
            'mutation($p: ID!) { complaintRaise(input: {kind: COMPLAINT, aboutId: $p, subject: "s", '
            'description: "d"}) { userErrors { code } } }',
            lambda w: {"p": w.acorn},
            frozenset({"borough", "provider"}),
        ),
        "complaintWithdraw": Op(
            "mutation($c: ID!) { complaintWithdraw(input: {complaintId: $c}) { userErrors { code } } }",
            lambda w: {"c": w.complaint},
            borough,
        ),
        "complaintMediate": Op(
            "mutation($c: ID!) { complaintMediate(input: {complaintId: $c}) { userErrors { code } } }",
            lambda w: {"c": w.complaint},
            wla,
        ),
        "complaintResolve": Op(  # the complaint is RAISED: the alliance gets a user error (mediation first)
            'mutation($c: ID!) { complaintResolve(input: {complaintId: $c, outcome: "o"}) { userErrors { code } } }',
            lambda w: {"c": w.complaint},
            wla,
        ),
        "ofstedJudgementRecord": Op(
            "mutation($id: ID!) { ofstedJudgementRecord(input: {settingId: $id, grade: GOOD, "
            'inspectedOn: "2025-01-01"}) { userErrors { code } } }',
            lambda w: {"id": w.setting},
            provider_side,
        ),
        # quality and safeguarding: every participating borough and the alliance read alerts and suspensions, a
        # provider its own; boroughs and the alliance raise alerts; only the safeguarding leads review them and
        # suspend, reinstate or bar (the world's acorn is not admitted, and its suspension is lifted: user errors)
        "safeguardingAlerts": Op(
            "{ safeguardingAlerts(first: 5) { totalCount } }",
            lambda w: {},
            frozenset({"wla", "wla:safeguarding", "borough", "provider"}),
        ),
        "suspensions": Op(
            "{ suspensions(first: 5) { totalCount } }",
            lambda w: {},
            frozenset({"wla", "wla:safeguarding", "borough", "provider"}),
        ),
        "safeguardingAlertRaise": Op(
            "mutation($p: ID!) { safeguardingAlertRaise(input: {providerId: $p, category: STAFFING, severity: LOW, "
            'summary: "Night staffing below the ratio"}) { userErrors { code } } }',
            lambda w: {"p": w.acorn},
            frozenset({"wla", "wla:safeguarding", "borough"}),
        ),
        "safeguardingAlertUpdate": Op(
            'mutation($a: ID!) { safeguardingAlertUpdate(input: {alertId: $a, status: UNDER_REVIEW, notes: "n"}) '
            "{ userErrors { code } } }",
            lambda w: {"a": w.alert},
            frozenset({"wla:safeguarding"}),
        ),
        "providerSuspend": Op(
            "mutation($p: ID!) { providerSuspend(input: {providerId: $p, reason: SAFEGUARDING}) "
            "{ userErrors { code } } }",
            lambda w: {"p": w.acorn},
            frozenset({"wla:safeguarding"}),
        ),
        "providerBar": Op(
            "mutation($p: ID!) { providerBar(input: {providerId: $p, reason: MISCONDUCT}) { userErrors { code } } }",
            lambda w: {"p": w.acorn},
            frozenset({"wla:safeguarding"}),
        ),
        "providerReinstate": Op(
            "mutation($s: ID!) { providerReinstate(input: {suspensionId: $s}) { userErrors { code } } }",
            lambda w: {"s": w.suspension},
            frozenset({"wla:safeguarding"}),
        ),
    }


OPS = _ops()


def _root_fields() -> dict[str, dict]:
    gql = schema._schema
    fields = {}
    for root in (gql.query_type, gql.mutation_type, gql.subscription_type):
        if root is not None:
            fields.update({name: field for name, field in root.fields.items()})
    return fields


def test_every_operation_has_an_entry():
    names = set(_root_fields())
    assert names - set(OPS) == set(), f"operations without an authorization entry: {sorted(names - set(OPS))}"
    assert set(OPS) - names == set(), f"entries for operations that do not exist: {sorted(set(OPS) - names)}"


def test_every_operation_says_who_may_call_it():
    for name, field in _root_fields().items():
        description = field.description or ""
        assert "Requires a token with one of the scopes" in description or "Public: no token needed" in description, (
            name
        )


# --- one world for every item ----------------------------------------------------------------------------------
# Each item used to empty the database, build the world below and start an event hub: most of the suite's time.
# The world is built once and kept while it is as built: an item that may have changed it (an allowed mutation, or
# any item after which the audit trail has grown -- every change writes its audit event) has it rebuilt, from empty
# tables with restarted ids, before the next item. So every item still meets the world exactly as built.


@dataclass
class Shared:
    market: Market | None = None
    world: World | None = None
    audit_events: int = -1  # in the audit trail when the world was built
    stale: bool = True


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shared() -> Shared:
    return Shared()


@pytest.fixture
def db(database):
    """The database as it is: `world` keeps it as built (the suite's `db` empties it first)."""
    return database


@pytest_asyncio.fixture(loop_scope="session")
async def market(database, shared: Shared, request) -> AsyncIterator[Market]:
    if shared.stale or await _audit_count(database) != shared.audit_events:
        await empty_tables(database)
        shared.market = await make_market(database)
        shared.world = await build_world(database, shared.market)
        shared.audit_events = await _audit_count(database)
        shared.stale = False
    yield shared.market
    params = getattr(request.node, "callspec", None)
    operation, role = (params.params["operation"], params.params["role"]) if params else (None, None)
    if operation is None or (OPS[operation].document.startswith("mutation") and role in OPS[operation].allowed):
        shared.stale = True  # it may have changed the world (checked by the audit trail too, next time)


@pytest.fixture
def world(market, shared: Shared) -> World:
    return shared.world


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def hub(database) -> AsyncIterator[Any]:
    """One event hub (api/core/realtime.py) for the module's subscriptions run in process."""
    from api.core.realtime import Hub

    running = Hub(database, poll_seconds=0.2)
    await running.start()
    yield running
    await running.stop()


async def build_world(db, market) -> World:
    async with db.transaction() as s:
        dpv = await dpvs.create_dpv(
            s,
            market.admin,
            name="Homes",
            category=DpvCategory.RESIDENTIAL_CHILDRENS_HOMES,
            lead_authority_id=market.ealing.id,
            legal_basis=LegalBasis.PA_2023_DYNAMIC_MARKET,
            starts_on=date(2025, 7, 1),
        )
        lot = await dpvs.create_lot(
            s, market.admin, dpv_id=dpv.id, code="RES", name="Residential", rate_caps=[(2026, Decimal("5000.00"))]
        )
        agreement = await agreements.create_agreement(
            s, market.admin, dpv_id=dpv.id, authority_id=market.barnet.id, starts_on=date(2025, 7, 1)
        )
        membership = await memberships.apply(s, market.acorn_staff, provider_id=market.acorn.id, lot_id=lot.id)
    setting = await add_setting(db, market.admin, market.acorn.id)
    async with db.transaction() as s:  # Barnet buys through Ealing's vehicle under its agreement
        requirement = await requirements.create_requirement(
            s, market.barnet_officer, fields_=fields(lot.id), child=child()
        )
        # rows the bid operations act on, written directly: acorn invited (as if published) and bidding
        s.add(
            Invitation(
                requirement_id=requirement.id,
                provider_id=market.acorn.id,
                status=InvitationStatus.INVITED,
                match_level=MatchLevel.FULL,
                match_reasons=[],
            )
        )
        bid = Bid(
            requirement_id=requirement.id,
            provider_id=market.acorn.id,
            setting_id=setting.id,
            status=BidStatus.SUBMITTED,
            core_price=Decimal("900.00"),
            extras=[],
            weekly_price=Decimal("900.00"),
            discounts=[],
            net_weekly_price=Decimal("900.00"),
            price_explanation="",
            available_from=date(2099, 1, 1),
            needs_statement="n",
            submitted_at=clock.now(),
        )
        s.add(bid)
        await s.flush()
        # an IPA of acorn and Barnet, written directly, on a second requirement (bidAccept issues its own)
        other = await requirements.create_requirement(s, market.barnet_officer, fields_=fields(lot.id), child=child())
        signed_bid = Bid(
            requirement_id=other.id,
            provider_id=market.acorn.id,
            setting_id=setting.id,
            status=BidStatus.ACCEPTED,
            rationale="best",
            core_price=Decimal("900.00"),
            extras=[],
            weekly_price=Decimal("900.00"),
            discounts=[],
            net_weekly_price=Decimal("900.00"),
            price_explanation="",
            available_from=date(2099, 1, 1),
            needs_statement="n",
            submitted_at=clock.now(),
        )
        s.add(signed_bid)
        await s.flush()
        ipa = Ipa(
            requirement_id=other.id,
            bid_id=signed_bid.id,
            authority_id=market.barnet.id,
            provider_id=market.acorn.id,
            status=IpaStatus.ISSUED,
            terms={},
            document=b"%PDF",
            document_sha256="a" * 64,
            net_weekly_price=Decimal("900.00"),
            issued_at=clock.now(),
        )
        s.add(ipa)
        await s.flush()
        # an alert on acorn raised by Barnet, and a suspension of acorn already lifted, written directly
        alert = SafeguardingAlert(
            provider_id=market.acorn.id,
            category=AlertCategory.OTHER,
            severity=AlertSeverity.MEDIUM,
            status=AlertStatus.OPEN,
            summary="s",
            raised_by_organisation_id=market.barnet.id,
            raised_by_kind="USER",
            raised_by="test@barnet",
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        suspension = Suspension(
            provider_id=market.acorn.id,
            kind=SuspensionKind.SUSPENSION,
            scope=SuspensionScope.PROVIDER,
            reason=SuspensionReason.OTHER,
            starts_on=clock.today(),
            created_at=clock.now(),
            created_by_organisation_id=market.wla.id,
            created_by_kind="USER",
            created_by="test@wla",
            lifted_at=clock.now(),
            lifted_by_organisation_id=market.wla.id,
            lifted_by_kind="USER",
            lifted_by="test@wla",
        )
        s.add_all([alert, suspension])
        await s.flush()
    async with db.transaction() as s:  # a review of acorn with an action, and Barnet's complaint about acorn
        review = await reviews.schedule_review(
            s, market.admin, provider_id=market.acorn.id, scheduled_on=date(2026, 1, 1), agenda="Quarterly review"
        )
        review_action = await reviews.add_action(
            s, market.admin, review_id=review.id, description="d", owner_organisation_id=market.acorn.id
        )
        complaint = await complaints.raise_complaint(
            s,
            market.barnet_officer,
            kind=ComplaintKind.COMPLAINT,
            about_id=market.acorn.id,
            subject="s",
            description="d",
        )
    return World(
        dpv=to_base64("Dpv", dpv.id),
        lot=to_base64("Lot", lot.id),
        agreement=to_base64("AccessAgreement", agreement.id),
        setting=to_base64("Setting", setting.id),
        membership=to_base64("Membership", membership.id),
        acorn=to_base64("Provider", market.acorn.id),
        barnet=to_base64("LocalAuthority", market.barnet.id),
        requirement=to_base64("Requirement", requirement.id),
        bid=to_base64("Bid", bid.id),
        ipa=to_base64("Ipa", ipa.id),
        alert=to_base64("SafeguardingAlert", alert.id),
        suspension=to_base64("Suspension", suspension.id),
        review=to_base64("ProviderReview", review.id),
        review_action=to_base64("ReviewAction", review_action.id),
        complaint=to_base64("Complaint", complaint.id),
    )


async def _audit_count(db) -> int:
    async with db.session() as s:
        return (await s.execute(select(func.count()).select_from(AuditEvent))).scalar_one()


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("operation", list(OPS))
async def test_operation_for_role(gql, db, market, world, hub, operation, role):
    op = OPS[operation]
    spec = ROLES[role]
    orgs = {"wla": market.wla, "barnet": market.barnet, "acorn": market.acorn}
    principal = principal_for(orgs[spec[0]], *spec[1]) if spec else None
    before = await _audit_count(db)
    if op.document.startswith("subscription"):  # None: running and waiting for events
        result = await gql.first_event(op.document, op.variables(world), principal, hub)
    else:
        result = await gql(op.document, op.variables(world), principal)
    if role in op.allowed:
        assert result is None or result.errors is None, f"{operation} as {role}: {result.errors}"
        return
    assert result.errors, f"{operation} as {role} should be refused"
    expected = "UNAUTHENTICATED" if principal is None else "FORBIDDEN"
    assert result.errors[0].extensions["code"] == expected, f"{operation} as {role}: {result.errors[0]}"
    assert await _audit_count(db) == before, f"{operation} as {role} changed something"
