#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Real tools on /dev/mapdrv, run the way their users run them: Python's
# mmap module (the stock interpreter, MAPDRV_PYTHON, default
# /usr/bin/python3.11) and fio (MAPDRV_FIO, default /usr/bin/fio), with
# its mmap and psync engines, --verify, --fsync and --end_fsync.  In a
# VM of scripts/vmrun, as root, with the module loaded: vm_suite.sh runs
# it once per map mode, since Python's and fio's mmap reach the pages
# through each mode's own path (a fault per page, a window, or none).
#
# Prints TAP.  A tool that is missing, or that fails, fails its tests:
# nothing is skipped.  The one exception is a tool this kernel cannot run
# at all, an expected failure (# XFAIL) named with its errno: fio on a
# kernel without SysV IPC.  fio writes over the whole buffer, so the script
# ends by reloading the module (MAPDRV_KO, MAPDRV_MODPARAMS) and checking
# its markers.  Exits non-zero if anything failed.
set -u

python=${MAPDRV_PYTHON:-/usr/bin/python3.11}
fio=${MAPDRV_FIO:-/usr/bin/fio}
dev=/dev/mapdrv
status=0
n=0

pass() { n=$((n + 1)); echo "ok $n tools: $*"; }
fail() { n=$((n + 1)); echo "not ok $n tools: $*"; status=1; }
# A tool that cannot run on this kernel at all (see fio_cannot_run):
# kselftest's expected failure, which passes, with the reason.
xfail() { n=$((n + 1)); echo "ok $n tools: $1 # XFAIL $2"; }
comment() { sed 's/^/# /' "$@"; }

work=$(mktemp -d /tmp/mapdrv-tools.XXXXXX) || { fail "mktemp"; exit 1; }

# The page size from the kernel itself (busybox has no getconf), the
# buffer's size from the module.
page=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps)
pages=$(cat /sys/module/mapdrv/parameters/pages 2>/dev/null)
if [ -z "$page" ] || [ -z "$pages" ] || [ ! -c $dev ]; then
	fail "no $dev or no page size (pages='${pages:-}', page size '${page:-}')"
	exit 1
fi
size=$((pages * page))
echo "# $pages pages of $page bytes, map=$(cat /sys/module/mapdrv/parameters/map)"

# Run "$@" with its output kept; ok NAME if it exits 0, else not ok
# with the output as comments.
check() {
	name=$1
	shift
	if "$@" >"$work/out" 2>&1; then
		pass "$name"
	else
		fail "$name (exit $?)"
		comment "$work/out"
	fi
}

# --- Python's mmap ---------------------------------------------------
# Each check is its own interpreter, so that one failure leaves the
# others to run; sys.exit(text) is the failure, with its reason.  Every
# check puts back what it wrote: the later suites expect the markers.
# The interpreter needs only os.py, encodings/ (utf_8, aliases) and
# lib-dynload/mmap*.so beside it: scripts/check adds just those.

py() {
	name=$1
	code=$2
	if [ ! -x "$python" ]; then
		fail "python: $name ($python is not in the guest)"
		return
	fi
	check "python: $name" "$python" -I -c "$code" "$size" "$page"
}

# Shared by the checks below: the device mapped whole, MAP_SHARED.
prelude='
import mmap, os, sys
size, page = int(sys.argv[1]), int(sys.argv[2])
pages = size // page
fd = os.open("/dev/mapdrv", os.O_RDWR)
m = mmap.mmap(fd, size)
def marker(i):
    return b"mapdrv page %d\0" % i
'

py "slices of the mapping read every page's marker" "$prelude
for i in range(pages):
    got = m[i * page:i * page + len(marker(i))]
    if got != marker(i):
        sys.exit('page %d starts %r, want %r' % (i, got, marker(i)))
"

py "a slice write reaches the buffer, os.pwrite reaches the mapping" "$prelude
off = (pages // 2) * page + 128
data = b'written by Python through the mapping'
m[off:off + len(data)] = data
got = os.pread(fd, len(data), off)
if got != data:
    sys.exit('pread after the slice write: %r, want %r' % (got, data))
os.pwrite(fd, b'written by os.pwrite', off + 64)
got = m[off + 64:off + 84]
if got != b'written by os.pwrite':
    sys.exit('the mapping after os.pwrite: %r' % got)
m[off:off + 128] = bytes(128)
if os.pread(fd, 128, off) != bytes(128):
    sys.exit('the zeros did not go back')
"

py "ACCESS_COPY (MAP_PRIVATE) writes stay private" "$prelude
p = mmap.mmap(fd, size, access=mmap.ACCESS_COPY)
p[0:7] = b'private'
if p[0:7] != b'private':
    sys.exit('the private mapping does not show its own write')
if m[0:7] != b'mapdrv ' or os.pread(fd, 7, 0) != b'mapdrv ':
    sys.exit('a private write reached the buffer: %r' % os.pread(fd, 7, 0))
"

py "seek, read, tell and find on the mapping" "$prelude
last = pages - 1
m.seek(last * page)
got = m.read(len(marker(last)))
if got != marker(last):
    sys.exit('read at page %d: %r' % (last, got))
if m.tell() != last * page + len(marker(last)):
    sys.exit('tell after the read: %d' % m.tell())
m.seek(0, os.SEEK_END)
if m.tell() != size or m.read(1) != b'':
    sys.exit('at the end: tell %d, read %r' % (m.tell(), m.read(1)))
m.seek(-page, os.SEEK_CUR)
if m.read(len(marker(last))) != marker(last):
    sys.exit('seek back one page from the end does not find the last marker')
if m.find(marker(3), 0) != 3 * page:
    sys.exit('find of page 3 marker: %d' % m.find(marker(3), 0))
"

# flush() is msync(MS_SYNC), which the kernel turns into the file's
# fsync: EINVAL from a driver without one.
py "flush() of the mapping and of one page (msync MS_SYNC)" "$prelude
m[page + 64:page + 69] = b'dirty'
try:
    m.flush()
    m.flush(page, page)
except OSError as e:
    sys.exit('flush: %s' % e)
m[page + 64:page + 69] = bytes(5)
"

# The issue's own command, word for word, as python3 (the stock
# interpreter); it leaves an "x" over the "m" of page 0's marker, which
# is checked and put back.
if [ -x "$python" ]; then
	if "$python" -c 'import mmap,os; m=mmap.mmap(os.open("/dev/mapdrv",os.O_RDWR),4096); m[0:1]=b"x"; m.flush()' \
		>"$work/out" 2>&1; then
		first=$(dd if=$dev bs=1 count=1 2>/dev/null)
		if [ "$first" = x ]; then
			pass "python: the issue's m[0:1]=b\"x\"; m.flush() exits 0 and its write is in the buffer"
		else
			fail "python: the issue's command exited 0 but byte 0 reads '$first', not 'x'"
		fi
	else
		fail "python: the issue's m[0:1]=b\"x\"; m.flush() (exit $?)"
		comment "$work/out"
	fi
	printf m | dd of=$dev bs=1 conv=notrunc 2>/dev/null
else
	fail "python: the issue's command ($python is not in the guest)"
fi

# --- fio ---------------------------------------------------------------
# A character device has no size for fio ("you need to specify size=",
# EINVAL): --size is the buffer's.  Each job writes the whole buffer,
# then --verify reads it back and checks every block's checksum; fsync
# after every 8 writes (--fsync=8: fsync(2) with psync, msync(MS_SYNC)
# with mmap) or once at the end (--end_fsync).  fio's JSON says how many
# bytes it wrote: exactly the buffer, from offset 0, so nothing past its
# end.  It runs in the scratch directory: a failed verify leaves a state
# file there.

# fio keeps its jobs' state in SysV shared memory (shmget, no fallback):
# on a kernel without CONFIG_SYSVIPC (the debug kernel, tinyconfig: no
# /proc/sysvipc) it stops before opening the device.  Only that, seen in
# its output $1, is an expected failure.
fio_cannot_run() {
	[ ! -d /proc/sysvipc ] && grep -q '^shmget: Function not implemented' "$1"
}
no_sysvipc="fio needs SysV shared memory: shmget ENOSYS, this kernel has no CONFIG_SYSVIPC"

# The "io_bytes" of the "write" (or $2) section of fio's JSON output $1.
io_bytes() {
	awk -v dir="\"${2:-write}\"" '
		$1 == dir && $2 == ":" { in_dir = 1 }
		in_dir && $1 == "\"io_bytes\"" { gsub(/[^0-9]/, "", $3); print $3; exit }' "$1"
}

fio_job() {
	name=$1
	shift
	if [ ! -x "$fio" ]; then
		fail "fio: $name ($fio is not in the guest)"
		return
	fi
	rm -f "$work/fio.json"
	(cd "$work" && "$fio" --name=mapdrv --filename=$dev --size=$size \
		--bs="$page" --output-format=json --output="$work/fio.json" \
		"$@") >"$work/out" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		wrote=$(io_bytes "$work/fio.json")
		verified=$(io_bytes "$work/fio.json" read)
		if [ "$wrote" = "$size" ] && [ "$verified" = "$size" ]; then
			pass "fio: $name"
		else
			fail "fio: $name: wrote ${wrote:-?} and verified ${verified:-?} bytes, not $size"
		fi
	elif fio_cannot_run "$work/out"; then
		xfail "fio: $name" "$no_sysvipc"
	else
		fail "fio: $name (exit $rc)"
		comment "$work/out"
		grep -E '"error"|"verify' "$work/fio.json" 2>/dev/null | comment
	fi
}

fio_job "psync, sequential write, --verify=crc32c, --fsync=8" \
	--ioengine=psync --rw=write --verify=crc32c --fsync=8
fio_job "psync, random write, --verify=md5, --end_fsync=1" \
	--ioengine=psync --rw=randwrite --verify=md5 --end_fsync=1
fio_job "mmap, sequential write, --verify=md5, --fsync=8" \
	--ioengine=mmap --rw=write --verify=md5 --fsync=8
fio_job "mmap, random write, --verify=crc32c, --end_fsync=1" \
	--ioengine=mmap --rw=randwrite --verify=crc32c --end_fsync=1

# One page more than the buffer: fio must be stopped at its end, by
# ENOSPC at offset $size (psync) or mmap's EINVAL (mmap), never succeed.
fio_past_end() {
	engine=$1
	want=$2
	if [ ! -x "$fio" ]; then
		fail "fio: $engine one page past the end ($fio is not in the guest)"
		return
	fi
	if (cd "$work" && "$fio" --name=past --filename=$dev \
		--size=$((size + page)) --bs="$page" --ioengine="$engine" \
		--rw=write) >"$work/out" 2>&1; then
		fail "fio: $engine one page past the end succeeded"
		comment "$work/out"
	elif grep -q "$want" "$work/out"; then
		pass "fio: $engine one page past the end stops there ($want)"
	elif fio_cannot_run "$work/out"; then
		xfail "fio: $engine one page past the end" "$no_sysvipc"
	else
		fail "fio: $engine one page past the end failed, but not with '$want'"
		comment "$work/out"
	fi
}
fio_past_end psync "No space left on device: write offset=$size,"
fio_past_end mmap "func=mmap, error=Invalid argument"

# --- back to the module's own bytes -------------------------------------
rmmod mapdrv 2>"$work/out"
# shellcheck disable=SC2086 # the parameters are separate words
if ! insmod "$MAPDRV_KO" ${MAPDRV_MODPARAMS:-} 2>>"$work/out"; then
	fail "reload of $MAPDRV_KO ${MAPDRV_MODPARAMS:-} after fio"
	comment "$work/out"
else
	last=$((pages - 1))
	first=$(dd if=$dev bs="$page" count=1 2>/dev/null | tr -d '\000')
	end=$(dd if=$dev bs="$page" skip=$last count=1 2>/dev/null | tr -d '\000')
	if [ "$first" = "mapdrv page 0" ] && [ "$end" = "mapdrv page $last" ]; then
		pass "after fio the module reloads with its markers"
	else
		fail "after the reload pages 0 and $last read '$first' and '$end'"
	fi
fi

rm -rf "$work"
echo "1..$n"
exit $status
