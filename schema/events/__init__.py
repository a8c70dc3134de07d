"""The event stream in GraphQL: the `changes` feed and the subscriptions (api/core/events.py, api/core/realtime.py)."""
