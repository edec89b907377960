"""The one pytest test of the regression, parametrized by tb/regression/conftest.py with every
job of the plan: build if needed, run, judge (tb/regression/run_one.py)."""
import pytest

from tb.regression import report


def test_run(job, regression, request):
    r = regression.execute(job)
    request.node.user_properties.append(("run", job.run_dir))
    if r.skipped:
        pytest.skip(r.message)
    if not r.ok:
        pytest.fail(report.failure_text(r), pytrace=False)
