"""Benchmark tests (`make bench`): the bench scenarios, with checking on (the product) and off
(the limit: the same traffic through the RTL with the scoreboard disconnected). The memory is
$IOMMU_MEMORY (tb.bench sets hdl and runs them on iommu_fast_top; axiram needs riscv_iommu)."""
import json
import os
from pathlib import Path

from tb.tests.uvm_test import uvm_test

import sequences.bench_vseq  # noqa: F401
from tb.tests.base_test import IommuBaseTest


class BenchBase(IommuBaseTest):
    def configure(self, cfg):
        cfg.checking = os.environ.get("IOMMU_BENCH_CHECK", "1") == "1"
        cfg.max_outstanding = 64

    def extract_phase(self):
        super().extract_phase()
        n, secs, cpu, chk_cpu = getattr(self.env, "bench_result", (0, 0.0, 0.0, None))
        bfm = self.env.dev.bfm
        Path("bench.json").write_text(json.dumps({
            "count": n, "seconds": secs, "checked": self.env.sb.checked, "memory": self.cfg.memory,
            # CPU seconds of the timed window: the simulator's process (simulator and Python)
            # and the checker process (None when the checking runs in the simulator's)
            "cpu_seconds": cpu, "checker_cpu_seconds": chk_cpu, "checker": self.env.checker.kind,
            # with the HDL batch driver: cycles and wall time spent in the simulator (whole test)
            "hdl_cycles": getattr(bfm, "hdl_cycles", None),
            "hdl_seconds": getattr(bfm, "hdl_seconds", None)}))

    def check_phase(self):
        if self.cfg.checking:
            super().check_phase()
        elif self.seq_error is not None:
            raise self.seq_error          # unchecked, but a sequence that stopped still fails


for _shape in ("Hits", "Sv39Miss", "TwoStage", "Mix"):
    _cls = type(f"Bench{_shape}Test", (BenchBase,), {"vseq_name": f"Bench{_shape}Vseq"})
    globals()[_cls.__name__] = uvm_test(timeout_time=600, timeout_unit="sec")(_cls)
