"""Quality and safeguarding (DOMAIN.md, "Quality and safeguarding"): safeguarding alerts, suspensions and bars,
the expiry of stage-1 documents, and what an Inadequate Ofsted judgement sets off. Plain Python over the
database, testable without GraphQL; the schema's resolvers in schema/safeguarding/ only call in here."""
