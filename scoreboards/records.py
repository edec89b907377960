"""The oracle's records: what it remembers about reads, old values, cached values and updates,
and what it returns (Verdict, Finding). Plain data; the behaviour lives in history.py,
walk_paths.py, advice.py and messages.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Optional

from models.command_queue import Command

from .scope import Key, covers


class ReadKey(NamedTuple):
    """How a walk read an item: what a cache holding it is tagged by, and what the command
    tables need to decide whether an invalidation removes it."""
    kind: str                 # ddte, dc, pdte, pc, pte1, pte2, msipte
    tag: tuple                # the model's Item.tag
    width: int = 0            # address bits of the space (pte1 12+9*levels, pte2 14+9*levels)
    gpar: bool = False        # pte1: a non-leaf entry above it has G=1
    owner: Optional[Key] = None   # pte2 translating a context's GPA pointer: that context
    fmt: int = 0              # byte order / PTE size of the value (formats.py): 0 = LE, 8 bytes


@dataclass
class OldValue:
    """A value a doubleword held until store #seq replaced it (at event time t_end)."""
    value: int
    seq: int
    t_end: int
    # Completed commands issued after t_end that did not prune this value (some reader of the
    # address is outside their scope): scope -> (IOFENCE.C number, first, last completion
    # order).
    killers: dict = field(default_factory=dict)


class StaleDep:
    """A stale value an earlier read of the same walk used (a fill depended on it)."""
    __slots__ = ("key", "owner", "time", "dead_key", "dead_owner")

    def __init__(self, key: Key, owner: Optional[Key], time: int) -> None:
        self.key, self.owner, self.time = key, owner, time
        self.dead_key = self.dead_owner = False

    def copy(self) -> "StaleDep":
        return StaleDep(self.key, self.owner, self.time)

    def see(self, cmd: Command, doorbell: int) -> None:
        """A completed command: does it remove this stale value (issued after it)?"""
        if self.time <= doorbell:
            if covers(cmd, self.key):
                self.dead_key = True
            if self.owner is not None and covers(cmd, self.owner):
                self.dead_owner = True

    @property
    def dead(self) -> bool:
        return self.dead_key and (self.owner is None or self.dead_owner)


class Witness:
    """One way a cache may hold a value: read no later than `live`, through `deps`; `alt`:
    other caches the value can be refilled from meanwhile (for a context holding a G-stage
    translation: the G-stage entry itself)."""
    __slots__ = ("live", "deps", "alt")

    def __init__(self, live: int, deps: tuple, alt: tuple = ()) -> None:
        self.live, self.deps, self.alt = live, deps, alt

    def killed_by(self, cmd: Command, doorbell: int, covered: bool) -> bool:
        """Commands complete in queue order; a fill through a stale value can happen after
        a command only if every stale value it used survived every command up to it."""
        for d in self.deps:
            d.see(cmd, doorbell)
        for d in self.alt:
            d.see(cmd, doorbell)
        return covered and ((self.live <= doorbell and all(d.dead for d in self.alt))
                            or any(d.dead for d in self.deps))


@dataclass
class CachedValue:
    """A value some walk read (or could have read) for a tag: what a cache tagged so may hold."""
    wits: list               # [Witness]: alive while one is
    key: Key                 # the item (with leaf/global of this value)
    owner: Optional[Key]     # for G-stage translations of a DC/PC pointer: that context
    pa: int                  # where it was read
    seq: int                 # the store that replaced it there (0: none yet)

    @property
    def live_until(self) -> int:
        return max(w.live for w in self.wits)


@dataclass(frozen=True)
class Pruned:
    """A value already removed by a completed invalidation, kept only to explain a mismatch."""
    value: object             # the OldValue or CachedValue
    cmd: Command              # the command that removed it
    fence: int                # the IOFENCE.C number that completed it
    words: tuple = ()         # for a CachedValue: its doublewords


class Option(NamedTuple):
    """One value a read may take: the current memory words (src None), an OldValue, a
    CachedValue, or (only when explaining a mismatch) a Pruned value. (Tuples: the walk
    makes one per read; hot paths build them with tuple.__new__.)"""
    words: tuple
    src: Optional[object] = None


class Read(NamedTuple):
    pa: int
    rk: ReadKey
    ndw: int
    opt: Option


@dataclass
class Update:
    """A store that changed an entry a cache may hold: open until the invalidations it needs
    have completed (advice)."""
    seq: int
    pa: int
    item: str
    needed: str
    t: int
    readers: set
    old: int
    killers: dict = field(default_factory=dict)      # scope -> (fence, first, last order)
    relied: Optional[str] = None      # the first request that relied on the new value
    relied_state: str = ""


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str
    permitted: frozenset = frozenset()

    def __init__(self, ok, message, permitted=frozenset()):
        # straight into __dict__ (one per response; see models.transaction.Outcome)
        d = self.__dict__
        d["ok"] = ok
        d["message"] = message
        d["permitted"] = permitted

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class Finding:
    """A software-sequence finding: an update left without the invalidation it needs."""
    store: int          # store sequence number (0 for a ddtp write)
    item: str
    needed: str
    status: str         # "missing" | "not-completed" | "relied-before-completion" |
                        # "missing-clean" (cleaning.py)
    detail: str

    def __str__(self) -> str:
        what = f"store #{self.store}" if self.store else "ddtp write"
        return f"ADVICE {self.status}: {what} to {self.item} needs {self.needed}: {self.detail}"
