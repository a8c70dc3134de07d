// Runs graphql-http's server audits against the GraphQL endpoint given as the first argument and prints one
// JSON array of {id, name, status, reason?} on stdout (status: ok, notice, warn or error). Every request carries
// the bearer token in DPV_AUDIT_TOKEN when it is set (the audits query `__type`, which only a signed-in caller may).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}
const token = process.env.DPV_AUDIT_TOKEN;
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn });
const out = [];
for (const r of results) {
  const entry = { id: r.id, name: r.name, status: r.status };
  if (r.status !== 'ok') {
    entry.reason = r.reason;
    entry.responseStatus = r.response.status;
    try { entry.responseBody = await r.response.text(); } catch { entry.responseBody = null; }
  }
  out.push(entry);
}
process.stdout.write(JSON.stringify(out));
