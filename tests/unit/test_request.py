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
