// iommu_bench_top: the fast top with its device port driven by dev_batch_driver (make bench).
// runner: timing
-f tb/hdl/fast_top.f
tb/hdl/dev_batch_driver.v
tb/hdl/iommu_bench_top.v
tb/hdl/bench_top.vlt
