"""Coherence oracle and caching-policy profiles (plain Python; imports only `models`).

Public API (docs/design.md, "The coherence oracle"): CoherenceOracle(policy=...) with .mem, .model,
.store64, .write_reg, .commands_done, .outcomes, .check, .advice; the policies by name in
POLICIES. Design notes and approximations: scoreboards/README.md.
"""
from .oracle import CoherenceOracle, Finding, Verdict
from .policies import DEFAULT_POLICY, POLICIES, Policy, get_policy

__all__ = ["CoherenceOracle", "Verdict", "Finding", "Policy", "POLICIES", "DEFAULT_POLICY",
           "get_policy"]
