# histlog: `make demo` and `make test` set up everything they need (a .venv, the release
# library, the Python package and its test dependencies) on a machine with Swift and Python.

SWIFT   ?= swift
PYTHON  ?= python3
PREFIX  ?= /usr/local
VENV    := .venv
PY      := $(VENV)/bin/python
RELEASE_LIB := .build/release/libhistlog.so
# A CPU-only PyTorch wheel in pip's configured find-links directory, if the machine has one
# (the index's default wheel pulls in gigabytes of CUDA libraries).
TORCH_CPU_WHEEL := $(firstword $(wildcard $(addsuffix /torch-*+cpu-*.whl,$(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null))))

.PHONY: all build release test test-swift test-python python-install demo bench install clean

all: build

build:
	$(SWIFT) build

# The self-contained libhistlog.so (Swift runtime linked statically).
release:
	$(SWIFT) build -c release --product histlog

# A virtual environment with the test and demo dependencies (CPU PyTorch, TensorBoard, MLflow).
$(VENV)/.deps: bindings/python/requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(if $(TORCH_CPU_WHEEL),$(PY) -m pip install --quiet $(TORCH_CPU_WHEEL))
	$(PY) -m pip install --quiet -r bindings/python/requirements-dev.txt
	touch $@

test: test-swift

test-swift:
	$(SWIFT) build
	$(SWIFT) test

# The Python package, installed into .venv the way a user installs it (builds libhistlog.so).
python-install: $(VENV)/.deps
	$(PY) -m pip install --quiet --force-reinstall --no-deps ./bindings/python

test-python: python-install
	cd bindings/python/tests && ../../../$(PY) -m pytest -q

clean:
	rm -rf .build $(VENV)
