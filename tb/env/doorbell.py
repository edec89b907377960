"""The commands a cqt doorbell publishes, decoded from the oracle's copy of the queue
(coverage counts them; the scoreboard takes the IOFENCE.C data writes to expect from the
commands the model executed). Call it before the oracle sees the doorbell: it reads from the
model's current tail."""
from __future__ import annotations

from typing import Iterator

from models.command_queue import Command, IllegalCommand, decode


def published_commands(oracle, new_cqt: int) -> Iterator[Command | IllegalCommand]:
    """Each command between the current cqt and new_cqt; an IllegalCommand (not raised) for
    an illegal one, where the queue stops."""
    model = oracle.model
    entries = 1 << ((model.cqb & 0x1F) + 1)
    base = ((model.cqb >> 10) & ((1 << 44) - 1)) << 12
    i = model.cqt
    while i != new_cqt % entries:
        raw = oracle.mem.peek(base + 16 * i, 16)
        try:
            yield decode(int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:], "little"), 1,
                         nl=model.caps.nl, s=model.caps.s)
        except IllegalCommand as e:
            yield e
            return
        i = (i + 1) % entries
