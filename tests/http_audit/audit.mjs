// Runs graphql-http's server audits against the GraphQL endpoint given as the first argument and prints one
// JSON array of {id, name, status, reason?} on stdout (status: ok, notice, warn or error).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}
const results = await auditServer({ url });
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
