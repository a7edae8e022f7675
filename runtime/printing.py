"""``print`` from compiled code: compiled code boxes the values and calls the printer made for
the call site, which prints through Python's own ``print`` (so the output interleaves with the
interpreter's, goes to ``sys.stdout`` as redirected, and formats values as Python does)."""

from __future__ import annotations

__all__ = ["printer"]


def printer(layout: tuple, sep: str | None, end: str | None, flush: bool):
    """The function a ``print(...)`` call site calls with its values, flattened: ``layout`` has
    one entry per argument written, ``None`` for a value, or the number of parts of an f-string
    (its text and values, formatted and joined as the f-string would be)."""
    def printing(*values):
        parts, i = [], 0
        for n in layout:
            if n is None:
                parts.append(values[i])
                i += 1
            else:
                parts.append("".join(v if isinstance(v, str) else format(v) for v in values[i:i + n]))
                i += n
        print(*parts, sep=sep, end=end, flush=flush)
    return printing
