"""`make sim`: the regression, with pytest as its manager.

- jobs.py      the list (tb/regression.toml) and the knobs -> jobs; the replay line
- builds.py    one build per (simulator, parameter set, bug variant), shared and reused
- run_one.py   one run in its own folder under a wall-clock limit, judged
- conftest.py  the pytest plugin: jobs as items, progress lines, summary, JUnit notes
- test_runs.py the one test function every job runs through
- report.py    the lines and the JUnit notes;  coverage.py  the runs' coverage merged
- __main__.py  the front door (`python -m tb.regression`, `make sim`): knobs -> pytest
- merge.py     `make merge`: results of several shards or machines into one report
"""
from tb.regression.builds import build_one, mutant_sources
from tb.regression.jobs import (DEFAULT_POLICY, LIST, MODULE, RESULTS, Job, UsageError, load_list,
                                namespace, plan, replay)
from tb.regression.report import failure_lines, table_lines, totals_line
from tb.regression.run_one import JobResult, judge, run_job

__all__ = ["build_one", "mutant_sources", "DEFAULT_POLICY", "LIST", "MODULE", "RESULTS", "Job",
           "UsageError", "load_list", "namespace", "plan", "replay", "failure_lines",
           "table_lines", "totals_line", "JobResult", "judge", "run_job"]
