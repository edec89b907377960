"""Smoke scenario: Off, Bare pass-through, then a 1LVL DDT with an Sv39 mapping, translated
before and after the mapping exists. Small, directed, touches every agent."""
from __future__ import annotations

from pyuvm import uvm_factory  # noqa: F401  (registration happens on class creation)

from models import Reg, Request, TTYP
from sequences.base_vseq import IommuBaseVseq

DDT_ROOT = 0x10_0000
S1_ROOT, S1_L1, S1_L0 = 0x20_0000, 0x20_1000, 0x20_2000
LEAF_RW = 0xD7        # V R W U A D


class SmokeVseq(IommuBaseVseq):
    async def body(self):
        r = TTYP.UNTRANSLATED_READ
        await self.translate([Request(did=1, iova=0x1000, ttyp=r)])                  # Off: 256
        await self.reg_write(Reg.DDTP, 1)                                             # Bare
        await self.translate([Request(did=d, iova=0x1000 * d + 0x10, ttyp=r) for d in range(8)])
        # 1LVL DDT: device 5 -> Sv39, PSCID 7; IOVA 0x4000_1000 -> 0x8765_4000
        dc = DDT_ROOT + 5 * 32
        self.store64(dc + 24, 8 << 60 | S1_ROOT >> 12)
        self.store64(dc + 16, 7 << 12)
        self.store64(dc, 1)
        self.store64(S1_ROOT + 1 * 8, (S1_L1 >> 12) << 10 | 1)
        self.store64(S1_L1 + 0 * 8, (S1_L0 >> 12) << 10 | 1)
        await self.reg_write(Reg.DDTP, (DDT_ROOT >> 12) << 10 | 2)
        reqs = [Request(did=5, iova=0x4000_1000 + 8 * i, ttyp=TTYP.UNTRANSLATED_WRITE) for i in range(4)]
        await self.translate(reqs)                                                    # not mapped: 15
        self.store64(S1_L0 + 1 * 8, (0x87654 << 10) | LEAF_RW)                        # map (0 -> 1)
        await self.translate(reqs + [Request(did=6, iova=0x4000_1000, ttyp=r)])     # did 6: 258
