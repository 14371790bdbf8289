# Thin wrapper around CMake. `sudo make test` and `sudo make demo` work alone on a fresh Debian 12
# machine: both install what is missing first (scripts/deps.sh).
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?= -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all build deps test unit bpf system kernel-test kmod deb package-test asan tsan fuzz demo bench clean

all: build

deps:
	./scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_ARGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Everything: unit tests, the ring under TSan, a bounded fuzz run, namespace system tests, then the
# unit tests again under ASan+UBSan.
test: deps build
	cd $(BUILD) && ctest --output-on-failure
	$(MAKE) asan

# One target per test tier (ctest labels, see CMakeLists.txt): unit, bpf (root), system (root,
# namespaces), kernel (qemu).
unit: build
	cd $(BUILD) && ctest --output-on-failure -L '^unit$$'

bpf: build
	cd $(BUILD) && ctest --output-on-failure -L '^bpf$$'

system: build
	cd $(BUILD) && ctest --output-on-failure -L '^system$$'

# Only the kernel tests: Debian kernels under qemu against `ncxdp attach` (tests/kernel/README.md).
kernel-test: deps build
	cd $(BUILD) && ctest --output-on-failure -L '^kernel$$'

# The ncxdp_tx kernel module (kmod/) for every kernel pinned in tests/kernel/kernels.conf, into
# $(BUILD)/kmod/<abi>/ncxdp_tx.ko.
kmod:
	./kmod/build.sh $(BUILD)/kmod

# Debian packages (packaging/debian): $(BUILD)/deb/ncxdp_<version>_amd64.deb and
# ncxdp-tx-dkms_<version>_all.deb, from the binaries `make build` compiled (README, "Install as a
# package").
deb: build
	./packaging/build-deb.sh $(BUILD) $(BUILD)/deb

# Only the package test (tests/package/package_test.sh, ctest label package): both packages built,
# lintian, installed in a throwaway root, the DKMS module built and booted in the 6.12 guest.
package-test: deps build
	cd $(BUILD) && ctest --output-on-failure -L '^package$$'

# AddressSanitizer + UndefinedBehaviorSanitizer build of the library, the unit and the BPF tests.
asan:
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_ARGS) -DNCXDP_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target ncxdp_unit ncxdp_bpf_tests
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -L '^(unit|bpf)$$'

# The ring's two-thread stress test under ThreadSanitizer.
tsan: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target ring_stress_tsan
	cd $(BUILD) && ctest --output-on-failure -L '^stress$$'

# A longer fuzz session than the one in `make test` (FUZZ_SECONDS, default 600).
FUZZ_SECONDS ?= 600
fuzz: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target fuzz_decoder
	./tests/fuzz/run_bounded.sh $(BUILD)/fuzz_decoder tests/fuzz/corpus $(FUZZ_SECONDS)

demo: deps build
	./scripts/demo.sh $(BUILD)

bench: deps build
	./scripts/bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
