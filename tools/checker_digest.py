"""Is the checking of a recorded run unchanged by a code change? Replays a checker tape
(tools/replay_checker.py) and digests what the checking produced: every verdict of the
oracle (ok, message, permitted set) in order, every failure and log line, every query's
answer, the end-of-test state (tb/env/checker.py's final(): problems, counts, findings,
coverage) and the state the oracle and its model are left in (each attribute canonicalised,
identities and caches' insertion order left out).

    python tools/checker_digest.py /tmp/briefs/mix3.tape --save /tmp/mix3.base.json
    ... change the code ...
    python tools/checker_digest.py /tmp/briefs/mix3.tape --compare /tmp/mix3.base.json

--compare names every stream or attribute that differs and exits 1.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from replay_checker import checking, load    # noqa: E402  (after the path set-up)


def canon(x, seen=None, depth=0):
    """A value's canonical text: containers sorted where unordered, objects by class and
    fields, functions and bound methods by name (never by address)."""
    if seen is None:
        seen = set()
    if x is None or isinstance(x, (bool, int, float, str, bytes)):
        return repr(x)
    if isinstance(x, (bytearray, memoryview)):
        return "b" + hashlib.sha256(bytes(x)).hexdigest()[:16]
    if isinstance(x, (types.FunctionType, types.MethodType, types.BuiltinFunctionType)):
        return f"<fn {getattr(x, '__qualname__', type(x).__name__)}>"
    if depth > 40:
        return "<deep>"
    if id(x) in seen:
        return f"<cycle {type(x).__name__}>"
    seen = seen | {id(x)}
    nxt = depth + 1
    if isinstance(x, dict):
        return "{" + ", ".join(sorted(f"{canon(k, seen, nxt)}: {canon(v, seen, nxt)}"
                                      for k, v in x.items())) + "}"
    if isinstance(x, (set, frozenset)):
        return "{" + ", ".join(sorted(canon(v, seen, nxt) for v in x)) + "}"
    if isinstance(x, (list, tuple)) or type(x).__name__ == "deque":
        return type(x).__name__ + "[" + ", ".join(canon(v, seen, nxt) for v in x) + "]"
    if hasattr(x, "_asdict"):            # NamedTuple
        return type(x).__name__ + canon(dict(x._asdict()), seen, nxt)
    if type(x).__name__ in ("Enum", "IntEnum") or hasattr(type(x), "_member_map_"):
        return f"{type(x).__name__}.{x.name}"
    fields = {}
    for cls in type(x).__mro__:
        for s in getattr(cls, "__slots__", ()):
            if hasattr(x, s):
                fields[s] = getattr(x, s)
    fields.update(getattr(x, "__dict__", {}))
    if not fields:
        return f"<{type(x).__name__}>"
    return type(x).__name__ + canon(fields, seen, nxt)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class _Stream:
    def __init__(self) -> None:
        self.h = hashlib.sha256()
        self.n = 0

    def add(self, text: str) -> None:
        self.h.update(text.encode() + b"\n")
        self.n += 1

    def value(self) -> str:
        return f"{self.n}:{self.h.hexdigest()[:20]}"


# Oracle attributes that are caches of derived values: their contents may be represented
# differently (and are emptied at different moments) without any change in behaviour.
CACHES = {"_memo", "_replay_memo", "_reach_memo", "last_walk", "model", "mem", "atc",
          "_rec_plans", "_rec_plans_for", "_rec_plans_fctl", "_item_memo", "_item_memo_cks",
          "_item_memo_epoch", "_dep_cks", "_rec_may"}


def _reads_as_values(state: dict) -> dict:
    """The oracle's attributes with every set of recorded or revalidated reads as the
    (pa, ReadKey, words) of each, whether the code keeps reads by value or by number
    (_read_numbers): the same state, whichever way it is keyed."""
    state = dict(state)
    by_number = {n: sig for sig, n in state.pop("_read_numbers", {}).items()}
    for name in ("_rec_done", "_single_ok"):
        reads = state.get(name)
        if reads is not None:
            state[name] = {by_number[r] if isinstance(r, int) else
                           r if len(r) == 3 else (r[0], r[1], r[3][0]) for r in reads}
    return state


def digest(setup: dict, batches: list) -> dict:
    from tb.env import checker

    sb, oracle, core = checking(setup)
    streams = {k: _Stream() for k in ("verdicts", "fails", "infos", "answers")}
    sb.fail_sink = lambda msg: streams["fails"].add(msg)
    sb.info_sink = lambda msg: streams["infos"].add(msg)

    def verdicts(fn):
        def wrapped(*args, **kw):
            v = fn(*args, **kw)
            streams["verdicts"].add(f"{v.ok} {v.message} {canon(v.permitted)}")
            return v
        return wrapped

    oracle.check = verdicts(oracle.check)
    oracle.check_fault = verdicts(oracle.check_fault)
    for batch in batches:
        for ev in batch:
            if ev[0] == checker.QUERY:
                kind = ev[2]
                ans = core.query(kind, *ev[3])
                streams["answers"].add(f"{kind} " + ("-" if kind == "sync" else canon(ans)))
            else:
                checker._apply(core, ev)
    out = {k: s.value() for k, s in streams.items()}
    final = core.final()
    for k, v in sorted(final.items()):
        out[f"final.{k}"] = _sha(canon(v))
    out["summary"] = "; ".join(sb.report_lines())
    out["oracle.memo"] = f"hits {oracle.memo_hits} revalidated {oracle.memo_revalidated}"
    for k, v in sorted(_reads_as_values(vars(oracle)).items()):
        if k not in CACHES:
            out[f"oracle.{k}"] = _sha(canon(v))
    out["oracle.atc"] = _sha(canon(oracle.atc))
    out["model"] = _sha(canon({k: v for k, v in vars(oracle.model).items()
                               if k not in ("mem", "_sb_msi_watch")}))   # the scoreboard: above
    out["memory"] = _sha(canon(oracle.mem))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="checker_digest")
    ap.add_argument("tape")
    ap.add_argument("--save", help="write the digests to this JSON file")
    ap.add_argument("--compare", help="compare with digests saved by --save")
    args = ap.parse_args(argv)
    setup, batches = load(args.tape)
    d = digest(setup, batches)
    if args.save:
        Path(args.save).write_text(json.dumps(d, indent=1, sort_keys=True))
    if args.compare:
        base = json.loads(Path(args.compare).read_text())
        diff = sorted(k for k in set(base) | set(d) if base.get(k) != d.get(k))
        for k in diff:
            print(f"DIFFERS {k}: {base.get(k)} -> {d.get(k)}")
        print(f"{args.tape}: {'same' if not diff else f'{len(diff)} differences'} "
              f"({d['verdicts']} verdicts; {d['summary']})")
        return 1 if diff else 0
    if not args.save:
        print(json.dumps(d, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
