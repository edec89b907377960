"""An IommuScoreboard without a simulator, for the scoreboard's unit tests: built on a given
oracle, its failures (one line each) collected in a list instead of failing a test."""
from itertools import count

from tb.env.iommu_scoreboard import IommuScoreboard

_NUMBERS = count(1)                  # pyuvm names each component once: a new name per board


def offline_scoreboard(oracle, prefix: str = "sb"):
    """(scoreboard, its list of failure lines)."""
    sb = IommuScoreboard(f"{prefix}{next(_NUMBERS)}", None)
    sb.build_phase()
    sb.oracle = oracle
    fails: list = []
    sb.fail_sink = fails.append
    return sb, fails
