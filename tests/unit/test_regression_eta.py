"""The regression's ETA from recorded run times (tb/regression/eta.py): work left over work
done, each run's expected time its own recorded one, else its entry's mean, else the overall
mean. Values worked out by hand."""
from tb.regression.eta import Eta, load

N = "tb/regression/test_runs.py::test_run[{}]"
RECORDED = {N.format("icarus-Long-1"): 8.0, N.format("icarus-Long-2"): 12.0,
            N.format("icarus-Short-1"): 1.0}


def test_expected_times_by_hand():
    runs = [N.format(x) for x in ("icarus-Long-1", "icarus-Long-7", "icarus-Short-1",
                                  "verilator-New-1")]
    e = Eta(RECORDED, runs)
    # its own 8; Long's mean (8 + 12) / 2 = 10; its own 1; the overall mean 21 / 3 = 7
    assert e.expect == {runs[0]: 8.0, runs[1]: 10.0, runs[2]: 1.0, runs[3]: 7.0}
    assert e.seconds_left(5.0) is None                # nothing done yet


def test_long_runs_first_do_not_inflate_the_estimate():
    # 3 long runs (10 s each) then 10 short ones (1 s each); after the long ones took 30 s of
    # wall time, 10 s of expected work is left out of 30 done: 30 * 10 / 30 = 10 s, where the
    # average so far (10 s a run) would have said 100 s
    runs = [N.format(f"icarus-Long-{s}") for s in range(3, 6)] + \
           [N.format(f"icarus-Short-{s}") for s in range(2, 12)]
    e = Eta(RECORDED, runs)
    for r in runs[:3]:
        e.finished(r)
    assert e.seconds_left(30.0) == 10.0
    for r in runs[3:]:
        e.finished(r)
    assert e.seconds_left(40.0) == 0.0


def test_a_missing_or_bad_file_is_no_estimate(tmp_path):
    assert load(tmp_path / "none.json") == {}
    (tmp_path / "bad.json").write_text("{not json")
    assert load(tmp_path / "bad.json") == {}
    e = Eta({}, [N.format("icarus-A-1"), N.format("icarus-A-2")])
    e.finished(N.format("icarus-A-1"))
    assert e.seconds_left(4.0) == 4.0                  # one of two equal runs left
