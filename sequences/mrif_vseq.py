"""MSI PTEs in MRIF mode (capabilities.MSI_MRIF, with MSI_FLAT): MSI writes with their data
(the interrupt identity) to interrupt files whose MSI PTE points at a memory-resident
interrupt file (MRIF), so the IOMMU sets the identity's pending bit there and then sends the
notice MSI (NID to NPPN << 12).

The scoreboard judges every response (tb/env/mrif_check.py: dev_rsp_mrif says the IOMMU
consumed the write, and how) and every IOMMU memory write it causes (scoreboards/mrif_writes.py:
the pending doubleword's update, then the notice); this sequence also reads the MRIF back and
compares it with the bits worked out by hand from the AIA's MRIF format (identity i: bit i%64
of the doubleword at MRIF + (i/64)*16).

Device 0x31, G-stage only (Sv39x4, GSCID 11), msiptp Flat with mask 0x3 (four interrupt files at
GPA 0x2800_0000..0x2800_3000):
- file 0: MRIF at 0x3E00_0000, notice NID 0x4A5 (NID[10] = 1) at 0x3F00_0000;
- file 1: MRIF at 0x3E00_0200, notice NID 0x023 at 0x3F00_1000;
- file 2: basic (flat) mode to the IMSIC page 0x3F10_0000, later switched to MRIF mode and back,
  each change first without invalidation (old or new PTE permitted) and then with
  IOTINVAL.GVMA + IOFENCE.C (PW=1: the MSI writes answered before it are committed);
- file 3: MRIF-mode PTEs with a reserved bit set (each doubleword, each reserved field) and
  with C=1: MSI PTE misconfigured (263).
Writes that are MSIs (4 bytes at offset 0, identity < 2048) are recorded; data >= 2048 and the
offsets 4 and 8 are discarded; a read and a write at offset 2 are aborted; an execute is an
instruction access fault (1). The notice of file 1 pointed at memory that answers with a bus
error: the MSI is recorded, and the IOMMU writes its own cause-273 record (iotval = the notice
address), which the scoreboard owes. Then MRIF 0's first pair answers with a bus error: an MSI
whose pending bit is there faults with 264 (MRIF access fault, a record, no notice).
Device 0x32, two stages (Sv39 over Sv39x4, GSCID 12): an IOVA whose first-stage leaf gives file
0's GPA records in MRIF 0; a write through a read-only leaf is 15.
A DUT without MSI_MRIF, or whose device port has no write-data input, skips the scenario, with
the reason.
"""
from __future__ import annotations

from models import TTYP
from models import msi_mrif
from sequences.guest_update_vseq import GuestUpdateBase, req
from sequences.items import WriteRequest
from sequences.sw.commands import iofence_c, iotinval_gvma
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_table import SIZE_4K

DID, GSCID = 0x31, 11
MASK = 0x3                         # page-number bits 0, 1: four interrupt files
PATTERN = 0x2_8000                 # GPA 0x2800_0000
MRIF0, MRIF1 = 0x3E00_0000, 0x3E00_0200
NOTICE0, NOTICE1 = 0x3F00_0000, 0x3F00_1000
NID0, NID1 = 0x4A5, 0x023
IMSIC = 0x3F10_0000                # file 2's interrupt file in basic mode
G_DATA, SPA_DATA = 0x4000_0000, 0x4800_0000
G_TABLES, SPA_TABLES = 0x6000_0000, 0x2600_0000   # the guest's first-stage tables (two stages)
IOVA = 0x7000_0000
V, M_BASIC, C = 1, 3 << 1, 1 << 63


def gpa(index: int, offset: int = 0) -> int:
    return (PATTERN | index) << 12 | offset


def msi(index: int, data: int, offset: int = 0) -> WriteRequest:
    return WriteRequest(did=DID, iova=gpa(index, offset), ttyp=TTYP.UNTRANSLATED_WRITE, data=data)


def basic_pte(spa: int) -> tuple[int, int]:
    return V | M_BASIC | (spa >> 12) << 10, 0


class MrifVseq(GuestUpdateBase):
    async def body(self):
        if not self.dut.need("msi_mrif", "MSI MRIF mode (the whole mrif scenario)"):
            return
        if getattr(self.env.dev.bfm, "req_data", None) is None:
            self.dut.skip("MSI MRIF mode (the whole mrif scenario)",
                          "the DUT's device port has no write-data input (profile key port.data)")
            return
        await self.init_iommu("1lvl")
        self.msi_root = self.alloc.alloc_page()
        self.set_pte(0, *msi_mrif.encode_pte(MRIF0, NOTICE0, NID0))
        self.set_pte(1, *msi_mrif.encode_pte(MRIF1, NOTICE1, NID1))
        self.set_pte(2, *basic_pte(IMSIC))
        self.set_pte(3, *msi_mrif.encode_pte(MRIF1, NOTICE1, NID1))
        g = self.page_table("sv39x4", gscid=GSCID)
        g.map(G_DATA, SPA_DATA, SIZE_4K, "rw")
        await self.after_update(self.ddt.set_dc(DID, DeviceContextSpec(
            g_mode="sv39x4", g_root=g.root, gscid=GSCID, msi_mode="flat", msi_root=self.msi_root,
            msi_addr_mask=MASK, msi_addr_pattern=PATTERN)))
        self.pending: dict = {}            # pending doubleword address -> bits set by hand
        await self.recorded()
        await self.not_recorded()
        await self.reserved_bits()
        await self.mode_changes()
        await self.two_stage()
        await self.notice_fails()
        await self.mrif_fails()
        self.check_mrifs("end")

    def set_pte(self, index: int, w0: int, w1: int) -> None:
        a = self.msi_root + 16 * index
        self.store64(a, w0)
        self.store64(a + 8, w1)

    def expect_pending(self, mrif: int, identity: int) -> None:
        # AIA MRIF format: 32 pairs (pending, enable) of doublewords, identity i in pair i // 64
        pa = mrif + (identity // 64) * 16
        self.pending[pa] = self.pending.get(pa, 0) | 1 << (identity % 64)

    def check_mrifs(self, label: str) -> None:
        for pa, want in sorted(self.pending.items()):
            got = self.env.peek64(pa)
            if got != want:
                raise AssertionError(f"MRIF after '{label}': pending doubleword @{pa:#x} holds "
                                     f"{got:#x}, the MSIs sent set {want:#x}")

    async def send(self, reqs: list, want: str, label: str) -> None:
        """Send and require each response to say `want` (recorded, discarded, aborted) on
        dev_rsp_mrif (the scoreboard judges it against the oracle as well)."""
        for r in await self.translate(reqs):
            got = r.mrif if r.mrif is not None else (f"fault {r.cause}" if r.fault
                                                     else f"pa {r.pa:#x}")
            if got != want:
                raise AssertionError(f"{label}: MSI write did={DID:#x} iova={r.req.iova:#x} "
                                     f"data={getattr(r.req, 'data', 0):#x} answered {got}, "
                                     f"the scenario meant {want}")

    # -- MSIs recorded ------------------------------------------------------------------------
    async def recorded(self) -> None:
        # identities 5 (pair 0, bit 5), 71 (pair 1, bit 7), 2047 (pair 31, bit 63), 0 (the
        # IOMMU treats identity 0 as any other), 5 again (already pending: same value written)
        for ident in (5, 71, 2047, 0, 5):
            self.expect_pending(MRIF0, ident)
            await self.send([msi(0, ident)], msi_mrif.RECORDED, f"identity {ident} to file 0")
        for ident in (1, 64, 1000):
            self.expect_pending(MRIF1, ident)
        await self.send([msi(1, i) for i in (1, 64, 1000)], msi_mrif.RECORDED,
                        "three identities to file 1 in flight together")
        self.check_mrifs("recorded MSIs")
        # the MSI writes answered so far are committed when an IOFENCE.C with PW=1 completes
        await self.run_commands([iofence_c(pw=True)])

    # -- writes not recorded ------------------------------------------------------------------
    async def not_recorded(self) -> None:
        await self.send([msi(0, 2048), msi(0, 0xFFFF_FFFF), msi(0, 3, offset=4),
                         msi(0, 3, offset=8), msi(1, 9, offset=0x800)], msi_mrif.DISCARDED,
                        "data >= 2048 or offset != 0")
        await self.send([req(DID, gpa(0), "r"), msi(0, 3, offset=2)], msi_mrif.ABORTED,
                        "a read, an unaligned write")
        await self.settle([req(DID, gpa(1), "x")], 1, "execute of an MRIF page")
        self.check_mrifs("writes not recorded")

    # -- MSI PTE misconfigured ----------------------------------------------------------------
    async def invalidate(self, index: int, pw: bool = True) -> None:
        """The spec's command for an MSI PTE change: IOTINVAL.GVMA of its GPA, then IOFENCE.C."""
        self.maintain_caches("update")
        await self.run_commands([iotinval_gvma(gscid=GSCID, addr=gpa(index)), iofence_c(pw=pw)])

    async def reserved_bits(self) -> None:
        w0, w1 = msi_mrif.encode_pte(MRIF1, NOTICE1, NID1)
        bad = [(w0 | 1 << 3, w1, "dw0 bit 3"), (w0 | 1 << 6, w1, "dw0 bit 6"),
               (w0 | 1 << 54, w1, "dw0 bit 54"), (w0 | 1 << 62, w1, "dw0 bit 62"),
               (w0, w1 | 1 << 54, "dw1 bit 54"), (w0, w1 | 1 << 59, "dw1 bit 59"),
               (w0, w1 | 1 << 61, "dw1 bit 61"), (w0, w1 | 1 << 63, "dw1 bit 63"),
               (w0 | C, w1, "C=1")]
        for b0, b1, label in bad:
            self.set_pte(3, b0, b1)
            await self.invalidate(3)
            await self.settle([msi(3, 7)], 263, f"MRIF-mode PTE with {label}")
        self.set_pte(3, w0, w1)
        await self.invalidate(3)
        self.expect_pending(MRIF1, 7)
        await self.send([msi(3, 7)], msi_mrif.RECORDED, "file 3's PTE repaired")

    # -- flat <-> MRIF ------------------------------------------------------------------------
    async def mode_changes(self) -> None:
        w = [msi(2, 12)]
        await self.settle(w, ("pa", IMSIC), "file 2 in basic mode")
        w0, w1 = msi_mrif.encode_pte(MRIF1, NOTICE1, NID1)
        self.set_pte(2, w0, w1)                            # flat -> MRIF, not invalidated:
        await self.translate(w)                            # the old or the new PTE
        await self.invalidate(2)                           # IOTINVAL.GVMA + IOFENCE.C PW=1
        self.expect_pending(MRIF1, 12)
        await self.send(w, msi_mrif.RECORDED, "file 2 switched to MRIF mode")
        self.expect_settled(w, None, "flat -> MRIF")
        self.check_mrifs("flat -> MRIF")
        self.set_pte(2, *basic_pte(IMSIC + SIZE_4K))       # MRIF -> flat, not invalidated
        await self.translate([msi(2, 13)])
        await self.invalidate(2, pw=False)                 # IOTINVAL.GVMA + IOFENCE.C PW=0
        await self.settle([msi(2, 13)], ("pa", IMSIC + SIZE_4K), "file 2 back to basic mode")
        if self.env.peek64(MRIF1) >> 13 & 1:
            self.expect_pending(MRIF1, 13)                 # the old PTE was used before the fence

    # -- two stages ---------------------------------------------------------------------------
    async def two_stage(self) -> None:
        """Device 0x32 (Sv39 over Sv39x4, GSCID 12, the same MSI page table): the MSI check is
        made on the first-stage leaf's GPA, so an IOVA mapped to file 0's GPA writes MRIF 0;
        the first stage's permissions apply first (a write through a read-only leaf: 15)."""
        did, gscid = 0x32, 12
        g, guest = self.guest_page_table(gscid, 4, G_TABLES, SPA_TABLES)
        guest.map(IOVA, gpa(0), perms="rw")
        guest.map(IOVA + SIZE_4K, gpa(1), perms="r")
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode="sv39", fs_root=guest.root, pscid=4, g_mode="sv39x4", g_root=g.root,
            gscid=gscid, msi_mode="flat", msi_root=self.msi_root, msi_addr_mask=MASK,
            msi_addr_pattern=PATTERN)))
        # identity 130: pair 2 of MRIF 0 (0x3E00_0020), bit 2
        self.expect_pending(MRIF0, 130)
        w = WriteRequest(did=did, iova=IOVA, ttyp=TTYP.UNTRANSLATED_WRITE, data=130)
        await self.send([w], msi_mrif.RECORDED, "two stages to MRIF 0")
        ro = WriteRequest(did=did, iova=IOVA + SIZE_4K, ttyp=TTYP.UNTRANSLATED_WRITE, data=4)
        await self.settle([ro], 15, "a write through a read-only first-stage leaf")
        self.check_mrifs("two stages")

    # -- the notice MSI fails --------------------------------------------------------------------
    async def mrif_fails(self) -> None:
        """MRIF 0's first pair in memory that answers with a bus error: an MSI whose pending
        bit lives there faults with 264 (MRIF access fault: a record, no notice); one whose
        bit is in the next pair (identity 64: MRIF + 0x10) is still recorded."""
        self.env.set_access_fault(MRIF0, MRIF0 + 16)
        del self.pending[MRIF0]                            # no longer readable by the IOMMU
        for r in await self.translate([msi(0, 9)]):
            got = r.mrif or (f"fault {r.cause}" if r.fault else f"pa {r.pa:#x}")
            if got != "fault 264":
                raise AssertionError(f"MRIF in bus-error memory: MSI write iova={r.req.iova:#x} "
                                     f"answered {got}, the scenario meant fault 264 (MRIF "
                                     f"access fault)")
        self.expect_pending(MRIF0, 64)
        await self.send([msi(0, 64)], msi_mrif.RECORDED, "the next pair of the same MRIF")

    async def notice_fails(self) -> None:
        self.env.set_access_fault(NOTICE1, NOTICE1 + SIZE_4K)
        self.expect_pending(MRIF1, 300)
        await self.send([msi(1, 300)], msi_mrif.RECORDED, "notice MSI to a failing address")
        self.check_mrifs("notice failed")
