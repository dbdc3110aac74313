"""Where scripts/fetch-busybox leaves Debian's busybox, for the busybox
tests: each calls missing() first and, when it says why, prints SKIPPED
with the reason and exits 77 (counted as skipped by ctest, never passed)."""
import os


def cache_dir():
    return os.environ.get("ISOLAB_CACHE") or os.path.join(os.environ.get("HOME", "/root"), ".cache", "isolab")


def missing():
    """Why busybox cannot be used here, or None when it is present."""
    cache = cache_dir()
    if os.path.exists(os.path.join(cache, "busybox", "root", "bin", "busybox")):
        return None
    return f"busybox is not in {cache}/busybox (scripts/fetch-busybox could not fetch it)"
