# ktaskd - the two commands are `make run` and `make test`.
#
#   make run        install missing packages, build, serve on 127.0.0.1:8000
#   make test       install missing packages, build (-Werror), run every test
#   make test-asan  the whole suite under AddressSanitizer + UBSan
#   make test-tsan  the engine's tests under ThreadSanitizer
#   make build      release build of build/ktaskd only
#   make bench      benchmarks against the storage engine (BENCH_ROWS=N)
#   make clean

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE ?= cmake
RUN_ARGS ?=

FUZZ_SECONDS ?= 60
FUZZ_TARGETS = csv json url upload

TORTURE_ROUNDS ?= 5

.PHONY: all build run test test-asan test-tsan bench fuzz torture deps deps-test clean

all: build

deps:
	@./scripts/deps.sh build

deps-test:
	@./scripts/deps.sh test

build: deps
	@$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=Release -DKT_TESTS=OFF >/dev/null
	@$(CMAKE) --build build -j $(JOBS) --target ktaskd

run: build
	./build/ktaskd serve $(RUN_ARGS)

test: deps-test
	@$(CMAKE) -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DKT_WERROR=ON >/dev/null
	@$(CMAKE) --build build-test -j $(JOBS)
	@cd build-test && ctest --output-on-failure -j $(JOBS)

test-asan: deps-test
	@$(CMAKE) -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKT_WERROR=ON -DKT_SANITIZE=asan >/dev/null
	@$(CMAKE) --build build-asan -j $(JOBS)
	@# A small quarantine keeps freed memory from posing as growth in the
	@# memory tests; use-after-free is still caught within 16 MB of reuse.
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=16 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

# libFuzzer targets (clang): each runs FUZZ_SECONDS on a working corpus seeded
# from tests/fuzz/corpus/<target>; finds land in build-fuzz/crash-*.
fuzz:
	@./scripts/deps.sh test fuzz
	@CC=clang $(CMAKE) -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKT_FUZZ=ON -DKT_TESTS=OFF >/dev/null
	@$(CMAKE) --build build-fuzz -j $(JOBS) >/dev/null
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p tests/fuzz/corpus-run/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		(cd build-fuzz && ./fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=./ ../tests/fuzz/corpus-run/$$t ../tests/fuzz/corpus/$$t \
			2> fuzz-$$t.log) || { tail -40 build-fuzz/fuzz-$$t.log; exit 1; }; \
		grep -E 'DONE|stat::number_of_executed_units' build-fuzz/fuzz-$$t.log | tail -2; \
	done

# Crash torture: SIGKILL at random moments, then check against a model.
torture: build
	@./scripts/deps.sh torture
	@./tests/torture/torture.sh $(TORTURE_ROUNDS)

# Benchmarks (not part of make test): BENCH_ROWS=10000 for a quick run.
bench:
	@./bench/run.sh

# The engine's tests (and the store's) under ThreadSanitizer.
test-tsan: deps-test
	@$(CMAKE) -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DKT_WERROR=ON -DKT_SANITIZE=tsan >/dev/null
	@$(CMAKE) --build build-tsan -j $(JOBS)
	@cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		ctest --output-on-failure -R 'engine|numbers|store|tasks_in' -j 1

clean:
	rm -rf build build-test build-asan build-tsan build-fuzz
