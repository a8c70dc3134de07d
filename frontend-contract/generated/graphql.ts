/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type AlertSeverity =
  | 'CRITICAL'
  | 'HIGH'
  | 'LOW'
  | 'MEDIUM';

export type BidAcceptInput = {
  bidId: string | number;
  /** Why this bid: recorded with the award. */
  rationale: string;
};

/** The whole offer again: it replaces the bid's setting, prices, availability and statements (an unset optional statement is removed). */
export type BidAmendInput = {
  availableFrom: string;
  bidId: string | number;
  compatibilityStatement?: string | null | undefined;
  corePrice: string;
  extras?: Array<BidExtraInput>;
  needsStatement: string;
  settingId: string | number;
  socialValueStatement?: string | null | undefined;
};

export type BidErrorCode =
  | 'ABOVE_CAP'
  | 'ALREADY_AWARDED'
  | 'ALREADY_BID'
  | 'AVAILABLE_FROM_IN_PAST'
  | 'BID_EXCLUDED'
  | 'BID_NOT_LIVE'
  | 'DEADLINE_NOT_PASSED'
  | 'DEADLINE_PASSED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'INVALID_EXTRA'
  | 'INVALID_PRICE'
  | 'INVALID_SCORE'
  | 'INVALID_TRANSITION'
  | 'INVITATION_WITHDRAWN'
  | 'NO_RATE_CAP'
  | 'PROVIDER_BARRED'
  | 'PROVIDER_SUSPENDED'
  | 'RATIONALE_REQUIRED'
  | 'REQUIREMENT_NOT_OPEN'
  | 'SETTING_INACTIVE'
  | 'SETTING_INADEQUATE'
  | 'STATEMENT_REQUIRED'
  | 'TEXT_TOO_LONG'
  | 'TOO_MANY_EXTRAS';

/** An extra on top of the core price, e.g. 10 hours of 1:1 support a week. */
export type BidExtraInput = {
  description: string;
  weeklyPrice: string;
};

export type BidScoreRecordInput = {
  bidId: string | number;
  criterion: OfficerCriterion;
  /** 0 to 5; the evaluation counts it × 20. */
  score: number;
};

export type BidStatus =
  | 'ACCEPTED'
  | 'EXCLUDED'
  | 'SUBMITTED'
  | 'UNSUCCESSFUL'
  | 'WITHDRAWN';

export type BidSubmitInput = {
  availableFrom: string;
  /** How the child would fit with the young people already there. */
  compatibilityStatement?: string | null | undefined;
  /** Pounds a week, before extras and discounts. */
  corePrice: string;
  extras?: Array<BidExtraInput>;
  idempotencyKey?: string | null | undefined;
  /** How the child's needs will be met. */
  needsStatement: string;
  requirementId: string | number;
  /** One of the provider's own active settings. */
  settingId: string | number;
  socialValueStatement?: string | null | undefined;
};

export type BidWithdrawInput = {
  bidId: string | number;
};

/** The child. `caseReference` is stored only as a keyed hash and never returned. */
export type ChildInput = {
  ageYears: number;
  /** Postcode areas or districts, e.g. W or NW10. */
  avoidAreas: Array<string>;
  /** The borough's case reference (e.g. from Mosaic). */
  caseReference: string;
  childViews?: string | null | undefined;
  courtDirections?: string | null | undefined;
  educationNeeds?: string | null | undefined;
  ethnicity?: string | null | undefined;
  homeLocation: LocationInput;
  /** The outward code only, e.g. NW10. */
  homePostcodeDistrict: string;
  languages: Array<string>;
  legalStatus?: LegalStatus | null | undefined;
  maxDistanceKm: number;
  /** The specialisms the child needs. */
  needs: Array<Specialism>;
  religion?: string | null | undefined;
  sex: Sex;
  /** Children to be placed together (1: no siblings). */
  siblingGroupSize: number;
};

export type ChildView =
  | 'FULL'
  | 'MASKED'
  | 'SUMMARY';

export type CreditCheckOutcome =
  | 'FAILED'
  | 'PASSED';

export type DiscountKind =
  | 'LONG_TERM'
  | 'SIBLING';

export type DocumentErrorCode =
  | 'COVER_REQUIRED'
  | 'GRADE_REQUIRED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'INVALID_VALIDITY'
  | 'NOT_APPLICABLE'
  | 'OUTCOME_REQUIRED'
  | 'REFERENCE_REQUIRED'
  | 'VALIDITY_REQUIRED';

export type DocumentKind =
  | 'CREDIT_CHECK'
  | 'EMPLOYERS_LIABILITY_INSURANCE'
  | 'OFSTED_JUDGEMENT'
  | 'OFSTED_REGISTRATION'
  | 'PROFESSIONAL_INDEMNITY_INSURANCE'
  | 'PUBLIC_LIABILITY_INSURANCE';

export type DocumentRecordInput = {
  /** Insurances: the cover in pounds. */
  coverAmount?: string | null | undefined;
  creditCheckOutcome?: CreditCheckOutcome | null | undefined;
  idempotencyKey?: string | null | undefined;
  issuer?: string;
  kind: DocumentKind;
  ofstedGrade?: OfstedGrade | null | undefined;
  /** Only the alliance names a provider; a provider records its own documents. */
  providerId?: string | number | null | undefined;
  reference: string;
  /** For an Ofsted judgement, the inspection date. */
  validFrom: string;
  validUntil?: string | null | undefined;
};

export type EvaluationCriterion =
  | 'CHILD_VIEWS'
  | 'COMPATIBILITY'
  | 'DISTANCE'
  | 'NEEDS_AND_SPECIALISMS'
  | 'PRICE'
  | 'QUALITY'
  | 'SOCIAL_VALUE'
  | 'TIMESCALE';

export type ExclusionReason =
  | 'ABOVE_CAP'
  | 'PROVIDER_BARRED'
  | 'PROVIDER_NOT_ADMITTED'
  | 'PROVIDER_SUSPENDED'
  | 'SETTING_INADEQUATE';

export type FeedbackReason =
  | 'EXCLUDED_ABOVE_CAP'
  | 'EXCLUDED_PROVIDER_BARRED'
  | 'EXCLUDED_PROVIDER_NOT_ADMITTED'
  | 'EXCLUDED_PROVIDER_SUSPENDED'
  | 'EXCLUDED_SETTING_INADEQUATE'
  | 'FURTHER_FROM_HOME'
  | 'LATER_AVAILABILITY'
  | 'LOWER_CHILD_VIEWS_SCORE'
  | 'LOWER_COMPATIBILITY_SCORE'
  | 'LOWER_QUALITY_SCORE'
  | 'LOWER_SOCIAL_VALUE_SCORE'
  | 'LOWER_TOTAL_SCORE'
  | 'NEEDS_PARTLY_MET'
  | 'OFFICER_DECISION'
  | 'PRICE_HIGHER_THAN_WINNER';

export type InvitationFilter = {
  /** FULL; or PARTIAL and better. */
  minMatch?: MatchLevel | null | undefined;
  status?: Array<InvitationStatus> | null | undefined;
};

export type InvitationStatus =
  | 'INVITED'
  | 'WITHDRAWN';

export type IpaErrorCode =
  | 'ALREADY_SIGNED'
  | 'HASH_MISMATCH'
  | 'INVALID_TRANSITION'
  | 'PROVIDER_SIGNS_FIRST';

export type IpaParty =
  | 'BOROUGH'
  | 'PROVIDER';

export type IpaSignInput = {
  /** The SHA-256 (hex) of the PDF downloaded: it must be the agreement's `documentSha256`. */
  documentSha256: string;
  ipaId: string | number;
};

export type IpaStatus =
  | 'EXECUTED'
  | 'ISSUED'
  | 'PROVIDER_SIGNED'
  | 'TERMINATED';

export type LegalStatus =
  | 'CARE_ORDER'
  | 'EMERGENCY_PROTECTION_ORDER'
  | 'INTERIM_CARE_ORDER'
  | 'OTHER'
  | 'PLACEMENT_ORDER'
  | 'POLICE_PROTECTION'
  | 'REMAND'
  | 'SECTION_20';

export type LocationInput = {
  latitude: number;
  longitude: number;
};

export type MatchCriterion =
  | 'AGE'
  | 'AREA'
  | 'DISTANCE'
  | 'PLACES'
  | 'SETTINGS'
  | 'SEX'
  | 'SPECIALISMS';

export type MatchLevel =
  | 'FULL'
  | 'NONE'
  | 'PARTIAL';

export type MatchReasonCode =
  | 'AGE_IN_RANGE'
  | 'AGE_OUT_OF_RANGE'
  | 'AREA_ACCEPTABLE'
  | 'IN_AVOIDED_AREA'
  | 'NOT_ENOUGH_PLACES'
  | 'NO_ACTIVE_SETTING'
  | 'PLACES_FREE'
  | 'SEX_ACCEPTED'
  | 'SEX_NOT_ACCEPTED'
  | 'SPECIALISMS_MET'
  | 'SPECIALISMS_MISSING'
  | 'TOO_FAR'
  | 'WITHIN_DISTANCE';

export type NotInvitedReason =
  | 'BARRED'
  | 'DOCUMENTS_NOT_IN_FORCE'
  | 'NOT_ADMITTED'
  | 'SUSPENDED';

export type OfficerCriterion =
  | 'CHILD_VIEWS'
  | 'COMPATIBILITY'
  | 'SOCIAL_VALUE';

export type OfstedGrade =
  | 'ADEQUATE'
  | 'GOOD'
  | 'INADEQUATE'
  | 'OUTSTANDING'
  | 'REQUIRES_IMPROVEMENT';

export type PlacementStatus =
  | 'LIVE';

export type RequirementCreateInput = {
  child: ChildInput;
  expectedDurationWeeks: number;
  idempotencyKey?: string | null | undefined;
  lotId: string | number;
  maxWeeklyBudget?: string | null | undefined;
  plannedStart: string;
  /** In the future. Unset: set at publication from the urgency. */
  responseDeadline?: string | null | undefined;
  urgency: Urgency;
};

export type RequirementErrorCode =
  | 'CASE_REFERENCE_REQUIRED'
  | 'DEADLINE_IN_PAST'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'INVALID_AGE'
  | 'INVALID_AVOID_AREA'
  | 'INVALID_BUDGET'
  | 'INVALID_DISTANCE'
  | 'INVALID_DURATION'
  | 'INVALID_POSTCODE_DISTRICT'
  | 'INVALID_SIBLING_GROUP_SIZE'
  | 'INVALID_TRANSITION'
  | 'LOCATION_OUTSIDE_ENGLAND_AND_WALES'
  | 'NOT_A_DRAFT'
  | 'NO_ACCESS_AGREEMENT'
  | 'PLANNED_START_IN_PAST'
  | 'PLANNED_START_OUTSIDE_TERM'
  | 'REASON_REQUIRED'
  | 'TEXT_TOO_LONG'
  | 'TOO_MANY_ITEMS'
  | 'VEHICLE_NOT_IN_TERM';

export type RequirementPublishInput = {
  requirementId: string | number;
};

export type RequirementStatus =
  | 'AWARDED'
  | 'CANCELLED'
  | 'CLOSED'
  | 'DRAFT'
  | 'OPEN'
  | 'PLACED'
  | 'UNFILLED';

export type SchoolProvision =
  | 'DAY'
  | 'RESIDENTIAL_38_WEEK'
  | 'RESIDENTIAL_52_WEEK';

export type SettingCreateInput = {
  ageMax: number;
  ageMin: number;
  idempotencyKey?: string | null | undefined;
  kind: SettingKind;
  location: LocationInput;
  name: string;
  ofstedUrn?: string | null | undefined;
  places: number;
  /** The outward code only, e.g. NW10. */
  postcodeDistrict: string;
  /** Only the alliance names a provider; a provider adds its own settings. */
  providerId?: string | number | null | undefined;
  schoolProvision?: SchoolProvision | null | undefined;
  sexes: Array<Sex>;
  specialisms?: Array<Specialism>;
  vacancies: number;
};

export type SettingErrorCode =
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'INSPECTION_IN_FUTURE'
  | 'INVALID_AGE_RANGE'
  | 'INVALID_OFSTED_URN'
  | 'INVALID_PLACES'
  | 'INVALID_POSTCODE_DISTRICT'
  | 'LOCATION_OUTSIDE_ENGLAND_AND_WALES'
  | 'NAME_REQUIRED'
  | 'NOT_A_PROVIDER'
  | 'NOT_INSPECTED_SEPARATELY'
  | 'OFSTED_URN_REQUIRED'
  | 'SCHOOL_PROVISION_NOT_APPLICABLE'
  | 'SCHOOL_PROVISION_REQUIRED'
  | 'SEXES_REQUIRED'
  | 'VACANCIES_EXCEED_PLACES';

export type SettingKind =
  | 'CHILDRENS_HOME'
  | 'FOSTER_HOUSEHOLD'
  | 'SCHOOL';

/** Send only what changes. Vacancies change daily. */
export type SettingUpdateInput = {
  active?: boolean | null | undefined;
  ageMax?: number | null | undefined;
  ageMin?: number | null | undefined;
  location?: LocationInput | null | undefined;
  name?: string | null | undefined;
  ofstedUrn?: string | null | undefined;
  places?: number | null | undefined;
  postcodeDistrict?: string | null | undefined;
  schoolProvision?: SchoolProvision | null | undefined;
  settingId: string | number;
  sexes?: Array<Sex> | null | undefined;
  specialisms?: Array<Specialism> | null | undefined;
  vacancies?: number | null | undefined;
};

export type Sex =
  | 'FEMALE'
  | 'MALE';

export type ShortfallCode =
  | 'CREDIT_CHECK_FAILED'
  | 'DOCUMENT_EXPIRED'
  | 'DOCUMENT_MISSING'
  | 'DOCUMENT_NOT_YET_VALID'
  | 'INSUFFICIENT_COVER'
  | 'OFSTED_INADEQUATE';

export type Specialism =
  | 'AUTISM'
  | 'EMERGENCY'
  | 'EMOTIONAL_BEHAVIOURAL_DIFFICULTIES'
  | 'LEARNING_DISABILITY'
  | 'MISSING_EPISODES'
  | 'PARENT_AND_CHILD'
  | 'PHYSICAL_DISABILITY'
  | 'POST_16'
  | 'RISK_OF_EXPLOITATION'
  | 'SELF_HARM'
  | 'SIBLING_GROUPS'
  | 'SOCIAL_EMOTIONAL_MENTAL_HEALTH'
  | 'SOLO_PLACEMENT'
  | 'SPEECH_LANGUAGE_COMMUNICATION'
  | 'SUBSTANCE_MISUSE'
  | 'UNACCOMPANIED_ASYLUM_SEEKING';

export type Urgency =
  | 'EMERGENCY'
  | 'PLANNED'
  | 'URGENT';

export type BoroughAwardMutationVariables = Exact<{
  input: BidAcceptInput;
}>;


export type BoroughAwardMutation = { bidAccept: { bid: { id: string, status: BidStatus, decidedAt: string | null, rationale: string | null, requirement: { id: string, status: RequirementStatus, awardedAt: string | null } | null } | null, ipa: { id: string, status: IpaStatus, documentSha256: string, netWeeklyPrice: string, downloadUrl: string } | null, userErrors: Array<{ field: string | null, code: BidErrorCode, message: string }> } };

export type BoroughBidScoreRecordMutationVariables = Exact<{
  input: BidScoreRecordInput;
}>;


export type BoroughBidScoreRecordMutation = { bidScoreRecord: { bid: { id: string, status: BidStatus } | null, userErrors: Array<{ field: string | null, code: BidErrorCode, message: string }> } };

export type BoroughEvaluationQueryVariables = Exact<{
  id: string | number;
}>;


export type BoroughEvaluationQuery = { node:
    | { id: string, reference: string, status: RequirementStatus, evaluation: { weeklyRateCap: string | null, marketMedian: string | null, weights: Array<{ criterion: EvaluationCriterion, weight: string }>, rankedBids: Array<{ rank: number | null, score: string | null, excluded: boolean, exclusionReasons: Array<ExclusionReason>, alerts: Array<{ severity: AlertSeverity, category: string }>, criteria: Array<{ criterion: EvaluationCriterion, weight: string, score: string, explanation: string }>, bid: { id: string, status: BidStatus, netWeeklyPrice: string, availableFrom: string, provider: { id: string, slug: string, name: string } | null, setting: { id: string, name: string } | null } }> } | null }
    | Record<PropertyKey, never>
   | null };

export type BoroughRequirementCreateMutationVariables = Exact<{
  input: RequirementCreateInput;
}>;


export type BoroughRequirementCreateMutation = { requirementCreate: { requirement: { id: string, reference: string, status: RequirementStatus, urgency: Urgency, plannedStart: string, responseDeadline: string | null, child: { view: ChildView, pseudonymousReference: string | null } | null } | null, userErrors: Array<{ field: string | null, code: RequirementErrorCode, message: string }> } };

export type BoroughRequirementPublishMutationVariables = Exact<{
  input: RequirementPublishInput;
}>;


export type BoroughRequirementPublishMutation = { requirementPublish: { requirement: { id: string, reference: string, status: RequirementStatus, publishedAt: string | null, responseDeadline: string | null } | null, invitations: Array<{ id: string, status: InvitationStatus, match: { level: MatchLevel }, provider: { id: string, slug: string, name: string } | null }>, userErrors: Array<{ field: string | null, code: RequirementErrorCode, message: string }> } };

export type BoroughRequirementQueryVariables = Exact<{
  id: string | number;
}>;


export type BoroughRequirementQuery = { node:
    | { id: string, reference: string, status: RequirementStatus, urgency: Urgency, responseDeadline: string | null, plannedStart: string, expectedDurationWeeks: number, publishedAt: string | null, closedAt: string | null, awardedAt: string | null, maxWeeklyBudget: string | null, statusReason: string | null, invitations: { totalCount: number, nodes: Array<{ id: string, status: InvitationStatus, match: { level: MatchLevel }, provider: { id: string, slug: string, name: string } | null }> }, uninvited: { totalCount: number, nodes: Array<{ id: string, reason: NotInvitedReason, provider: { id: string, slug: string } | null }> } | null, bids: { totalCount: number, nodes: Array<{ id: string, status: BidStatus, netWeeklyPrice: string, submittedAt: string, provider: { id: string, slug: string } | null }> } }
    | Record<PropertyKey, never>
   | null };

export type ChangesQueryVariables = Exact<{
  after?: string | null | undefined;
  first?: number | null | undefined;
}>;


export type ChangesQuery = { changes: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ cursor: string, type: string, occurredAt: string, node:
        | { __typename: 'AccessAgreement', id: string }
        | { __typename: 'Alliance', id: string }
        | { __typename: 'Bid', id: string, bidStatus: BidStatus }
        | { __typename: 'Complaint', id: string }
        | { __typename: 'Document', id: string }
        | { __typename: 'Dpv', id: string }
        | { __typename: 'Invitation', id: string, invitationStatus: InvitationStatus }
        | { __typename: 'Ipa', id: string, ipaStatus: IpaStatus }
        | { __typename: 'LocalAuthority', id: string }
        | { __typename: 'Lot', id: string }
        | { __typename: 'Membership', id: string }
        | { __typename: 'Placement', id: string }
        | { __typename: 'Provider', id: string }
        | { __typename: 'ProviderReview', id: string }
        | { __typename: 'Requirement', reference: string, id: string, requirementStatus: RequirementStatus }
        | { __typename: 'ReviewAction', id: string }
        | { __typename: 'SafeguardingAlert', id: string }
        | { __typename: 'Setting', id: string }
        | { __typename: 'Suspension', id: string }
        | { __typename: 'UninvitedMember', id: string }
       }> } };

export type IpaSignMutationVariables = Exact<{
  input: IpaSignInput;
}>;


export type IpaSignMutation = { ipaSign: { ipa: { id: string, status: IpaStatus, executedAt: string | null, signatures: Array<{ party: IpaParty, signedAt: string, signedSha256: string }> } | null, userErrors: Array<{ field: string | null, code: IpaErrorCode, message: string }> } };

export type IpaQueryVariables = Exact<{
  requirementId: string | number;
}>;


export type IpaQuery = { node:
    | { id: string, reference: string, status: RequirementStatus, ipa: { id: string, status: IpaStatus, documentSha256: string, netWeeklyPrice: string, issuedAt: string, executedAt: string | null, downloadUrl: string, signatures: Array<{ party: IpaParty, signedAt: string, signedSha256: string }>, placement: { id: string, status: PlacementStatus, startsOn: string, placementPlanDueOn: string } | null } | null }
    | Record<PropertyKey, never>
   | null };

export type ProviderBidAmendMutationVariables = Exact<{
  input: BidAmendInput;
}>;


export type ProviderBidAmendMutation = { bidAmend: { bid: { id: string, status: BidStatus, corePrice: string, weeklyPrice: string, netWeeklyPrice: string, priceExplanation: string, availableFrom: string, needsStatement: string, compatibilityStatement: string | null, socialValueStatement: string | null, submittedAt: string, amendedAt: string | null, withdrawnAt: string | null, extras: Array<{ description: string, weeklyPrice: string }>, discounts: Array<{ kind: DiscountKind, percent: string, amount: string }>, setting: { id: string, name: string } | null } | null, userErrors: Array<{ field: string | null, code: BidErrorCode, message: string }> } };

export type ProviderBidFeedbackQueryVariables = Exact<{
  id: string | number;
}>;


export type ProviderBidFeedbackQuery = { node:
    | { decidedAt: string | null, exclusionReason: ExclusionReason | null, id: string, status: BidStatus, corePrice: string, weeklyPrice: string, netWeeklyPrice: string, priceExplanation: string, availableFrom: string, needsStatement: string, compatibilityStatement: string | null, socialValueStatement: string | null, submittedAt: string, amendedAt: string | null, withdrawnAt: string | null, feedback: { reasons: Array<FeedbackReason>, rank: number | null, winningPriceBand: string } | null, requirement: { id: string, reference: string, status: RequirementStatus, awardedAt: string | null } | null, extras: Array<{ description: string, weeklyPrice: string }>, discounts: Array<{ kind: DiscountKind, percent: string, amount: string }>, setting: { id: string, name: string } | null }
    | Record<PropertyKey, never>
   | null };

export type ProviderBidFormQueryVariables = Exact<{
  requirementId: string | number;
}>;


export type ProviderBidFormQuery = { requirement:
    | { id: string, reference: string, status: RequirementStatus, urgency: Urgency, responseDeadline: string | null, plannedStart: string, expectedDurationWeeks: number, publishedAt: string | null, lot: { weeklyRateCap: string | null, id: string, code: string, name: string, dpv: { id: string, name: string, evaluationWeights: Array<{ criterion: EvaluationCriterion, weight: string }> } }, authority: { id: string, name: string }, child: { view: ChildView, ageYears: number | null, ageBand: string, sex: Sex, needs: Array<Specialism>, siblingGroupSize: number, homePostcodeDistrict: string, maxDistanceKm: number } | null }
    | Record<PropertyKey, never>
   | null, viewer: { organisation:
      | { id: string, settings: { nodes: Array<{ id: string, kind: SettingKind, name: string, ofstedUrn: string | null, ageMin: number, ageMax: number, sexes: Array<Sex>, specialisms: Array<Specialism>, places: number, vacancies: number, schoolProvision: SchoolProvision | null, active: boolean, updatedAt: string, location: { postcodeDistrict: string, latitude: number, longitude: number }, latestOfstedJudgement: { grade: OfstedGrade, inspectedOn: string } | null }> } | null }
      | Record<PropertyKey, never>
     | null } };

export type ProviderBidSubmitMutationVariables = Exact<{
  input: BidSubmitInput;
}>;


export type ProviderBidSubmitMutation = { bidSubmit: { bid: { id: string, status: BidStatus, corePrice: string, weeklyPrice: string, netWeeklyPrice: string, priceExplanation: string, availableFrom: string, needsStatement: string, compatibilityStatement: string | null, socialValueStatement: string | null, submittedAt: string, amendedAt: string | null, withdrawnAt: string | null, extras: Array<{ description: string, weeklyPrice: string }>, discounts: Array<{ kind: DiscountKind, percent: string, amount: string }>, setting: { id: string, name: string } | null } | null, userErrors: Array<{ field: string | null, code: BidErrorCode, message: string }> } };

export type ProviderBidWithdrawMutationVariables = Exact<{
  input: BidWithdrawInput;
}>;


export type ProviderBidWithdrawMutation = { bidWithdraw: { bid: { id: string, status: BidStatus, withdrawnAt: string | null } | null, userErrors: Array<{ field: string | null, code: BidErrorCode, message: string }> } };

export type ProviderDashboardQueryVariables = Exact<{
  filter?: InvitationFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ProviderDashboardQuery = { viewer: { scopes: Array<string>, organisation:
      | { id: string, name: string, slug: string }
      | { id: string, name: string, slug: string }
      | { id: string, name: string, slug: string }
     | null }, invitations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, status: InvitationStatus, invitedAt: string, withdrawnAt: string | null, match: { level: MatchLevel, reasons: Array<{ criterion: MatchCriterion, code: MatchReasonCode, met: boolean, message: string }>, setting: { id: string, name: string } | null }, requirement: { id: string, reference: string, status: RequirementStatus, urgency: Urgency, responseDeadline: string | null, plannedStart: string, expectedDurationWeeks: number, publishedAt: string | null, authority: { id: string, name: string }, lot: { id: string, code: string, name: string }, child: { view: ChildView, ageYears: number | null, ageBand: string, sex: Sex, needs: Array<Specialism>, siblingGroupSize: number, homePostcodeDistrict: string, maxDistanceKm: number } | null } | null }> } };

export type ProviderDocumentRecordMutationVariables = Exact<{
  input: DocumentRecordInput;
}>;


export type ProviderDocumentRecordMutation = { documentRecord: { document: { id: string, kind: DocumentKind, reference: string, validFrom: string, validUntil: string | null, inForce: boolean } | null, userErrors: Array<{ field: string | null, code: DocumentErrorCode, message: string }> } };

export type ProviderDocumentsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ProviderDocumentsQuery = { viewer: { organisation:
      | { id: string, compliance: { compliant: boolean, shortfalls: Array<{ kind: DocumentKind, code: ShortfallCode, message: string }> } | null, documents: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, kind: DocumentKind, reference: string, issuer: string, validFrom: string, validUntil: string | null, coverAmount: string | null, ofstedGrade: OfstedGrade | null, creditCheckOutcome: CreditCheckOutcome | null, recordedAt: string, inForce: boolean }> } | null }
      | Record<PropertyKey, never>
     | null } };

export type MatchPartsFragment = { level: MatchLevel, reasons: Array<{ criterion: MatchCriterion, code: MatchReasonCode, met: boolean, message: string }>, setting: { id: string, name: string } | null };

export type RequirementSummaryFragment = { id: string, reference: string, status: RequirementStatus, urgency: Urgency, responseDeadline: string | null, plannedStart: string, expectedDurationWeeks: number, publishedAt: string | null, authority: { id: string, name: string }, lot: { id: string, code: string, name: string }, child: { view: ChildView, ageYears: number | null, ageBand: string, sex: Sex, needs: Array<Specialism>, siblingGroupSize: number, homePostcodeDistrict: string, maxDistanceKm: number } | null };

export type BidPartsFragment = { id: string, status: BidStatus, corePrice: string, weeklyPrice: string, netWeeklyPrice: string, priceExplanation: string, availableFrom: string, needsStatement: string, compatibilityStatement: string | null, socialValueStatement: string | null, submittedAt: string, amendedAt: string | null, withdrawnAt: string | null, extras: Array<{ description: string, weeklyPrice: string }>, discounts: Array<{ kind: DiscountKind, percent: string, amount: string }>, setting: { id: string, name: string } | null };

export type BidErrorPartsFragment = { field: string | null, code: BidErrorCode, message: string };

export type SettingPartsFragment = { id: string, kind: SettingKind, name: string, ofstedUrn: string | null, ageMin: number, ageMax: number, sexes: Array<Sex>, specialisms: Array<Specialism>, places: number, vacancies: number, schoolProvision: SchoolProvision | null, active: boolean, updatedAt: string, location: { postcodeDistrict: string, latitude: number, longitude: number }, latestOfstedJudgement: { grade: OfstedGrade, inspectedOn: string } | null };

export type ProviderInvitationQueryVariables = Exact<{
  id: string | number;
}>;


export type ProviderInvitationQuery = { node:
    | { id: string, status: InvitationStatus, invitedAt: string, withdrawnAt: string | null, withdrawalReason: string | null, match: { level: MatchLevel, reasons: Array<{ criterion: MatchCriterion, code: MatchReasonCode, met: boolean, message: string }>, setting: { id: string, name: string } | null }, requirement: { closedAt: string | null, id: string, reference: string, status: RequirementStatus, urgency: Urgency, responseDeadline: string | null, plannedStart: string, expectedDurationWeeks: number, publishedAt: string | null, child: { avoidAreas: Array<string> | null, languages: Array<string> | null, ethnicity: string | null, religion: string | null, educationNeeds: string | null, legalStatus: LegalStatus | null, view: ChildView, ageYears: number | null, ageBand: string, sex: Sex, needs: Array<Specialism>, siblingGroupSize: number, homePostcodeDistrict: string, maxDistanceKm: number } | null, bids: { nodes: Array<{ id: string, status: BidStatus, corePrice: string, weeklyPrice: string, netWeeklyPrice: string, priceExplanation: string, availableFrom: string, needsStatement: string, compatibilityStatement: string | null, socialValueStatement: string | null, submittedAt: string, amendedAt: string | null, withdrawnAt: string | null, extras: Array<{ description: string, weeklyPrice: string }>, discounts: Array<{ kind: DiscountKind, percent: string, amount: string }>, setting: { id: string, name: string } | null }> }, authority: { id: string, name: string }, lot: { id: string, code: string, name: string } } | null }
    | Record<PropertyKey, never>
   | null };

export type ProviderRequirementPublishedSubscriptionVariables = Exact<{
  after?: string | null | undefined;
  minMatch?: MatchLevel | null | undefined;
}>;


export type ProviderRequirementPublishedSubscription = { requirementPublished: { cursor: string, invitation: { id: string, status: InvitationStatus, invitedAt: string, match: { level: MatchLevel, reasons: Array<{ criterion: MatchCriterion, code: MatchReasonCode, met: boolean, message: string }>, setting: { id: string, name: string } | null }, requirement: { id: string, reference: string, status: RequirementStatus, urgency: Urgency, responseDeadline: string | null, plannedStart: string, expectedDurationWeeks: number, publishedAt: string | null, authority: { id: string, name: string }, lot: { id: string, code: string, name: string }, child: { view: ChildView, ageYears: number | null, ageBand: string, sex: Sex, needs: Array<Specialism>, siblingGroupSize: number, homePostcodeDistrict: string, maxDistanceKm: number } | null } | null } } };

export type ProviderSettingCreateMutationVariables = Exact<{
  input: SettingCreateInput;
}>;


export type ProviderSettingCreateMutation = { settingCreate: { setting: { id: string, kind: SettingKind, name: string, ofstedUrn: string | null, ageMin: number, ageMax: number, sexes: Array<Sex>, specialisms: Array<Specialism>, places: number, vacancies: number, schoolProvision: SchoolProvision | null, active: boolean, updatedAt: string, location: { postcodeDistrict: string, latitude: number, longitude: number }, latestOfstedJudgement: { grade: OfstedGrade, inspectedOn: string } | null } | null, userErrors: Array<{ field: string | null, code: SettingErrorCode, message: string }> } };

export type ProviderSettingUpdateMutationVariables = Exact<{
  input: SettingUpdateInput;
}>;


export type ProviderSettingUpdateMutation = { settingUpdate: { setting: { id: string, kind: SettingKind, name: string, ofstedUrn: string | null, ageMin: number, ageMax: number, sexes: Array<Sex>, specialisms: Array<Specialism>, places: number, vacancies: number, schoolProvision: SchoolProvision | null, active: boolean, updatedAt: string, location: { postcodeDistrict: string, latitude: number, longitude: number }, latestOfstedJudgement: { grade: OfstedGrade, inspectedOn: string } | null } | null, userErrors: Array<{ field: string | null, code: SettingErrorCode, message: string }> } };

export type ProviderSettingsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ProviderSettingsQuery = { viewer: { organisation:
      | { id: string, settings: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, kind: SettingKind, name: string, ofstedUrn: string | null, ageMin: number, ageMax: number, sexes: Array<Sex>, specialisms: Array<Specialism>, places: number, vacancies: number, schoolProvision: SchoolProvision | null, active: boolean, updatedAt: string, location: { postcodeDistrict: string, latitude: number, longitude: number }, latestOfstedJudgement: { grade: OfstedGrade, inspectedOn: string } | null }> } | null }
      | Record<PropertyKey, never>
     | null } };

export const MatchPartsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MatchParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Match"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"level"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"criterion"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"met"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"setting"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<MatchPartsFragment, unknown>;
export const RequirementSummaryFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RequirementSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Requirement"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"urgency"}},{"kind":"Field","name":{"kind":"Name","value":"responseDeadline"}},{"kind":"Field","name":{"kind":"Name","value":"plannedStart"}},{"kind":"Field","name":{"kind":"Name","value":"expectedDurationWeeks"}},{"kind":"Field","name":{"kind":"Name","value":"publishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"authority"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"child"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"view"}},{"kind":"Field","name":{"kind":"Name","value":"ageYears"}},{"kind":"Field","name":{"kind":"Name","value":"ageBand"}},{"kind":"Field","name":{"kind":"Name","value":"sex"}},{"kind":"Field","name":{"kind":"Name","value":"needs"}},{"kind":"Field","name":{"kind":"Name","value":"siblingGroupSize"}},{"kind":"Field","name":{"kind":"Name","value":"homePostcodeDistrict"}},{"kind":"Field","name":{"kind":"Name","value":"maxDistanceKm"}}]}}]}}]} as unknown as DocumentNode<RequirementSummaryFragment, unknown>;
export const BidPartsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BidParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Bid"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"corePrice"}},{"kind":"Field","name":{"kind":"Name","value":"extras"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"weeklyPrice"}}]}},{"kind":"Field","name":{"kind":"Name","value":"weeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"discounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"netWeeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"priceExplanation"}},{"kind":"Field","name":{"kind":"Name","value":"availableFrom"}},{"kind":"Field","name":{"kind":"Name","value":"needsStatement"}},{"kind":"Field","name":{"kind":"Name","value":"compatibilityStatement"}},{"kind":"Field","name":{"kind":"Name","value":"socialValueStatement"}},{"kind":"Field","name":{"kind":"Name","value":"submittedAt"}},{"kind":"Field","name":{"kind":"Name","value":"amendedAt"}},{"kind":"Field","name":{"kind":"Name","value":"withdrawnAt"}},{"kind":"Field","name":{"kind":"Name","value":"setting"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<BidPartsFragment, unknown>;
export const BidErrorPartsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BidErrorParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"BidError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<BidErrorPartsFragment, unknown>;
export const SettingPartsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SettingParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Setting"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"ofstedUrn"}},{"kind":"Field","name":{"kind":"Name","value":"ageMin"}},{"kind":"Field","name":{"kind":"Name","value":"ageMax"}},{"kind":"Field","name":{"kind":"Name","value":"sexes"}},{"kind":"Field","name":{"kind":"Name","value":"specialisms"}},{"kind":"Field","name":{"kind":"Name","value":"places"}},{"kind":"Field","name":{"kind":"Name","value":"vacancies"}},{"kind":"Field","name":{"kind":"Name","value":"schoolProvision"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"postcodeDistrict"}},{"kind":"Field","name":{"kind":"Name","value":"latitude"}},{"kind":"Field","name":{"kind":"Name","value":"longitude"}}]}},{"kind":"Field","name":{"kind":"Name","value":"latestOfstedJudgement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"grade"}},{"kind":"Field","name":{"kind":"Name","value":"inspectedOn"}}]}}]}}]} as unknown as DocumentNode<SettingPartsFragment, unknown>;
export const BoroughAwardDocument = {"__meta__":{"hash":"sha256:eaa4bf3340abf5b8237cc23d2f4baf4e32f8322289be143b2bae4502576adb50"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"BoroughAward"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"BidAcceptInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bidAccept"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bid"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"decidedAt"}},{"kind":"Field","name":{"kind":"Name","value":"rationale"}},{"kind":"Field","name":{"kind":"Name","value":"requirement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"awardedAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"ipa"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"documentSha256"}},{"kind":"Field","name":{"kind":"Name","value":"netWeeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<BoroughAwardMutation, BoroughAwardMutationVariables>;
export const BoroughBidScoreRecordDocument = {"__meta__":{"hash":"sha256:bb77922990784feb850fb772f5d705cddec818d3bfbf8b079e42dbd2e052785d"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"BoroughBidScoreRecord"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"BidScoreRecordInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bidScoreRecord"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bid"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<BoroughBidScoreRecordMutation, BoroughBidScoreRecordMutationVariables>;
export const BoroughEvaluationDocument = {"__meta__":{"hash":"sha256:1e8dbe3e0b13375ee7460f9c7b9280f9ef614450906f3f5db5897e0510ab54fd"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BoroughEvaluation"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Requirement"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"evaluation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"weeklyRateCap"}},{"kind":"Field","name":{"kind":"Name","value":"marketMedian"}},{"kind":"Field","name":{"kind":"Name","value":"weights"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"criterion"}},{"kind":"Field","name":{"kind":"Name","value":"weight"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rankedBids"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rank"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"excluded"}},{"kind":"Field","name":{"kind":"Name","value":"exclusionReasons"}},{"kind":"Field","name":{"kind":"Name","value":"alerts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"category"}}]}},{"kind":"Field","name":{"kind":"Name","value":"criteria"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"criterion"}},{"kind":"Field","name":{"kind":"Name","value":"weight"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"explanation"}}]}},{"kind":"Field","name":{"kind":"Name","value":"bid"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"netWeeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"availableFrom"}},{"kind":"Field","name":{"kind":"Name","value":"provider"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"setting"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<BoroughEvaluationQuery, BoroughEvaluationQueryVariables>;
export const BoroughRequirementCreateDocument = {"__meta__":{"hash":"sha256:5e10b87ddf1349ca965dfb5b04812951309959403caa7dbb6e15ba8c46b498d9"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"BoroughRequirementCreate"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RequirementCreateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requirementCreate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requirement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"urgency"}},{"kind":"Field","name":{"kind":"Name","value":"plannedStart"}},{"kind":"Field","name":{"kind":"Name","value":"responseDeadline"}},{"kind":"Field","name":{"kind":"Name","value":"child"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"view"}},{"kind":"Field","name":{"kind":"Name","value":"pseudonymousReference"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<BoroughRequirementCreateMutation, BoroughRequirementCreateMutationVariables>;
export const BoroughRequirementPublishDocument = {"__meta__":{"hash":"sha256:33469c8759d6ce56aa712e1b24ed7ea9e6f311833079464f178f58c0dbe09459"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"BoroughRequirementPublish"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RequirementPublishInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requirementPublish"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requirement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"publishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"responseDeadline"}}]}},{"kind":"Field","name":{"kind":"Name","value":"invitations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"match"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"level"}}]}},{"kind":"Field","name":{"kind":"Name","value":"provider"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<BoroughRequirementPublishMutation, BoroughRequirementPublishMutationVariables>;
export const BoroughRequirementDocument = {"__meta__":{"hash":"sha256:b5352495a3aae2d0dd09ca5cb303ad851e3ee038267346816da43b048fe8a674"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BoroughRequirement"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Requirement"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"urgency"}},{"kind":"Field","name":{"kind":"Name","value":"responseDeadline"}},{"kind":"Field","name":{"kind":"Name","value":"plannedStart"}},{"kind":"Field","name":{"kind":"Name","value":"expectedDurationWeeks"}},{"kind":"Field","name":{"kind":"Name","value":"publishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"closedAt"}},{"kind":"Field","name":{"kind":"Name","value":"awardedAt"}},{"kind":"Field","name":{"kind":"Name","value":"maxWeeklyBudget"}},{"kind":"Field","name":{"kind":"Name","value":"statusReason"}},{"kind":"Field","name":{"kind":"Name","value":"invitations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"match"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"level"}}]}},{"kind":"Field","name":{"kind":"Name","value":"provider"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"uninvited"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"provider"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"bids"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"netWeeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"submittedAt"}},{"kind":"Field","name":{"kind":"Name","value":"provider"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<BoroughRequirementQuery, BoroughRequirementQueryVariables>;
export const ChangesDocument = {"__meta__":{"hash":"sha256:8f307a4350acdc6596ab4abde3ce7b3a790e8206f0126537e0c9ff1a7ae6b331"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Changes"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"changes"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"occurredAt"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Requirement"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","alias":{"kind":"Name","value":"requirementStatus"},"name":{"kind":"Name","value":"status"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Bid"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"bidStatus"},"name":{"kind":"Name","value":"status"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Invitation"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"invitationStatus"},"name":{"kind":"Name","value":"status"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Ipa"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"ipaStatus"},"name":{"kind":"Name","value":"status"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ChangesQuery, ChangesQueryVariables>;
export const IpaSignDocument = {"__meta__":{"hash":"sha256:419f69b401252ab5c70becd3c7e8008523061d543e94b20df49558492e58f4fb"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"IpaSign"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"IpaSignInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ipaSign"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ipa"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"executedAt"}},{"kind":"Field","name":{"kind":"Name","value":"signatures"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"party"}},{"kind":"Field","name":{"kind":"Name","value":"signedAt"}},{"kind":"Field","name":{"kind":"Name","value":"signedSha256"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<IpaSignMutation, IpaSignMutationVariables>;
export const IpaDocument = {"__meta__":{"hash":"sha256:c8809d85b668bf3fe661584832fd4d7ab160f9f113b3a101a5b5bb9a2292a89c"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Ipa"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"requirementId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"requirementId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Requirement"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"ipa"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"documentSha256"}},{"kind":"Field","name":{"kind":"Name","value":"netWeeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"issuedAt"}},{"kind":"Field","name":{"kind":"Name","value":"executedAt"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}},{"kind":"Field","name":{"kind":"Name","value":"signatures"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"party"}},{"kind":"Field","name":{"kind":"Name","value":"signedAt"}},{"kind":"Field","name":{"kind":"Name","value":"signedSha256"}}]}},{"kind":"Field","name":{"kind":"Name","value":"placement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"startsOn"}},{"kind":"Field","name":{"kind":"Name","value":"placementPlanDueOn"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<IpaQuery, IpaQueryVariables>;
export const ProviderBidAmendDocument = {"__meta__":{"hash":"sha256:7b0851f259a9ea277938ea37d6fc1da821f6a3924fa8626c6fb46b483efc38f1"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ProviderBidAmend"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"BidAmendInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bidAmend"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bid"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BidParts"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BidErrorParts"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BidParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Bid"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"corePrice"}},{"kind":"Field","name":{"kind":"Name","value":"extras"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"weeklyPrice"}}]}},{"kind":"Field","name":{"kind":"Name","value":"weeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"discounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"netWeeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"priceExplanation"}},{"kind":"Field","name":{"kind":"Name","value":"availableFrom"}},{"kind":"Field","name":{"kind":"Name","value":"needsStatement"}},{"kind":"Field","name":{"kind":"Name","value":"compatibilityStatement"}},{"kind":"Field","name":{"kind":"Name","value":"socialValueStatement"}},{"kind":"Field","name":{"kind":"Name","value":"submittedAt"}},{"kind":"Field","name":{"kind":"Name","value":"amendedAt"}},{"kind":"Field","name":{"kind":"Name","value":"withdrawnAt"}},{"kind":"Field","name":{"kind":"Name","value":"setting"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BidErrorParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"BidError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<ProviderBidAmendMutation, ProviderBidAmendMutationVariables>;
export const ProviderBidFeedbackDocument = {"__meta__":{"hash":"sha256:d9af3cfa2e7fa429408859e52d86b6457f3d0e091c3a2c085a8a73bf4b3d44ea"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ProviderBidFeedback"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Bid"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BidParts"}},{"kind":"Field","name":{"kind":"Name","value":"decidedAt"}},{"kind":"Field","name":{"kind":"Name","value":"exclusionReason"}},{"kind":"Field","name":{"kind":"Name","value":"feedback"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"rank"}},{"kind":"Field","name":{"kind":"Name","value":"winningPriceBand"}}]}},{"kind":"Field","name":{"kind":"Name","value":"requirement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"awardedAt"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BidParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Bid"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"corePrice"}},{"kind":"Field","name":{"kind":"Name","value":"extras"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"weeklyPrice"}}]}},{"kind":"Field","name":{"kind":"Name","value":"weeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"discounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"netWeeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"priceExplanation"}},{"kind":"Field","name":{"kind":"Name","value":"availableFrom"}},{"kind":"Field","name":{"kind":"Name","value":"needsStatement"}},{"kind":"Field","name":{"kind":"Name","value":"compatibilityStatement"}},{"kind":"Field","name":{"kind":"Name","value":"socialValueStatement"}},{"kind":"Field","name":{"kind":"Name","value":"submittedAt"}},{"kind":"Field","name":{"kind":"Name","value":"amendedAt"}},{"kind":"Field","name":{"kind":"Name","value":"withdrawnAt"}},{"kind":"Field","name":{"kind":"Name","value":"setting"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<ProviderBidFeedbackQuery, ProviderBidFeedbackQueryVariables>;
export const ProviderBidFormDocument = {"__meta__":{"hash":"sha256:27e84c92ff83827cdcbb69cdb3c0a0586d1d31415e194c3e1e719f03a827b5ae"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ProviderBidForm"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"requirementId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"requirement"},"name":{"kind":"Name","value":"node"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"requirementId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Requirement"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RequirementSummary"}},{"kind":"Field","name":{"kind":"Name","value":"lot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"weeklyRateCap"}},{"kind":"Field","name":{"kind":"Name","value":"dpv"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"evaluationWeights"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"criterion"}},{"kind":"Field","name":{"kind":"Name","value":"weight"}}]}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"organisation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Provider"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"settings"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SettingParts"}}]}}]}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RequirementSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Requirement"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"urgency"}},{"kind":"Field","name":{"kind":"Name","value":"responseDeadline"}},{"kind":"Field","name":{"kind":"Name","value":"plannedStart"}},{"kind":"Field","name":{"kind":"Name","value":"expectedDurationWeeks"}},{"kind":"Field","name":{"kind":"Name","value":"publishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"authority"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"child"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"view"}},{"kind":"Field","name":{"kind":"Name","value":"ageYears"}},{"kind":"Field","name":{"kind":"Name","value":"ageBand"}},{"kind":"Field","name":{"kind":"Name","value":"sex"}},{"kind":"Field","name":{"kind":"Name","value":"needs"}},{"kind":"Field","name":{"kind":"Name","value":"siblingGroupSize"}},{"kind":"Field","name":{"kind":"Name","value":"homePostcodeDistrict"}},{"kind":"Field","name":{"kind":"Name","value":"maxDistanceKm"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SettingParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Setting"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"ofstedUrn"}},{"kind":"Field","name":{"kind":"Name","value":"ageMin"}},{"kind":"Field","name":{"kind":"Name","value":"ageMax"}},{"kind":"Field","name":{"kind":"Name","value":"sexes"}},{"kind":"Field","name":{"kind":"Name","value":"specialisms"}},{"kind":"Field","name":{"kind":"Name","value":"places"}},{"kind":"Field","name":{"kind":"Name","value":"vacancies"}},{"kind":"Field","name":{"kind":"Name","value":"schoolProvision"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"postcodeDistrict"}},{"kind":"Field","name":{"kind":"Name","value":"latitude"}},{"kind":"Field","name":{"kind":"Name","value":"longitude"}}]}},{"kind":"Field","name":{"kind":"Name","value":"latestOfstedJudgement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"grade"}},{"kind":"Field","name":{"kind":"Name","value":"inspectedOn"}}]}}]}}]} as unknown as DocumentNode<ProviderBidFormQuery, ProviderBidFormQueryVariables>;
export const ProviderBidSubmitDocument = {"__meta__":{"hash":"sha256:6a8d8d22a46b4749694d6fbfadccf0ad75de14e9a55cc3f59cd763d8c2e9b27d"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ProviderBidSubmit"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"BidSubmitInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bidSubmit"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bid"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BidParts"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BidErrorParts"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BidParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Bid"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"corePrice"}},{"kind":"Field","name":{"kind":"Name","value":"extras"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"weeklyPrice"}}]}},{"kind":"Field","name":{"kind":"Name","value":"weeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"discounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"netWeeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"priceExplanation"}},{"kind":"Field","name":{"kind":"Name","value":"availableFrom"}},{"kind":"Field","name":{"kind":"Name","value":"needsStatement"}},{"kind":"Field","name":{"kind":"Name","value":"compatibilityStatement"}},{"kind":"Field","name":{"kind":"Name","value":"socialValueStatement"}},{"kind":"Field","name":{"kind":"Name","value":"submittedAt"}},{"kind":"Field","name":{"kind":"Name","value":"amendedAt"}},{"kind":"Field","name":{"kind":"Name","value":"withdrawnAt"}},{"kind":"Field","name":{"kind":"Name","value":"setting"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BidErrorParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"BidError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<ProviderBidSubmitMutation, ProviderBidSubmitMutationVariables>;
export const ProviderBidWithdrawDocument = {"__meta__":{"hash":"sha256:e4e177154ec116f173303d95fc5833ab2146203c286cfe26b2f35d2c23b1ea81"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ProviderBidWithdraw"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"BidWithdrawInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bidWithdraw"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bid"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"withdrawnAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BidErrorParts"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BidErrorParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"BidError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<ProviderBidWithdrawMutation, ProviderBidWithdrawMutationVariables>;
export const ProviderDashboardDocument = {"__meta__":{"hash":"sha256:1c1acd806fba913a72e79736a411cc062152fce182c9717e5472ffc84a348014"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ProviderDashboard"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"InvitationFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"20"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"organisation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"invitations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"invitedAt"}},{"kind":"Field","name":{"kind":"Name","value":"withdrawnAt"}},{"kind":"Field","name":{"kind":"Name","value":"match"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MatchParts"}}]}},{"kind":"Field","name":{"kind":"Name","value":"requirement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RequirementSummary"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MatchParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Match"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"level"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"criterion"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"met"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"setting"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RequirementSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Requirement"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"urgency"}},{"kind":"Field","name":{"kind":"Name","value":"responseDeadline"}},{"kind":"Field","name":{"kind":"Name","value":"plannedStart"}},{"kind":"Field","name":{"kind":"Name","value":"expectedDurationWeeks"}},{"kind":"Field","name":{"kind":"Name","value":"publishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"authority"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"child"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"view"}},{"kind":"Field","name":{"kind":"Name","value":"ageYears"}},{"kind":"Field","name":{"kind":"Name","value":"ageBand"}},{"kind":"Field","name":{"kind":"Name","value":"sex"}},{"kind":"Field","name":{"kind":"Name","value":"needs"}},{"kind":"Field","name":{"kind":"Name","value":"siblingGroupSize"}},{"kind":"Field","name":{"kind":"Name","value":"homePostcodeDistrict"}},{"kind":"Field","name":{"kind":"Name","value":"maxDistanceKm"}}]}}]}}]} as unknown as DocumentNode<ProviderDashboardQuery, ProviderDashboardQueryVariables>;
export const ProviderDocumentRecordDocument = {"__meta__":{"hash":"sha256:7aad6b9174d7bbb36017548894912f3f926f21f943b3729f33e6feed8e9e1a59"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ProviderDocumentRecord"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DocumentRecordInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"documentRecord"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"document"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"validFrom"}},{"kind":"Field","name":{"kind":"Name","value":"validUntil"}},{"kind":"Field","name":{"kind":"Name","value":"inForce"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<ProviderDocumentRecordMutation, ProviderDocumentRecordMutationVariables>;
export const ProviderDocumentsDocument = {"__meta__":{"hash":"sha256:47ffdbdf0f63f07c57daf87391f809cb7722b12148df644af06ebffde7a991a2"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ProviderDocuments"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"100"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"organisation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Provider"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"compliance"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"compliant"}},{"kind":"Field","name":{"kind":"Name","value":"shortfalls"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"documents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"issuer"}},{"kind":"Field","name":{"kind":"Name","value":"validFrom"}},{"kind":"Field","name":{"kind":"Name","value":"validUntil"}},{"kind":"Field","name":{"kind":"Name","value":"coverAmount"}},{"kind":"Field","name":{"kind":"Name","value":"ofstedGrade"}},{"kind":"Field","name":{"kind":"Name","value":"creditCheckOutcome"}},{"kind":"Field","name":{"kind":"Name","value":"recordedAt"}},{"kind":"Field","name":{"kind":"Name","value":"inForce"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ProviderDocumentsQuery, ProviderDocumentsQueryVariables>;
export const ProviderInvitationDocument = {"__meta__":{"hash":"sha256:81b34371ffcc2f105282ea1dcb483e533a43ad57032fa8c53785a3ce9aa40e00"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ProviderInvitation"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Invitation"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"invitedAt"}},{"kind":"Field","name":{"kind":"Name","value":"withdrawnAt"}},{"kind":"Field","name":{"kind":"Name","value":"withdrawalReason"}},{"kind":"Field","name":{"kind":"Name","value":"match"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MatchParts"}}]}},{"kind":"Field","name":{"kind":"Name","value":"requirement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RequirementSummary"}},{"kind":"Field","name":{"kind":"Name","value":"closedAt"}},{"kind":"Field","name":{"kind":"Name","value":"child"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"avoidAreas"}},{"kind":"Field","name":{"kind":"Name","value":"languages"}},{"kind":"Field","name":{"kind":"Name","value":"ethnicity"}},{"kind":"Field","name":{"kind":"Name","value":"religion"}},{"kind":"Field","name":{"kind":"Name","value":"educationNeeds"}},{"kind":"Field","name":{"kind":"Name","value":"legalStatus"}}]}},{"kind":"Field","name":{"kind":"Name","value":"bids"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"5"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BidParts"}}]}}]}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MatchParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Match"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"level"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"criterion"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"met"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"setting"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RequirementSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Requirement"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"urgency"}},{"kind":"Field","name":{"kind":"Name","value":"responseDeadline"}},{"kind":"Field","name":{"kind":"Name","value":"plannedStart"}},{"kind":"Field","name":{"kind":"Name","value":"expectedDurationWeeks"}},{"kind":"Field","name":{"kind":"Name","value":"publishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"authority"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"child"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"view"}},{"kind":"Field","name":{"kind":"Name","value":"ageYears"}},{"kind":"Field","name":{"kind":"Name","value":"ageBand"}},{"kind":"Field","name":{"kind":"Name","value":"sex"}},{"kind":"Field","name":{"kind":"Name","value":"needs"}},{"kind":"Field","name":{"kind":"Name","value":"siblingGroupSize"}},{"kind":"Field","name":{"kind":"Name","value":"homePostcodeDistrict"}},{"kind":"Field","name":{"kind":"Name","value":"maxDistanceKm"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BidParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Bid"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"corePrice"}},{"kind":"Field","name":{"kind":"Name","value":"extras"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"weeklyPrice"}}]}},{"kind":"Field","name":{"kind":"Name","value":"weeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"discounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"percent"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"netWeeklyPrice"}},{"kind":"Field","name":{"kind":"Name","value":"priceExplanation"}},{"kind":"Field","name":{"kind":"Name","value":"availableFrom"}},{"kind":"Field","name":{"kind":"Name","value":"needsStatement"}},{"kind":"Field","name":{"kind":"Name","value":"compatibilityStatement"}},{"kind":"Field","name":{"kind":"Name","value":"socialValueStatement"}},{"kind":"Field","name":{"kind":"Name","value":"submittedAt"}},{"kind":"Field","name":{"kind":"Name","value":"amendedAt"}},{"kind":"Field","name":{"kind":"Name","value":"withdrawnAt"}},{"kind":"Field","name":{"kind":"Name","value":"setting"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<ProviderInvitationQuery, ProviderInvitationQueryVariables>;
export const ProviderRequirementPublishedDocument = {"__meta__":{"hash":"sha256:708d34f75b185fc62109ec4b711fbfeebf4b33691a6c50595c313c8987560b12"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ProviderRequirementPublished"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"minMatch"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"MatchLevel"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requirementPublished"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"minMatch"},"value":{"kind":"Variable","name":{"kind":"Name","value":"minMatch"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"invitation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"invitedAt"}},{"kind":"Field","name":{"kind":"Name","value":"match"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MatchParts"}}]}},{"kind":"Field","name":{"kind":"Name","value":"requirement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RequirementSummary"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MatchParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Match"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"level"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"criterion"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"met"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"setting"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RequirementSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Requirement"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"reference"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"urgency"}},{"kind":"Field","name":{"kind":"Name","value":"responseDeadline"}},{"kind":"Field","name":{"kind":"Name","value":"plannedStart"}},{"kind":"Field","name":{"kind":"Name","value":"expectedDurationWeeks"}},{"kind":"Field","name":{"kind":"Name","value":"publishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"authority"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"child"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"view"}},{"kind":"Field","name":{"kind":"Name","value":"ageYears"}},{"kind":"Field","name":{"kind":"Name","value":"ageBand"}},{"kind":"Field","name":{"kind":"Name","value":"sex"}},{"kind":"Field","name":{"kind":"Name","value":"needs"}},{"kind":"Field","name":{"kind":"Name","value":"siblingGroupSize"}},{"kind":"Field","name":{"kind":"Name","value":"homePostcodeDistrict"}},{"kind":"Field","name":{"kind":"Name","value":"maxDistanceKm"}}]}}]}}]} as unknown as DocumentNode<ProviderRequirementPublishedSubscription, ProviderRequirementPublishedSubscriptionVariables>;
export const ProviderSettingCreateDocument = {"__meta__":{"hash":"sha256:705febb903dfde59857282fe87f457d2bcbf0202e6ef896b32f63d1988bad57e"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ProviderSettingCreate"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SettingCreateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"settingCreate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setting"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SettingParts"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SettingParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Setting"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"ofstedUrn"}},{"kind":"Field","name":{"kind":"Name","value":"ageMin"}},{"kind":"Field","name":{"kind":"Name","value":"ageMax"}},{"kind":"Field","name":{"kind":"Name","value":"sexes"}},{"kind":"Field","name":{"kind":"Name","value":"specialisms"}},{"kind":"Field","name":{"kind":"Name","value":"places"}},{"kind":"Field","name":{"kind":"Name","value":"vacancies"}},{"kind":"Field","name":{"kind":"Name","value":"schoolProvision"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"postcodeDistrict"}},{"kind":"Field","name":{"kind":"Name","value":"latitude"}},{"kind":"Field","name":{"kind":"Name","value":"longitude"}}]}},{"kind":"Field","name":{"kind":"Name","value":"latestOfstedJudgement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"grade"}},{"kind":"Field","name":{"kind":"Name","value":"inspectedOn"}}]}}]}}]} as unknown as DocumentNode<ProviderSettingCreateMutation, ProviderSettingCreateMutationVariables>;
export const ProviderSettingUpdateDocument = {"__meta__":{"hash":"sha256:1e637adafd5810eced2a93d36c87de4ce80fd994f3ade36e4803fe5937af1363"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ProviderSettingUpdate"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SettingUpdateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"settingUpdate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setting"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SettingParts"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SettingParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Setting"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"ofstedUrn"}},{"kind":"Field","name":{"kind":"Name","value":"ageMin"}},{"kind":"Field","name":{"kind":"Name","value":"ageMax"}},{"kind":"Field","name":{"kind":"Name","value":"sexes"}},{"kind":"Field","name":{"kind":"Name","value":"specialisms"}},{"kind":"Field","name":{"kind":"Name","value":"places"}},{"kind":"Field","name":{"kind":"Name","value":"vacancies"}},{"kind":"Field","name":{"kind":"Name","value":"schoolProvision"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"postcodeDistrict"}},{"kind":"Field","name":{"kind":"Name","value":"latitude"}},{"kind":"Field","name":{"kind":"Name","value":"longitude"}}]}},{"kind":"Field","name":{"kind":"Name","value":"latestOfstedJudgement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"grade"}},{"kind":"Field","name":{"kind":"Name","value":"inspectedOn"}}]}}]}}]} as unknown as DocumentNode<ProviderSettingUpdateMutation, ProviderSettingUpdateMutationVariables>;
export const ProviderSettingsDocument = {"__meta__":{"hash":"sha256:10d3f469527ca18607641ed2520e3d8f56be7e0b90a52690cde187b0439957a0"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ProviderSettings"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"100"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"organisation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Provider"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"settings"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SettingParts"}}]}}]}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SettingParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Setting"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"ofstedUrn"}},{"kind":"Field","name":{"kind":"Name","value":"ageMin"}},{"kind":"Field","name":{"kind":"Name","value":"ageMax"}},{"kind":"Field","name":{"kind":"Name","value":"sexes"}},{"kind":"Field","name":{"kind":"Name","value":"specialisms"}},{"kind":"Field","name":{"kind":"Name","value":"places"}},{"kind":"Field","name":{"kind":"Name","value":"vacancies"}},{"kind":"Field","name":{"kind":"Name","value":"schoolProvision"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"postcodeDistrict"}},{"kind":"Field","name":{"kind":"Name","value":"latitude"}},{"kind":"Field","name":{"kind":"Name","value":"longitude"}}]}},{"kind":"Field","name":{"kind":"Name","value":"latestOfstedJudgement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"grade"}},{"kind":"Field","name":{"kind":"Name","value":"inspectedOn"}}]}}]}}]} as unknown as DocumentNode<ProviderSettingsQuery, ProviderSettingsQueryVariables>;