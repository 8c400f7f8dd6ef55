#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Kernel module loader for the mapdrv selftests: finds mapdrv.ko and runs
# mapdrv_test, then reload_test, from this directory; each loads the
# module through libkmod unless it is loaded already, and unloads it
# again if it loaded it.
# 'make check' runs the same suite in QEMU; this script is for a real
# machine, and what kselftest's run_tests and run_kselftest.sh run
# (TEST_PROGS in selftests/Makefile).
#
# usage: mapdrv.sh [PATH/TO/mapdrv.ko] [PARAMS...]
#   e.g. mapdrv.sh ../mapdrv.ko pages=64
#        mapdrv.sh pages=1024 huge=1
#
# Without a path the module is MAPDRV_KO when that is set (scripts/vmrun
# sets it), else looked for next to the sources (make module), beside
# this script (a kselftest install carries a mapdrv.ko put there) and
# then among the installed modules (DKMS).  The reload tests load it
# again from the path, exported to them as MAPDRV_KO.
#
# Exits 0 when both suites passed, 1 when one failed, or 4 (kselftest "skip") when not
# run as root or when no module can be found or loaded.

DRIVER=mapdrv

# Kselftest framework requirement - SKIP code is 4.
ksft_skip=4

dir=$(dirname "$0")

skip()
{
	echo "$0: skip: $*" >&2
	exit $ksft_skip
}

# An absolute path, so that the tests can open it from anywhere.
abspath()
{
	(cd "$(dirname "$1")" && echo "$(pwd -P)/$(basename "$1")")
}

find_module()
{
	for f in "$dir/../$DRIVER.ko" "$dir/$DRIVER.ko"; do
		if [ -f "$f" ]; then
			echo "$f"
			return 0
		fi
	done
	f=$(modinfo -n "$DRIVER" 2>/dev/null) || return 1
	[ -f "$f" ] && echo "$f"
}

ko=${MAPDRV_KO:-}
case $1 in
*=*) ;;			# a parameter: no path given
?*) ko=$1; shift ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	skip "must be run as root"
fi
for t in ${DRIVER}_test reload_test; do
	if [ ! -x "$dir/$t" ]; then
		skip "$dir/$t is missing: build it with 'make selftests'"
	fi
done

if [ -n "$ko" ]; then
	[ -f "$ko" ] || skip "no module at $ko"
else
	ko=$(find_module)
fi

if [ -d "/sys/module/$DRIVER" ]; then
	if [ $# -gt 0 ]; then
		echo "$0: $DRIVER is loaded already: ignoring $*" >&2
	fi
else
	[ -n "$ko" ] || skip "no $DRIVER.ko found: build it with 'make module'"
fi

# The test loads from here (and the reload tests reload from here);
# without a path the reload tests fail and say so, the others still run.
if [ -n "$ko" ]; then
	MAPDRV_KO=$(abspath "$ko")
	export MAPDRV_KO
else
	echo "$0: no $DRIVER.ko found: the reload tests will fail" >&2
fi
MAPDRV_MODPARAMS="$*"
export MAPDRV_MODPARAMS

# reload_test unloads the module: after the device's suite, alone.
status=0
"$dir/${DRIVER}_test" || status=1
"$dir/reload_test" || status=1
exit $status
