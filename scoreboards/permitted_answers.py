"""Answers other than a translation's Outcome that the spec still permits, given the caching
policy: an ATS translation completion and a page request's handling, each decided from a walk
(the device context, the page tables) that may use a value cached before a change software has
not invalidated yet.

The model (models/ats.py `complete`, models/page_request.py `decide`) gives the answer over
memory now; an IOMMU answering from its caches may give the answer of an older, still
permitted value. These functions run the model's answer once per walk the oracle permits
(WalkPaths.each_permitted_walk): the first answer is memory's, the others are the stale ones.
Plain Python, no simulator import.
"""
from __future__ import annotations

from typing import Optional

from models import Request
from models.ats import AtsCompletion, AtsRequest, complete
from models.page_request import Decision, PageRequest, decide, request_of
from models.translate import translate_request

from .ats_port import differences


def page_request_decisions(oracle, msg: PageRequest) -> list[Decision]:
    """Every Decision the spec permits for `msg` now, without repeats, memory's first."""
    model = oracle.model
    got = oracle.each_permitted_walk(request_of(msg),
                                     lambda path: decide(model, msg, reader=path))
    return list(dict.fromkeys(got))


class _OneWalk:
    """The model seen through one permitted walk: each item that walk read takes the words it
    took (the others, memory's). What models.ats.complete asks of a model: walk() and the
    registers and capabilities it reads."""

    def __init__(self, model, words: dict) -> None:
        self._model, self._words = model, words

    def __getattr__(self, name):
        return getattr(self._model, name)

    def walk(self, req: Request, read64=None, item_value=None, trace=None, ad_cas=None):
        words = self._words

        def taken(item, read):
            hit = words.get(item)
            if hit is not None:
                return hit
            if isinstance(read, Exception):
                raise read
            return read
        return self._model.walk(req, item_value=taken, trace=trace)


def ats_completions(oracle, areq: AtsRequest) -> list[tuple[AtsCompletion, object]]:
    """(completion, w_if_asked) for each permitted walk of `areq`'s translation, without
    repeats, memory's first. w_if_asked(): the W that walk's tables give when write access is
    asked (ats_port.differences takes it for a request with No Write)."""
    model = m = oracle.model
    req = areq.as_request()

    def run(path):
        return translate_request(req, m.ddtp, m.fctl, m.caps, path, m.iommu_qosid)

    seen: dict = {}
    for _, steps in oracle.each_permitted_walk(req, run, trace=True):
        view = _OneWalk(model, dict(steps))
        exp = complete(view, areq, side_effects=False)
        if exp in seen:
            continue
        asked = AtsRequest(did=areq.did, iova=areq.iova, pid=areq.pid, priv_s=areq.priv_s,
                           exec_req=areq.exec_req, no_write=False, cxl=areq.cxl)
        seen[exp] = (lambda v=view, a=asked: complete(v, a, side_effects=False).w)
    return list(seen.items())


def first_acceptable(areq: AtsRequest, observed: AtsCompletion, answers
                     ) -> Optional[AtsCompletion]:
    """The first of `answers` (ats_completions) that `observed` is acceptable against, by
    ats_port's rules (None: none)."""
    for exp, w_if_asked in answers:
        if differences(areq, observed, exp, w_if_asked) is None:
            return exp
    return None

