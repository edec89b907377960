"""Device agent: sequencer, driver and monitor around one BFM on dev_req/dev_rsp: DevBfm on
the toplevel's ports, or DevBatchBfm when the toplevel is iommu_bench_top (the HDL batch
driver u_drv owns the port)."""
from pyuvm import uvm_agent, uvm_sequencer

from tb.agents.dev.dev_batch_bfm import DevBatchBfm
from tb.agents.dev.dev_bfm import DevBfm
from tb.agents.dev.dev_driver import DevDriver
from tb.agents.dev.dev_monitor import DevMonitor


class DevAgent(uvm_agent):
    def build_phase(self):
        self.seqr = uvm_sequencer("seqr", self)
        self.driver = DevDriver("driver", self)
        self.monitor = DevMonitor("monitor", self)
        self.bfm: DevBfm | None = None

    def connect_phase(self):
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.driver.publish = self.monitor.publish
        self.ap = self.monitor.ap

    def attach(self, dut, clock_ns: int = 10, **kwargs) -> None:
        if hasattr(dut, "u_drv"):
            self.bfm = DevBatchBfm(dut.u_drv, clock_ns,
                                   max_outstanding=kwargs.get("max_outstanding", 64),
                                   rsp_stall=kwargs.get("rsp_stall", 0.0))
        else:
            self.bfm = DevBfm(dut, **kwargs)
        self.driver.bfm = self.bfm
        self.bfm.start()
