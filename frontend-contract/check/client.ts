// How a portal runs the generated operations by their persisted id: type-checked by `tsc` in CI, so that a
// change of the schema or of an operation that breaks what the portal reads fails the build.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import {
  ProviderBidSubmitDocument,
  ProviderDashboardDocument,
  type ProviderDashboardQuery,
} from "../generated/graphql";

type WithHash = { __meta__?: { hash?: string } };

export async function run<Result, Variables>(
  url: string,
  token: string,
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
): Promise<Result> {
  const documentId = (document as WithHash).__meta__?.hash;
  if (!documentId) throw new Error("not a persisted document");
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ documentId, variables }),
  });
  const body = (await response.json()) as { data?: Result; errors?: { message: string }[] };
  if (body.errors?.length || body.data === undefined) throw new Error(body.errors?.[0]?.message ?? "no data");
  return body.data;
}

export function emergencies(dashboard: ProviderDashboardQuery): string[] {
  return dashboard.invitations.nodes
    .filter((invitation) => invitation.requirement?.urgency === "EMERGENCY")
    .map((invitation) => invitation.requirement?.reference ?? invitation.id);
}

export async function example(url: string, token: string): Promise<void> {
  const dashboard = await run(url, token, ProviderDashboardDocument, { first: 20, filter: { minMatch: "FULL" } });
  const first = dashboard.invitations.nodes[0];
  if (!first?.requirement || !first.match.setting) return;
  const submitted = await run(url, token, ProviderBidSubmitDocument, {
    input: {
      requirementId: first.requirement.id,
      settingId: first.match.setting.id,
      corePrice: "900.00",
      availableFrom: first.requirement.plannedStart,
      needsStatement: "Autism-trained staff",
    },
  });
  for (const error of submitted.bidSubmit.userErrors) console.log(error.code, error.message);
}
