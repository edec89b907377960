"""The SEQUENCE verdict: what the end of a test does with the coherence oracle's findings.

The oracle (`CoherenceOracle.advice()`) reports software mistakes: an update of something an
IOMMU may cache, left without the invalidation the caching policy requires, or relied on
before that invalidation completed. They are bugs of the sequence (the software persona), not
of the RTL, so they get their own verdict:

- A test declares the findings its sequence causes on purpose in `expected_findings`: regular
  expressions, each searched (`re.search`) in the finding's line `ADVICE <status>: store #n to
  <item> needs <command>: <detail>`. A finding matched by one of them is *expected*: printed as
  an `expected advice:` line, never failing the run. A declaration that matches nothing is not
  an error (a random sequence need not produce it on every seed).
- Every other finding is *undeclared*. With ADVICE=error (the default) it fails the run with
  the verdict SEQUENCE (unless an RTL check failed too: then the verdict is FAIL and the
  findings are still listed); with ADVICE=warn the run passes and the findings are counted.

Plain Python (no cocotb): the base test and the regression use it, and unit tests cover it.
Findings are taken as their text (str(finding)) only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

MODES = ("error", "warn")        # ADVICE= / $IOMMU_ADVICE
DEFAULT_MODE = "error"
SEQUENCE = "SEQUENCE"            # the verdict word (summary table, JUnit failure type)
# How check_phase words the failure, so the regression can tell it from an RTL failure.
FAILURE_PREFIX = f"{SEQUENCE} "

# The finding a scenario causes on purpose when it translates between an update and the
# completion of the invalidation it needs (the stale window is what it checks): the guest-update
# cycle's "translate before invalidating" step, traffic running while software updates, walks
# that straddle an invalidation.
IN_WINDOW = r"^ADVICE relied-before-completion: "


def check_mode(value: str, where: str = "ADVICE") -> str:
    """The advice mode `value` names; ValueError with one line otherwise."""
    mode = (value or "").strip().lower()
    if mode not in MODES:
        raise ValueError(f"{where} must be one of {', '.join(MODES)}, got {value!r}")
    return mode


def compile_declarations(patterns: Iterable[str], owner: str = "expected_findings") -> list:
    """The declared patterns compiled; ValueError with one line for a bad one."""
    if isinstance(patterns, str):
        raise ValueError(f"{owner} must be a tuple of patterns, not one string: ({patterns!r},)")
    out = []
    for p in patterns:
        if not isinstance(p, str) or not p:
            raise ValueError(f"{owner}: a declaration must be a non-empty string, got {p!r}")
        try:
            out.append(re.compile(p))
        except re.error as e:
            raise ValueError(f"{owner}: {p!r} is not a regular expression: {e}") from None
    return out


@dataclass
class SortedFindings:
    expected: list = field(default_factory=list)    # (finding line, the pattern it matched)
    undeclared: list = field(default_factory=list)  # finding lines no declaration matches
    unused: list = field(default_factory=list)      # declared patterns that matched nothing


def sort_findings(findings: Iterable, patterns: Sequence[str]) -> SortedFindings:
    """Split findings (Finding objects or their lines) into expected and undeclared ones."""
    compiled = compile_declarations(patterns)
    out = SortedFindings()
    used = set()
    for f in findings:
        line = str(f)
        hit = next((p for p in compiled if p.search(line)), None)
        if hit is None:
            out.undeclared.append(line)
        else:
            used.add(hit.pattern)
            out.expected.append((line, hit.pattern))
    out.unused = [p.pattern for p in compiled if p.pattern not in used]
    return out


def failure_message(undeclared: Sequence[str]) -> str:
    """check_phase's message for a SEQUENCE verdict (one line)."""
    n = len(undeclared)
    return (f"{FAILURE_PREFIX}{n} finding{'s' if n != 1 else ''} the test does not declare "
            f"(software, not RTL); first: {undeclared[0]}")


def is_sequence_failure(message: str) -> bool:
    """Is this test failure message (as runner.failures() gives it: '<test>: <message>', or
    the message alone) a SEQUENCE verdict?"""
    head = message.strip().split("\n", 1)[0]
    if head.startswith(FAILURE_PREFIX):
        return True
    _, sep, rest = head.partition(": ")
    return bool(sep) and rest.startswith(FAILURE_PREFIX)
