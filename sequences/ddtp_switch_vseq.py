"""ddtp changes under traffic, with the spec's software sequence (docs/concurrency-scenarios.md).

The spec (ddtp register): writing 1LVL/2LVL/3LVL is defined only from Off or Bare, and Bare
only from Off; software must see ddtp.busy = 0 before writing ddtp again; entering Off must
not change the PPN; in-flight requests observed at the Off write finish under the old
configuration or are aborted; entering Bare or Off keeps the caches, so software invalidates
them. A root or level change is therefore:
    ddtp = Off (same PPN), poll busy -> [ddtp = Bare, poll busy] -> full flush
    (IODIR.INVAL_DDT DV=0, IOTINVAL.VMA all, IOTINVAL.GVMA all, IOFENCE.C PR=PW=1)
    -> new directory written -> ddtp = new mode and root, poll busy.
Background traffic runs throughout, so requests are in flight across every write (each is
judged against every outcome of its flight: old directory, 256 in Off, pass-through in Bare,
new directory). In every switch each host device moves to its other page table (other
PSCID, other PAs), so a device context left cached from the old directory is seen.
"""
from __future__ import annotations

from cocotb.triggers import Timer

from models import Reg, Request, TTYP
from sequences.concurrency_vseq import HOST_DATA, WIN, ConcurrencyBase
from sequences.sw.device_directory import DeviceContextSpec, DeviceDirectory
from sequences.sw.page_table import SIZE_4K

DDTP_OFF, DDTP_BARE, DDTP_BUSY = 0, 1, 1 << 4
HOSTS = (0x05, 0x06, 0x41)      # fit every DDT mode
PAGES = 16


class DdtpSwitcher:
    """ddtp switches (mixin for ConcurrencyBase scenarios); `flip` maps a device to its other
    DC on each switch (host devices set up by hosts_setup)."""

    ddt_modes = ("1lvl", "2lvl", "3lvl")

    async def hosts_setup(self) -> None:
        self.flip: dict[int, tuple] = {}
        for n, did in enumerate(HOSTS):
            specs = []
            for alt in range(2):
                pscid = 200 + 2 * n + alt
                pt = self.page_table("sv39", pscid=pscid)
                for i in range(PAGES):
                    pt.map(WIN + i * SIZE_4K, HOST_DATA + (alt * 64 + n * PAGES + i) * SIZE_4K,
                           perms="rw")
                specs.append(DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=pscid))
            self.flip[did] = tuple(specs)
            await self.after_update(self.ddt.set_dc(did, specs[0]))

    def host_req(self) -> Request:
        rng = self.rng
        return Request(did=rng.choice(HOSTS), iova=WIN + rng.randrange(PAGES) * SIZE_4K + 8 * rng.randrange(512),
                       ttyp=rng.choice([TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE]))

    async def write_ddtp(self, value: int, when: str, polls: int = 100) -> None:
        """Write ddtp, poll until busy reads 0, then the whole register must be the model's."""
        await self.reg_write(Reg.DDTP, value, 8)
        for _ in range(polls):
            got = await self.reg_read(Reg.DDTP, 8)
            if not got & DDTP_BUSY:
                break
            await Timer(self.poll_ns, unit="ns")
        want = self.env.expected_reg(Reg.DDTP, 8)
        if got != want:
            raise AssertionError(f"REGISTER ddtp expected {want:#x} got {got:#x} {when}")

    async def switch_ddtp(self, mode: str, via_bare: bool) -> None:
        old = self.ddt
        await self.write_ddtp(old.ddtp() & ~0xF | DDTP_OFF, "after entering Off (same PPN)")
        if via_bare:
            await self.write_ddtp(old.ddtp() & ~0xF | DDTP_BARE, "after entering Bare from Off")
        await self.flush_all()
        new = DeviceDirectory(mode, self.alloc, self.store64, extended=self.ddt.extended)
        for did in old.devices():
            spec = old.get_dc(did)
            if did in self.flip:
                a, b = self.flip[did]
                spec = b if spec == a else a
            new.set_dc(did, spec)                # a directory not in use: nothing to invalidate
        self.ddt = new
        await self.write_ddtp(new.ddtp(), f"after entering {mode.upper()} at {new.root:#x}")
        self.switches += 1


class DdtpSwitchVseq(DdtpSwitcher, ConcurrencyBase):
    n_switches = 4
    fq_log2 = 10                   # every request in Off is a recorded fault (256)

    async def body(self):
        rng = self.rng
        self.switches = 0
        await self.init_iommu(rng.choice(self.ddt_modes), fq_log2=self.fq_log2)
        await self.hosts_setup()
        self.start_traffic(self.host_req, gap_ns=(50, 600))
        for _ in range(self.n_switches):
            await Timer(rng.randint(1000, 4000), unit="ns")
            await self.switch_ddtp(rng.choice(self.ddt_modes), rng.random() < 0.5)
            await self.drain_faults(False)
        await Timer(2000, unit="ns")
        await self.stop_traffic()
        await self.drain_faults(True)
        self.env.logger.info(f"ddtp switch: {self.switches} switches under traffic")
