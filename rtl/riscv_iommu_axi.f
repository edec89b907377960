// riscv_iommu behind the AXI4 DMA front: the IOMMU sources, then the front.
-f rtl/riscv_iommu.f
rtl/riscv_iommu_axi.v
