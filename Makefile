# SPDX-License-Identifier: GPL-2.0
#
# mapdrv's top-level Makefile.  The kbuild rules are in Kbuild.
#
#   make            the module for the running kernel (KDIR) and the tools
#   make check      build everything, run the tests in QEMU on the matrix
#   make demo       boot the 6.12 VM and run userspace/mapview (MAP=premap...)
#   make deps       install host packages, fetch the Debian kernels
#   make vm-modules the module for every kernel of the matrix (build/K/)
#   make debug-kernel  build the debug kernel of the matrix (cached)
#   make stress     the long stress run (DURATION=600 KERNEL=debug SEED=1)
#   make bench      the benchmark in one VM (BENCH_SIZES=4,64,256 BENCH_RUNS=7
#                   BENCH_JSON=build/bench.json BENCH_KERNEL=6.12)
#   make lint       checkpatch, sparse, W=1, gcc/clang, cppcheck
#   make dkms-check DKMS round trip per kernel, in a throw-away tree
#   make install    mapview and its man page (DESTDIR, PREFIX)
#   make modules_install  the module for KDIR, the standard way

KDIR ?= /lib/modules/$(shell uname -r)/build
MAPDRV_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/mapdrv
export MAPDRV_CACHE

VM_KERNELS := 6.1 6.12 debug
HARNESS_DIR := $(MAPDRV_CACHE)/linux-source-6.1/tools/testing/selftests

CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
USER_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -Imodule \
	       -Iuserspace
TEST_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 \
	       -Imodule -Iuserspace -isystem $(HARNESS_DIR)
# Evaluated when a recipe runs, after 'make deps' has installed them.
PKGS := smartcols json-c libkmod
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS))

MAPVIEW_SRCS := $(addprefix userspace/,mapview.c procfs.c snapshot.c \
		  frames.c module_info.c report_text.c report_json.c)
MAPVIEW_HDRS := $(wildcard userspace/*.h) module/mapdrv_uapi.h

MODULE_SRCS := Kbuild dkms.conf $(wildcard module/*.[ch])

.PHONY: all module userspace selftests vm-modules deps harness check demo \
	debug-kernel bench \
	clean help install uninstall lint dkms-check modules_install stress

all: module userspace

help:
	@sed -n 's/^#   //p' Makefile

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace: userspace/mapview

userspace/mapview: $(MAPVIEW_SRCS) $(MAPVIEW_HDRS)
	$(CC) $(USER_CFLAGS) $(PKG_CFLAGS) -o $@ $(MAPVIEW_SRCS) $(PKG_LIBS)

# The VM tests and the host-side unit tests of mapview's parsers.
selftests: selftests/mapdrv_test selftests/mapview_test \
	   selftests/faultinject_test selftests/stress_test \
	   userspace/tests/procfs_test bench/mapdrv_bench

selftests/mapdrv_test: selftests/mapdrv_test.c selftests/mapdrv_module.h \
		       module/mapdrv_uapi.h | harness
	$(CC) $(TEST_CFLAGS) $(shell pkg-config --cflags libkmod) -o $@ $< \
		$(shell pkg-config --libs libkmod)

selftests/mapview_test: selftests/mapview_test.c selftests/mapdrv_module.h \
			module/mapdrv_uapi.h | harness
	$(CC) $(TEST_CFLAGS) $(shell pkg-config --cflags json-c libkmod) -o $@ $< \
		$(shell pkg-config --libs json-c libkmod)

selftests/stress_test: selftests/stress_test.c module/mapdrv_uapi.h
	$(CC) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -Imodule \
		-o $@ $< -lpthread

selftests/faultinject_test: selftests/faultinject_test.c \
			   selftests/mapdrv_module.h | harness
	$(CC) $(TEST_CFLAGS) $(shell pkg-config --cflags libkmod) -o $@ $< \
		$(shell pkg-config --libs libkmod)

# The benchmark: runs in the VM (scripts/bench), also --quick in make check.
BENCH_SRCS = $(wildcard bench/*.c)
bench/mapdrv_bench: $(BENCH_SRCS) $(wildcard bench/*.h) module/mapdrv_uapi.h \
		    selftests/mapdrv_module.h
	$(CC) $(USER_CFLAGS) -Iselftests $(shell pkg-config --cflags json-c libkmod) \
		-o $@ $(BENCH_SRCS) $(shell pkg-config --libs json-c libkmod) -lpthread

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
vm-modules: $(foreach k,$(VM_KERNELS),build/$(k)/mapdrv.ko)

build/%/mapdrv.ko: $(MODULE_SRCS) | deps
	@mkdir -p $(@D)/module
	@for f in $(MODULE_SRCS); do ln -sf $(CURDIR)/$$f $(@D)/$$f; done
	$(MAKE) -C $(MAPDRV_CACHE)/kernels/$*/build M=$(CURDIR)/$(@D) \
		W=1 KCFLAGS=-Werror modules

# The debug kernel (KASAN, lockdep, kmemleak...) from linux-source-6.1,
# rebuilt only when the source or scripts/debug-kernel/debug.config change.
debug-kernel: deps
	@scripts/debug-kernel/build

build/debug/mapdrv.ko: | debug-kernel

# Quick when everything is there: no network once the cache is complete.
deps:
	@scripts/deps

# Only kselftest_harness.h, from the linux-source-6.1 package.
harness:
	@scripts/deps harness

check: deps vm-modules userspace selftests
	scripts/check

# The seeded stress run, long: make stress DURATION=600 KERNEL=debug SEED=7
DURATION ?= 600
KERNEL ?= debug
SEED ?= 1
stress: vm-modules selftests/stress_test
	scripts/vmrun --kernel $(KERNEL) --cmdline init_on_alloc=0 \
		--timeout $$(($(DURATION) + 600)) --add selftests/stress_test -- \
		env MAPDRV_STRESS_SECONDS=$(DURATION) MAPDRV_STRESS_SEED=$(SEED) \
		selftests/stress_test

# Sizes in MiB; the JSON lands in BENCH_JSON (default build/bench.json).
BENCH_SIZES ?= 4,64,256
BENCH_RUNS ?= 7
BENCH_JSON ?= build/bench.json
BENCH_KERNEL ?= 6.12
bench: vm-modules bench/mapdrv_bench
	scripts/bench --kernel $(BENCH_KERNEL) --sizes $(BENCH_SIZES) \
		--runs $(BENCH_RUNS) --json $(BENCH_JSON)

# checkpatch --strict, sparse and W=1 on 6.1 and 6.12, gcc/clang/cppcheck.
lint: deps
	scripts/lint

# add/build/install/uninstall/remove in a throw-away DKMS tree, per kernel.
dkms-check: deps
	scripts/dkms-check

# The module for KDIR, installed the standard way (updates/ by default).
modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

# MAP=faultaround or MAP=premap shows the other map modes.
MAP ?= fault
demo: deps vm-modules userspace
	scripts/vmrun --kernel 6.12 --cmdline init_on_alloc=0 \
		--modparams "pages=64 map=$(MAP)" --add userspace/mapview -- \
		userspace/mapview --explain --touch 8 --walk 3

clean:
	rm -rf build userspace/mapview selftests/mapdrv_test \
		selftests/mapview_test selftests/faultinject_test \
		selftests/stress_test bench/mapdrv_bench \
		userspace/tests/procfs_test
	rm -rf .tmp_versions *.o *.ko *.mod *.mod.c .*.cmd module/*.o \
		module/.*.cmd modules.order Module.symvers
