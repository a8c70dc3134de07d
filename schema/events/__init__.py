"""The event stream in GraphQL: the `changes` feed and the subscriptions (api/events.py, api/realtime.py)."""
