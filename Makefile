# SPDX-License-Identifier: GPL-2.0
#
# mapdrv's top-level Makefile.  The kbuild rules are in Kbuild.
#
#   make            the module for the running kernel (KDIR) and the tools
#   make check      build everything, run the tests in QEMU on the matrix
#   make demo       boot a VM and run userspace/mapview (LESSON=cow,
#                   MAP=premap, DEMO_KERNEL=7.3, ARCH=arm64...)
#   make deps       install host packages, fetch the Debian kernels
#   make vm-modules the module for every kernel of the matrix (build/K/)
#   make arm64-userspace  mapview and the suites for the arm64 guests
#   make debug-kernel  build the debug kernel of the matrix (cached)
#   make stress     the long stress run, then trinity and stress-ng
#                   (DURATION=600 FUZZ_SECONDS=300 KERNEL=debug SEED=1)
#   make bench      the benchmark in one VM (BENCH_SIZES=4,64,256 BENCH_RUNS=7
#                   BENCH_ROUNDS=101 BENCH_JSON=build/bench.json BENCH_KERNEL=6.12)
#   make lint       checkpatch, sparse, W=1, gcc/clang, cppcheck
#   make dkms-check DKMS round trip per kernel, in a throw-away tree
#   make deb        the Debian packages mapdrv-dkms and mapview, into build/deb/
#   make kselftest  selftests/ as a kselftest target of linux-source-6.1,
#                   built, installed and run in the 6.12 VM
#   make install    mapview and its man page (DESTDIR, PREFIX)
#   make modules_install  the module for KDIR, the standard way

KDIR ?= /lib/modules/$(shell uname -r)/build
MAPDRV_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/mapdrv
export MAPDRV_CACHE

# The kernels of the matrix, by cache key: scripts/kernels, and debug.
VM_KERNELS := $(shell awk '!/^\#/ && NF { print $$1 }' scripts/kernels) debug
HARNESS_DIR := $(MAPDRV_CACHE)/linux-source-6.1/tools/testing/selftests

# User space goes to $(O) (default: the tree itself).  CROSS=arm64
# cross-builds it against the arm64 libraries of the cache, for the arm64
# guests (make arm64-userspace does both: O=build/arm64/).
O ?=
CC ?= cc
PKG_CONFIG := pkg-config
ifeq ($(CROSS),arm64)
SYSROOT := $(MAPDRV_CACHE)/sysroot-arm64
CC := aarch64-linux-gnu-gcc
PKG_CONFIG := PKG_CONFIG_SYSROOT_DIR=$(SYSROOT) \
	PKG_CONFIG_LIBDIR=$(SYSROOT)/usr/lib/aarch64-linux-gnu/pkgconfig pkg-config
CROSS_LDFLAGS := -Wl,-rpath-link,$(SYSROOT)/lib/aarch64-linux-gnu \
		 -Wl,-rpath-link,$(SYSROOT)/usr/lib/aarch64-linux-gnu
endif
PREFIX ?= /usr/local
DESTDIR ?=
# The version is written once, in dkms.conf; mapview --version shows it.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
USER_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -Imodule \
	       -Iuserspace -DMAPDRV_VERSION=\"$(VERSION)\"
# The segments lesson shows constants in an r--p line of their own: the
# default on x86_64, not on arm64, whose ld puts .rodata with the text.
USER_LDFLAGS := -Wl,-z,separate-code
TEST_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 \
	       -Imodule -Iuserspace -isystem $(HARNESS_DIR)
# Evaluated when a recipe runs, after 'make deps' has installed them.
PKGS := smartcols json-c libkmod
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS)) $(CROSS_LDFLAGS)

MAPVIEW_SRCS := $(addprefix userspace/,mapview.c steps.c lessons.c \
		  lesson_device.c lesson_segments.c lesson_heap.c lesson_mmap.c \
		  lesson_demand.c lesson_cow.c lesson_free.c subject.c procfs.c \
		  snapshot.c frames.c module_info.c report_text.c report_json.c \
		  report_html.c svg.c)
MAPVIEW_HDRS := $(wildcard userspace/*.h) module/mapdrv_uapi.h

MODULE_SRCS := Kbuild dkms.conf $(wildcard module/*.[ch])

# What the VMs run, built for the host's architecture or, with O=, for
# the guest's.
VM_PROGS := userspace/mapview selftests/mapdrv_test selftests/reload_test \
	    selftests/mapview_test \
	    selftests/faultinject_test selftests/stress_test bench/mapdrv_bench \
	    selftests/pin_test selftests/lessons_test

.PHONY: all module userspace selftests vm-modules deps harness check demo \
	debug-kernel bench arm64-userspace \
	clean help install uninstall lint dkms-check modules_install stress

all: module userspace

help:
	@sed -n 's/^#   //p' Makefile

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace: $(O)userspace/mapview

# CPPFLAGS, CFLAGS and LDFLAGS (empty unless given) come after ours: a
# distribution's build (dpkg-buildflags, for make deb) adds its hardening
# and debug flags there.
$(O)userspace/mapview: $(MAPVIEW_SRCS) $(MAPVIEW_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -o $@ \
		$(MAPVIEW_SRCS) $(USER_LDFLAGS) $(LDFLAGS) $(PKG_LIBS)

# The VM tests and the host-side unit tests of mapview's parsers.
selftests: $(addprefix $(O),$(filter-out userspace/%,$(VM_PROGS))) \
	   userspace/tests/procfs_test

# The device's suite and the reload suite share mapdrv_test.h, and read
# /proc with mapview's parsers.
SUITE_DEPS := selftests/mapdrv_test.h selftests/mapdrv_module.h \
	      module/mapdrv_uapi.h userspace/procfs.c userspace/procfs.h
$(O)selftests/mapdrv_test $(O)selftests/reload_test: $(O)selftests/%: \
		selftests/%.c $(SUITE_DEPS) | harness
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(shell $(PKG_CONFIG) --cflags libkmod) -o $@ $< \
		userspace/procfs.c $(shell $(PKG_CONFIG) --libs libkmod) $(CROSS_LDFLAGS)

$(O)selftests/mapview_test: selftests/mapview_test.c selftests/mapdrv_module.h \
			selftests/mapview_run.h module/mapdrv_uapi.h | harness
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(shell $(PKG_CONFIG) --cflags json-c libkmod) -o $@ $< \
		$(shell $(PKG_CONFIG) --libs json-c libkmod) $(CROSS_LDFLAGS)

# mapview's lessons (--lesson NAME) checked against /proc, in the VM.
$(O)selftests/lessons_test: selftests/lessons_test.c selftests/mapdrv_module.h \
			selftests/mapview_run.h module/mapdrv_uapi.h | harness
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(shell $(PKG_CONFIG) --cflags json-c libkmod) -o $@ $< \
		$(shell $(PKG_CONFIG) --libs json-c libkmod) $(CROSS_LDFLAGS)

$(O)selftests/stress_test: selftests/stress_test.c module/mapdrv_uapi.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< -lpthread $(CROSS_LDFLAGS)

$(O)selftests/faultinject_test: selftests/faultinject_test.c \
			   selftests/mapdrv_module.h | harness
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(shell $(PKG_CONFIG) --cflags libkmod) -o $@ $< \
		$(shell $(PKG_CONFIG) --libs libkmod) $(CROSS_LDFLAGS)

# vmsplice and io_uring holding the buffer's pages across rmmod: io_uring
# by raw syscalls (linux/io_uring.h), no liburing; kselftest.h for TAP.
$(O)selftests/pin_test: selftests/pin_test.c selftests/mapdrv_module.h \
		    module/mapdrv_uapi.h | harness
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(shell $(PKG_CONFIG) --cflags libkmod) -o $@ $< \
		$(shell $(PKG_CONFIG) --libs libkmod) $(CROSS_LDFLAGS)

# The benchmark: runs in the VM (scripts/bench), also --quick in make check.
# procfs.c: mapview's pagemap decoding, for the reread cases' layout.
BENCH_SRCS = $(wildcard bench/*.c) userspace/procfs.c
$(O)bench/mapdrv_bench: $(BENCH_SRCS) $(wildcard bench/*.h bench/peers/*.h) module/mapdrv_uapi.h \
		    selftests/mapdrv_module.h userspace/procfs.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Iselftests $(shell $(PKG_CONFIG) --cflags json-c libkmod) \
		-o $@ $(BENCH_SRCS) $(shell $(PKG_CONFIG) --libs json-c libkmod) \
		-lpthread $(CROSS_LDFLAGS)

# The arm64 guests' copy of what the VMs run, with the suite's script
# beside its programs as in the tree.
ARM64_PROGS := $(addprefix build/arm64/,$(VM_PROGS) selftests/vm_suite.sh \
		 selftests/tools_test.sh)
arm64-userspace: $(MAPDRV_CACHE)/sysroot-arm64/.complete
	$(MAKE) CROSS=arm64 O=build/arm64/ $(ARM64_PROGS)

build/arm64/selftests/vm_suite.sh: selftests/vm_suite.sh
	@mkdir -p $(@D)
	cp $< $@

build/arm64/selftests/tools_test.sh: selftests/tools_test.sh
	@mkdir -p $(@D)
	cp $< $@

$(MAPDRV_CACHE)/sysroot-arm64/.complete:
	scripts/deps sysroot

userspace/tests/procfs_test: userspace/tests/procfs_test.c userspace/procfs.c \
			     userspace/procfs.h | harness
	$(CC) $(TEST_CFLAGS) -o $@ userspace/tests/procfs_test.c userspace/procfs.c

install: userspace/mapview
	install -D -m 0755 userspace/mapview $(DESTDIR)$(PREFIX)/bin/mapview
	install -D -m 0644 userspace/mapview.1 \
		$(DESTDIR)$(PREFIX)/share/man/man1/mapview.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/mapview \
	      $(DESTDIR)$(PREFIX)/share/man/man1/mapview.1

# One build tree per kernel under build/K: links to the sources, so the
# objects of one kernel never overwrite another's.  W=1 and -Werror: the
# module must build without a warning on every kernel of the matrix.
# scripts/kmake picks the compiler (the host's, a cross compiler, or gcc
# 14 in the cache's trixie userland for 7.x).
vm-modules: $(foreach k,$(VM_KERNELS),build/$(k)/mapdrv.ko)

build/%/mapdrv.ko: $(MODULE_SRCS) | $(MAPDRV_CACHE)/kernels/%/.complete
	@mkdir -p $(@D)/module
	@for f in $(MODULE_SRCS); do ln -sf $(CURDIR)/$$f $(@D)/$$f; done
	scripts/kmake $* M=$(CURDIR)/$(@D) W=1 KCFLAGS=-Werror modules

# One kernel of the matrix, fetched alone (make demo needs just one).
$(MAPDRV_CACHE)/kernels/%/.complete:
	scripts/deps $*

# The debug kernel (KASAN, lockdep, kmemleak...) from linux-source-6.1,
# rebuilt only when the source or scripts/debug-kernel/debug.config change.
debug-kernel: $(MAPDRV_CACHE)/kernels/6.1/.complete
	@scripts/debug-kernel/build

$(MAPDRV_CACHE)/kernels/debug/.complete: debug-kernel ; @:

# Quick when everything is there: no network once the cache is complete.
deps:
	@scripts/deps

# Only kselftest_harness.h, from the linux-source-6.1 package.
harness:
	@scripts/deps harness

check: deps vm-modules userspace selftests arm64-userspace
	scripts/check

# The seeded stress run, long (DURATION s), then the fuzzers of
# selftests/fuzz.sh, trinity and stress-ng, FUZZ_SECONDS each (0: none),
# in a VM of their own so that a kernel report names its culprit; SEED
# seeds them all.  Both VMs run even when the first fails; either one
# failing fails the target.  E.g. make stress DURATION=600
# FUZZ_SECONDS=300 KERNEL=debug SEED=7.
DURATION ?= 600
FUZZ_SECONDS ?= 300
KERNEL ?= debug
SEED ?= 1
stress: vm-modules selftests/stress_test
	rc=0; \
	scripts/vmrun --kernel $(KERNEL) --cmdline init_on_alloc=0 \
		--timeout $$(($(DURATION) + 600)) --add selftests/stress_test -- \
		env MAPDRV_STRESS_SECONDS=$(DURATION) MAPDRV_STRESS_SEED=$(SEED) \
		selftests/stress_test || rc=1; \
	if [ "$(FUZZ_SECONDS)" != 0 ]; then \
		scripts/vmrun --kernel $(KERNEL) --cmdline init_on_alloc=0 \
			--modparams mode=0666 \
			--timeout $$((2 * $(FUZZ_SECONDS) + 600)) \
			--add /usr/bin/trinity --add /usr/bin/stress-ng \
			--add selftests/fuzz.sh -- \
			env MAPDRV_FUZZ_SECONDS=$(FUZZ_SECONDS) \
			MAPDRV_FUZZ_SEED=$(SEED) selftests/fuzz.sh || rc=1; \
	fi; \
	exit $$rc

# Sizes in MiB; the JSON lands in BENCH_JSON (default build/bench.json).
BENCH_SIZES ?= 4,64,256
BENCH_RUNS ?= 7
BENCH_JSON ?= build/bench.json
BENCH_KERNEL ?= 6.12
BENCH_ROUNDS ?= 101
bench: vm-modules build/$(BENCH_KERNEL)/mapdrv_peers.ko bench/mapdrv_bench
	scripts/bench --kernel $(BENCH_KERNEL) --sizes $(BENCH_SIZES) \
		--runs $(BENCH_RUNS) --rounds $(BENCH_ROUNDS) --json $(BENCH_JSON)

# The benchmark's peers (bench/peers/): other drivers' ways to map a
# vmalloc'd buffer, a module of its own, built like mapdrv.ko (W=1,
# -Werror) in build/K/peers/ and copied beside it; never installed.
PEERS_SRCS := bench/peers/Kbuild bench/peers/mapdrv_peers.c \
	      bench/peers/mapdrv_peers.h module/mapdrv_uapi.h module/mapdrv_compat.h
build/%/mapdrv_peers.ko: $(PEERS_SRCS) | $(MAPDRV_CACHE)/kernels/%/.complete
	@mkdir -p $(@D)/peers
	@for f in $(PEERS_SRCS); do ln -sf $(CURDIR)/$$f $(@D)/peers/; done
	scripts/kmake $* M=$(CURDIR)/$(@D)/peers W=1 KCFLAGS=-Werror modules
	cp $(@D)/peers/mapdrv_peers.ko $@

# checkpatch --strict, sparse and W=1 on 6.1 and 6.12, gcc/clang/cppcheck.
lint: deps
	scripts/lint

# add/build/install/uninstall/remove in a throw-away DKMS tree, per kernel.
dkms-check: deps
	scripts/dkms-check

# The .debs out of tree (scripts/deb writes debian/changelog from
# dkms.conf there), then lintian: no error or warning.  scripts/test-deb
# (make check) installs them with apt in a trixie userland too.
.PHONY: deb
deb:
	@scripts/deps host
	scripts/deb build/deb
	lintian --fail-on error,warning build/deb/*.changes

# selftests/ copied into linux-source-6.1's tools/testing/selftests/mapdrv:
# make TARGETS=mapdrv, kselftest_install.sh, then run_kselftest.sh and
# run_tests in the 6.12 VM (make check runs it too).
.PHONY: kselftest
kselftest: build/6.12/mapdrv.ko
	scripts/test-kselftest

# The module for KDIR, installed the standard way (updates/ by default).
modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

# MAP=faultaround|premap, DEMO_KERNEL=6.1|6.12|7.3 and ARCH=arm64 show
# the others, LESSON=cow (mapview --lessons) another lesson.  Fetches and
# builds only what this one VM needs.
MAP ?= fault
LESSON ?= device
DEMO_ARGS := --lesson $(LESSON) --explain $(if $(filter device,$(LESSON)),--touch 8 --walk 3)
DEMO_KERNEL ?= 6.12
ifeq ($(ARCH),arm64)
DEMO_KEY := arm64-$(DEMO_KERNEL)
DEMO_BIN := build/arm64/userspace/mapview
DEMO_USER := arm64-userspace
else
DEMO_KEY := $(DEMO_KERNEL)
DEMO_BIN := userspace/mapview
DEMO_USER := userspace/mapview
endif
demo:
	scripts/deps $(DEMO_KEY)
	$(MAKE) build/$(DEMO_KEY)/mapdrv.ko $(DEMO_USER)
	scripts/vmrun --arch $(or $(ARCH),x86_64) --kernel $(DEMO_KERNEL) \
		--cmdline init_on_alloc=0 --modparams "pages=64 map=$(MAP)" \
		--add $(DEMO_BIN) -- $(DEMO_BIN) $(DEMO_ARGS)

# make print-VAR: a variable's value, for scripts that must use the same
# flags as the build (scripts/lint).
print-%:
	@echo $($*)

clean:
	rm -rf build $(VM_PROGS) userspace/tests/procfs_test
	rm -rf .tmp_versions *.o *.ko *.mod *.mod.c .*.cmd module/*.o \
		module/.*.cmd modules.order Module.symvers
