"""Big-endian structures (capabilities.END): the walk traces record raw memory words (read
little-endian); this gives a consumer of a trace the DC and PC doublewords as values."""
from __future__ import annotations

from .device_context import bswap64


def native_trace(trace: list, fctl_be: int) -> list:
    """`trace` [(item, words)] with the DC words byte-swapped when fctl.BE=1 and the PC words
    when the DC's SBE (tc bit 10) is 1; other items are left as read."""
    out, sbe = [], 0
    for item, words in trace:
        if item.kind == "dc":
            if fctl_be:
                words = tuple(bswap64(w) for w in words)
            sbe = words[0] >> 10 & 1
        elif item.kind == "pc" and sbe:
            words = tuple(bswap64(w) for w in words)
        out.append((item, words))
    return out
