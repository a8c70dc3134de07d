"""Secret keys from configuration, or (development) generated once under DPV_DATA_DIR.

A key named in the environment wins. Without one, a random key is written once to a file under the data
directory (mode 0600, created exclusively so that several workers starting at once agree on one key) and read
back by every worker. Used for the sign-in page's CSRF key (auth/signin.py) and the key of the child's case
reference hash (api/placements/child.py).
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

MIN_KEY_LENGTH = 32

_lock = threading.Lock()
_keys: dict[Path, bytes] = {}


def configured_or_generated(configured: str | None, data_dir: Path, filename: str, variable: str) -> bytes:
    """`configured` (the value of the environment variable `variable`), or the key kept in data_dir/filename."""
    if configured:
        if len(configured) < MIN_KEY_LENGTH:
            raise RuntimeError(f"{variable} must have at least {MIN_KEY_LENGTH} characters")
        return configured.encode()
    path = data_dir.resolve() / filename
    with _lock:
        if path in _keys:
            return _keys[path]
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # made earlier, or by another worker just now
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48) + "\n")
        key = path.read_text().strip().encode()
        if len(key) < MIN_KEY_LENGTH:
            raise RuntimeError(f"{path} holds no usable key; delete it to have a new one made")
        _keys[path] = key
        return key
