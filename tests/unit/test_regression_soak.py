"""tb/regression.toml's soak subset: `make sim` leaves it out, `make soak` (subset soak) runs
each entry with its own seed count unless SEEDS is given, and `make test`'s smoke subset keeps
out the random-configuration test (make test runs smoke on four DUT set-ups and has a
10-minute budget)."""
import argparse

import pytest

from tb import dut_profile, regression


@pytest.fixture(scope="module")
def planner():
    dut, data = dut_profile.load(None), regression.load_list()

    def plan(**kw):
        args = argparse.Namespace(test=None, subset=None, sim="icarus", seed=None, seeds=None, fills="any",
                                  policy=None, waves=False, dut=None)
        vars(args).update(kw)
        return [j.test for j in regression.plan(data, args, dut)]
    return plan


def test_make_sim_leaves_the_soak_out(planner):
    runs = planner()
    assert "RandomConfigSoak" not in runs
    assert runs.count("RandomConfigTest") == 8


def test_soak_subset_runs_its_own_seed_count(planner):
    assert planner(subset="soak").count("RandomConfigSoak") == 50
    assert planner(subset="soak", seeds=3).count("RandomConfigSoak") == 3
    assert planner(test="RandomConfigSoak").count("RandomConfigSoak") == 50


def test_smoke_leaves_random_configurations_out(planner):
    assert "RandomConfigTest" not in planner(subset="smoke")
    assert planner(subset="random-config").count("RandomConfigTest") == 1


def test_sv32_random_configurations(planner):
    """RandomConfigTest_sv32: 3 seeds in `make sim`, in subsets random-config and sv32 (one
    seed there, as every entry of a subset); RandomConfigSoak_sv32: 20 seeds, soak only."""
    assert planner().count("RandomConfigTest_sv32") == 3
    assert "RandomConfigSoak_sv32" not in planner()
    assert planner(subset="sv32").count("RandomConfigTest_sv32") == 1
    assert planner(subset="random-config").count("RandomConfigTest_sv32") == 1
    assert planner(subset="soak").count("RandomConfigSoak_sv32") == 20
