# SPDX-License-Identifier: GPL-2.0
# Shared by mapdrv's scripts: the cache location and message helpers.

: "${MAPDRV_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/mapdrv}"
export MAPDRV_CACHE

prog=$(basename "$0")

say() { echo "$prog: $*" >&2; }
die() { echo "$prog: error: $*" >&2; exit 1; }

# The cache directory of matrix kernel $1 (6.1, 6.12, debug), or die
# saying how to fill it.
kernel_dir() {
	local dir=$MAPDRV_CACHE/kernels/$1 how="make deps"
	case $1 in
	6.1|6.12) ;;
	debug) how="make debug-kernel" ;;
	*) die "unknown kernel '$1' (known: 6.1, 6.12, debug)" ;;
	esac
	[ -e "$dir/.complete" ] ||
		die "kernel $1 is not in $MAPDRV_CACHE: run '$how'"
	echo "$dir"
}
