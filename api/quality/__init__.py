"""Quality: provider reviews and their actions, complaints and disputes, and per-provider KPIs (DOMAIN.md,
"Quality and safeguarding" and "Market information")."""
