#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Load mapdrv.ko if needed, run the kselftest suite, unload what it
# loaded.  For a real host; 'make check' runs the suite in QEMU instead.
#
# usage: mapdrv.sh [PATH/TO/mapdrv.ko] [MODULE PARAMETERS...]
# Exits 4 (kselftest "skip") when not root or when there is no module.

ksft_skip=4
dir=$(dirname "$0")
ko=${1:-$dir/../mapdrv.ko}
[ $# -gt 0 ] && shift

if [ "$(id -u)" -ne 0 ]; then
	echo "$0: skip: must be run as root" >&2
	exit $ksft_skip
fi

loaded=0
if ! grep -q '^mapdrv ' /proc/modules; then
	if [ ! -e "$ko" ]; then
		echo "$0: skip: no module at $ko (build it with 'make')" >&2
		exit $ksft_skip
	fi
	if ! insmod "$ko" "$@"; then
		echo "$0: skip: insmod $ko $* failed" >&2
		exit $ksft_skip
	fi
	loaded=1
fi

# The reload tests load the module again from here.
MAPDRV_KO=$(realpath "$ko")
export MAPDRV_KO
"$dir/mapdrv_test"
status=$?

[ $loaded = 1 ] && rmmod mapdrv
exit $status
