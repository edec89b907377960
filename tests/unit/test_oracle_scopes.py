"""Which command covers which cached item: every row of the IOTINVAL.VMA (8), IOTINVAL.GVMA
(3) and IODIR (3) tables, against items with and without the tag fields they name, global
and non-global, leaf and non-leaf. Expected booleans are written by hand from the tables in
iommu_in_memory_queues.adoc ([[IVMA]], [[IGVMA]], IODIR) and the [[CACHING]] tag table.
"""
import pytest

from models.command_queue import Command
from oracle_tables import (dc_order, LEAF, LVL1, NEW_PA, OLD_PA, SV39, SV39X4, TC_V, V, Sw, atp, ddtp,
                           gvma, inval_ddt, inval_pdt, pte, req, res, ta, vma)
from models import Reg
from scoreboards.scope import Key, covers, why_not

VA = 0x4000_1000
SV39_BITS, SV39X4_BITS = 39, 41


def k1(gscid, pscid, level=0, va=VA, leaf=True, glob=False):
    """A first-stage item of an Sv39 space (tag as the model's walk builds it)."""
    return Key("pte1", (gscid, pscid, level, (va & ((1 << 39) - 1)) >> (12 + 9 * level)),
               SV39_BITS, leaf, glob)


def k2(gscid, level=0, gpa=VA, leaf=True):
    return Key("pte2", (gscid, level, gpa >> (12 + 9 * level)), SV39X4_BITS, leaf)


def VMA(gv=0, av=0, pscv=0, pscid=0, gscid=0, addr=0):
    return Command("IOTINVAL.VMA", gv=gv, av=av, pscv=pscv, pscid=pscid, gscid=gscid, addr=addr)


def GVMA(gv=0, av=0, gscid=0, addr=0):
    return Command("IOTINVAL.GVMA", gv=gv, av=av, gscid=gscid, addr=addr)


def DDT(dv=0, did=0):
    return Command("IODIR.INVAL_DDT", dv=dv, did=did)


def PDT(did, pid):
    return Command("IODIR.INVAL_PDT", dv=1, did=did, pid=pid)


HOST7 = k1(None, 7)                     # host space (G-stage Bare), pscid 7, leaf for VA
HOST7_GLOBAL = k1(None, 7, glob=True)
HOST7_NONLEAF = k1(None, 7, level=1, leaf=False)
HOST8 = k1(None, 8)
HOST7_OTHER_VA = k1(None, 7, va=VA + 0x1000)
HOST7_SUPER = k1(None, 7, level=1, va=VA)           # a 2 MiB leaf covering VA
VM3_7 = k1(3, 7)                        # VM space gscid 3, pscid 7
VM3_7_GLOBAL = k1(3, 7, glob=True)
VM4_7 = k1(4, 7)
VM3_7_NONLEAF = k1(3, 7, level=2, leaf=False)

VMA_ROWS = [
    # (GV, AV, PSCV) row of [[IVMA]]: items covered (True) / not (False)
    (VMA(), {HOST7: True, HOST7_GLOBAL: True, HOST7_NONLEAF: True, HOST8: True, VM3_7: False}),
    (VMA(pscv=1, pscid=7), {HOST7: True, HOST7_GLOBAL: False, HOST7_NONLEAF: True, HOST8: False,
                            VM3_7: False}),
    (VMA(av=1, addr=VA), {HOST7: True, HOST7_GLOBAL: True, HOST7_NONLEAF: False, HOST8: True,
                          HOST7_OTHER_VA: False, HOST7_SUPER: True, VM3_7: False}),
    (VMA(av=1, pscv=1, pscid=7, addr=VA), {HOST7: True, HOST7_GLOBAL: False, HOST7_NONLEAF: False,
                                           HOST8: False, HOST7_OTHER_VA: False, VM3_7: False}),
    (VMA(gv=1, gscid=3), {VM3_7: True, VM3_7_GLOBAL: True, VM3_7_NONLEAF: True, VM4_7: False,
                          HOST7: False}),
    (VMA(gv=1, gscid=3, pscv=1, pscid=7), {VM3_7: True, VM3_7_GLOBAL: False, VM3_7_NONLEAF: True,
                                           k1(3, 8): False, VM4_7: False, HOST7: False}),
    (VMA(gv=1, gscid=3, av=1, addr=VA), {VM3_7: True, VM3_7_GLOBAL: True, VM3_7_NONLEAF: False,
                                         k1(3, 7, va=VA + 0x1000): False, VM4_7: False,
                                         HOST7: False}),
    (VMA(gv=1, gscid=3, av=1, pscv=1, pscid=7, addr=VA),
     {VM3_7: True, VM3_7_GLOBAL: False, VM3_7_NONLEAF: False, k1(3, 8): False, VM4_7: False,
      HOST7: False}),
]

G3 = k2(3)
G3_NONLEAF = k2(3, level=1, leaf=False)
G3_SUPER = k2(3, level=2, gpa=VA)
G3_OTHER = k2(3, gpa=VA + 0x1000)
G4 = k2(4)
GVMA_ROWS = [
    (GVMA(), {G3: True, G3_NONLEAF: True, G4: True, HOST7: False, VM3_7: False}),
    (GVMA(gv=0, av=1, addr=VA + 0x5000), {G3: True, G4: True}),        # AV ignored when GV=0
    (GVMA(gv=1, gscid=3), {G3: True, G3_NONLEAF: True, G3_OTHER: True, G4: False, VM3_7: False}),
    (GVMA(gv=1, av=1, gscid=3, addr=VA), {G3: True, G3_NONLEAF: False, G3_SUPER: True,
                                          G3_OTHER: False, G4: False, VM3_7: False}),
]

DDTE = Key("ddte", (1, 5 >> 7))
DC5, DC6 = Key("dc", (5,)), Key("dc", (6,))
PDTE5, PDTE6 = Key("pdte", (5, 1, 0)), Key("pdte", (6, 1, 0))
PC5_3, PC5_4, PC6_3 = Key("pc", (5, 3)), Key("pc", (5, 4)), Key("pc", (6, 3))
DIR = [DDTE, DC5, DC6, PDTE5, PDTE6, PC5_3, PC5_4, PC6_3]
IODIR_ROWS = [
    (DDT(), {k: True for k in DIR}),
    (DDT(dv=1, did=5), {DDTE: False, DC5: True, DC6: False, PDTE5: True, PDTE6: False,
                        PC5_3: True, PC5_4: True, PC6_3: False}),
    (PDT(5, 3), {DDTE: False, DC5: False, DC6: False, PDTE5: False, PDTE6: False, PC5_3: True,
                 PC5_4: False, PC6_3: False}),
]


@pytest.mark.parametrize("cmd,expect", VMA_ROWS + GVMA_ROWS + IODIR_ROWS,
                         ids=lambda x: getattr(x, "name", None) and
                         f"{x.name}-gv{x.gv}-av{x.av}-pscv{x.pscv}-dv{x.dv}")
def test_command_scope_table(cmd, expect):
    for key, covered in expect.items():
        assert covers(cmd, key) is covered, f"{cmd} on {key}"


@pytest.mark.parametrize("cmd", [c for c, _ in VMA_ROWS + GVMA_ROWS])
def test_iotinval_never_touches_directory_items(cmd):
    assert not any(covers(cmd, k) for k in DIR)


@pytest.mark.parametrize("cmd", [c for c, _ in IODIR_ROWS])
def test_iodir_never_touches_page_table_items(cmd):
    for k in (HOST7, HOST7_GLOBAL, VM3_7, G3, G3_NONLEAF):
        assert not covers(cmd, k)


def test_vma_does_not_cover_g_stage_and_gvma_not_first_stage():
    assert not covers(VMA(gv=1, gscid=3), G3)
    assert not covers(GVMA(gv=1, gscid=3), VM3_7)


def test_msi_pte_is_covered_by_gvma():
    m = Key("msipte", (3, VA >> 12))
    assert covers(GVMA(), m) and covers(GVMA(gv=1, gscid=3), m)
    assert covers(GVMA(gv=1, av=1, gscid=3, addr=VA), m)
    assert not covers(GVMA(gv=1, av=1, gscid=3, addr=VA + 0x1000), m)
    assert not covers(GVMA(gv=1, gscid=4), m) and not covers(VMA(), m)


# ---- the same scopes seen through the oracle: a global mapping under PSCV=1 --------------
def test_global_leaf_survives_pscv_invalidation():
    from scoreboards import CoherenceOracle
    o = CoherenceOracle()
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    for i, w in dc_order((TC_V, 0, ta(7), atp(SV39, 0x20000))):
        sw.st(0x100a0 + 8 * i, w)
    sw.st(0x20008, pte(0x21000, V))
    sw.st(0x21000, pte(0x22000, V))
    sw.st(0x22008, pte(OLD_PA, LEAF | 32))                 # G=1
    assert res(o.outcomes(req())) == {(OLD_PA, None)}
    sw.st(0x22008, pte(NEW_PA, LEAF | 32))
    sw.invalidate(vma(pscv=1, pscid=7))                    # spares global entries
    assert res(o.outcomes(req())) == {(OLD_PA, None), (NEW_PA, None)}
    sw.invalidate(vma(av=1, addr=VA))                      # PSCV=0: global included
    assert res(o.outcomes(req())) == {(NEW_PA, None)}


def test_global_non_leaf_makes_the_leaf_global():
    from scoreboards import CoherenceOracle
    o = CoherenceOracle()
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    for i, w in dc_order((TC_V, 0, ta(7), atp(SV39, 0x20000))):
        sw.st(0x100a0 + 8 * i, w)
    sw.st(0x20008, pte(0x21000, V | 32))                   # G=1 on the root entry
    sw.st(0x21000, pte(0x22000, V))
    sw.st(0x22008, pte(OLD_PA, LEAF))
    o.outcomes(req())
    sw.st(0x22008, pte(NEW_PA, LEAF))
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=VA))
    assert res(o.outcomes(req())) == {(OLD_PA, None), (NEW_PA, None)}
    sw.invalidate(vma(av=1, pscv=0, addr=VA))
    assert res(o.outcomes(req())) == {(NEW_PA, None)}


def test_gvma_gv0_covers_every_vm_and_vma_gv1_pscv0_every_pscid():
    from scoreboards import CoherenceOracle
    o = CoherenceOracle()
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    for i, w in dc_order((TC_V, atp(SV39X4, 0x40000, 3), 0, 0)):
        sw.st(0x100a0 + 8 * i, w)
    sw.st(0x40008, pte(0x44000, V))
    sw.st(0x44000, pte(0x45000, V))
    sw.st(0x45008, pte(OLD_PA, LEAF | 8))
    o.outcomes(req())
    sw.st(0x45008, pte(NEW_PA, LEAF | 8))
    sw.invalidate(inval_ddt(), inval_pdt(5, 0), vma(gv=1, gscid=3))
    assert res(o.outcomes(req())) == {(OLD_PA, None), (NEW_PA, None)}
    sw.invalidate(gvma(gv=0, av=1, addr=0x7000_0000))     # GV=0: everything, AV ignored
    assert res(o.outcomes(req())) == {(NEW_PA, None)}


@pytest.mark.parametrize("cmd,key,why", [
    (Command("IOTINVAL.VMA", gv=1, gscid=3), Key("pte1", (None, 7, 0, 0x40001), 39),
     "GV=1 (a VM's space), the entry is in the host space (GV=0)"),
    (Command("IOTINVAL.VMA"), Key("pte1", (3, 7, 0, 0x40001), 39),
     "GV=0 (the host space), the entry is in GSCID 3's space (GV=1)"),
    (Command("IOTINVAL.VMA", pscv=1, pscid=7), Key("pte1", (None, 7, 0, 0x40001), 39, True, True),
     "PSCV=1 spares global entries"),
    (Command("IOTINVAL.VMA", av=1, addr=0x4000_1000), Key("pte1", (None, 7, 1, 0x200), 39, False),
     "AV=1 with NL=0 spares non-leaf entries (NL=1 or AV=0 covers them)"),
    (Command("IOTINVAL.GVMA", gv=1, gscid=4), Key("pte2", (3, 0, 0x90004), 41),
     "GSCID 4, not 3"),
    (Command("IOTINVAL.GVMA", gv=1, gscid=3, av=1, addr=0x9000_5000), Key("pte2", (3, 0, 0x90004), 41),
     "ADDR 0x90005000 is outside the page at 0x90004000"),
    (Command("IOTINVAL.VMA"), Key("pte2", (3, 0, 0x90004), 41),
     "IOTINVAL.VMA does not cover G-stage or MSI entries"),
    (Command("IODIR.INVAL_DDT", dv=1, did=6), Key("dc", (5,)), "DID 6, not 5"),
    (Command("IODIR.INVAL_DDT", dv=1, did=5), Key("ddte", (1, 0)),
     "IODIR.INVAL_DDT with DV=1 never covers non-leaf DDT entries"),
    (Command("IODIR.INVAL_PDT", dv=1, did=5, pid=4), Key("pc", (5, 3)), "DID 5 PID 4, not DID 5 PID 3"),
    (Command("IOTINVAL.VMA"), Key("dc", (5,)), "IOTINVAL does not cover directory entries"),
    (Command("IODIR.INVAL_DDT"), Key("pte1", (None, 7, 0, 0x40001), 39),
     "IODIR does not cover page-table entries"),
    (Command("IODIR.INVAL_DDT"), Key("dc", (5,)), ""),
])
def test_why_not_names_the_operand_that_misses(cmd, key, why):
    assert why_not(cmd, key) == why
