"""Request / Outcome value types of the public API."""

import pytest

from models import Outcome, Request, TTYP


@pytest.mark.parametrize("kw", [
    dict(did=1 << 24, iova=0, ttyp=TTYP.UNTRANSLATED_READ),
    dict(did=-1, iova=0, ttyp=TTYP.UNTRANSLATED_READ),
    dict(did=0, iova=1 << 64, ttyp=TTYP.UNTRANSLATED_READ),
    dict(did=0, iova=-1, ttyp=TTYP.UNTRANSLATED_READ),
    dict(did=0, iova=0, ttyp=64),
    dict(did=0, iova=0, ttyp=TTYP.UNTRANSLATED_READ, pid=1 << 20),
    dict(did=0, iova=0, ttyp=TTYP.UNTRANSLATED_READ, pid=-1),
])
def test_request_out_of_range(kw):
    with pytest.raises(ValueError):
        Request(**kw)


def test_request_defaults():
    r = Request(did=5, iova=0x1000, ttyp=TTYP.UNTRANSLATED_WRITE)
    assert r.pid is None
    assert not r.priv_s


def test_outcome_equality_ignores_iotval2():
    assert Outcome(None, 21, iotval2=0x1001) == Outcome(None, 21)
    assert Outcome(0x1000, None) != Outcome(0x2000, None)
    assert hash(Outcome(None, 21, iotval2=5)) == hash(Outcome(None, 21))
    assert Outcome(0x1000, None).iotval2 == 0


def test_enum_values():
    assert [int(t) for t in (TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ,
                             TTYP.UNTRANSLATED_WRITE, TTYP.TRANSLATED_EXEC,
                             TTYP.TRANSLATED_READ, TTYP.TRANSLATED_WRITE, TTYP.PCIE_ATS,
                             TTYP.PCIE_MSG)] == [1, 2, 3, 5, 6, 7, 8, 9]


def test_hand_written_inits_match_the_fields():
    """Outcome, WalkResult and Verdict fill __dict__ in an __init__ of their own (speed): its
    parameters and defaults must be the dataclass fields', and the instances stay frozen."""
    import dataclasses
    import inspect

    from models.translate import WalkResult
    from scoreboards.records import Verdict
    for cls in (Outcome, WalkResult, Verdict):
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        fields = dataclasses.fields(cls)
        assert [p.name for p in params] == [f.name for f in fields], cls
        assert [p.default for p in params] == [
            inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
            for f in fields], cls
    o = Outcome(0x1000, None, gpa=0x2000, pbmt=1)
    assert (o.pa, o.cause, o.iotval2, o.gpa, o.pbmt, o.rcid, o.mcid, o.mrif) == (
        0x1000, None, 0, 0x2000, 1, 0, 0, None)
    assert dataclasses.replace(o, rcid=3) == o and dataclasses.replace(o, rcid=3).rcid == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.pa = 0
