"""Register agent driver: executes RegBatch items on s_axil with cocotbext-axi's
AxiLiteMaster and publishes every completed operation on its analysis port (in bus order),
so the scoreboard sees software register writes exactly when the DUT did."""
from __future__ import annotations

from cocotbext.axi import AxiLiteBus, AxiLiteMaster
from pyuvm import uvm_analysis_port, uvm_driver

from tb.agents.signal_names import SignalNames


class RegDriver(uvm_driver):
    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.axil: AxiLiteMaster | None = None

    def attach(self, dut) -> None:
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(SignalNames(dut), "s_axil"), dut.clk, dut.rst_n,
                                  reset_active_level=False)
        for log in (self.axil.write_if.log, self.axil.read_if.log):
            log.setLevel("WARNING")

    async def execute(self, op) -> None:
        if op.write:
            await self.axil.write(op.offset, op.value.to_bytes(op.size, "little"))
        else:
            rsp = await self.axil.read(op.offset, op.size)
            op.result = int.from_bytes(rsp.data, "little")
        self.ap.write(op)

    async def run_phase(self):
        while True:
            batch = await self.seq_item_port.get_next_item()
            for op in batch.ops:
                await self.execute(op)
            self.seq_item_port.item_done()
