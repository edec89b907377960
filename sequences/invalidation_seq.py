"""Invalidation sequences: every IOTINVAL.VMA / IOTINVAL.GVMA scope, IODIR.INVAL_DDT (DV=0/1),
IODIR.INVAL_PDT and IOFENCE.C (AV data write, WSI, PR/PW), issued through
IommuSwVseq.run_commands, as reusable calls.

Use it as a mixin in front of IommuSwVseq:

    class MyVseq(InvalidationSeq, IommuSwVseq):
        async def body(self):
            ...
            await self.inval_vma(gscid=3, pscid=7, addr=0x4000_1000)   # GV=1 PSCV=1 AV=1
            await self.inval_gvma(gscid=3)                             # GV=1 AV=0
            await self.inval_ddt()                                     # DV=0
            await self.iofence(wsi=True, pr=True, pw=True)

Every call ends with an IOFENCE.C whose AV=1 data write the scoreboard checks (the
write must appear, with the queued data, in command order) unless fence=False; `iofence(wsi=True)`
also checks that cqcsr.fence_w_ip was set (as the golden model says) and clears it (RW1C).
`vma_scope(gv, av, pscv, ...)` and `VMA_SCOPES` name the eight IOTINVAL.VMA combinations of
the spec's table; `GVMA_SCOPES` the three IOTINVAL.GVMA ones.
"""
from __future__ import annotations

from typing import Optional

from models import Reg
from sequences.iommu_sw_vseq import FENCE_DATA
from sequences.sw.commands import (iodir_inval_ddt, iodir_inval_pdt, iofence_c, iotinval_gvma,
                                   iotinval_vma)

CQCSR_FENCE_W_IP = 1 << 11
CQCSR_ERRORS = 0x7 << 8              # cqmf, cmd_to, cmd_ill

# (GV, AV, PSCV) rows of the spec's IOTINVAL.VMA table, and (GV, AV) rows of IOTINVAL.GVMA.
VMA_SCOPES = [(gv, av, pscv) for gv in (0, 1) for av in (0, 1) for pscv in (0, 1)]
GVMA_SCOPES = [(0, 0), (1, 0), (1, 1)]


def vma_scope(gv: int, av: int, pscv: int, *, gscid: int = 0, pscid: int = 0, addr: int = 0):
    """IOTINVAL.VMA with exactly the given GV/AV/PSCV bits (operands not selected are 0)."""
    return iotinval_vma(gscid=gscid if gv else None, pscid=pscid if pscv else None,
                        addr=addr if av else None)


def gvma_scope(gv: int, av: int, *, gscid: int = 0, addr: int = 0):
    """IOTINVAL.GVMA with the given GV/AV bits (GV=0 ignores AV: only (0, 0) is built)."""
    return iotinval_gvma(gscid=gscid if gv else None, addr=addr if gv and av else None)


def scope_name(cmd) -> str:
    """A short readable name of a command's scope (for logs)."""
    if cmd.name.startswith("IOTINVAL"):
        s = f"{cmd.name} GV={cmd.gv} AV={cmd.av}"
        if cmd.name.endswith("VMA"):
            s += f" PSCV={cmd.pscv}"
        return s
    if cmd.name.startswith("IODIR"):
        return f"{cmd.name} DV={cmd.dv}"
    return f"{cmd.name} AV={cmd.av} WSI={cmd.wsi} PR={cmd.pr} PW={cmd.pw}"


class InvalidationSeq:
    """Mixin for IommuSwVseq subclasses: one call per invalidation scope."""

    fence_count = 0

    # -- the fence --------------------------------------------------------------------------
    def fence_cmd(self, *, av: bool = True, wsi: bool = False, pr: bool = False,
                  pw: bool = False):
        """An IOFENCE.C; with AV=1 its data write goes to a fresh word of FENCE_DATA, with a
        running number as data (so the scoreboard can tell fences apart)."""
        self.fence_count += 1
        n = self.fence_count
        addr = FENCE_DATA + 0x1000 + 4 * (n % 1024) if av else None
        return iofence_c(addr=addr, data=0xF000_0000 | n, wsi=wsi, pr=pr, pw=pw)

    async def issue(self, commands, fence: bool = True, **fence_kw) -> None:
        """Queue `commands` (and an AV=1 IOFENCE.C unless fence=False), ring, wait for cqh."""
        commands = list(commands)
        if fence:
            commands.append(self.fence_cmd(**fence_kw))
        await self.run_commands(commands, fence=False)
        if any(c.name == "IOFENCE.C" and c.wsi for c in commands):
            await self.check_fence_w_ip()

    async def iofence(self, *, av: bool = True, wsi: bool = False, pr: bool = False,
                      pw: bool = False) -> None:
        """IOFENCE.C alone: AV data write, WSI (fence_w_ip checked and cleared), PR/PW."""
        await self.issue([], fence=True, av=av, wsi=wsi, pr=pr, pw=pw)

    async def check_fence_w_ip(self) -> None:
        """After an IOFENCE.C with WSI=1 completed: cqcsr.fence_w_ip must be 1 (as in the
        golden model); then W1C it and check it reads 0."""
        csr = await self.reg_read(Reg.CQCSR, 4)
        want = self.env.expected_reg(Reg.CQCSR, 4)
        if not csr & CQCSR_FENCE_W_IP or not want & CQCSR_FENCE_W_IP:
            raise AssertionError(f"IOFENCE.C WSI=1 completed but cqcsr={csr:#x} (model "
                                 f"{want:#x}): fence_w_ip (bit 11) should be 1 in both")
        await self.reg_write(Reg.CQCSR, (csr & 0x3) | CQCSR_FENCE_W_IP, 4)
        csr = await self.reg_read(Reg.CQCSR, 4)
        if csr & CQCSR_FENCE_W_IP:
            raise AssertionError(f"cqcsr.fence_w_ip still set after W1C: cqcsr={csr:#x}")

    # -- IOTINVAL ---------------------------------------------------------------------------
    async def inval_vma(self, *, gscid: Optional[int] = None, pscid: Optional[int] = None,
                        addr: Optional[int] = None, fence: bool = True) -> None:
        """IOTINVAL.VMA: GV=1 with gscid, PSCV=1 with pscid, AV=1 with addr."""
        await self.issue([iotinval_vma(gscid=gscid, pscid=pscid, addr=addr)], fence)

    async def inval_vma_scope(self, gv: int, av: int, pscv: int, *, gscid: int = 0,
                              pscid: int = 0, addr: int = 0, fence: bool = True) -> None:
        """IOTINVAL.VMA by the bits of the spec's table (one of VMA_SCOPES)."""
        await self.issue([vma_scope(gv, av, pscv, gscid=gscid, pscid=pscid, addr=addr)], fence)

    async def inval_gvma(self, *, gscid: Optional[int] = None, addr: Optional[int] = None,
                         fence: bool = True) -> None:
        """IOTINVAL.GVMA: GV=0 (every VM), GV=1 AV=0 (gscid), GV=1 AV=1 (gscid, addr)."""
        await self.issue([iotinval_gvma(gscid=gscid, addr=addr)], fence)

    # -- IODIR ------------------------------------------------------------------------------
    async def inval_ddt(self, did: Optional[int] = None, fence: bool = True) -> None:
        """IODIR.INVAL_DDT: DV=1 DID=did, or DV=0 (every DDT and PDT entry) without a did."""
        await self.issue([iodir_inval_ddt(did)], fence)

    async def inval_pdt(self, did: int, pid: int, fence: bool = True) -> None:
        """IODIR.INVAL_PDT DV=1 DID PID."""
        await self.issue([iodir_inval_pdt(did, pid)], fence)

    # -- everything -------------------------------------------------------------------------
    async def flush_all(self, gscids=()) -> None:
        """Every cache: INVAL_DDT DV=0, VMA GV=0 AV=0 PSCV=0, VMA GV=1 per GSCID, GVMA GV=0."""
        cmds = [iodir_inval_ddt(), iotinval_vma()]
        cmds += [iotinval_vma(gscid=g) for g in sorted(set(gscids))]
        cmds.append(iotinval_gvma())
        await self.issue(cmds, fence=True, pr=True, pw=True)
