// iommu_fast_top: the IOMMU with its m_axi served by an HDL memory (bench and fast runs).
-f rtl/riscv_iommu.f
tb/hdl/axi_mem_model.v
tb/hdl/iommu_fast_top.v
