#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What 'make check' runs inside each VM: the device's suites, mapview's
# and, on a kernel with kmemleak, a leak scan after them.  Prints
# TAP; exits non-zero if anything failed.
dir=$(dirname "$0")
# The tree's layout, in the tree or in build/arm64/ for the arm64 guests.
export MAPVIEW="$dir/../userspace/mapview"
kmemleak=/sys/kernel/debug/kmemleak
status=0

# Leaks from the boot itself are not ours: forget them before the tests.
if [ -e $kmemleak ]; then
	echo scan >$kmemleak
	echo clear >$kmemleak
fi

# Run a suite, its test lines named with the map mode ("ok 3 map=fault:
# mapdrv.marker_starts_every_page"): every suite below runs once per mode,
# and a failure must say in which.  Keeps the suite's exit status.
in_mode() {
	{ "$@"; echo $? >"$tmp/rc"; } |
		sed "s/^\(\(not \)*ok [0-9]* \)/\1map=$map: /"
	return "$(cat "$tmp/rc")"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The parameters vmrun loaded the module with, less any map= of theirs.
base_params=$(echo " ${MAPDRV_MODPARAMS:-} " | sed 's/ map=[^ ]*//g')

for map in fault faultaround premap; do
	echo "# === map=$map ==="
	export MAPDRV_MODPARAMS="$base_params map=$map"
	rmmod mapdrv 2>/dev/null
	# shellcheck disable=SC2086 # the parameters are separate words
	if ! insmod "$MAPDRV_KO" $MAPDRV_MODPARAMS; then
		echo "not ok 1 insmod $MAPDRV_KO $MAPDRV_MODPARAMS"
		status=1
		continue
	fi
	in_mode "$dir/mapdrv_test" || status=1
	in_mode "$dir/mapview_test" || status=1
	# The short stress run; 'make stress' runs the long one.
	in_mode env MAPDRV_STRESS_SECONDS="${MAPDRV_STRESS_SECONDS:-6}" "$dir/stress_test" || status=1
	# Unloading and loading again, real tools (Python's mmap, fio) and
	# pages pinned across rmmod (vmsplice, io_uring), in every mode:
	# each maps the pages its own way.  All reload the module, so they
	# come last, one at a time.
	in_mode "$dir/reload_test" || status=1
	in_mode "$dir/tools_test.sh" || status=1
	in_mode "$dir/pin_test" || status=1
done

# mapview's lessons, once: the module is loaded (the last map mode), and
# the free lesson's test reloads it with MAPDRV_MODPARAMS after its run.
"$dir/lessons_test" || status=1

# Only the debug kernel can inject faults: there it must run.  It loads
# the module as it needs (premap included), so once is enough.
if [ -e /sys/kernel/debug/fail_page_alloc ]; then
	"$dir/faultinject_test" || status=1
fi

# Real fuzzers, trinity and stress-ng, on the debug kernel only: its
# checkers turn what they provoke into reports (vmrun fails on those).
# A short run, on the default map mode; 'make stress' runs them longer.
if [ -e /sys/kernel/debug/fail_page_alloc ]; then
	MAPDRV_MODPARAMS="$base_params" \
		MAPDRV_FUZZ_SECONDS=${MAPDRV_FUZZ_SECONDS:-20} "$dir/fuzz.sh" || status=1
fi

# The benchmark's code, on one small size, so that it cannot rot; its
# numbers mean nothing here ('make bench' runs it for real).
if "$dir/../bench/mapdrv_bench" --quick; then
	echo "ok 1 mapdrv_bench --quick"
else
	echo "not ok 1 mapdrv_bench --quick"
	status=1
fi

if [ -e $kmemleak ]; then
	# kmemleak reports only objects older than 5 s, and wants two scans.
	sleep 6
	echo scan >$kmemleak
	echo scan >$kmemleak
	if [ -s $kmemleak ]; then
		sed 's/^/# /' $kmemleak
		echo "not ok 1 kmemleak: leaks after the suites"
		status=1
	else
		echo "ok 1 kmemleak: no leak after the suites"
	fi
fi
exit $status
