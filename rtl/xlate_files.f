rtl/iommu_xlate.v
rtl/iommu_walker.v
rtl/iommu_iotlb.v
rtl/iommu_ctx_cache.v
