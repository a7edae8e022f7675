"""Process-wide settings, in a leaf module: the driver, the cache and the call path read them
without importing one another."""

from __future__ import annotations

import os

__all__ = ["config", "cache_enabled"]


class _Config:
    """Process-wide settings: ``dispatchjit.config.max_specializations`` (per function too, as
    ``f.max_specializations``)."""

    max_specializations = 64
    cache = False   # the on-disk cache for every function (also DISPATCHJIT_CACHE=1)


config = _Config()


def cache_enabled(method) -> bool:
    """Whether specializations of ``method`` go through the on-disk cache (decided here, so a
    process that does not use the cache never imports it: sqlite3 and hashlib cost 6 ms)."""
    if getattr(method.func, "__dispatchjit_options__", {}).get("cache"):
        return True
    return bool(config.cache) or os.environ.get("DISPATCHJIT_CACHE", "") not in ("", "0")
