// RISC-V IOMMU sources, one per line, relative to the repository root.
// rtl/iommu_defs.vh (named encodings, IOMMU_ALWAYS_RUN) is included by the modules.
+incdir+rtl
// Control side and top:
rtl/iommu_regs.v
rtl/iommu_cq.v
rtl/iommu_fq.v
rtl/iommu_axi_master.v
rtl/iommu_dbg.v
rtl/iommu_hpm.v
// Translation datapath (iommu_xlate and its submodules):
-f rtl/xlate_files.f
rtl/riscv_iommu.v
