"""DUT profiles: one small TOML file describes an IOMMU to check (sources, top, parameters,
simulators, device port, fault reporting, interrupts, features without a capability bit,
declared capabilities, MSI addresses and, for our own RTL, the bug variants).

`make sim DUT=<name or path>` loads one: a bare name is `duts/<name>.toml` in this repository,
anything with a `/` or ending in `.toml` is a path (a profile may live in the user's own
checkout). Relative paths inside a profile are taken from the folder the profile is in. A
profile may say `extends = "other.toml"` and override some keys (tables merge key by key).

Every problem is a ProfileError with one line that names the file and the key. The keys are
documented in docs/dut-interface.md. Plain Python: the regression and the simulator's Python
both load profiles with it.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DUTS_DIR = REPO_ROOT / "duts"
DEFAULT_DUT = "riscv_iommu"
SIMULATORS = ("icarus", "verilator")
PORT_KINDS = ("dev", "axi-dma")
CAUSE_SOURCES = ("port", "record")
SIDEBAND = ("ar_stream_id", "ar_ss_id_valid", "ar_substream_id",
            "aw_stream_id", "aw_ss_id_valid", "aw_substream_id")


class ProfileError(ValueError):
    """A DUT profile that cannot be used; str() is the one line to print."""


# The schema: key -> (type, default). A nested dict is a table with its own keys.
_SCHEMA: dict[str, Any] = {
    "name": (str, None),
    "description": (str, ""),
    "extends": (str, None),
    "top": (str, None),
    "filelist": (str, None),
    "root": (str, None),
    "sources": (list, []),
    "include_dirs": (list, []),
    "defines": (dict, {}),
    "simulators": (list, list(SIMULATORS)),
    "parameters": (dict, {}),
    "params": (dict, {"default": {}}),
    "capabilities": (int, None),
    "capabilities_must_match": (bool, False),
    "sim": {"icarus": {"args": (list, [])}, "verilator": {"args": (list, [])}},
    "port": {"kind": (str, "dev"), "max_inflight": (int, 64), "prefix": (str, "s_dma"),
             "down_prefix": (str, "m_dma"), "id_width": (int, 4), "sideband": (dict, {}),
             "pbmt": (str, "dev_rsp_pbmt"), "data": (str, "dev_req_data"),
             "mrif": (str, "dev_rsp_mrif"),
             # PCIe ATS (optional): <ats_req>_nw/_exe inputs, <ats_rsp>_cpl/_attr outputs
             "ats_req": (str, "dev_req_ats"), "ats_rsp": (str, "dev_rsp_ats"),
             # ATS messages to devices: <ats_msg>_valid/_ready/_prgr/_did/_pv/_pid/_payload,
             # and the Invalidation Completion input
             "ats_msg": (str, "ats_msg"), "ats_inv_cpl": (str, "ats_inv_cpl")},
    "faults": {"cause": (str, "port")},
    "interrupts": {"cq": (str, "irq_cq"), "fq": (str, "irq_fq"), "icvec": (int, None)},
    "features": {"svnapot": (bool, True)},
    "memory": {"msi": (list, [])},
    "mutants": (dict, {}),
}
_MUTANT_KEYS = ("what", "file", "find", "replace", "class")
# The kinds of bug a mutant stands for (docs/mutation.md); `make mutate` groups its table by them.
MUTANT_CLASSES = ("scope", "tags", "permissions", "address-arithmetic", "directory-indexing",
                  "causes", "records", "queues", "command-decoding", "ordering", "caching-rules",
                  "endianness")
UNCLASSIFIED = "unclassified"             # a mutant without a `class` key


@dataclass
class DutProfile:
    """A loaded, checked profile. Paths are absolute."""
    path: Path
    name: str
    description: str
    top: str
    sources: list[Path]
    include_dirs: list[Path]
    defines: dict[str, str]
    timing: bool
    simulators: list[str]
    params: dict[str, dict]                  # set name -> parameters (common ones merged in)
    sim_args: dict[str, list[str]]
    port: dict
    fault_cause: str                         # "port": on the device port; "record": fault queue only
    interrupts: dict
    svnapot: bool
    max_inflight: int
    capabilities: int | None
    capabilities_must_match: bool
    msi_ranges: list[tuple[int, int]]
    mutants: dict[str, dict] = field(default_factory=dict)


def resolve(spec: str | os.PathLike | None) -> Path:
    """A profile's path from a name (duts/<name>.toml) or a path."""
    text = str(spec) if spec else DEFAULT_DUT
    if text.endswith(".toml") or "/" in text or os.sep in text:
        p = Path(text).expanduser()
        p = p if p.is_absolute() else Path.cwd() / p
        if not p.is_file():
            raise ProfileError(f"DUT profile {p} does not exist")
        return p.resolve()
    p = DUTS_DIR / f"{text}.toml"
    if not p.is_file():
        known = ", ".join(sorted(f.stem for f in DUTS_DIR.glob("*.toml")))
        raise ProfileError(f"unknown DUT {text!r}; known: {known} (or give a path to a .toml profile)")
    return p.resolve()


def _read(path: Path, seen: tuple = ()) -> dict:
    """The profile's table with `extends` applied (tables merged key by key)."""
    if path in seen:
        raise ProfileError(f"{path}: 'extends' loops back to itself")
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"{path}: not valid TOML: {e}") from None
    except OSError as e:
        raise ProfileError(f"{path}: cannot read: {e.strerror}") from None
    _check_keys(path, data, _SCHEMA, "")
    base = data.pop("extends", None)
    if base is None:
        return {"__dir__": {k: path.parent for k in data}, **data}
    bpath = Path(base) if Path(base).is_absolute() else path.parent / base
    if not bpath.is_file():
        raise ProfileError(f"{path}: key 'extends': {bpath} does not exist")
    merged = _read(bpath.resolve(), seen + (path,))
    dirs = merged.pop("__dir__")
    for k, v in data.items():
        dirs[k] = path.parent
        if isinstance(v, dict) and isinstance(merged.get(k), dict) and k not in ("params", "mutants"):
            merged[k] = {**merged[k], **v}
        else:
            merged[k] = v
    return {"__dir__": dirs, **merged}


def _check_keys(path: Path, data: dict, schema: dict, where: str) -> None:
    for key, value in data.items():
        name = f"{where}{key}"
        if key not in schema:
            known = ", ".join(schema)
            raise ProfileError(f"{path}: unknown key {name!r} (known here: {known})")
        spec = schema[key]
        if isinstance(spec, dict):
            if not isinstance(value, dict):
                raise ProfileError(f"{path}: key {name!r} must be a table")
            _check_keys(path, value, spec, name + ".")
            continue
        typ = spec[0]
        ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
        if not ok:
            raise ProfileError(f"{path}: key {name!r} must be {_tname(typ)}, got {_tname(type(value))} "
                               f"{value!r}")


def _tname(t) -> str:
    return {str: "a string", int: "an integer", bool: "true or false", list: "a list",
            dict: "a table"}.get(t, t.__name__)


def _get(data: dict, dotted: str):
    node, spec = data, _SCHEMA
    for part in dotted.split("."):
        spec = spec[part]
        node = node.get(part, {}) if isinstance(spec, dict) else node.get(part, spec[1])
    return node


def load(spec: str | os.PathLike | None = None) -> DutProfile:
    """Load and check a profile (None: our own RTL). Raises ProfileError."""
    path = resolve(spec)
    data = _read(path)
    dirs = data.pop("__dir__")

    def base(key: str) -> Path:
        return dirs.get(key, path.parent)

    def err(key: str, msg: str) -> ProfileError:
        return ProfileError(f"{path}: key {key!r}: {msg}")

    def abspath(key: str, text: str, root: Path) -> Path:
        p = Path(os.path.expandvars(text)).expanduser()
        return Path(os.path.normpath(p if p.is_absolute() else root / p))

    name = _get(data, "name") or path.stem
    top = _get(data, "top")
    if not top:
        raise ProfileError(f"{path}: key 'top' is missing (the name of the DUT's top module)")
    # sources: the file list's, then `sources`
    from tb.runner import FileListError, parse_filelist
    sources: list[Path] = []
    includes: list[Path] = []
    defines: dict[str, str] = {}
    timing = False
    if _get(data, "filelist"):
        fl_path = abspath("filelist", _get(data, "filelist"), base("filelist"))
        if not fl_path.is_file():
            raise err("filelist", f"{fl_path} does not exist")
        root = abspath("root", _get(data, "root"), base("root")) if _get(data, "root") else fl_path.parent
        try:
            fl = parse_filelist(fl_path, root)
        except FileListError as e:
            raise err("filelist", str(e)) from None
        sources, includes, defines, timing = fl.sources, fl.includes, fl.defines, fl.timing
    for i, s in enumerate(_get(data, "sources")):
        if not isinstance(s, str):
            raise err(f"sources[{i}]", f"must be a string, got {s!r}")
        sources.append(abspath("sources", s, base("sources")))
    if not sources:
        raise ProfileError(f"{path}: no sources: give 'filelist' or 'sources'")
    for s in sources:
        if not s.is_file():
            raise err("sources" if _get(data, "sources") else "filelist", f"source {s} does not exist")
    for i, d in enumerate(_get(data, "include_dirs")):
        if not isinstance(d, str):
            raise err(f"include_dirs[{i}]", f"must be a string, got {d!r}")
        p = abspath("include_dirs", d, base("include_dirs"))
        if not p.is_dir():
            raise err("include_dirs", f"directory {p} does not exist")
        includes.append(p)
    for k, v in _get(data, "defines").items():
        if not isinstance(v, (str, int, bool)):
            raise err(f"defines.{k}", f"must be a string or an integer, got {v!r}")
        defines[k] = str(int(v)) if isinstance(v, bool) else str(v)
    pattern = re.compile(rf"^\s*module\s+{re.escape(top)}\b", re.M)
    if not any(s.suffix in (".v", ".sv") and pattern.search(s.read_text(errors="replace")) for s in sources):
        raise err("top", f"module {top!r} is not defined in any of the {len(sources)} sources")
    sims = _get(data, "simulators")
    for s in sims:
        if s not in SIMULATORS:
            raise err("simulators", f"unknown simulator {s!r}; use {' and/or '.join(SIMULATORS)}")
    if not sims:
        raise err("simulators", "is empty")
    sim_args = {}
    for s in SIMULATORS:
        args = _get(data, f"sim.{s}.args")
        if not all(isinstance(a, str) for a in args):
            raise err(f"sim.{s}.args", "must be a list of strings")
        sim_args[s] = list(args)
    common = _get(data, "parameters")
    params = {}
    for set_name, values in _get(data, "params").items():
        if not isinstance(values, dict):
            raise err(f"params.{set_name}", "must be a table of parameter = value")
        merged = {**common, **values}
        for k, v in merged.items():
            if not isinstance(v, (int, str)) or isinstance(v, bool):
                raise err(f"params.{set_name}.{k}", f"must be an integer or a string, got {v!r}")
        params[set_name] = merged
    if not params:
        raise err("params", "no parameter set (add [params.default])")
    port = {k: _get(data, f"port.{k}") for k in _SCHEMA["port"]}
    if port["kind"] not in PORT_KINDS:
        raise err("port.kind", f"must be one of {', '.join(PORT_KINDS)}, got {port['kind']!r}")
    for k in port["sideband"]:
        if k not in SIDEBAND:
            raise err(f"port.sideband.{k}", f"unknown sideband field; known: {', '.join(SIDEBAND)}")
    if not 1 <= port["id_width"] <= 16:
        raise err("port.id_width", f"must be 1..16, got {port['id_width']}")
    max_inflight = port["max_inflight"]
    if not 1 <= max_inflight <= 256:
        raise err("port.max_inflight", f"must be 1..256, got {max_inflight}")
    cause = _get(data, "faults.cause")
    if cause not in CAUSE_SOURCES:
        raise err("faults.cause", f"must be 'port' (the device port returns it) or 'record' "
                                  f"(only the fault-queue record has it), got {cause!r}")
    if port["kind"] == "axi-dma" and cause == "port":
        raise err("faults.cause", "an axi-dma port answers a fault with SLVERR only: set cause = 'record'")
    caps = _get(data, "capabilities")
    if caps is not None:
        from models.capabilities import Capabilities
        try:
            Capabilities(caps)
        except ValueError as e:
            raise err("capabilities", str(e)) from None
    msi = []
    for i, r in enumerate(_get(data, "memory.msi")):
        if not (isinstance(r, list) and len(r) == 2 and all(isinstance(x, int) for x in r) and r[0] < r[1]):
            raise err(f"memory.msi[{i}]", f"must be [low, high) with low < high, got {r!r}")
        msi.append((r[0], r[1]))
    mutants = {}
    for mname, m in _get(data, "mutants").items():
        if not isinstance(m, dict):
            raise err(f"mutants.{mname}", "must be a table with what, file, find, replace (and class)")
        extra = set(m) - set(_MUTANT_KEYS)
        if extra:
            raise err(f"mutants.{mname}", f"unknown key {sorted(extra)[0]!r} (known: {', '.join(_MUTANT_KEYS)})")
        for k in ("what", "file"):
            if not isinstance(m.get(k), str):
                raise err(f"mutants.{mname}.{k}", "is missing or not a string")
        finds, replaces = _edits(m, lambda k, msg: err(f"mutants.{mname}.{k}", msg))
        cls = m.get("class", UNCLASSIFIED)
        if cls not in MUTANT_CLASSES and not (cls == UNCLASSIFIED and "class" not in m):
            raise err(f"mutants.{mname}.class", f"unknown class {cls!r}; known: {', '.join(MUTANT_CLASSES)}")
        target = abspath("mutants", m["file"], base("mutants")).resolve()
        if target not in [s.resolve() for s in sources]:
            raise err(f"mutants.{mname}.file", f"{target} is not one of the DUT's sources")
        mutants[mname] = {**m, "path": target, "class": cls, "edits": list(zip(finds, replaces))}
    return DutProfile(
        path=path, name=name, description=_get(data, "description"), top=top, sources=sources,
        include_dirs=list(dict.fromkeys(includes)), defines=defines, timing=timing,
        simulators=list(sims), params=params, sim_args=sim_args, port=port, fault_cause=cause,
        interrupts={k: _get(data, f"interrupts.{k}") for k in _SCHEMA["interrupts"]},
        svnapot=_get(data, "features.svnapot"), max_inflight=max_inflight, capabilities=caps,
        capabilities_must_match=_get(data, "capabilities_must_match"), msi_ranges=msi,
        mutants=mutants)


def _edits(m: dict, err) -> tuple[list[str], list[str]]:
    """A mutant's find/replace pairs: two strings, or two lists of strings of one length (several
    changes to the one file, made in order)."""
    find, replace = m.get("find"), m.get("replace")
    if isinstance(find, str) or isinstance(replace, str):
        for k, v in (("find", find), ("replace", replace)):
            if not isinstance(v, str):
                raise err(k, "is missing or not a string (find and replace are both strings or "
                             "both lists of strings)")
        finds, replaces = [find], [replace]
    else:
        for k, v in (("find", find), ("replace", replace)):
            if not (isinstance(v, list) and v and all(isinstance(x, str) for x in v)):
                raise err(k, "is missing, or not a string or a non-empty list of strings")
        if len(find) != len(replace):
            raise err("replace", f"has {len(replace)} entries, find has {len(find)} (one replace per find)")
        finds, replaces = find, replace
    for i, f in enumerate(finds):
        if not f:
            raise err("find" if len(finds) == 1 else f"find[{i}]", "is empty")
    return finds, replaces


def apply_mutant(text: str, name: str, mutant: dict) -> str:
    """`text` (the mutant's source file) with the mutant's changes made in order. Each `find`
    must occur exactly once in the text it is applied to; otherwise ProfileError (one line)."""
    edits = mutant["edits"]
    for i, (find, replace) in enumerate(edits):
        n = text.count(find)
        if n != 1:
            which = "the text to change" if len(edits) == 1 else f"find[{i}]"
            raise ProfileError(f"mutant {name}: {which} occurs {n} times in {mutant['file']} "
                               f"(must be once); update the profile")
        text = text.replace(find, replace)
    return text


def from_env() -> DutProfile:
    """The profile the regression chose ($IOMMU_DUT), or our own RTL's."""
    return load(os.environ.get("IOMMU_DUT") or None)
