"""The domains put together: the one module that loads every domain module whose handlers run on a lower layer's
call, so that each is registered before anything runs.

- Hooks (api/core/hooks.py): the market's admissions, documents and Ofsted judgements are followed by what
  safeguarding does about them, and a suspension by what the placement search does about it.
- Timers (api/core/timers.py): a requirement's response deadline, a document's expiry (its warnings, its start),
  a suspension's end.

The app (api/web/app.py), the command line and the demo loader import this module and call `check()`; a domain
module never imports it.
"""

from __future__ import annotations

from api.core import hooks, timers
from api.placements import exclusion, requirements
from api.safeguarding import alerts, expiry, suspensions

# Every module that registers a hook's handler or a timer's: when one more is written, it is added here.
HANDLER_MODULES = (alerts, expiry, suspensions, exclusion, requirements)


def check() -> None:
    """Every hook declared so far has its handler (the schema's too, once the schema is imported), and timer
    handlers are registered (RuntimeError otherwise)."""
    missing = [hook.name for hook in hooks.HOOKS if not hook.has_handler]
    if missing:
        raise RuntimeError(f"hooks without a handler: {', '.join(missing)} (a module missing from api/domains.py)")
    if not timers.HANDLERS:
        raise RuntimeError("no timer handler is registered")
