"""Device agent monitor: publishes each request as the DUT accepts it, as (seq_no, Request) on
`issued_ap`, and each answer the adapter matched to its request, as a TranslationResult, on
`ap`. The scoreboard keeps its own table of what is in flight from these two."""
from pyuvm import uvm_analysis_port, uvm_monitor


class DevMonitor(uvm_monitor):
    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.issued_ap = uvm_analysis_port("issued_ap", self)
        self.count = 0

    def publish_issue(self, seq_no: int, req) -> None:
        self.issued_ap.write((seq_no, req))

    def publish(self, result) -> None:
        self.count += 1
        self.ap.write(result)
