"""The small pieces of the vIOMMU stack: the VM's memory map, the VMM's walk of the guest's
tables, the persona registries (one-line errors for unknown names), and the coverage bins
naming every persona."""
import pytest

from models import Memory
from sequences.guest import guest_walk
from sequences.guest.guest_personas import CachingModeGuest, guest_persona
from sequences.guest.vm_memory import VmMemoryMap
from sequences.guest.vmm import VMM_PERSONAS, NestedForwardingVmm, ShadowingVmm, vmm_persona
from sequences.sw import SIZE_2M, PageAllocator, PageTable, SpecRecommended


def test_vm_memory_map_both_ways():
    vm = VmMemoryMap(0x8000_0000, 0x4000_0000, 0x100_0000)
    assert vm.spa(0x8012_3458) == 0x4012_3458
    assert vm.gpa(0x4012_3458) == 0x8012_3458
    assert vm.gpa(0x4100_0000) is None and vm.gpa(0x3FFF_FFF8) is None
    assert vm.pages_2m()[:2] == [(0x8000_0000, 0x4000_0000), (0x8020_0000, 0x4020_0000)]
    assert len(vm.pages_2m()) == 8
    with pytest.raises(ValueError, match="outside the VM's RAM"):
        vm.spa(0x8100_0000)
    with pytest.raises(ValueError, match="multiple of 2 MiB"):
        VmMemoryMap(0x8000_1000, 0, 0x20_0000)


def test_guest_walk_and_leaves():
    mem = Memory()
    pt = PageTable("sv39", PageAllocator(0x8010_0000, 0x10_0000, mem.write64, zero=False),
                   mem.write64, pscid=7)
    pt.map(0x1000_0000, 0x8083_0000, perms="rw")
    pt.map(0x1000_1000, 0x8084_0000, perms="r")
    pt.map(0x4000_0000, 0x8060_0000, SIZE_2M, "rx")
    w = guest_walk.walk(mem.read64, pt.root, "sv39", 0x1000_1234)
    assert w == guest_walk.GuestLeaf(0x1000_1000, 0x8084_0000, "r", 0x1000)
    assert guest_walk.walk(mem.read64, pt.root, "sv39", 0x4001_2345) == guest_walk.GuestLeaf(
        0x4000_0000, 0x8060_0000, "rx", SIZE_2M)
    assert guest_walk.walk(mem.read64, pt.root, "sv39", 0x1000_2000) is None
    assert [leaf.va for leaf in guest_walk.leaves(mem.read64, pt.root, "sv39")] == [
        0x1000_0000, 0x1000_1000, 0x4000_0000]


def test_unknown_vmm_persona_is_one_line():
    with pytest.raises(ValueError) as e:
        vmm_persona("nested-forwarder")
    msg = str(e.value)
    assert "\n" not in msg and "unknown VMM persona 'nested-forwarder'" in msg
    assert "nested-forwarding" in msg and "shadowing" in msg
    assert vmm_persona("nested-forwarding") is NestedForwardingVmm
    assert vmm_persona("shadowing") is ShadowingVmm


def test_guest_personas_by_policy():
    assert isinstance(guest_persona("riscv-1.0-strict"), SpecRecommended)
    assert isinstance(guest_persona("caching-mode"), CachingModeGuest)
    with pytest.raises(ValueError, match="no guest driver for policy 'tlbi-on-map'"):
        guest_persona("tlbi-on-map")


def test_each_persona_declares_its_guest_policy():
    for name, cls in VMM_PERSONAS.items():
        assert cls.name == name
        want = "caching-mode" if name.startswith("shadowing") else "riscv-1.0-strict"
        assert cls.guest_policy == want, name


def test_coverage_bins_name_every_persona():
    from tb.env.covergroups import VIOMMU_PERSONAS, viommu_possible
    assert sorted(VIOMMU_PERSONAS) == sorted(VMM_PERSONAS)
    assert viommu_possible("shadowing", "caching-mode", "guest")
    assert not viommu_possible("nested-forwarding", "caching-mode", "none")
