"""PCIe ATS translation requests and their completions (capabilities.ATS, DC.tc.EN_ATS; the
spec's "PCIe ATS translation request handling" and step 7 of "Process to translate an IOVA").

An ATS translation request asks for the translation of one IOVA page, with the permissions the
device may use it for. The IOMMU answers with a completion:
- UR (Unsupported Request) for causes 256..260: a permanent error or ATS disabled;
- CA (Completer Abort) for a configuration error: causes 1, 5, 7, 261, 263, 265, 267. The spec's
  list leaves out the data-corruption causes (268, 269, 270, 271, 274) and 272; its RAS text
  says such errors abort the transaction "e.g. CA": the model answers CA for them too;
- Success with R=W=0 (no fault record) for page faults (12/13/15), guest-page faults
  (20/21/23), PDT entry not valid (266) and MSI PTE not valid (262), which include the U-bit
  and privilege mismatches (the walk's page fault);
- Success with the permissions the tables give otherwise.
UR and CA are reported in the fault queue (TTYP 8), as any fault of the translation process
(so DC.tc.DTF suppresses the record of all but 256..259); a Success never writes a record.

How the model finds the permissions (the spec says what they are, not how to walk):
- R: the request is walked as a read. A read fault ends it (R=W=X=0, or UR/CA); R=0 with W=1
  is a reserved PTE encoding, so a page that is not readable gives no permission at all.
- W: only when the request asks for write access (No Write = 0): a second walk as a write;
  W=1 if it succeeds. Asked with No Write = 1, W is 0: PCIe lets the translation agent ignore
  NW or answer read-only, the model answers read-only (a checker of another IOMMU should
  accept W from the tables too). With SADE/GADE this walk sets the D bits, as a write would
  (PCIe: on a request with NW clear the agent may mark the page dirty): the device may then
  write through the translation without the IOMMU seeing it, so D is set before the
  completion goes out.
- X ("Exe"): only with a PASID whose Execute Requested bit is 1, and only when R is granted
  (the spec: X is granted only if R is also granted and execute was requested): a third walk as
  an execute; X=1 if it succeeds.
- The range: the page the translation maps (the smaller of the first-stage and G-stage leaf
  sizes; an MSI page is 4 KiB; with both stages Bare the identity mapping has no size, and the
  model answers 4 KiB), encoded as PCIe does: S=0 for 4 KiB; S=1 with the address field's
  lowest 0 bit at 12 + x for 2^(13 + x) bytes (bits below it 1).
- Priv: the request's Privilege Mode Requested with a PASID, 0 without. N: always 0. U
  (Untranslated access only): 1 only for an MSI page whose PTE is in MRIF mode (MSI_MRIF=1):
  the spec answers Success with R, W and U set to 1 (whatever No Write asked), for the implied
  4 KiB range; the model gives no address (`addr` None: the device must not use one), X = 0.
  Global: the G bit the first-stage walk found (on the leaf or a non-leaf above it) when the
  request had a PASID and the translation succeeded through a first stage; 0 otherwise (also
  for MSI translations).
- CXL.io: 0 when the requester is not a CXL device (`AtsRequest.cxl` False, the default). For a
  CXL type 1 or type 2 device: 1 for an MSI address, else 1 with DC.tc.T2GPA = 1, else 1 when
  the Svpbmt memory type is NC or IO; for PMA, or without Svpbmt, the spec leaves it
  UNSPECIFIED: `cxl_io` is None there (either value is correct; `permits_cxl_io`). Whether a
  device is CXL is not in any IOMMU structure, so the request says it.
- AMA: 000b, the spec's default; the model has no implementation-specific method for others.
- Multi-translation requests (PCIe Length > 2 DW: Length / 2 translations, `AtsRequest.length`):
  `complete_all` returns the completion's entries, the first for the request's address and
  each next one for the untranslated address right after the previous entry's range (its base
  + 2^size_log2), as PCIe orders them. The model returns every requested entry while each is a
  Success (R=W=0 ones included); the first UR/CA status is the completion's status when it is
  the first entry, and otherwise ends the completion before that entry, unreported (PCIe lets
  the translation agent return fewer translations than requested; the device asks again for
  that address and then gets the UR/CA and its record).
- T2GPA=1: the completion carries the GPA (the first stage's output) instead of the SPA; the
  permissions and size still come from both stages. Later Translated requests carry that GPA and
  are translated by the G-stage (models/translate.py, step 9).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .causes import TTYP
from .debug_translation import range_log2
from .transaction import Request

UR, CA, SC = "UR", "CA", "SC"

UR_CAUSES = frozenset({256, 257, 258, 259, 260})
CA_CAUSES = frozenset({1, 5, 7, 261, 263, 265, 267,
                       268, 269, 270, 271, 272, 274})      # the second line: the model's choice
NO_PERMISSION_CAUSES = frozenset({12, 13, 15, 20, 21, 23, 266, 262})


def response_for(cause: int) -> str:
    """The completion status the spec's table gives a cause of an ATS translation request."""
    cause = int(cause)
    if cause in UR_CAUSES:
        return UR
    if cause in NO_PERMISSION_CAUSES:
        return SC
    if cause in CA_CAUSES:
        return CA
    raise ValueError(f"cause {cause} is not one an ATS translation request can stop with")


@dataclass(frozen=True)
class AtsRequest:
    """A PCIe ATS Translation Request: the untranslated address (its page), the requester,
    an optional PASID with Privilege Mode Requested and Execute Requested, and No Write."""
    did: int
    iova: int
    pid: Optional[int] = None
    priv_s: bool = False            # Privilege Mode Requested (only with a PASID)
    exec_req: bool = False          # Execute Requested (only with a PASID)
    no_write: bool = False          # NW: read-only access is enough
    cxl: bool = False               # the requester is a CXL type 1 or type 2 device
    length: int = 2                 # PCIe Length in DW: 2 per translation requested

    def __post_init__(self) -> None:
        if self.pid is None and (self.priv_s or self.exec_req):
            raise ValueError("AtsRequest: priv_s and exec_req travel in the PASID prefix; give a pid")
        if self.length < 2 or self.length % 2 or self.length > 1024:
            raise ValueError(f"AtsRequest: length {self.length} DW must be even, 2..1024 "
                             f"(2 DW per translation)")
        self.as_request()       # the field ranges are Request's

    @property
    def translations(self) -> int:
        """How many translations the request asks for (PCIe: Length / 2)."""
        return self.length // 2

    def at(self, iova: int) -> "AtsRequest":
        """The same request for another untranslated address (one translation)."""
        return AtsRequest(self.did, iova, self.pid, self.priv_s, self.exec_req, self.no_write,
                          self.cxl)

    def as_request(self, ttyp: int = TTYP.PCIE_ATS) -> Request:
        return Request(did=self.did, iova=self.iova, ttyp=ttyp, pid=self.pid, priv_s=self.priv_s)


@dataclass(frozen=True)
class AtsCompletion:
    """What the IOMMU returns. status: "SC", "UR" or "CA". For SC: r/w/x (x is PCIe's Exe),
    u, priv, n, g, and the translated range: `addr` its first byte (an SPA, or a GPA with
    T2GPA=1) and `size_log2`; with R=W=0 the address is UNSPECIFIED and `addr` is None.
    `cause`: the cause the read walk stopped with (UR/CA: the reported one; SC with R=W=0: the
    fault that denied it, not reported), None on a translation."""
    status: str
    r: bool = False
    w: bool = False
    x: bool = False
    u: bool = False
    priv: bool = False
    n: bool = False
    g: bool = False
    addr: Optional[int] = None
    size_log2: int = 12
    cause: Optional[int] = None
    cxl_io: Optional[bool] = False      # None: UNSPECIFIED by the spec (either value)
    ama: int = 0                        # AMA[2:0]: 000b, the spec's default

    def permits_cxl_io(self, bit: bool) -> bool:
        """Whether a completion with CXL.io = `bit` agrees with this one."""
        return self.cxl_io is None or self.cxl_io == bool(bit)

    @property
    def ok(self) -> bool:
        """A completion that grants some access."""
        return self.status == SC and (self.r or self.w)

    def address_field(self) -> tuple[int, bool]:
        """(Translated Address [63:12] as a byte address, S) with PCIe's size encoding."""
        if self.addr is None:
            raise ValueError("a completion without a translation has no address field")
        return encode_range(self.addr, self.size_log2)

    def covers(self, iova_page: int, iova: int) -> bool:
        """Whether an IOVA lies in the range a request for `iova_page` was answered for."""
        mask = (1 << self.size_log2) - 1
        return (iova & ~mask) == (iova_page & ~mask)

    def translate(self, iova: int) -> int:
        """The translated address of `iova` (in the completion's range)."""
        return self.addr | (iova & ((1 << self.size_log2) - 1))

    def __str__(self) -> str:
        if self.status != SC:
            return f"{self.status}(cause {self.cause})"
        perms = "".join(c for c, on in (("R", self.r), ("W", self.w), ("X", self.x),
                                         ("U", self.u), ("P", self.priv), ("G", self.g)) if on)
        if self.addr is None:
            if self.r or self.w:                 # U=1 (an MRIF-mode MSI page): no address
                return f"SC({perms} no address)"
            return f"SC(no access, cause {self.cause})"
        return f"SC({perms or '-'} {self.addr:#x}/2^{self.size_log2})"


def encode_range(base: int, size_log2: int) -> tuple[int, bool]:
    """PCIe's encoding of a translated range: S=0 is 4 KiB; S=1 puts the lowest 0 bit of the
    address field at bit 12 + x for a range of 2^(13 + x) bytes, every bit below it 1."""
    if not 12 <= size_log2 <= 64 or base & ((1 << size_log2) - 1):
        raise ValueError(f"range {base:#x}/2^{size_log2}: size 2^12..2^64, base aligned to it")
    if size_log2 == 12:
        return base, False
    x = size_log2 - 13
    return base | ((1 << x) - 1) << 12, True


def decode_range(addr_field: int, s: bool) -> tuple[int, int]:
    """(base, size_log2) of an address field and S bit (the inverse of encode_range)."""
    addr_field &= ~0xFFF & ((1 << 64) - 1)
    if not s:
        return addr_field, 12
    x = 0
    while x < 52 and addr_field >> (12 + x) & 1:
        x += 1
    if x == 52:
        raise ValueError("S=1 with every address bit set encodes no size")
    size_log2 = 13 + x
    return addr_field & ~((1 << size_log2) - 1), size_log2


def no_access(cause: int, cxl_io: Optional[bool] = False) -> AtsCompletion:
    return AtsCompletion(SC, cause=int(cause), cxl_io=cxl_io)


def cxl_io_bit(areq: "AtsRequest", msi: bool, t2gpa: bool, pbmt: int) -> Optional[bool]:
    """The spec's CXL.io rule: 0 for a device that is not CXL; for a CXL type 1/2 device 1 for
    an MSI address, with T2GPA, or for memory type NC (1) or IO (2), else UNSPECIFIED (None)."""
    if not areq.cxl:
        return False
    if msi or t2gpa or pbmt in (1, 2):
        return True
    return None


def global_bit(trace: list) -> bool:
    """The G bit of the first-stage translation the trace holds: set on the leaf or on any
    valid non-leaf PTE above it (the Privileged spec: G on a non-leaf makes everything below
    global)."""
    g = False
    for item, words in trace:
        if item.kind == "pte1" and words[0] & 1:
            g = g or bool(words[0] >> 5 & 1)
    return g


def first_stage_used(trace: list) -> bool:
    return any(item.kind == "pte1" for item, _ in trace)


def msi_used(trace: list) -> bool:
    return any(item.kind == "msipte" for item, _ in trace)


def dc_tc(trace: list) -> int:
    """DC.tc of the device context the walk located (0 if none)."""
    for item, words in trace:
        if item.kind == "dc":
            return words[0]
    return 0


def complete(model, areq: AtsRequest, side_effects: bool = True) -> AtsCompletion:
    """The completion `model` (an IommuModel) returns for `areq`, with its side effects: the
    fault record of a UR/CA, the A/D updates of the walks (SADE/GADE). side_effects=False:
    the same answer over current memory, changing nothing (for a checker)."""
    req = areq.as_request()
    trace: list = []
    ad_cas = model._ad_cas if side_effects else None
    result = model.walk(req, trace=trace, ad_cas=ad_cas)
    out = result.outcome
    if not out.ok:
        status = response_for(out.cause)
        if status == SC:
            return no_access(out.cause, None if areq.cxl else False)
        if side_effects:
            model.report(req, result)
        return AtsCompletion(status, cause=int(out.cause))
    if out.mrif is not None:
        # An MRIF-mode MSI PTE: Success with R, W and U = 1 for the implied 4 KiB range; no
        # translated address (the device must use untranslated requests there).
        return AtsCompletion(SC, r=True, w=True, u=True, priv=areq.pid is not None and areq.priv_s,
                             cxl_io=cxl_io_bit(areq, True, False, 0))
    w = x = False
    if not areq.no_write:
        w = model.walk(areq.as_request(TTYP.UNTRANSLATED_WRITE), ad_cas=ad_cas).outcome.ok
    if areq.exec_req:
        x = model.walk(areq.as_request(TTYP.UNTRANSLATED_EXEC), ad_cas=ad_cas).outcome.ok
    size_log2 = range_log2(trace, out) or 12
    t2gpa = bool(dc_tc(trace) >> 3 & 1)
    addr = (out.gpa if t2gpa else out.pa) & ~((1 << size_log2) - 1)
    pasid = areq.pid is not None
    g = pasid and first_stage_used(trace) and not msi_used(trace) and global_bit(trace)
    return AtsCompletion(SC, r=True, w=w, x=x, priv=pasid and areq.priv_s, g=g, addr=addr,
                         size_log2=size_log2,
                         cxl_io=cxl_io_bit(areq, msi_used(trace), t2gpa, out.pbmt))


def complete_all(model, areq: AtsRequest, side_effects: bool = True) -> tuple:
    """The entries of the completion for a request of areq.translations translations (PCIe
    Length / 2), as the module docstring says: entry k for the untranslated address right
    after entry k-1's range; a UR/CA first entry is the whole answer (one entry); a later UR/CA
    ends the entries before it (not reported: that entry is not returned)."""
    entries = []
    iova = areq.iova & ~0xFFF
    for k in range(areq.translations):
        if iova >> 64:
            break                               # past the top of the address space
        one = areq.at(iova)
        if k and complete(model, one, side_effects=False).status != SC:
            break
        c = complete(model, one, side_effects)
        entries.append(c)
        if c.status != SC:
            break
        iova = (iova & ~((1 << c.size_log2) - 1)) + (1 << c.size_log2)
    return tuple(entries)


@dataclass(frozen=True)
class InvalidationRequest:
    """The "Invalidation Request" message an ATS.INVAL sends: the device (device_id: DSEG
    in [23:16] when DSV=1, else segment 0, RID in [15:0]), the PASID (None: without) and the
    payload (G [0], S [11], Untranslated Address [63:12])."""
    did: int
    pid: Optional[int]
    payload: int
    itag: int = 0           # PCIe ITag (0..31): the lowest free one (models/ats_inval.py)

    @property
    def g(self) -> bool:
        """Global Invalidate: with a PASID, global entries of every PASID go too."""
        return bool(self.payload & 1)

    def range(self) -> tuple[int, int]:
        """(base, size_log2) of the untranslated addresses to invalidate (PCIe's S encoding)."""
        return decode_range(self.payload, bool(self.payload >> 11 & 1))

    @classmethod
    def from_command(cls, cmd, itag: int = 0) -> "InvalidationRequest":
        return cls(cmd.dseg << 16 | cmd.rid if cmd.dsv else cmd.rid,
                   cmd.pid if cmd.pv else None, cmd.payload, itag)


def inval_payload(base: int, size_log2: int = 12, g: bool = False) -> int:
    """The PAYLOAD of an ATS.INVAL for [base, base + 2^size_log2) (for software layers)."""
    addr, s = encode_range(base, size_log2)
    return addr | int(s) << 11 | int(g)


def prgr_payload(prgi: int, code: int) -> int:
    """The PAYLOAD of an ATS.PRGR: PRG index [40:32], Response Code [47:44]."""
    if not 0 <= prgi < 1 << 9 or not 0 <= code < 16:
        raise ValueError(f"prgr_payload: PRG index {prgi} (9 bits), code {code} (4 bits)")
    return prgi << 32 | code << 44
