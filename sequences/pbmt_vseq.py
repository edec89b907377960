"""Svpbmt scenario: pages mapped with each memory type (PBMT 0 PMA, 1 NC, 2 IO) at the first
stage and at the G-stage, their combination in two-stage translations, remaps of a page's
memory type with the invalidation the spec asks for, and the reserved value 3 (a page fault at
the first stage, a guest-page fault at the G-stage). Every response's memory type is checked
by the scoreboard against the oracle (stale memory types are permitted exactly as stale
translations are, until the invalidation completes); `expect=('pbmt', n)` makes each step
check that the oracle settled on the memory type the step meant.

Devices:
- 0x31: first stage only (Sv39), three pages PMA / NC / IO;
- 0x32: G-stage only (Sv39x4, GSCID 5), three GPA pages PMA / NC / IO;
- 0x33: two stages (Sv39 over Sv39x4, GSCID 6): nine pages, first-stage PBMT x G-stage PBMT
  (a non-zero first-stage PBMT wins, else the G-stage's applies).
A DUT without Svpbmt (capabilities bit 15) skips the whole scenario, with the reason.
"""
from __future__ import annotations


from sequences.guest_update_vseq import GuestUpdateBase, req
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_table import SIZE_4K

PMA, NC, IO, RSVD = 0, 1, 2, 3
NAMES = {PMA: "PMA", NC: "NC", IO: "IO", RSVD: "reserved"}
IOVA = 0x5000_0000
G_TABLES = 0x8000_0000            # GPA of the guest's table region (one 2 MiB G-stage page)
G_DATA = 0x9000_0000              # GPA of the data pages
SPA_TABLES, SPA_DATA = 0x2600_0000, 0x3800_0000


def combine(fs: int, g: int) -> int:
    """Privileged spec, Svpbmt under the H extension: the first stage's non-zero PBMT overrides
    the G-stage's, which overrides the PMA."""
    return fs if fs else g


def rw(did: int, va: int) -> list:
    return [req(did, va, "r"), req(did, va + 0x48, "w")]


def pbmt_is(value: int):
    return lambda r: ("pbmt", value)


class PbmtVseq(GuestUpdateBase):
    async def body(self):
        if not self.dut.need("svpbmt", "Svpbmt memory types (the whole pbmt scenario)"):
            return
        await self.init_iommu("1lvl")
        await self.first_stage()
        await self.g_stage()
        await self.two_stage()

    # -- first stage only ---------------------------------------------------------------------
    async def first_stage(self) -> None:
        did = 0x31
        pt = await self.host_device(did, "sv39", pscid=11)
        pages = {}
        for i, p in enumerate((PMA, NC, IO)):
            va = IOVA + i * SIZE_4K
            await self.after_update(pt.map(va, 0x4400_0000 + i * SIZE_4K, perms="rw", pbmt=p))
            pages[va] = p
        allq = [r for va in pages for r in rw(did, va)]
        await self.settle(allq, lambda r: ("pbmt", pages[r.iova & ~0xFFF]), "first-stage types")
        va = IOVA + SIZE_4K                   # NC -> IO -> PMA -> NC, each invalidated
        q = rw(did, va)
        for p in (IO, PMA, NC):
            await self.cycle(q, lambda p=p: pt.set_pbmt(va, p), expect=pbmt_is(p),
                             label=f"first-stage leaf PBMT -> {NAMES[p]}")
        # reserved value: a page fault by the access type, then back to IO
        await self.cycle(q, lambda: pt.set_pbmt(va, RSVD),
                         expect=lambda r: 13 if r.ttyp == 2 else 15, label="first-stage PBMT=3")
        await self.cycle(q, lambda: pt.set_pbmt(va, IO), expect=pbmt_is(IO),
                         label="first-stage PBMT 3 -> IO")
        # a remap keeps the memory type
        await self.cycle(q, lambda: pt.remap(va, 0x4500_0000), expect=pbmt_is(IO),
                         label="remap of an IO page")

    # -- G-stage only -------------------------------------------------------------------------
    async def g_stage(self) -> None:
        did = 0x32
        g = self.page_table("sv39x4", gscid=5)
        pages = {}
        for i, p in enumerate((PMA, NC, IO)):
            gpa = G_DATA + i * SIZE_4K
            g.map(gpa, 0x4600_0000 + i * SIZE_4K, SIZE_4K, "rw", pbmt=p)
            pages[gpa] = p
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            g_mode="sv39x4", g_root=g.root, gscid=5)))
        allq = [r for gpa in pages for r in rw(did, gpa)]
        await self.settle(allq, lambda r: ("pbmt", pages[r.iova & ~0xFFF]), "G-stage types")
        gpa = G_DATA + 2 * SIZE_4K            # IO -> NC -> PMA, each with IOTINVAL.GVMA
        q = rw(did, gpa)
        for p in (NC, PMA):
            await self.cycle(q, lambda p=p: g.set_pbmt(gpa, p), holders=[self.ddt],
                             expect=pbmt_is(p), label=f"G-stage leaf PBMT -> {NAMES[p]}")
        await self.cycle(q, lambda: g.set_pbmt(gpa, RSVD), holders=[self.ddt],
                         expect=lambda r: 21 if r.ttyp == 2 else 23, label="G-stage PBMT=3")
        await self.cycle(q, lambda: g.set_pbmt(gpa, IO), holders=[self.ddt], expect=pbmt_is(IO),
                         label="G-stage PBMT 3 -> IO")

    # -- two stages ---------------------------------------------------------------------------
    async def two_stage(self) -> None:
        did, gscid = 0x33, 6
        g, guest = self.guest_page_table(gscid, 12, G_TABLES, SPA_TABLES)
        want = {}
        k = 0
        for fs in (PMA, NC, IO):
            for gp in (PMA, NC, IO):
                gpa = G_DATA + k * SIZE_4K
                g.map(gpa, SPA_DATA + k * SIZE_4K, SIZE_4K, "rw", pbmt=gp)
                guest.map(IOVA + k * SIZE_4K, gpa, perms="rw", pbmt=fs)
                want[IOVA + k * SIZE_4K] = combine(fs, gp)
                k += 1
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode="sv39", fs_root=guest.root, pscid=12, g_mode="sv39x4", g_root=g.root,
            gscid=gscid)))
        allq = [r for va in want for r in rw(did, va)]
        await self.settle(allq, lambda r: ("pbmt", want[r.iova & ~0xFFF]), "two-stage table")
        # page 1: first stage PMA over G-stage NC -> NC. The G-stage leaf becomes IO (GVMA):
        # IO shows through; then the first stage says NC (VMA GV=1): NC overrides the IO.
        va, gpa = IOVA + 1 * SIZE_4K, G_DATA + 1 * SIZE_4K
        q = rw(did, va)
        await self.cycle(q, lambda: g.set_pbmt(gpa, IO), holders=[self.ddt], expect=pbmt_is(IO),
                         label="G-stage under a PMA first stage: NC -> IO")
        await self.cycle(q, lambda: guest.set_pbmt(va, NC), expect=pbmt_is(NC),
                         label="first stage NC over G-stage IO")
        await self.cycle(q, lambda: guest.set_pbmt(va, PMA), expect=pbmt_is(IO),
                         label="first stage back to PMA: the G-stage's IO applies")
        # page 5: first stage NC over G-stage IO; the G-stage change is hidden by the first
        # stage (the result stays NC), the first stage going to PMA exposes it
        va, gpa = IOVA + 5 * SIZE_4K, G_DATA + 5 * SIZE_4K
        q = rw(did, va)
        await self.cycle(q, lambda: g.set_pbmt(gpa, PMA), holders=[self.ddt], expect=pbmt_is(NC),
                         label="G-stage change under a NC first stage")
        await self.cycle(q, lambda: guest.set_pbmt(va, PMA), expect=pbmt_is(PMA),
                         label="both stages PMA")
