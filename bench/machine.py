"""What every bench prints first: the machine and the versions it ran with."""

import platform


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version(dist: str) -> str:
    """The installed version of a distribution (or why there is none)."""
    try:
        import importlib.metadata as md
        return md.version(dist)
    except Exception as exc:  # noqa: BLE001 - a bench reports, it does not fail on this
        return f"unavailable ({type(exc).__name__})"
