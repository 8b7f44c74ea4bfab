# histlog: `make demo` and `make test` set up everything they need (a .venv, the release
# library, the Python package and its test dependencies) on a machine with Swift and Python.

SWIFT   ?= swift
SWIFTC  ?= swiftc
PYTHON  ?= python3
PREFIX  ?= /usr/local
VENV    := .venv
PY      := $(VENV)/bin/python
RELEASE_LIB := .build/release/libhistlog.so
# A CPU-only PyTorch wheel in pip's configured find-links directory, if the machine has one
# (the index's default wheel pulls in gigabytes of CUDA libraries).
TORCH_CPU_WHEEL := $(firstword $(wildcard $(addsuffix /torch-*+cpu-*.whl,$(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null))))

.PHONY: all build release kernels test test-swift test-swift-avx2 test-swift-package test-swift-tsan bench-engine bench-storage test-c test-c-asan valgrind strace test-python python-install chromium test-report bench-report demo bench install clean

all: build

build:
	$(SWIFT) build

# Generated Swift sources (test-swift checks that each is current): Kernels+Double.swift from
# Kernels+Float.swift, the Eisel-Lemire table PowersOfFive.swift, and HTMLReport+Assets.swift
# from the report's report.js and report.css.
GENERATORS := Sources/HistLog/Statistics/make_kernels.py Sources/HistLog/Formats/MLflowJSON/make_powers_of_five.py \
	Sources/HistLog/Report/make_report_assets.py

.PHONY: generate powers-of-five report-assets
generate: kernels powers-of-five report-assets

kernels:
	$(PYTHON) Sources/HistLog/Statistics/make_kernels.py

powers-of-five:
	$(PYTHON) Sources/HistLog/Formats/MLflowJSON/make_powers_of_five.py

report-assets:
	$(PYTHON) Sources/HistLog/Report/make_report_assets.py

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

# test-python runs every Python test, test-report's among them.
test: typecheck test-swift test-swift-avx2 test-swift-package test-swift-tsan test-c test-c-asan test-python test-wheel

# mypy --strict on the Python package (settings in bindings/python/pyproject.toml).
.PHONY: typecheck
typecheck: $(VENV)/.deps
	cd bindings/python && ../../$(PY) -m mypy

# Tests/check_layers.sh: the folders of Sources/HistLog depend one way (Binning <- Statistics <-
# Formats <- Logging <- Diagnostics <- Report; Concurrency a leaf).
# The TensorBoard tests run TensorBoard's own reader with the .venv's Python; without
# HISTLOG_PYTHON they fail (HISTLOG_SKIP_PYTHON=1 skips them, never silently).
test-swift: $(VENV)/.deps
	@set -e; for generator in $(GENERATORS); do $(PYTHON) $$generator --check; done
	Tests/check_layers.sh $(SWIFTC)
	$(SWIFT) build
	HISTLOG_PYTHON=$(abspath $(PY)) $(SWIFT) test

# The Swift tests again, in release, with the engine built for AVX2 as `-target-cpu native` builds
# it on most machines: the kernels' bit tricks meet another instruction selection there (see the
# note on the index mask in `pairBlock`). The process-kill tests are left out: nothing there
# depends on instruction selection, and they take most of the time. Skipped without AVX2.
AVX2_BUILD := .build-avx2
test-swift-avx2: $(VENV)/.deps
	@if grep -qw avx2 /proc/cpuinfo; then \
		HISTLOG_PYTHON=$(abspath $(PY)) $(SWIFT) test -c release --scratch-path $(AVX2_BUILD) \
			-Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -enable-testing --skip ProcessTests; \
	else echo "test-swift-avx2: this CPU has no AVX2; skipped"; fi

# A separate Swift package that depends on histlog by path and runs the README's Swift example.
# Built from scratch: SwiftPM's incremental build misses source files added to a path dependency.
test-swift-package:
	rm -rf .build-swift-package
	$(SWIFT) run --package-path Tests/swift-package --scratch-path $(CURDIR)/.build-swift-package Trainer $(CURDIR)/.build-swift-package/run

# Loggers under ThreadSanitizer, in their own build directory (sanitized objects differ).
test-swift-tsan:
	HISTLOG_SKIP_PYTHON=1 $(SWIFT) test --sanitize=thread --scratch-path .build-tsan --filter ConcurrencyTests

# The Python package, installed into .venv the way a user installs it (builds libhistlog.so).
python-install: $(VENV)/.deps
	$(PY) -m pip install --quiet --force-reinstall --no-deps ./bindings/python

# `make wheel`: dist/histlog-<version>.tar.gz, the sdist (the Python package with Package.swift,
# Include/ and the Swift sources libhistlog.so is built from), and, built from that sdist as
# `pip install` builds it, dist/histlog-<version>-py3-none-manylinux_<x>_<y>_<arch>.whl: its
# libhistlog.so stripped, its tag the manylinux policy auditwheel computes (with patchelf on PATH).
WHEEL_BUILD := .build/wheel

.PHONY: wheel test-wheel
wheel: $(VENV)/.deps
	rm -rf $(WHEEL_BUILD) dist/histlog-*.whl dist/histlog-*.tar.gz
	$(PY) -m build --outdir $(WHEEL_BUILD) bindings/python
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/auditwheel repair --strip --wheel-dir dist \
		$(WHEEL_BUILD)/histlog-$(HL_VERSION)-*.whl
	cp $(WHEEL_BUILD)/histlog-$(HL_VERSION).tar.gz dist/
	$(VENV)/bin/twine check --strict dist/histlog-$(HL_VERSION)*

# The artefacts' contents and tags, then the wheel in a fresh venv with no swift on PATH:
# import, log, read, watch, the command line (bindings/python/tests/check_wheel.py).
test-wheel: wheel
	$(PY) bindings/python/tests/check_wheel.py dist

test-python: python-install chromium strace
	cd bindings/python/tests && ../../../$(PY) -m pytest -q

# Trains a small network on scikit-learn's digits with histlog watching; prints where the run is.
demo: python-install
	$(PY) bindings/python/examples/demo.py

# The logger: records per second and log() latency for 128 and 1M values, JSON and TensorBoard
# sinks; flush() latency with durable off and on (bench-storage).
bench: bench-engine bench-storage

# The engine: histogram only and all statistics of 1M float32 values, next to one plain pass
# (histlog-bench), then next to numpy and scipy in one process through the C ABI (bench_engine.py).
bench-engine: $(VENV)/.deps
	$(SWIFT) build -c release --product histlog-bench
	$(SWIFT) build -c release --product histlog
	MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=4294967296 .build/release/histlog-bench
	HISTLOG_LIBRARY=$(abspath $(RELEASE_LIB)) $(PY) bindings/python/benchmarks/bench_engine.py

bench-storage:
	$(SWIFT) build -c release --product histlog-bench
	MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=4294967296 .build/release/histlog-bench --storage

# histlog's Python logging next to torch.utils.tensorboard's add_histogram, one table of ratios.
.PHONY: bench-python
bench-python: python-install
	$(PY) bindings/python/benchmarks/bench_logging.py

bench: bench-python

# One histogram of a tensor sharded over 2 gloo processes: reduce=True next to gathering the
# shards (exact_quantiles=True) and to each rank logging its own shard; bytes and quantile error.
.PHONY: bench-distributed
bench-distributed: python-install
	OMP_NUM_THREADS=1 $(PY) bindings/python/benchmarks/bench_distributed.py

bench: bench-distributed

# The step time of a torch.compile'd MLP with histlog.watch(every=100, optimizer=) next to without.
.PHONY: bench-watch
bench-watch: python-install
	OMP_NUM_THREADS=1 $(PY) bindings/python/benchmarks/bench_watch.py

bench: bench-watch

clean:
	rm -rf .build .build-tsan .build-asan $(AVX2_BUILD) $(VENV)

# libFuzzer on the JSON record reader and the TensorBoard importer (Tests/HistLogTests/Fuzz/
# FuzzTargets.swift), FUZZ_SECONDS each. swiftc builds the HistLog sources and the entry point as
# one module: SwiftPM's own `main` gets in libFuzzer's way (swiftlang/swift-package-manager#4522).
# New inputs go to .build/fuzz/corpus-*, crashes to .build/fuzz/crashes/: copy a crash into
# Tests/fuzz/crashes/<target>/ and `make test` replays it (FuzzRegressionTests), as it replays
# the seeds in Tests/fuzz/corpus (written by Tests/fuzz/make_corpus.py).
FUZZ_SECONDS ?= 300
FUZZER       := .build/fuzz/histlog-fuzz
FUZZ_FLAGS    = -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 -timeout=10 -print_final_stats=1

.PHONY: fuzz
fuzz: $(FUZZER)
	@mkdir -p .build/fuzz/corpus-json .build/fuzz/corpus-events .build/fuzz/crashes
	HISTLOG_FUZZ_TARGET=json $(FUZZER) $(FUZZ_FLAGS) -artifact_prefix=.build/fuzz/crashes/json- \
		.build/fuzz/corpus-json Tests/fuzz/corpus/json
	HISTLOG_FUZZ_TARGET=events $(FUZZER) $(FUZZ_FLAGS) -artifact_prefix=.build/fuzz/crashes/events- \
		.build/fuzz/corpus-events Tests/fuzz/corpus/events

# (Built in its own directory, where swiftc leaves the module files -g writes.)
$(FUZZER): $(shell find Sources/HistLog -name '*.swift') Tests/HistLogTests/Fuzz/FuzzTargets.swift Tests/fuzz/FuzzEntry.swift
	@mkdir -p $(dir $@)
	cd $(dir $@) && $(SWIFTC) -O -wmo -g -sanitize=fuzzer,address -parse-as-library -module-name HistLog \
		-D HISTLOG_FUZZ $(abspath $^) -o $(notdir $@)

# --- C ABI -----------------------------------------------------------------------------------
# The C tests compile Tests/c/*.c against Include/histlog.h as C11 and as C++17, link them to
# the release libhistlog.so, and run them plainly and under valgrind (and under AddressSanitizer
# in test-c-asan); then the header/symbol check, the run-time dependency check, a dlopen from
# plain C and an install + pkg-config build.
C_TEST_DIR      := .build/c-tests
C_TESTS         := test_compute test_run
C_TESTS         += test_report
C_TEST_CFLAGS   := -std=c11 -Wall -Wextra -Werror -pedantic -I Include
C_TEST_CXXFLAGS := -x c++ -std=c++17 -Wall -Wextra -Werror -pedantic -I Include
C_TEST_LIBS     := -L .build/release -lhistlog -Wl,-rpath,$(CURDIR)/.build/release -lm -pthread
# Errors (invalid reads/writes, uses of uninitialised values) fail the run; the Swift runtime's
# lifetime allocations are "still reachable" at exit by design, so leaks are not checked.
VALGRIND        := valgrind --error-exitcode=1 --leak-check=no --quiet --suppressions=Tests/c/valgrind.supp

test-c: release valgrind
	Tests/c/check_symbols.sh
	Tests/c/check_ldd.sh
	@mkdir -p $(C_TEST_DIR)
	@set -e; for test in $(C_TESTS); do \
		echo "== $$test (C11, C++17, valgrind)"; \
		$(CC) $(C_TEST_CFLAGS) Tests/c/$$test.c -o $(C_TEST_DIR)/$$test $(C_TEST_LIBS); \
		$(CXX) $(C_TEST_CXXFLAGS) Tests/c/$$test.c -o $(C_TEST_DIR)/$$test-cxx $(C_TEST_LIBS); \
		$(C_TEST_DIR)/$$test; \
		$(C_TEST_DIR)/$$test-cxx; \
		$(VALGRIND) $(C_TEST_DIR)/$$test; \
	done
	$(CC) $(C_TEST_CFLAGS) Tests/c/test_dlopen.c -o $(C_TEST_DIR)/test_dlopen -ldl
	$(C_TEST_DIR)/test_dlopen $(CURDIR)/$(RELEASE_LIB)
	$(VALGRIND) $(C_TEST_DIR)/test_dlopen $(CURDIR)/$(RELEASE_LIB)
	Tests/c/test_install.sh

# valgrind for test-c, installed with apt-get on a fresh Debian/Ubuntu machine.
valgrind:
	@command -v valgrind >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq valgrind; }

# The C tests again, against a libhistlog.so built with AddressSanitizer (its Swift code and the
# tests' C code both instrumented; the toolchain's own clang, whose ASan runtime matches Swift's).
# Leaks are errors too.
ASAN_BUILD := .build-asan
ASAN_CC    := $(shell dirname "$$(command -v $(SWIFT))")/clang

test-c-asan:
	$(SWIFT) build -c release --product histlog --sanitize=address --scratch-path $(ASAN_BUILD)
	@mkdir -p $(ASAN_BUILD)/c-tests
	@set -e; for test in $(C_TESTS); do \
		echo "== $$test (AddressSanitizer)"; \
		$(ASAN_CC) $(C_TEST_CFLAGS) -g -fsanitize=address -fno-omit-frame-pointer -fuse-ld=bfd Tests/c/$$test.c \
			-o $(ASAN_BUILD)/c-tests/$$test -L $(ASAN_BUILD)/release -lhistlog -Wl,-rpath,$(CURDIR)/$(ASAN_BUILD)/release -lm -pthread; \
		ASAN_OPTIONS=detect_leaks=1 $(ASAN_BUILD)/c-tests/$$test; \
	done

# strace for the test that traces durable=True's fsyncs (bindings/python/tests/test_write_failures.py).
strace:
	@command -v strace >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq strace; }

# `make install PREFIX=/opt/histlog`: lib/libhistlog.so, include/histlog.h, lib/pkgconfig/histlog.pc
# (and share/licenses/histlog/LICENSE).
# Then `cc app.c $(pkg-config --cflags --libs histlog)` (with PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig
# for a prefix pkg-config does not search); histlog.pc adds an rpath, so no LD_LIBRARY_PATH is needed.
HL_VERSION := $(shell awk '/define HL_VERSION_(MAJOR|MINOR|PATCH) / { printf "%s%s", sep, $$3; sep = "." }' Include/histlog.h)

# $(call install_c_library,DIRECTORY,PREFIX WRITTEN IN histlog.pc)
define install_c_library
	install -d $(1)/lib/pkgconfig $(1)/include $(1)/share/licenses/histlog
	install -m 755 $(RELEASE_LIB) $(1)/lib/libhistlog.so
	install -m 644 Include/histlog.h $(1)/include/histlog.h
	install -m 644 bindings/python/LICENSE $(1)/share/licenses/histlog/LICENSE
	sed -e 's|@PREFIX@|$(2)|' -e 's|@VERSION@|$(HL_VERSION)|' bindings/c/histlog.pc.in >$(1)/lib/pkgconfig/histlog.pc
endef

install: release
	$(call install_c_library,$(DESTDIR)$(PREFIX),$(PREFIX))

# `make dist`: dist/c/histlog-<version>-linux-<arch>.tar.gz, the C library to unpack anywhere: the
# files `make install` writes, libhistlog.so stripped, histlog.pc's prefix ${pcfiledir}/../.. (so
# pkg-config finds the unpacked folder wherever it is).
C_DIST      := histlog-$(HL_VERSION)-linux-$(shell uname -m)
C_DIST_TREE := .build/dist-c/$(C_DIST)
PCFILEDIR   := $${pcfiledir}

.PHONY: dist
dist: release
	rm -rf $(C_DIST_TREE) dist/c/$(C_DIST).tar.gz
	$(call install_c_library,$(C_DIST_TREE),$(PCFILEDIR)/../..)
	strip --strip-unneeded $(C_DIST_TREE)/lib/libhistlog.so
	mkdir -p dist/c
	tar -C $(dir $(C_DIST_TREE)) -czf dist/c/$(C_DIST).tar.gz $(C_DIST)
	@echo "make dist: dist/c/$(C_DIST).tar.gz"

# Headless Chromium for the HTML report's browser test (bindings/python/tests/test_report.py),
# installed with apt-get on a fresh Debian/Ubuntu machine.
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }

# Size of the HTML report of a 500-key x 1,000-step run and the time to write and open it.
# The report, summary and doctor from Python and the command line, the doctor on real PyTorch
# models, and the HTML report in headless Chromium (screenshots in .build/report-test/).
test-report: python-install chromium
	cd bindings/python/tests && ../../../$(PY) -m pytest -q test_report.py test_doctor_models.py

bench-report: python-install chromium
	$(PY) bindings/python/benchmarks/bench_report.py

# Reading a 500-key x 1,000-step run (725 MB of JSON): the engine alone (histlog-bench --read:
# every key, one key, summary, doctor, report), then through the C ABI next to json.load and orjson,
# and one key's history in one call next to record by record (bench_read.py).
.PHONY: bench-read
bench-read: python-install
	$(SWIFT) build -c release --product histlog-bench
	$(PY) -m pip install --quiet orjson || echo "orjson did not install: bench_read.py compares with json.load alone"
	MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=4294967296 .build/release/histlog-bench --read
	$(PY) bindings/python/benchmarks/bench_read.py

bench: bench-read

# Reading long runs in bounded memory: peak RSS and time of `histlog summary | doctor | report` and
# open_run(...).get on 100 keys x 1,000 steps next to 100 keys x 10,000 steps (1M records, 1.5 GB
# of JSON, logged once into .build/bench-runs), and one key's read next to every key's.
.PHONY: bench-memory
bench-memory: python-install
	$(SWIFT) build -c release --product histlog-bench
	$(PY) bindings/python/benchmarks/bench_memory.py --bench .build/release/histlog-bench --runs .build/bench-runs

bench: bench-memory
