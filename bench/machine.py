"""What the benches share: the machine header they print first, and how they time."""

import os
import platform
import subprocess
import sys
import time


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


def first_call(fn, args):
    """Seconds of the first call (compilation included) and its result."""
    t0 = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - t0, result


def best_of(fn, args, repeats: int) -> float:
    """The minimum over ``repeats`` calls: the least disturbed measurement."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best


def verdict(ratio: float, target: float) -> str:
    return f"{'PASS' if ratio <= target else 'FAIL'} (target <= {target}x)"


def fresh_seconds(script: str, args: list[str], runs: int = 3) -> float:
    """The least of ``runs`` fresh processes' figures: each runs ``script args`` and prints
    seconds last. Python runs as users run it: bytecode written once and read after (a machine
    that sets PYTHONDONTWRITEBYTECODE would charge a compiler for compiling its own sources)."""
    cmd = [sys.executable, os.path.abspath(script), *args]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return min(float(subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout.split()[-1])
               for _ in range(runs))
