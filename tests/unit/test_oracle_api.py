"""The oracle's public API: policy names, check() verdicts and messages (including a failing
check that names the stale item, the store and the invalidation), advice() findings, the fast
path, and the command-queue bookkeeping (doorbell, IOFENCE.C completion)."""
import pytest

from models import IommuModel, Memory, Outcome, Reg
from oracle_tables import (L0, LEAF, NEW_PA, OLD_PA, TC_V, VA, Sw, inval_ddt, iofence, map4k,
                           pte, req, res, settle, sv39_dc, vma)
from scoreboards import POLICIES, CoherenceOracle, Policy

LEAF_PTE = L0 + 8
POLICY_NAMES = ["riscv-1.0-strict", "riscv-dir-negative", "tlbi-on-map", "riscv-negative-all",
                "caching-mode", "no-cache"]


def setup(policy="riscv-1.0-strict"):
    o = CoherenceOracle(policy=policy)
    sw = Sw(o)
    sv39_dc(o, sw)
    map4k(sw)
    return o, sw


# ---- construction --------------------------------------------------------------------------
def test_six_policies_and_default():
    assert list(POLICIES) == POLICY_NAMES
    o = CoherenceOracle()
    assert o.policy.name == "riscv-1.0-strict"
    assert isinstance(o.mem, Memory) and isinstance(o.model, IommuModel)
    assert o.model.mem is o.mem


def test_unknown_policy_is_a_one_line_value_error():
    with pytest.raises(ValueError) as e:
        CoherenceOracle(policy="intel-cm")
    msg = str(e.value)
    assert "\n" not in msg and "'intel-cm'" in msg
    for name in POLICY_NAMES:
        assert name in msg


def test_custom_profile_that_never_caches_erroneous_values():
    # A profile is data: one that refuses to cache a DC it found misconfigured.
    strict = POLICIES["riscv-1.0-strict"]
    picky = Policy("picky", "no erroneous entries", erroneous_cached=False)
    for policy, expect in ((strict, {(None, 259), (OLD_PA, None)}), (picky, {(OLD_PA, None)})):
        o = CoherenceOracle(policy=policy)
        sw = Sw(o)
        dc = sv39_dc(o, sw)
        map4k(sw)
        sw.st(dc + 16, 0xFFF)                  # ta reserved bits: misconfigured (259)
        sw.invalidate(inval_ddt(dv=1, did=5))  # (the good DC may have been cached)
        assert res(o.outcomes(req())) == {(None, 259)}
        sw.st(dc + 16, 7 << 12)                # fixed, no IODIR yet
        assert res(o.outcomes(req())) == expect, policy.name


def test_model_registers_follow_software_writes():
    o, sw = setup()
    assert o.model.read_reg(Reg.DDTP) == (0x10 << 10) | 2
    sw.queue(vma(), iofence())
    assert o.model.read_reg(Reg.CQT, size=4) == 2
    assert o.model.read_reg(Reg.CQH, size=4) == 2    # the model fetched both at the doorbell


# ---- outcomes and the fast path ------------------------------------------------------------
def test_fast_path_is_the_model_outcome():
    o, sw = setup()
    r = req()
    assert o.outcomes(r) == frozenset({o.model.walk(r).outcome})
    assert res(o.outcomes(r)) == {(OLD_PA, None)}
    assert res(o.outcomes(req(iova=VA + 0x1000))) == {(None, 13)}


def test_no_cache_permits_only_current_memory():
    o, sw = setup("no-cache")
    o.outcomes(req())
    sw.st(LEAF_PTE, pte(NEW_PA, LEAF))
    assert res(o.outcomes(req())) == {(NEW_PA, None)}
    assert o.advice() == []


def test_store_to_never_read_address_keeps_no_history_when_filling_on_demand():
    o = CoherenceOracle(fills="demand")
    sw = Sw(o)
    sv39_dc(o, sw)
    map4k(sw)
    sw.st(LEAF_PTE, pte(NEW_PA, LEAF))     # no walk has read it yet
    assert res(o.outcomes(req())) == {(NEW_PA, None)}
    assert o.stats()["history"] == 0


# ---- check() -------------------------------------------------------------------------------
def test_check_accepts_current_and_permitted_stale():
    o, sw = setup()
    assert o.check(req(), Outcome(OLD_PA, None)).ok
    seq = sw.st(LEAF_PTE, pte(NEW_PA, LEAF))
    v = o.check(req(), Outcome(OLD_PA, None))
    assert v.ok and v.message.startswith(
        "OK translate did=5 pid=- iova=0x4000_1000 got=pa:0x87654000")
    assert f"changed by store #{seq}" in v.message
    assert ("no covering invalidation (IOTINVAL.VMA GV=0 PSCV=1 PSCID=7 AV=1 ADDR=0x40001000)"
            in v.message)
    assert o.check(req(), Outcome(NEW_PA, None)).ok


def test_check_fails_after_fence_naming_item_store_and_invalidation():
    o, sw = setup()
    o.outcomes(req())
    seq = sw.st(LEAF_PTE, pte(NEW_PA, LEAF))
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=VA))
    v = o.check(req(), Outcome(OLD_PA, None))
    assert not v.ok
    assert v.message == (
        "MISMATCH translate did=5 pid=- iova=0x4000_1000 got=pa:0x87654000 "
        "permitted={pa:0x99999000} policy=riscv-1.0-strict fills=any "
        f"stale=leaf PTE @0x22008 (first stage, pscid 7, level 0, va 0x40001000) changed by "
        f"store #{seq}; IOTINVAL.VMA GV=0 PSCV=1 PSCID=7 AV=1 ADDR=0x40001000 covering it "
        "completed at IOFENCE.C #1")


def test_check_fails_on_stale_invalid_value_under_strict():
    o, sw = setup()
    sw.st(LEAF_PTE, 0)
    o.outcomes(req())                         # the IOMMU reads V=0 ...
    seq = sw.st(LEAF_PTE, pte(NEW_PA, LEAF))  # ... then software maps it, no invalidation
    v = o.check(req(), Outcome(None, 13))
    assert not v.ok
    assert "leaf PTE @0x22008" in v.message and f"store #{seq}" in v.message
    assert "V=0, which riscv-1.0-strict never caches" in v.message
    # the same sequence is legal under tlbi-on-map:
    o2, sw2 = setup("tlbi-on-map")
    sw2.st(LEAF_PTE, 0)
    o2.outcomes(req())
    sw2.st(LEAF_PTE, pte(NEW_PA, LEAF))
    assert o2.check(req(), Outcome(None, 13)).ok


def test_check_fails_with_no_explanation():
    o, sw = setup()
    v = o.check(req(), Outcome(0x1234_5000, None))
    assert not v.ok
    assert "stale=none: no earlier value of any item the walk reads gives this result" in v.message


def test_check_names_the_device_context():
    o, sw = setup()
    o.outcomes(req())
    sw.st(0x100a0, 0)
    sw.invalidate(inval_ddt(dv=1, did=5))
    v = o.check(req(), Outcome(OLD_PA, None))
    assert not v.ok
    assert "device context of did 5 @0x100a0 changed by store" in v.message
    assert "IODIR.INVAL_DDT DV=1 DID=5 covering it completed at IOFENCE.C #1" in v.message


def test_check_with_issue_time_outcomes():
    # A request issued before the fence completed may carry a translation permitted then.
    o, sw = setup()
    o.outcomes(req())
    sw.st(LEAF_PTE, pte(NEW_PA, LEAF))
    at_issue = o.outcomes(req())
    sw.invalidate(vma())
    assert not o.check(req(), Outcome(OLD_PA, None)).ok
    assert o.check(req(), Outcome(OLD_PA, None), earlier=at_issue).ok


def test_check_fault_without_cause():
    # A port that answers SLVERR without the cause: any permitted fault is fine; no fault
    # permitted fails, explained like check() with the stale item that would give a fault.
    o, sw = setup()
    v = o.check_fault(req(iova=VA + 0x1000))              # unmapped: 13 permitted
    assert v.ok and res(v.permitted) == {(None, 13)}
    assert not o.check_fault(req()).ok                     # mapped: only OLD_PA
    sw.st(LEAF_PTE, 0)
    o.outcomes(req())                                      # the IOMMU reads V=0 ...
    sw.st(LEAF_PTE, pte(NEW_PA, LEAF))                     # ... then software maps it
    v = o.check_fault(req())
    assert not v.ok
    assert v.message.startswith("MISMATCH translate did=5 pid=- iova=0x4000_1000 got=fault (cause "
                                "not observable on the port) permitted={pa:%#x,pa:%#x}"
                                % (OLD_PA, NEW_PA)), v.message      # OLD_PA read, never invalidated
    assert f"leaf PTE @{LEAF_PTE:#x}" in v.message and "V=0, which riscv-1.0-strict never caches" in v.message
    # earlier outcomes (taken at issue) that include a fault make it permitted
    assert o.check_fault(req(), earlier=frozenset({Outcome(None, 13)})).ok


# ---- commands_done -------------------------------------------------------------------------
def test_fence_completion_completes_only_commands_before_it():
    o, sw = setup()
    o.outcomes(req())
    sw.st(LEAF_PTE, pte(NEW_PA, LEAF))
    sw.queue(iofence(), vma(), iofence())     # indices 0, 1, 2
    o.commands_done(1)                        # first fence complete: the VMA is not before it
    assert res(o.outcomes(req())) == {(OLD_PA, None), (NEW_PA, None)}
    o.commands_done(2)                        # VMA fetched, but its fence is not complete
    assert res(o.outcomes(req())) == {(OLD_PA, None), (NEW_PA, None)}
    o.commands_done(3)
    assert res(o.outcomes(req())) == {(NEW_PA, None)}


def test_queue_wraps():
    o, sw = setup()
    o.outcomes(req())
    for _ in range(40):                       # 80 commands through a 64-entry queue
        sw.invalidate(inval_ddt(dv=1, did=9))
    sw.st(LEAF_PTE, pte(NEW_PA, LEAF))
    sw.queue(vma(), iofence())
    assert sw.tail == 18
    assert res(o.outcomes(req())) == {(OLD_PA, None), (NEW_PA, None)}
    o.commands_done(18)
    assert res(o.outcomes(req())) == {(NEW_PA, None)}


# ---- advice --------------------------------------------------------------------------------
def test_advice_missing_invalidation():
    o, sw = setup()
    o.outcomes(req())
    seq = sw.st(LEAF_PTE, pte(NEW_PA, LEAF))
    [f] = o.advice()
    assert (f.store, f.status) == (seq, "missing")
    assert str(f) == (
        f"ADVICE missing: store #{seq} to leaf PTE @0x22008 (first stage, pscid 7, level 0, "
        "va 0x40001000) needs IOTINVAL.VMA GV=0 PSCV=1 PSCID=7 AV=1 ADDR=0x40001000: "
        "no covering invalidation issued")


def test_advice_issued_but_not_completed():
    o, sw = setup()
    o.outcomes(req())
    sw.st(LEAF_PTE, pte(NEW_PA, LEAF))
    sw.queue(vma(pscv=1, pscid=7), iofence())
    [f] = o.advice()
    assert f.status == "not-completed"
    assert ("IOTINVAL.VMA GV=0 PSCV=1 PSCID=7 AV=0 issued but no later IOFENCE.C has completed"
            in f.detail)


def test_advice_relied_before_completion():
    o, sw = setup()
    o.outcomes(req())
    seq = sw.st(LEAF_PTE, pte(NEW_PA, LEAF))
    o.outcomes(req())                         # a request while the old value is still permitted
    sw.invalidate(vma(pscv=1, pscid=7))
    [f] = o.advice()
    assert (f.store, f.status) == (seq, "relied-before-completion")
    assert "request did=5 pid=- iova=0x4000_1000 relied on the new value" in f.detail
    assert "completed only at IOFENCE.C #1" in f.detail


def test_advice_clean_sequence_and_wrong_scope():
    o, sw = setup()
    o.outcomes(req())
    sw.st(LEAF_PTE, pte(NEW_PA, LEAF))
    sw.invalidate(vma(pscv=1, pscid=8))       # wrong PSCID: still missing
    [f] = o.advice()
    assert f.status == "missing"
    sw.invalidate(vma(av=1, addr=VA))
    assert o.advice() == []


@pytest.mark.parametrize("policy,needs", [("riscv-1.0-strict", False), ("riscv-dir-negative", True),
                                          ("tlbi-on-map", False), ("riscv-negative-all", True),
                                          ("caching-mode", True), ("no-cache", False)])
def test_advice_dc_made_valid(policy, needs):
    o = CoherenceOracle(policy=policy)
    sw = Sw(o)
    dc = sv39_dc(o, sw)
    map4k(sw)
    settle(sw)                                 # (set-up stores a negative cache may hold)
    sw.st(dc, 0)
    sw.invalidate(inval_ddt(dv=1, did=5))      # V 1->0 needs IODIR under every policy
    o.outcomes(req())
    sw.st(dc, TC_V)
    found = [f.status for f in o.advice()]
    assert found == (["missing"] if needs else [])


def test_advice_ddtp_change():
    o, sw = setup()
    o.outcomes(req())
    o.write_reg(Reg.DDTP, (0x13 << 10) | 2)
    [f] = o.advice()
    assert f.store == 0 and f.needed == "IODIR.INVAL_DDT DV=0"
    sw.invalidate(inval_ddt())
    assert o.advice() == []


def test_advice_g_stage_pointer_needs_gvma_and_iodir():
    import test_oracle_updates as U
    o = CoherenceOracle()
    sw = Sw(o)
    U.pdt_under_g_stage(o, sw)
    [f] = o.advice()
    assert f.status == "missing"
    assert f.item.startswith("leaf PTE @0x450a0 (G-stage, gscid 3, level 0, gpa 0x14000)")
    assert f.needed == ("IOTINVAL.GVMA GV=1 GSCID=3 AV=1 ADDR=0x14000 and IODIR.INVAL_DDT DV=1 "
                        "DID=5 (a cached DC may hold the SPA)")
    sw.invalidate(U.gvma(gv=1, av=1, gscid=3, addr=0x14000))
    assert [f.status for f in o.advice()] == ["missing"]
    sw.invalidate(inval_ddt(dv=1, did=5))
    assert o.advice() == []
