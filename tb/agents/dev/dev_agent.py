"""Device agent: sequencer, driver and monitor around one DevBfm on dev_req/dev_rsp."""
from pyuvm import uvm_agent, uvm_sequencer

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

    def attach(self, dut, **kwargs) -> None:
        self.bfm = DevBfm(dut, **kwargs)
        self.driver.bfm = self.bfm
        self.bfm.start()
