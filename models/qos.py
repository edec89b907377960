"""QoS IDs (capabilities.QOSID): which RCID/MCID tag each access the IOMMU makes.

IOMMU spec, "IOMMU QoS ID (iommu_qosid)" and DC.ta: the IOMMU's own accesses to the DDT, the
queues and its MSIs carry iommu_qosid's IDs; its accesses to a device's PDT, page tables, MSI
page table and MRIF carry that device's DC.ta.RCID/MCID; a translated request carries the DC's
IDs (Outcome.rcid/mcid), and in Bare mode every request carries iommu_qosid's.
"""
from __future__ import annotations

from typing import Optional

# Item kinds of models/walk_reader.py plus the queue/MSI accesses ("cq", "fq", "pq", "msi")
REGISTER_TAGGED = frozenset({"ddte", "dc", "cq", "fq", "pq", "msi"})
DC_TAGGED = frozenset({"pdte", "pc", "pte1", "pte2", "msipte", "mrif"})


def register_ids(iommu_qosid: int) -> tuple[int, int]:
    """(RCID [11:0], MCID [27:16]) of the iommu_qosid register."""
    return iommu_qosid & 0xFFF, (iommu_qosid >> 16) & 0xFFF


def dc_ids(ta: int) -> tuple[int, int]:
    """(RCID [51:40], MCID [63:52]) of a device context's ta doubleword."""
    return (ta >> 40) & 0xFFF, (ta >> 52) & 0xFFF


def access_ids(kind: str, iommu_qosid: int, dc_ta: Optional[int] = None) -> tuple[int, int]:
    """The (RCID, MCID) an IOMMU access of this kind carries. dc_ta: the device context's ta
    (needed for the DC-tagged kinds)."""
    if kind in REGISTER_TAGGED:
        return register_ids(iommu_qosid)
    if kind in DC_TAGGED:
        if dc_ta is None:
            raise ValueError(f"access_ids: a {kind!r} access is tagged with DC.ta's IDs; pass dc_ta")
        return dc_ids(dc_ta)
    raise ValueError(f"access_ids: unknown access kind {kind!r}")
