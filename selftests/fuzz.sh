#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Real fuzzers against /dev/mapdrv, in a VM of scripts/vmrun (as root,
# with /usr/bin/trinity and /usr/bin/stress-ng added): trinity as user
# nobody with the device as its only file (-V /dev/mapdrv), then
# stress-ng's device stressor on it (--dev-file /dev/mapdrv), each for
# MAPDRV_FUZZ_SECONDS (default 30).  Then the device must still read and
# write, the module must unload, and a fresh load must show its markers.
# The kernel's own reports (KASAN, lockdep, WARN...) and taints are
# vmrun's to judge: it fails the whole run on any of them.
#
# MAPDRV_FUZZ_SEED seeds both fuzzers (default: their own random seed,
# printed); their children race, so a seed repeats a run only roughly.
# Prints TAP; a fuzzer that cannot start is a failure, never a skip.
# Exits non-zero if anything failed.  It creates a user nobody in /etc
# if there is none and reloads the module: for throw-away VMs only.
set -u

secs=${MAPDRV_FUZZ_SECONDS:-30}
seed=${MAPDRV_FUZZ_SEED:-}
status=0
n=0

# TAP: ok/not ok N MESSAGE; a failure fails the script.
pass() { n=$((n + 1)); echo "ok $n fuzz: $*"; }
fail() { n=$((n + 1)); echo "not ok $n fuzz: $*"; status=1; }
note() { echo "# fuzz: $*"; }

# The fuzzers' output as TAP comments, line by line as it comes (a shell
# loop: a filter's buffer would hold it back until the end), less the
# lines that only say a syscall is missing: the debug kernel is
# tinyconfig-based and trinity names each of ~100 missing calls in each
# of its children.
comment() {
	while IFS= read -r line; do
		case $line in
		*"returned ENOSYS, marking as inactive"*) ;;
		*) printf '# %s\n' "$line" ;;
		esac
	done
}

echo "1..3"
case $secs in
''|*[!0-9]*|0) fail "MAPDRV_FUZZ_SECONDS must be a positive number, not '$secs'"; exit 1 ;;
esac
if [ "$(id -u)" != 0 ] || [ -z "${MAPDRV_KO:-}" ]; then
	fail "needs root and MAPDRV_KO: run it under scripts/vmrun"
	exit 1
fi

# trinity runs as nobody (it refuses root), so the device must be open
# to every user: reload the module as vmrun loaded it, but mode=0666.
params=$(echo " ${MAPDRV_MODPARAMS:-} " | sed -e 's/ mode=[^ ]*//g' -e 's/^ *//' -e 's/ *$//')
rmmod mapdrv 2>/dev/null
# shellcheck disable=SC2086 # the parameters are separate words
if ! insmod "$MAPDRV_KO" $params mode=0666; then
	fail "insmod $MAPDRV_KO $params mode=0666"
	exit 1
fi
note "module parameters: ${params:+$params }mode=0666; ${secs} s per fuzzer${seed:+, seed $seed}"

# The guest's /etc is empty: su, and trinity's own uid checks, want a
# passwd entry for nobody.  A host that has one is left as it is.
grep -qs '^nobody:' /etc/passwd ||
	echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >>/etc/passwd
grep -qs '^nogroup:' /etc/group || echo 'nogroup:x:65534:' >>/etc/group

# trinity wants a writable current directory (it makes files there), and
# so does nothing else here: one scratch directory for both fuzzers.
work=$(mktemp -d /tmp/mapdrv-fuzz.XXXXXX) || { fail "mktemp"; exit 1; }
chown 65534:65534 "$work"

# --- trinity ------------------------------------------------------------
# --enable-fds=pseudo turns every other fd provider off (sockets, pipes,
# perf...): its fds are only the -V files, so the calls that take an fd
# get /dev/mapdrv; and with the socket provider on, trinity never gets
# past its set-up on the debug kernel, which has no networking (socket()
# is ENOSYS: it retries forever, SIGINT unheard).  -a 64: nor has it
# 32-bit syscalls (no IA32_EMULATION).  -l off: no per-child log files.
# trinity has no time limit of its own: SIGINT is its ctrl-c, after which
# it stops its children and prints its count; SIGKILL 60 s later if not.
trinity=$(command -v trinity)
if [ -z "$trinity" ]; then
	fail "trinity: not found (scripts/vmrun --add /usr/bin/trinity)"
else
	# shellcheck disable=SC2016 # expanded by nobody's shell, from $1...
	{
		su -s /bin/sh nobody -c 'cd "$1" && exec timeout -s INT -k 60 "$2" \
			"$3" -V /dev/mapdrv --enable-fds=pseudo -a 64 -l off -q \
			${4:+-s "$4"}' sh "$work" "$secs" "$trinity" "$seed" 2>&1
		echo $? >"$work/trinity.rc"
	} | tee "$work/trinity.log" | comment
	rc=$(cat "$work/trinity.rc")
	# "Ran 879 syscalls. Successes: 255  Failures: 606"
	calls=$(sed -n 's/.*Ran \([0-9]*\) syscalls\. Successes: \([0-9]*\).*/\1 \2/p' \
		"$work/trinity.log" | tail -n 1)
	# Its own seed when none was given, to repeat the run with.
	used=${seed:-$(sed -n 's/.*Initial random seed: \([0-9]*\).*/\1/p' \
		"$work/trinity.log" | head -n 1)}
	# Whatever trinity left behind as nobody (a child that outlived
	# it) would keep the device open: no nobody process may remain.
	su -s /bin/sh nobody -c 'kill -9 -1' 2>/dev/null
	if [ "$rc" != 0 ]; then
		[ "$rc" = 137 ] && rc="137, killed: it did not stop on SIGINT"
		fail "trinity: exit $rc"
	elif [ -z "$calls" ] || [ "${calls% *}" = 0 ]; then
		fail "trinity: ran no syscall (no 'Ran N syscalls' line)"
	else
		pass "trinity as nobody, -V /dev/mapdrv: ${calls% *} syscalls in $secs s, ${calls#* } succeeded (seed ${used:-?})"
	fi
fi

# --- stress-ng ----------------------------------------------------------
# Its device stressor, as root: two instances, each with its own threads
# opening, reading, mmapping, polling, seeking and ioctl-ing the device.
# A bogo op counts only a pass over a device it could open, so 0 means
# the device was never exercised.  stress-ng's own --timeout ends it;
# timeout(1) is the backstop.
stressng=$(command -v stress-ng)
if [ -z "$stressng" ]; then
	fail "stress-ng: not found (scripts/vmrun --add /usr/bin/stress-ng)"
else
	# shellcheck disable=SC2086 # ${seed:+...} is two words or none
	{
		timeout -s KILL $((secs + 120)) "$stressng" --dev 2 \
			--dev-file /dev/mapdrv --timeout "${secs}s" --metrics \
			--temp-path "$work" ${seed:+--seed "$seed"} 2>&1
		echo $? >"$work/stress-ng.rc"
	} | tee "$work/stress-ng.log" | comment
	rc=$(cat "$work/stress-ng.rc")
	# "stress-ng: metrc: [92] dev   35   15.56 ..."
	ops=$(awk '$2 == "metrc:" && $4 == "dev" { print $5 }' "$work/stress-ng.log" |
	      tail -n 1)
	if [ "$rc" != 0 ]; then
		fail "stress-ng --dev-file /dev/mapdrv: exit $rc"
	elif [ -z "$ops" ] || [ "$ops" = 0 ]; then
		fail "stress-ng --dev-file /dev/mapdrv: no bogo op (device never exercised)"
	else
		pass "stress-ng --dev 2 --dev-file /dev/mapdrv: $ops bogo ops in $secs s"
	fi
fi

# --- the module afterwards ----------------------------------------------
# The fuzzers wrote to the device themselves, so its bytes are theirs:
# what is checked is that it still serves a write and the read after it,
# that nothing holds it (rmmod refuses while it is open or mapped), and
# that a fresh load serves its markers.
page=4096	# Debian's x86_64 and arm64 kernels: 4 KiB pages
probe="mapdrv fuzz probe $$"
printf '%s' "$probe" | dd of=/dev/mapdrv bs=$page seek=1 conv=notrunc 2>/dev/null
got=$(dd if=/dev/mapdrv bs=$page skip=1 count=1 2>/dev/null | head -c ${#probe})
# The last reference can go a moment after the fuzzer's exit: retry.
tries=0
until rmmod mapdrv 2>"$work/rmmod.err"; do
	tries=$((tries + 1))
	[ "$tries" -lt 5 ] || break
	sleep 1
done
unloaded=no
[ "$tries" -lt 5 ] && unloaded=yes
reloaded=no
# shellcheck disable=SC2086 # the parameters are separate words
[ "$unloaded" = yes ] && insmod "$MAPDRV_KO" ${MAPDRV_MODPARAMS:-} && reloaded=yes
if [ "$got" != "$probe" ]; then
	fail "after the fuzzers: wrote '$probe' at page 1, read back '$got'"
elif [ "$unloaded" = no ]; then
	fail "after the fuzzers: rmmod mapdrv refused: $(cat "$work/rmmod.err")"
	ps | comment
elif [ "$reloaded" = no ]; then
	fail "after the fuzzers: insmod $MAPDRV_KO ${MAPDRV_MODPARAMS:-} failed"
else
	# Page i begins with "mapdrv page i"; the rest of it is zero.
	last=$(($(cat /sys/module/mapdrv/parameters/pages) - 1))
	first=$(dd if=/dev/mapdrv bs=$page count=1 2>/dev/null | tr -d '\000')
	end=$(dd if=/dev/mapdrv bs=$page skip=$last count=1 2>/dev/null | tr -d '\000')
	if [ "$first" != "mapdrv page 0" ] || [ "$end" != "mapdrv page $last" ]; then
		fail "after reload: pages 0 and $last read '$first' and '$end'"
	else
		pass "after the fuzzers the device reads and writes, unloads, and reloads with its markers"
	fi
fi

rm -rf "$work"
exit $status
