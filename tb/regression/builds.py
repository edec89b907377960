"""The builds a regression needs: one per (simulator, DUT parameter set, bug variant), keyed by
a hash of the sources and flags (tb/runner.py), so parallel workers share one build (a file
lock) and later invocations reuse it. Waves are compiled in and switched on per run."""
from __future__ import annotations

import os
import time
from pathlib import Path

from tb import dut_profile, runner
from tb.dut_profile import DutProfile, ProfileError
from tb.regression.jobs import UsageError


def mutant_sources(dut: DutProfile, name: str) -> list[Path]:
    """The DUT's sources with one mutant applied, written under build/mutants/<dut>/<name>/."""
    m = dut.mutants[name]
    target = m["path"]
    out_dir = runner.BUILD_ROOT / "mutants" / dut.name / name
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = []
    for src in dut.sources:
        if src.resolve() == target:
            try:
                text = dut_profile.apply_mutant(src.read_text(), name, m)
            except ProfileError as e:
                raise UsageError(f"{e} ({dut.path})") from None
            dst = out_dir / src.name
            if not dst.is_file() or dst.read_text() != text:
                # written whole under another name, then renamed: a process building the same
                # mutant meanwhile reads the old file or the new one, never half of one
                tmp = dst.with_name(f".{dst.name}.{os.getpid()}")
                tmp.write_text(text)
                os.replace(tmp, dst)
            sources.append(dst)
        else:
            sources.append(src)
    return sources


def build_one(key: tuple, dut: DutProfile, waves: bool = True) -> tuple:
    """(build dir, seconds, error line or "") for one (simulator, parameter set, mutant).
    `seconds` is 0.0 when the build already existed (made earlier, or by another worker)."""
    sim, params, mutant = key
    t0 = time.time()
    try:
        sources = mutant_sources(dut, mutant) if mutant else dut.sources
        # A mutated file may include others next to the original: its folder stays on the path.
        includes = dut.include_dirs + ([dut.mutants[mutant]["path"].parent] if mutant else [])
        bdir = runner.build(sim, dut.top, sources=sources, parameters=dut.params[params],
                            waves=waves, includes=list(dict.fromkeys(includes)),
                            defines=dut.defines, extra_args=dut.sim_args[sim], timing=dut.timing)
        return str(bdir), (time.time() - t0) if bdir in runner.BUILT_HERE else 0.0, ""
    except (RuntimeError, UsageError) as e:
        return "", time.time() - t0, str(e).splitlines()[0]


def label(key: tuple) -> str:
    sim, params, mutant = key
    return params + (f"+{mutant}" if mutant else "")
