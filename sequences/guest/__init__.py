"""The two-layer virtual-IOMMU stack: a guest software layer (guest_driver) on a virtual IOMMU
that a VMM persona (vmm) provides on top of the host software layer, judged at both layers
(guest_view, attribution). docs/virtualization.md is the tutorial."""
