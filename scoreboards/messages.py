"""How the oracle says what it found: one-line names of requests, outcomes and stale reads, and
why an earlier value is or is not permitted (which store changed it, which invalidation covers
it, whether that invalidation has completed). A mixin of CoherenceOracle.
"""
from __future__ import annotations

from typing import Optional

from models import Request

from .records import CachedValue, Pruned, Read, ReadKey
from .scope import INVALIDATIONS, describe_cmd, describe_item, hexu, needed_command


def req_str(req: Request) -> str:
    pid = "-" if req.pid is None else str(req.pid)
    return f"did={req.did} pid={pid} iova={hexu(req.iova)}"


def set_str(outs) -> str:
    return "{" + ",".join(sorted(str(o) for o in outs)) + "}"


def words_str(w: tuple) -> str:
    return "/".join(f"{x:#x}" for x in w)


class Messages:
    """Descriptions of stale reads (needs the oracle's policy, pending commands and keys)."""

    def _pending_cover(self, rk: ReadKey, value: int, since: int) -> Optional[str]:
        for _, cmd, doorbell, _ in self._pending:
            if doorbell >= since and cmd.name in INVALIDATIONS and self._touches(cmd, rk, value):
                return describe_cmd(cmd)
        return None

    def _describe_read(self, r: Read, permitted: bool) -> str:
        kind = r.rk.kind
        w = r.opt.words
        src = r.opt.src
        key = self._key(r.rk, w[0])
        item = describe_item(key, r.pa)
        if r.rk.owner is not None:
            item += f" (translating a pointer of the {describe_item(r.rk.owner)})"
        if isinstance(src, Pruned):
            old = src.value
            if isinstance(old, CachedValue):
                text = f"{item} cached value {words_str(w)} (read at {old.pa:#x}"
                text += f", replaced by store #{old.seq})" if old.seq else ")"
            else:
                text = f"{item} changed by store #{old.seq}"
            return (text + f"; {describe_cmd(src.cmd)} covering it completed at "
                           f"IOFENCE.C #{src.fence}")
        if isinstance(src, CachedValue):
            what = f"{item} cached value {words_str(w)} (read at {src.pa:#x}"
            what += f", replaced by store #{src.seq})" if src.seq else ")"
            return what + self._inval_state(r.rk, w[0], src.live_until)
        old = src
        text = f"{item} changed by store #{old.seq}"
        if not permitted:
            if not (w[0] & 1) and kind not in self.policy.invalid_cached:
                return text + f"; its old value has V=0, which {self.policy.name} never caches"
            if kind not in self.policy.cached:
                return text + f"; {self.policy.name} caches no such entry"
            if not self._may_cache(kind, w, r.rk.fmt, r.rk.tag):
                return text + f"; its old value is erroneous, which {self.policy.name} never caches"
            k = self._killer(old.killers, r.rk, w[0]) if old.killers else None
            if k:
                return text + f"; {describe_cmd(k[0])} covering it completed at IOFENCE.C #{k[1]}"
        return text + self._inval_state(r.rk, w[0], old.t_end)

    def _inval_state(self, rk: ReadKey, value: int, since: int) -> str:
        p = self._pending_cover(rk, value, since)
        if p:
            return f"; {p} covering it issued, IOFENCE.C not yet complete"
        return f"; no covering invalidation ({needed_command(self._key(rk, value), rk.owner)}) issued"

    def _describe_stale(self, reads: list, permitted: bool) -> str:
        return "; ".join(self._describe_read(r, permitted) for r in reads)

    def _mismatch_head(self, req: Request, observed: str, permitted) -> str:
        return (f"translate {req_str(req)} got={observed} permitted={set_str(permitted)} "
                f"policy={self.policy.name} fills={self.policy.fills}")
