"""The checker process's garbage collection policy (tb/env/checker.py CheckerGc): every window
of EVERY new tracked objects is frozen; one window in SAMPLE is collected first, and every
window once a collection found cyclic garbage. Run against a stand-in for the gc module, so
the test process's own collector is untouched."""
from __future__ import annotations

from tb.env import checker


class FakeGc:
    def __init__(self, garbage_per_collect: int = 0) -> None:
        self.count = 0
        self.garbage = garbage_per_collect
        self.log: list[str] = []

    def isenabled(self) -> bool:
        return True

    def disable(self) -> None:
        self.log.append("disable")

    def get_count(self) -> tuple:
        return (self.count, 0, 0)

    def collect(self) -> int:
        self.log.append("collect")
        return self.garbage

    def freeze(self) -> None:
        self.log.append("freeze")
        self.count = 0


def windows(fake: FakeGc, n: int, monkeypatch) -> list[str]:
    """What n full windows cost: the calls after start-up."""
    monkeypatch.setattr(checker, "gc", fake)
    monkeypatch.setenv("IOMMU_GC", "1")
    g = checker.CheckerGc()
    fake.log.clear()
    for _ in range(n):
        fake.count = g.EVERY + 1
        g.maybe()
    return fake.log


def test_only_every_sample_th_window_is_collected(monkeypatch):
    fake = FakeGc()
    log = windows(fake, 16, monkeypatch)
    # 16 windows, SAMPLE 8: windows 8 and 16 are collected, all 16 frozen
    assert log.count("freeze") == 16
    assert log.count("collect") == 16 // checker.CheckerGc.SAMPLE == 2
    assert log[:8] == ["freeze"] * 7 + ["collect"]


def test_cyclic_garbage_found_makes_every_window_collected(monkeypatch):
    fake = FakeGc(garbage_per_collect=3)
    log = windows(fake, 12, monkeypatch)
    # window 8 finds garbage: 8, 9, 10, 11 and 12 are collected
    assert log.count("collect") == 5
    assert log[-2:] == ["collect", "freeze"]


def test_below_a_window_nothing_happens(monkeypatch):
    fake = FakeGc()
    monkeypatch.setattr(checker, "gc", fake)
    g = checker.CheckerGc()
    fake.log.clear()
    fake.count = g.EVERY
    g.maybe()
    assert fake.log == []


def test_off_leaves_the_collector_alone(monkeypatch):
    fake = FakeGc()
    monkeypatch.setattr(checker, "gc", fake)
    monkeypatch.setenv("IOMMU_GC", "0")
    g = checker.CheckerGc()
    fake.count = 10 * g.EVERY
    g.maybe()
    assert fake.log == []
