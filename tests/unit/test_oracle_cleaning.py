"""The oracle on a non-coherent platform (scoreboards/cleaning.py): stores that stay in the
hart's cache (store_cached) are invisible to the IOMMU until written back (store64), and a
store not cleaned before the doorbell or the invalidation that needed it is a `missing-clean`
finding, apart from a missing invalidation.

The values are worked out by hand from the spec:
- ddtp 1LVL at 0x100000: ddtp = PPN 0x100 << 10 | mode 2 = 0x40002; base-format DCs are 32
  bytes, so the DC of device 5 is at 0x100000 + 5 * 32 = 0x1000a0 (tc, iohgatp, ta, fsc at
  +0, +8, +16, +24); its 64-byte cache block is 0x100080.
- command queue at 0x10000 with 64 entries: cqb = PPN 0x10 << 10 | (LOG2SZ-1 = 5) = 0x4005;
  entry i is at 0x10000 + 16 * i, entries 0..3 share the block 0x10000.
- commands (opcode [6:0], func3 [9:7]): IOFENCE.C = 2; IODIR.INVAL_DDT = 3 | DV [33] |
  DID [63:40], so DV=1 DID=5 is 0x0000_0502_0000_0003; IOTINVAL.VMA GV=AV=PSCV=0 = 1.
- a DC with V=1 and both stages Bare (tc = 1, fsc = iohgatp = 0): an untranslated read of
  IOVA 0x1234 gets PA 0x1234; with the DC still V=0 in memory: cause 258 (DC not valid).
"""
from models import Outcome, Reg, Request, TTYP
from scoreboards import CoherenceOracle

DC5 = 0x1000A0
CQ = 0x10000
INVAL_DDT_5 = 0x0000_0502_0000_0003
FENCE = 0x2
READ = Request(did=5, iova=0x1234, ttyp=TTYP.UNTRANSLATED_READ)


def oracle() -> CoherenceOracle:
    o = CoherenceOracle()
    o.write_reg(Reg.CQB, 0x4005)
    o.write_reg(Reg.CQT, 0, size=4)
    o.write_reg(Reg.CQCSR, 1, size=4)
    o.write_reg(Reg.DDTP, 0x40002)
    return o


def cached_dc(o, ta=0x15000) -> list:
    """The driver's DC stores, tc (V=1) last, into the hart's cache; their numbers."""
    return [o.store_cached(DC5 + 24, 0), o.store_cached(DC5 + 16, ta),
            o.store_cached(DC5 + 8, 0), o.store_cached(DC5, 1)]


def test_cached_store_is_invisible_until_written_back():
    o = oracle()
    cached_dc(o)
    assert o.outcomes(READ) == {Outcome(None, 258)}         # the IOMMU reads V=0
    assert set(o.uncleaned()) == {DC5 + 16, DC5}            # the zero stores change nothing
    o.store64(DC5 + 16, 0x15000)                            # cbo.clean of block 0x100080
    o.store64(DC5, 1)
    assert o.outcomes(READ) == {Outcome(0x1234, None)}
    assert o.uncleaned() == {} and o.advice() == []


def test_never_cleaned_device_context():
    o = oracle()
    nums = cached_dc(o)
    assert nums == [1, 2, 3, 4]
    # One finding for the entry, naming its first uncleaned store (#2, ta at +16).
    assert [str(f) for f in o.advice()] == [
        "ADVICE missing-clean: store #2 to device context of did 5 @0x1000a0 needs cbo.clean "
        "of block 0x100080: never cleaned: memory, where the IOMMU reads, still holds 0x0 at "
        "0x1000b0"]


def test_write_back_keeps_the_store_number():
    o = oracle()
    cached_dc(o)
    assert o.store64(DC5, 1) == 4                           # the write-back of store #4
    assert o.store64(0x5000, 7) == 5                        # a store of its own: the next number


def test_command_not_cleaned_before_the_doorbell():
    o = oracle()
    o.store_cached(CQ, INVAL_DDT_5)                         # #1 (entry 0, dw0)
    o.store_cached(CQ + 8, 0)                               # #2 (equal to memory: nothing)
    o.store_cached(CQ + 16, FENCE)                          # #3 (entry 1)
    o.write_reg(Reg.CQT, 2, size=4)                         # the doorbell, nothing cleaned
    # The IOMMU fetched zeros: opcode 0 is illegal, cmd_ill [10] is set, cqh stays at 0.
    assert o.model.read_reg(Reg.CQCSR, 4) & 1 << 10
    assert o.model.read_reg(Reg.CQH, 4) == 0
    assert [str(f) for f in o.advice()] == [
        "ADVICE missing-clean: store #1 to command-queue entry 0 @0x10000 (IODIR.INVAL_DDT "
        "DV=1 DID=5 as software wrote it) needs cbo.clean of block 0x10000: not cleaned "
        "before the doorbell (cqt write 2): the IOMMU fetches the command memory holds "
        "(0x0 0x0, an illegal command)",
        "ADVICE missing-clean: store #3 to command-queue entry 1 @0x10010 (IOFENCE.C as "
        "software wrote it) needs cbo.clean of block 0x10000: not cleaned before the doorbell "
        "(cqt write 2): the IOMMU fetches the command memory holds (0x0 0x0, an illegal command)"]


def test_cleaned_commands_give_no_finding():
    o = oracle()
    o.store_cached(CQ, INVAL_DDT_5)
    o.store_cached(CQ + 16, FENCE)
    o.store64(CQ, INVAL_DDT_5)                              # cbo.clean of block 0x10000
    o.store64(CQ + 16, FENCE)
    o.write_reg(Reg.CQT, 2, size=4)
    assert o.model.read_reg(Reg.CQH, 4) == 2                # both commands ran
    assert o.advice() == []


def test_missing_clean_is_not_a_missing_invalidation():
    o = oracle()
    for pa, v in ((DC5 + 16, 0x15000), (DC5, 1)):           # a valid DC, visible (coherent)
        o.store64(pa, v)
    o.outcomes(READ)
    # PSCID 21 -> 22 in ta of the valid DC (store #3), left in the hart's cache, while the
    # commands the guideline asks for go out cleaned: IODIR.INVAL_DDT DV=1 DID=5, IOFENCE.C.
    assert o.store_cached(DC5 + 16, 0x16000) == 3
    o.store64(CQ, INVAL_DDT_5)
    o.store64(CQ + 16, FENCE)
    o.write_reg(Reg.CQT, 2, size=4)
    o.commands_done(2)
    assert [str(f) for f in o.advice()] == [
        "ADVICE missing-clean: store #3 to device context of did 5 @0x1000a0 needs cbo.clean "
        "of block 0x100080: not cleaned before IODIR.INVAL_DDT DV=1 DID=5 (the doorbell (cqt "
        "write 2)): the IOMMU may refill from memory, which still holds 0x15000 at 0x1000b0"]
    # Cleaned only now, after the invalidation completed: the IOMMU sees the change now, and
    # nothing has invalidated it since, a second finding of the other kind.
    o.store64(DC5 + 16, 0x16000)
    lines = [str(f) for f in o.advice()]
    assert len(lines) == 2 and lines[0].startswith("ADVICE missing-clean: store #3 ")
    assert lines[1].startswith("ADVICE missing: store #3 to device context of did 5 @0x1000a0 "
                               "needs IODIR.INVAL_DDT DV=1 DID=5: no covering invalidation")


def test_a_store_outside_the_structures_is_not_reported():
    o = oracle()
    o.store_cached(0x900000, 0x1234)                        # a data buffer, not a structure
    assert o.advice() == []


def test_coherent_use_is_unchanged():
    o = oracle()
    for pa, v in ((DC5 + 16, 0x15000), (DC5, 1)):
        assert o.store64(pa, v) in (1, 2)
    assert o.uncleaned() == {} and o.advice() == []


def test_one_finding_per_command_entry():
    o = oracle()
    o.store_cached(CQ, 1)                                   # #1 IOTINVAL.VMA, dw0
    o.store_cached(CQ + 8, 0x1000 << 10)                    # #2 dw1: ADDR[63:12] at [125:74]
    o.write_reg(Reg.CQT, 1, size=4)
    lines = [str(f) for f in o.advice()]
    assert len(lines) == 1 and lines[0].startswith(
        "ADVICE missing-clean: store #1 to command-queue entry 0 @0x10000 (IOTINVAL.VMA GV=0 "
        "PSCV=0 AV=0 as software wrote it) needs cbo.clean of block 0x10000: not cleaned "
        "before the doorbell (cqt write 1)")


def test_a_restart_of_the_queue_fetches_too():
    o = oracle()
    o.store64(CQ, 0x7F)                                     # an illegal command, visible:
    o.write_reg(Reg.CQT, 1, size=4)                         # cmd_ill, cqh stays at 0
    assert o.model.read_reg(Reg.CQCSR, 4) & 1 << 10
    o.store_cached(CQ, FENCE)                               # #2: the repair, left in the cache
    o.write_reg(Reg.CQCSR, 1 | 1 << 10, size=4)             # cqen=1, W1C cmd_ill: fetch again
    assert [str(f) for f in o.advice()] == [
        "ADVICE missing-clean: store #2 to command-queue entry 0 @0x10000 (IOFENCE.C as "
        "software wrote it) needs cbo.clean of block 0x10000: not cleaned before the cqcsr "
        "write 0x401: the IOMMU fetches the command memory holds (0x7f 0x0, an illegal "
        "command)"]
