"""Caching-policy profiles: what an IOMMU may hold in its caches, as data.

Each policy is one frozen `Policy`. The oracle never branches on a policy's name: it asks the
profile whether a value of a given item kind may be held in a cache (and so used stale).

Item kinds are the ones the golden model's walks name (models/walk_reader.py):
"ddte" non-leaf DDT entry, "dc" device context, "pdte" non-leaf PDT entry, "pc" process
context, "pte1" first-stage PTE, "pte2" G-stage PTE, "msipte" MSI PTE.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

DIRECTORY_KINDS = frozenset({"ddte", "dc", "pdte", "pc"})
PAGE_TABLE_KINDS = frozenset({"pte1", "pte2", "msipte"})
ALL_KINDS = DIRECTORY_KINDS | PAGE_TABLE_KINDS

# When a cache may fill. "any" (the spec's contract, the default): at any time, from any entry
# a walk could read (prefetch, whole lines of PTEs); "demand": only from entries a request's
# walk read (an opt-in for a DUT known to fill on demand only: the check is then tighter).
FILLS = ("any", "demand")


@dataclass(frozen=True)
class Policy:
    name: str
    summary: str
    # Kinds an implementation may cache at all. An item whose kind is not here is always read
    # from memory, so only its current value is ever permitted.
    cached: frozenset = ALL_KINDS
    # Kinds whose V=0 values may be cached (negative caching). The spec (O1) forbids it for
    # every kind, so a stale V=0 value is permitted only for the kinds listed here.
    invalid_cached: frozenset = frozenset()
    # Whether a V=1 value that fails the entry's own checks (reserved bits, a misconfigured
    # DC/PC, a reserved PTE encoding) may be cached. The RISC-V spec forbids caching only V=0
    # entries, so the spec-derived profiles say True; a profile for hardware that never
    # caches an entry it has rejected (Intel's CM=0 wording) would say False.
    erroneous_cached: bool = True
    # When a cache may fill: one of FILLS.
    fills: str = "any"

    def may_cache(self, kind: str, valid: bool, erroneous: bool) -> bool:
        """May a cache hold a value of this kind with these properties?"""
        if kind not in self.cached:
            return False
        if not valid:
            return kind in self.invalid_cached
        return self.erroneous_cached or not erroneous

    def __str__(self) -> str:
        return self.name


POLICIES: dict[str, Policy] = {p.name: p for p in (
    Policy("riscv-1.0-strict",
           "RISC-V IOMMU 1.0: any valid entry may be cached, no V=0 entry; a V 0->1 change "
           "needs no invalidation"),
    Policy("riscv-dir-negative",
           "also V=0 DDT/PDT entries and contexts may be cached (negative caching of "
           "directories): making a DC/PC valid needs IODIR",
           invalid_cached=DIRECTORY_KINDS),
    Policy("tlbi-on-map",
           "also V=0 PTEs may be cached: a map (PTE V 0->1) needs IOTINVAL",
           invalid_cached=PAGE_TABLE_KINDS),
    Policy("riscv-negative-all",
           "V=0 values of every structure may be cached",
           invalid_cached=ALL_KINDS),
    Policy("caching-mode",
           "every update of any structure needs its invalidation (a shadowing virtual IOMMU, "
           "Intel CM=1); the permitted outcomes are those of riscv-negative-all",
           invalid_cached=ALL_KINDS),
    Policy("no-cache",
           "cache-less hardware: only the current memory value is permitted",
           cached=frozenset(), invalid_cached=frozenset()),
)}

DEFAULT_POLICY = "riscv-1.0-strict"


def get_policy(policy, fills=None) -> Policy:
    """A Policy from its name (or a Policy itself), with its fill mode replaced by `fills` when
    given; ValueError names the valid ones."""
    if not isinstance(policy, Policy):
        try:
            policy = POLICIES[policy]
        except (KeyError, TypeError):
            raise ValueError(f"unknown caching policy {policy!r}; valid policies: "
                             f"{', '.join(POLICIES)}") from None
    if fills is not None and fills != policy.fills:
        if fills not in FILLS:
            raise ValueError(f"unknown fill mode {fills!r}; valid fill modes: {', '.join(FILLS)}")
        policy = replace(policy, fills=fills)
    return policy
