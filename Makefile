# SPDX-License-Identifier: GPL-2.0
#
# mapdrv's top-level Makefile.  The kbuild rules are in Kbuild.
#
#   make            the module for the running kernel (KDIR) and the tools
#   make check      build everything, run the tests in QEMU on the matrix
#   make demo       boot the 6.12 VM and run userspace/mapview
#   make deps       install host packages, fetch the Debian kernels
#   make vm-modules the module for every kernel of the matrix (build/K/)

KDIR ?= /lib/modules/$(shell uname -r)/build
MAPDRV_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/mapdrv
export MAPDRV_CACHE

VM_KERNELS := 6.1 6.12
HARNESS_DIR := $(MAPDRV_CACHE)/linux-source-6.1/tools/testing/selftests

CC ?= cc
USER_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -Imodule
TEST_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 \
	       -Imodule -isystem $(HARNESS_DIR)

MODULE_SRCS := Kbuild dkms.conf $(wildcard module/*.[ch])

.PHONY: all module userspace selftests vm-modules deps check demo clean help

all: module userspace

help:
	@sed -n 's/^#   //p' Makefile

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace: userspace/mapview

userspace/mapview: userspace/mapview.c module/mapdrv_uapi.h
	$(CC) $(USER_CFLAGS) -o $@ $<

selftests: selftests/mapdrv_test

selftests/mapdrv_test: selftests/mapdrv_test.c module/mapdrv_uapi.h | deps
	$(CC) $(TEST_CFLAGS) -o $@ $<

# One build tree per kernel under build/K: links to the sources, so the
# objects of one kernel never overwrite another's.  W=1 and -Werror: the
# module must build without a warning on every kernel of the matrix.
vm-modules: $(foreach k,$(VM_KERNELS),build/$(k)/mapdrv.ko)

build/%/mapdrv.ko: $(MODULE_SRCS) | deps
	@mkdir -p $(@D)/module
	@for f in $(MODULE_SRCS); do ln -sf $(CURDIR)/$$f $(@D)/$$f; done
	$(MAKE) -C $(MAPDRV_CACHE)/kernels/$*/build M=$(CURDIR)/$(@D) \
		W=1 KCFLAGS=-Werror modules

# Quick when everything is there: no network once the cache is complete.
deps:
	@scripts/deps

check: vm-modules userspace selftests
	scripts/check

demo: vm-modules userspace
	scripts/vmrun --kernel 6.12 --cmdline init_on_alloc=0 \
		--add userspace/mapview -- userspace/mapview

clean:
	rm -rf build userspace/mapview selftests/mapdrv_test
	rm -rf .tmp_versions *.o *.ko *.mod *.mod.c .*.cmd module/*.o \
		module/.*.cmd modules.order Module.symvers
