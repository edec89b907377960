// iommu_xlate and its submodules, relative to the repository root; they include
// rtl/iommu_defs.vh.
+incdir+rtl
rtl/iommu_xlate.v
rtl/iommu_walker.v
rtl/iommu_iotlb.v
rtl/iommu_ctx_cache.v
