"""The infrastructure every layer stands on, with no knowledge of the market: configuration, the database, the
clock, the audit log and the event stream read from it, timers, idempotency, errors, transitions, logs, and the
principal (who is acting). Nothing here imports a domain, the schema, auth or the web."""
