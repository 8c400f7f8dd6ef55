# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Shared by mapdrv's scripts: the cache location and message helpers.

: "${MAPDRV_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/mapdrv}"
export MAPDRV_CACHE

prog=$(basename "$0")

say() { echo "$prog: $*" >&2; }
die() { echo "$prog: error: $*" >&2; exit 1; }

# The Debian kernels of the matrix, one "key arch suite" line each.
debian_kernels() {
	sed 's/#.*//' "${BASH_SOURCE[0]%/*}/kernels" | awk 'NF'
}

# Their keys, and the debug kernel's.
kernel_keys() {
	debian_kernels | awk '{ print $1 }'
	echo debug
}

# The cache directory of kernel $1, or die saying how to fill it.
kernel_dir() {
	local dir=$MAPDRV_CACHE/kernels/$1 how="scripts/deps $1" keys
	keys=" $(kernel_keys | tr '\n' ' ')"
	case $keys in
	*" $1 "*) ;;
	*) die "unknown kernel '$1' (known:$keys)" ;;
	esac
	[ "$1" = debug ] && how="make debug-kernel"
	[ -e "$dir/.complete" ] ||
		die "kernel $1 is not in $MAPDRV_CACHE: run '$how'"
	echo "$dir"
}

# The architecture (x86_64 or arm64) of the kernel in cache directory $1.
kernel_arch() {
	case ${1##*/} in
	arm64-*) echo arm64 ;;
	*) echo x86_64 ;;
	esac
}

# The compiler that built the kernel in cache directory $1, as Debian's
# headers call it (CC = $(CROSS_COMPILE)gcc-N).
kernel_gcc() {
	local version
	# CONFIG_GCC_VERSION is major * 10000 + minor * 100 + patch.
	version=$(sed -n 's/^CONFIG_GCC_VERSION=\([0-9]*\)$/\1/p' \
		  "$1/build/include/config/auto.conf")
	[ -n "$version" ] || die "no CONFIG_GCC_VERSION in $1/build"
	case $(kernel_arch "$1") in
	arm64) echo "aarch64-linux-gnu-gcc-$((version / 10000))" ;;
	*) echo "x86_64-linux-gnu-gcc-$((version / 10000))" ;;
	esac
}

# True when building for the kernel in $1 needs the trixie userland
# (scripts/in-trixie): the host lacks the compiler that built it.
needs_trixie() {
	! command -v "$(kernel_gcc "$1")" >/dev/null
}
