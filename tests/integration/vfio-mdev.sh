#!/usr/bin/env bash
# VFIO migration against a real kernel: the mcmig test mdev driver
# (tests/mdev/mcmig.c) is built out of tree against the Debian headers of the
# emulated x86_64 host's kernel, loaded there with Debian's vfio, vfio_iommu_type1
# and mdev modules, and driven by the static cmd/migcheck-vfio and
# cmd/migcheck-probe, and by the independent witness tests/integration/vfiopci
# (raw ioctls: what QEMU's vfio-pci asks of the device; PRE_COPY with a state
# change in the middle). Two kernel generations: 6.1 (no PRE_COPY in the
# kernel) and 6.12 (PRE_COPY). The guest script (below) prints "R KEY VALUE..."
# lines; the checks are made here.
# Environment: MCMIG_STATE_SIZE (bytes of device state, default 8 MiB),
# MCMIG_HOST_GENS (default "6.1 6.12").
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
heavy_test 1
# shellcheck source=tests/hosts/lib.sh
. "$MC_SRCDIR/tests/hosts/lib.sh"
# shellcheck disable=SC2034 # used by tests/hosts/lib.sh's messages
mh_prog=vfio-mdev.sh

SIZE=${MCMIG_STATE_SIZE:-8388608}
VFIO_STATIC=${MIGCHECK_VFIO_STATIC:-$(dirname "$MIGCHECK")/cmd/migcheck-vfio}
PROBE=${MIGCHECK_PROBE:-$(dirname "$MIGCHECK")/cmd/migcheck-probe}
[[ -x $VFIO_STATIC ]] || skip "no static cmd/migcheck-vfio (static linking unavailable?)"
[[ -x $PROBE ]] || skip "no static cmd/migcheck-probe"
WITNESS=${VFIOPCI:-$(dirname "$MIGCHECK")/tests/integration/vfiopci}
[[ -x $WITNESS ]] || skip "no static tests/integration/vfiopci"
GENS=${MCMIG_HOST_GENS:-6.1 6.12}
for gen in $GENS; do
	rel=$(MIGCHECK_HOST_GEN=$gen mh_release x86_64)
	[[ -n $rel ]] || skip "no emulated x86_64 $gen kernel cached (run tests/hosts/fetch.sh --gen $gen)"
	MIGCHECK_HOST_GEN=$gen mh_kernel_ready "$rel" ||
		skip "kernel $rel not in $MIGCHECK_HOST_CACHE (run tests/hosts/fetch.sh --gen $gen)"
	kdir=${MCMIG_KDIR:-/usr/src/linux-headers-$rel}
	[[ -f $kdir/Makefile && -f $kdir/Module.symvers ]] ||
		skip "no kernel headers for $rel in $kdir (apt-get install linux-headers-$rel)"
done

# build_driver GEN: mcmig.ko for that generation's kernel in $T_TMP/mdev-GEN
build_driver() {
	local gen=$1 rel kdir out=$T_TMP/mdev-$1
	rel=$(MIGCHECK_HOST_GEN=$gen mh_release x86_64)
	kdir=${MCMIG_KDIR:-/usr/src/linux-headers-$rel}
	# a scratch copy: the source tree stays clean
	mkdir -p "$out"
	cp "$MC_SRCDIR/tests/mdev/mcmig.c" "$MC_SRCDIR/tests/mdev/mcmig_pci.c" \
		"$MC_SRCDIR/tests/mdev/Kbuild" "$out/"
	# Not the calling make's jobserver (make check): Kbuild runs on its own.
	# (the prefix map: the same module bytes from any build directory, so
	# tests/hosts/lib.sh emu_boot can reuse a boot of the same image)
	if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$kdir" M="$out" \
		KCFLAGS="-ffile-prefix-map=$out=mcmig" modules \
		>"$out/kbuild.log" 2>&1 &&
		[[ -f $out/mcmig.ko ]]; then
		ok "$gen: mcmig.ko built against $kdir"
	else
		tail -20 "$out/kbuild.log" >&2
		not_ok "$gen: building mcmig.ko against $kdir failed"
		return 1
	fi
	if grep -q 'mcmig\.c:.*warning:' "$out/kbuild.log"; then
		grep 'mcmig\.c:.*warning:' "$out/kbuild.log" >&2
		not_ok "$gen: mcmig.c builds with warnings"
	else
		ok "$gen: mcmig.c builds without warnings"
	fi
}

# --- the guest side ----------------------------------------------------------
{
	echo "SIZE=$SIZE"
	echo "QEMU=$(command -v qemu-system-x86_64)"
} >"$T_TMP/cmd"
cat >>"$T_TMP/cmd" <<'EOF'
# Inside the emulated host: facts as "R KEY VALUE..." lines on stdout.
V=/migcheck-vfio
TYPES=/sys/class/mcmig/mcmig/mdev_supported_types
A=11111111-1111-4111-8111-111111111111
B=22222222-2222-4222-8222-222222222222
C=33333333-3333-4333-8333-333333333333
r() { echo "R $*"; }
dev() { cat "/sys/bus/mdev/devices/$1/mcmig/$2" 2>/dev/null || echo none; }
# instance state: seed checksum migration_state restores refused
st() { echo "$(dev "$1" seed) $(dev "$1" checksum) $(dev "$1" migration_state) $(dev "$1" restores) $(dev "$1" refused)"; }
cs() { read -r a _ </proc/uptime; echo "${a%.*}${a#*.}"; } # centiseconds
# run NAME CMD...: its exit status and one-line stderr as R lines
run() {
	n=$1
	shift
	"$@" 2>/tmp/err.$n
	r "$n.rc" $?
	r "$n.err" "$(tr '\n' '|' </tmp/err.$n)"
}
# runo NAME CMD...: as run, plus its one-line stdout
runo() {
	n=$1
	shift
	"$@" >/tmp/out.$n 2>/tmp/err.$n
	r "$n.rc" $?
	r "$n.err" "$(tr '\n' '|' </tmp/err.$n)"
	r "$n.out" "$(tr '\n' '|' </tmp/out.$n)"
}
load() { # load VERSION SIZE
	insmod /mcmig.ko "format_version=$1" "state_size=$2" 2>/tmp/insmod.err
	r "insmod.v$1.s$2" $? "$(cat /tmp/insmod.err)"
}
unload() {
	for u in $A $B $C; do
		[ -e /sys/bus/mdev/devices/$u ] && echo 1 >/sys/bus/mdev/devices/$u/remove
	done
	rmmod mcmig
	r "rmmod" $?
}
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up

# 1. format version 1, SIZE bytes: two instances, probe, save/restore
load 1 "$SIZE"
r types "$(ls $TYPES)"
echo $A >$TYPES/mcmig-v1/create && echo $B >$TYPES/mcmig-v1/create
r create $?
/migcheck-probe >/tmp/facts
r probe.rc $?
grep "^vfio" /tmp/facts | sed 's/^/R fact /'
$V info $A >/tmp/info 2>/tmp/err.info
r info.rc $?
sed 's/^/R info.out /' /tmp/info
echo 0x0123456789abcdef >/sys/bus/mdev/devices/$A/mcmig/seed
r A.seeded "$(st $A)"
r B.before "$(st $B)"
t0=$(cs)
run save $V save --keep-running $A -o /tmp/a.bin
t1=$(cs)
r save.cs $((t1 - t0))
r save.bytes "$(stat -c %s /tmp/a.bin 2>/dev/null)"
r A.after-save "$(st $A)"
run check $V check /tmp/a.bin $B
t0=$(cs)
run restore $V restore $B -i /tmp/a.bin
t1=$(cs)
r restore.cs $((t1 - t0))
r B.after-restore "$(st $B)"

# 2. streamed over TCP (127.0.0.1) with P2P arcs, after the source changed
echo 0xfedcba9876543210 >/sys/bus/mdev/devices/$A/mcmig/seed
r A.reseeded "$(st $A)"
$V recv --p2p $B 127.0.0.1:7411 2>/tmp/err.recv &
rpid=$!
i=0
while [ $i -lt 50 ] && ! grep -q listening /tmp/err.recv; do
	sleep 0.1
	i=$((i + 1))
done
t0=$(cs)
run send $V send --p2p --keep-running $A 127.0.0.1:7411
wait $rpid
r recv.rc $?
t1=$(cs)
r send.cs $((t1 - t0))
r A.after-send "$(st $A)"
r B.after-recv "$(st $B)"

# 3. corrupted streams into B: a file (checked before RESUMING) and a pipe
#    (chunk by chunk: data already written when the bad chunk comes)
r B.before-bad "$(st $B)"
cp /tmp/a.bin /tmp/bad.bin
printf '\377' | dd of=/tmp/bad.bin bs=1 seek=3000000 conv=notrunc 2>/dev/null
run bad-file $V restore $B -i /tmp/bad.bin
r B.after-bad-file "$(st $B)"
run bad-pipe sh -c "cat /tmp/bad.bin | $V restore $B"
r B.after-bad-pipe "$(st $B)"
head -c 1000000 /tmp/a.bin >/tmp/short.bin
run short-pipe sh -c "cat /tmp/short.bin | $V restore $B"
r B.after-short-pipe "$(st $B)"

# 3b. a device held by another process (its group open) is not touched
g=$(basename "$(readlink /sys/bus/mdev/devices/$B/iommu_group)")
# (held until killed, and only used once it is open: a loaded TCG host can
# take seconds for the two commands)
(exec 5<>/dev/vfio/$g && exec sleep 600) &
hpid=$!
i=0
while [ $i -lt 100 ] && ! [ -e /proc/$hpid/fd/5 ]; do
	sleep 0.1
	i=$((i + 1))
done
run busy $V restore $B -i /tmp/a.bin
/migcheck-probe >/tmp/facts-busy
grep "^vfio.dev.$B.open" /tmp/facts-busy | sed 's/^/R busyfact /'
kill $hpid
wait $hpid 2>/dev/null
r B.after-busy "$(st $B)"

# 4. the source fails mid-save (stdout is /dev/full; the receiver goes away)
run full sh -c "$V save --keep-running $A >/dev/full"
r A.after-full "$(st $A)"
(nc -l -p 7412 </dev/null | head -c 100000 >/dev/null) 2>/dev/null &
sleep 0.5
run send-cut $V send --keep-running $A 127.0.0.1:7412
wait
r A.after-cut "$(st $A)"
# 4b. a send without --keep-running whose receiver gives no verdict (it takes
#     the stream, or goes away): the source must not stay in STOP
(nc -l -p 7413 </dev/null >/dev/null) 2>/dev/null &
sleep 0.5
run send-noverdict $V send $A 127.0.0.1:7413
wait
r A.after-noverdict "$(st $A)"
run save-stop $V save $A -o /tmp/a-stop.bin
r A.after-save-stop "$(st $A)"
run precopy $V save --precopy $A -o /tmp/p.bin
# a restore killed inside RESUMING: the device needs a reset, a new restore
# refuses to start from there
mkfifo /tmp/fifo
$V restore $B -i /tmp/fifo 2>/dev/null &
kpid=$!
exec 6>/tmp/fifo
head -c 1100000 /tmp/a.bin >&6
sleep 1
r B.while-resuming "$(st $B)"
kill -9 $kpid
wait $kpid 2>/dev/null
exec 6>&-
r B.after-kill "$(st $B)"
run after-kill $V restore $B -i /tmp/a.bin
# `vfio reset`: ERROR -> RUNNING, then a restore works; a RUNNING device is
# left alone without --force; STOP (a save without --keep-running) -> RUNNING
runo reset-error $V reset $B
r B.after-reset "$(st $B)"
run restore-after-reset $V restore $B -i /tmp/a.bin
r B.after-reset-restore "$(st $B)"
runo reset-running $V reset $B
r B.after-reset-running "$(st $B)"
r A.before-reset-stop "$(st $A)"
run reset-stop $V reset $A
r A.after-reset-stop "$(st $A)"
unload

# 5. format version 2: the version-1 stream is refused before RESUMING
load 2 "$SIZE"
r types2 "$(ls $TYPES)"
echo $C >$TYPES/mcmig-v2/create
r create2 $?
r C.before "$(st $C)"
run v2-check $V check /tmp/a.bin $C
run v2-file $V restore $C -i /tmp/a.bin
run v2-pipe sh -c "cat /tmp/a.bin | $V restore $C"
r C.after-v2 "$(st $C)"
unload

# 6. same type and version, twice the state size: only the device itself can
#    tell; it refuses the payload when RESUMING ends (arc to STOP fails)
load 1 $((SIZE * 2))
echo $C >$TYPES/mcmig-v1/create
r C2.before "$(st $C)"
run size $V restore $C -i /tmp/a.bin
r C2.after-size "$(st $C)"
unload

# 7. half the state size: the device refuses the surplus data (write EFBIG)
load 1 $((SIZE / 2))
echo $C >$TYPES/mcmig-v1/create
r C3.before "$(st $C)"
run small $V restore $C -i /tmp/a.bin
r C3.after-small "$(st $C)"
unload

# 8. what a VMM sees (QEMU vfio-pci's questions), and PRE_COPY where the
#    kernel has it (6.2 on): the raw witness with a state change in PRE_COPY
#    (dirty_bytes), then migcheck-vfio save/restore and send/recv --precopy
load 1 "$SIZE"
echo $A >$TYPES/mcmig-v1/create && echo $B >$TYPES/mcmig-v1/create
r create8 $?
r device_api "$(cat $TYPES/mcmig-v1/device_api)"
/vfiopci pci $A
r A8.before "$(st $A)"
r B8.before "$(st $B)"
/vfiopci precopy $A $B
r A8.after-witness "$(st $A)"
r B8.after-witness "$(st $B)"
echo 0x0badc0ffee0ddf00 >/sys/bus/mdev/devices/$A/mcmig/seed
r A8.seeded "$(st $A)"
run pc-save $V save --precopy --keep-running $A -o /tmp/pc.bin
r A8.after-save "$(st $A)"
run pc-restore $V restore $B -i /tmp/pc.bin
r B8.after-restore "$(st $B)"
echo 0x00000000cafef00d >/sys/bus/mdev/devices/$A/mcmig/seed
r A8.reseeded "$(st $A)"
$V recv --p2p $B 127.0.0.1:7421 2>/tmp/err.recv8 &
rpid=$!
i=0
while [ $i -lt 50 ] && ! grep -q listening /tmp/err.recv8; do
	sleep 0.1
	i=$((i + 1))
done
run pc-send $V send --precopy --p2p --keep-running $A 127.0.0.1:7421
wait $rpid
r pc-recv.rc $?
r A8.after-send "$(st $A)"
r B8.after-recv "$(st $B)"

# 9. QEMU's vfio-pci attaches the device (sysfsdev=): the build machine's own
#    QEMU, run from its root filesystem (virtfs, read-only) with its own
#    dynamic loader and libraries; paused (-S) after realizing its devices
if mkdir -p /host && mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /host; then
	r host.mount 0
	H=/host
	LD=$(ls $H/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
		$H/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 2>/dev/null | head -n 1)
	r A9.before "$(st $A)"
	QEMU_MODULE_DIR=$H/usr/lib/x86_64-linux-gnu/qemu $LD \
		--library-path $H/lib/x86_64-linux-gnu:$H/usr/lib/x86_64-linux-gnu $H$QEMU \
		-L $H/usr/share/qemu -L $H/usr/share/seabios -M q35 -accel tcg -m 64 -nodefaults \
		-display none -S -monitor tcp:127.0.0.1:4444,server,nowait \
		-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/$A,id=hostdev0 \
		>/tmp/q.out 2>/tmp/q.err &
	qp=$!
	i=0 # until QEMU holds the device (the probe then says "in use")
	while [ $i -lt 120 ] && kill -0 $qp 2>/dev/null &&
		! /migcheck-probe 2>/dev/null | grep -q "^vfio.dev	$A.open	in use"; do
		sleep 0.5
		i=$((i + 1))
	done
	r qemu.alive "$(kill -0 $qp 2>/dev/null && echo yes || echo no)"
	/migcheck-probe 2>/dev/null | grep "^vfio.dev	$A.open" | sed 's/^/R qemufact /'
	(printf 'info pci\r\n'; sleep 3; printf 'quit\r\n'; sleep 2) | nc 127.0.0.1 4444 |
		tr -d '\r' >/tmp/q.mon
	r qemu.dev "$(grep -A2 'PCI device 1b36:7f01' /tmp/q.mon | tr -s ' ' | tr '\n' '|')"
	wait $qp
	r qemu.rc $?
	r qemu.err "$(tr '\n' '|' </tmp/q.err)"
	r A9.after "$(st $A)"
else
	r host.mount 1
fi
unload
dmesg | grep -E 'mcmig|vfio|WARNING|BUG|Oops' | sed 's/^/R dmesg /'
exit 0
EOF

# boot_gen GEN: run the guest script on that generation's host; its report
# in $T_TMP/guest-GEN.out
boot_gen() {
	local gen=$1 img=$T_TMP/mdev-$1.cpio.gz rc=0 t0
	MIGCHECK_HOST_GEN=$gen \
		MIGCHECK_HOST_MODULES="vfio vfio_iommu_type1 mdev virtio_pci 9p 9pnet 9pnet_virtio" \
		"$MC_SRCDIR/tests/hosts/mkinitramfs.sh" x86_64 "$PROBE" "$img" \
		"$VFIO_STATIC=/migcheck-vfio" "$T_TMP/mdev-$gen/mcmig.ko=/mcmig.ko" \
		"$WITNESS=/vfiopci" "$T_TMP/cmd=/cmd" >"$T_TMP/mk.out" 2>&1 || rc=$?
	if [[ $rc -ne 0 ]]; then
		cat "$T_TMP/mk.out"
		[[ $rc -eq 77 ]] && exit 77
		not_ok "$gen: mkinitramfs failed (exit $rc)"
		return 1
	fi
	t0=$SECONDS
	# the machine's root, read-only, for its QEMU (section 9)
	MIGCHECK_HOST_GEN=$gen MIGCHECK_HOST_TIMEOUT=${MIGCHECK_HOST_TIMEOUT:-300} \
		MIGCHECK_HOST_QEMU_ARGS="-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on" \
		emu_boot "$T_TMP/guest-$gen.out" "$T_TMP/guest-$gen.err" x86_64 max "$img" || rc=$?
	if [[ $rc -eq 77 ]] && grep -q '^SKIP: ' "$T_TMP/guest-$gen.out"; then
		grep '^SKIP: ' "$T_TMP/guest-$gen.out"
		exit 77
	fi
	check "the emulated $gen host ran the test (exit $rc, $((SECONDS - t0)) s)" test "$rc" -eq 0
	[[ ${MCMIG_VERBOSE:-0} == 1 ]] && cat "$T_TMP/guest-$gen.out" "$T_TMP/guest-$gen.err"
	rm -f "$img"
	return 0
}

# --- checks on the guest's report ----------------------------------------------
declare -A R=()
# parse GEN: the guest's R lines into R
parse() {
	local line key val
	R=()
	while IFS= read -r line; do
		line=${line#R }
		key=${line%% *}
		[[ $line == *" "* ]] && val=${line#* } || val=
		if [[ $key == fact || $key == info.out || $key == dmesg || $key == busyfact ||
			$key == qemufact ]]; then
			R[$key]+="$val"$'\n'
		else
			R[$key]=$val
		fi
	done < <(grep '^R ' "$T_TMP/guest-$1.out")
}

# is KEY VALUE: R[KEY] equals VALUE
is() { [[ ${R[$1]-<unset>} == "$2" ]] || { echo "  $1 = '${R[$1]-<unset>}', want '$2'" >&2 && false; }; }
has() { [[ ${R[$1]-} == *"$2"* ]] || { echo "  $1 = '${R[$1]-<unset>}' lacks '$2'" >&2 && false; }; }
# field KEY N: Nth word of R[KEY] (1 seed, 2 checksum, 3 state, 4 restores, 5 refused)
field() { local -a w; read -ra w <<<"${R[$1]-}"; echo "${w[$(($2 - 1))]-}"; }
same_state() { [[ $(field "$1" 1) == $(field "$2" 1) && $(field "$1" 2) == $(field "$2" 2) &&
	-n $(field "$1" 2) ]] || { echo "  $1 '${R[$1]-}' vs $2 '${R[$2]-}'" >&2 && false; }; }
fld() { [[ $(field "$1" "$2") == "$3" ]] || { echo "  $1 '${R[$1]-}' field $2, want $3" >&2 && false; }; }
A=11111111-1111-4111-8111-111111111111

# check_gen GEN: the checks on that generation's report
check_gen() {
	local gen=$1 flags=stop_copy,p2p
	[[ $gen == 6.1 ]] || flags=stop_copy,p2p,pre_copy
	check "insmod mcmig format_version=1 state_size=$SIZE" fld "insmod.v1.s$SIZE" 1 0
	check "  type mcmig-v1 offered" is types mcmig-v1
	check "  two instances created through sysfs" is create 0
	check "probe runs" is probe.rc 0
	check "  vfio.dev fact for instance A: mcmig mig=$flags" \
		has fact "vfio.dev	$A	mcmig mig=$flags"
	check "  A is an mdev of type mcmig-v1" has fact "vfio.dev	$A.mdev_type	mcmig-v1"
	check "  A opened through its group and emulated IOMMU" has fact "vfio.dev	$A.open	ok"
	check "  A migration flags" has fact "vfio.dev	$A.migration	$flags"
	check "  A driver version" has fact "vfio.dev	$A.driver_version	1.1"
	check "  group API present" has fact "vfio	group_api	1"
	check "info on A" is info.rc 0
	check "  info shows RUNNING and the flags" has info.out "migration     $flags"
	check "seed set on A" fld A.seeded 1 0x0123456789abcdef
	check "  B starts with another state" bash -c "[[ '$(field B.before 2)' != '$(field A.seeded 2)' ]]"
	check "save A (keep running)" is save.rc 0
	check "  stream size = header + records + 40 + $SIZE bytes" \
		test "${R[save.bytes]:-0}" -gt $((SIZE + 40 + 320))
	check "  A still RUNNING, state unchanged" same_state A.after-save A.seeded
	check "  A RUNNING" fld A.after-save 3 RUNNING
	check "check the stream against B" is check.rc 0
	check "restore into B" is restore.rc 0
	check "  B has A's seed and checksum" same_state B.after-restore A.seeded
	check "  B RUNNING, 1 restore accepted by the device" fld B.after-restore 4 1
	check "  B RUNNING" fld B.after-restore 3 RUNNING
	check "send/recv over TCP with P2P" is send.rc 0
	check "  receiver" is recv.rc 0
	check "  A changed its state before" bash -c "[[ '$(field A.reseeded 2)' != '$(field A.seeded 2)' ]]"
	check "  B has A's new state" same_state B.after-recv A.reseeded
	check "  A RUNNING" fld A.after-send 3 RUNNING
	check "corrupted file refused" is bad-file.rc 65
	check "  one-line error names the chunk" has bad-file.err "CRC-32C mismatch"
	check "  B untouched, RUNNING, nothing reached the device" same_state B.after-bad-file B.before-bad
	check "  B RUNNING" fld B.after-bad-file 3 RUNNING
	check "  no restore attempt reached the device" fld B.after-bad-file 4 "$(field B.before-bad 4)"
	check "corrupted pipe refused" is bad-pipe.rc 65
	check "  B state unchanged (restore never applied)" same_state B.after-bad-pipe B.before-bad
	check "  B RUNNING again (reset)" fld B.after-bad-pipe 3 RUNNING
	check "truncated pipe refused" test "${R[short-pipe.rc]:-0}" -ne 0
	check "  B state unchanged" same_state B.after-short-pipe B.before-bad
	check "  B RUNNING again" fld B.after-short-pipe 3 RUNNING
	check "restore into a device held by another process refused" is busy.rc 69
	check "  as in use" has busy.err "in use"
	check "  the probe says so" has busyfact "in use"
	check "  B untouched and RUNNING" same_state B.after-busy B.before-bad
	check "  B RUNNING" fld B.after-busy 3 RUNNING
	check "save to /dev/full fails" test "${R[full.rc]:-0}" -ne 0
	check "  A RUNNING after the failed save" fld A.after-full 3 RUNNING
	check "  A state unchanged" same_state A.after-full A.reseeded
	check "send to a receiver that goes away fails" test "${R[send-cut.rc]:-0}" -ne 0
	check "  A RUNNING after the cut" fld A.after-cut 3 RUNNING
	check "send (no --keep-running) without a verdict from the receiver fails" \
		test "${R[send-noverdict.rc]:-0}" -ne 0
	check "  A RUNNING again, not left in STOP" fld A.after-noverdict 3 RUNNING
	check "  and the error says so" has send-noverdict.err "device back in RUNNING"
	check "  A state unchanged" same_state A.after-noverdict A.reseeded
	check "save without --keep-running" is save-stop.rc 0
	check "  leaves A in STOP" fld A.after-save-stop 3 STOP
	if [[ $gen == 6.1 ]]; then
		check "--precopy refused: 6.1 has no PRE_COPY" is precopy.rc 69
		check "  as not offered" has precopy.err "does not offer VFIO_MIGRATION_PRE_COPY"
	fi
	check "a restore killed in RESUMING" fld B.while-resuming 3 RESUMING
	check "  leaves the device in ERROR (closed mid-session)" fld B.after-kill 3 ERROR
	check "  a new restore refuses to start from ERROR" is after-kill.rc 69
	check "  and says why" has after-kill.err "device is in state ERROR"
	check "  and names the way out" has after-kill.err "migcheck vfio reset"
	check "vfio reset of the device in ERROR" is reset-error.rc 0
	check "  says ERROR -> RUNNING" has reset-error.out "ERROR -> RUNNING (VFIO_DEVICE_RESET"
	check "  the device is RUNNING" fld B.after-reset 3 RUNNING
	check "  a restore works again" is restore-after-reset.rc 0
	check "  and restores the saved state" same_state B.after-reset-restore B.after-restore
	check "vfio reset of a RUNNING device without --force" is reset-running.rc 0
	check "  leaves it alone, state kept" same_state B.after-reset-running B.after-reset-restore
	check "  and says so" has reset-running.out "RUNNING, left alone"
	check "vfio reset of A left in STOP by a save" fld A.before-reset-stop 3 STOP
	check "  brings it to RUNNING" fld A.after-reset-stop 3 RUNNING
	check "rmmod" is rmmod 0
	check "insmod format_version=2" fld "insmod.v2.s$SIZE" 1 0
	check "  type mcmig-v2 offered" is types2 mcmig-v2
	check "check refuses the v1 stream for the v2 device" is v2-check.rc 65
	check "  error names the type" has v2-check.err "mcmig-v1"
	check "restore of the v1 stream into v2 refused (file)" is v2-file.rc 65
	check "restore of the v1 stream into v2 refused (pipe)" is v2-pipe.rc 65
	check "  C untouched and RUNNING" same_state C.after-v2 C.before
	check "  C RUNNING" fld C.after-v2 3 RUNNING
	check "  refused before RESUMING: the device saw nothing" fld C.after-v2 5 0
	check "a payload of another state size is refused" test "${R[size.rc]:-0}" -ne 0
	check "  by the device (RESUMING -> STOP failed)" has size.err "RESUMING->STOP"
	check "  the device counted the refusal" fld C2.after-size 5 1
	check "  C reset to RUNNING with its state" same_state C2.after-size C2.before
	check "  C RUNNING" fld C2.after-size 3 RUNNING
	check "a payload larger than the device's state is refused" test "${R[small.rc]:-0}" -ne 0
	check "  by the device's data_fd (EFBIG)" has small.err "EFBIG"
	check "  C reset to RUNNING with its state" same_state C3.after-small C3.before
	check "  C RUNNING" fld C3.after-small 3 RUNNING
	# 8. the VMM's view (QEMU hw/vfio/pci.c vfio_populate_device/vfio_realize:
	#    VFIO_DEVICE_FLAGS_PCI, >= 9 regions with the config region, >= 5 irq
	#    indexes, config space read whole), then PRE_COPY
	check "8: instances created" is create8 0
	check "  type's device_api is vfio-pci" is device_api vfio-pci
	check "  device fd opened through the group" is pci.open 0
	check "  GET_INFO: a PCI device with reset, 9 regions, 5 irq indexes" \
		is pci.info "pci=1 reset=1 regions=9 irqs=5"
	check "  config region: 256 bytes, read/write, at index 7's offset" \
		is pci.region.7 "size=256 flags=0x3 offset_ok=1"
	for i in 0 1 2 3 4 5 6 8; do
		check "  region $i (BARs, ROM, VGA): empty" is "pci.region.$i" "size=0 flags=0x0 offset_ok=1"
	done
	for i in 0 1 2; do
		check "  irq index $i (INTx, MSI, MSI-X): none" is "pci.irq.$i" "count=0 flags=0x0"
	done
	check "  error/request irq indexes: EINVAL (QEMU goes without)" is pci.irq.3 "errno 22"
	check "  config space read whole" is pci.cfg.read 256
	check "  ids 1b36:7f01, subsystem 1b36:0001" is pci.cfg.ids "1b36:7f01 1b36:0001"
	check "  class ff0000, revision 01" is pci.cfg.class "ff0000 rev=01"
	check "  header type 0" is pci.cfg.header 00
	check "  no capabilities list" is pci.cfg.status "0000 caplist=0 cap_ptr=00"
	check "  no BARs, no interrupt pin" bash -c "[[ '${R[pci.cfg.bars]-}' == none && '${R[pci.cfg.intpin]-}' == 0 ]]"
	check "  command register writable (memory, master, INTx disable)" is pci.cfg.command 0x0406
	check "  BAR0 sizing reads 0 (not implemented)" is pci.cfg.bar0 0x00000000
	check "  config access past the end refused" is pci.cfg.beyond -1
	check "  empty BAR region not readable" is pci.bar0.read -1
	check "  SET_IRQS disable accepted, enable refused" \
		bash -c "[[ '${R[pci.irq.disable]-}' == 0 && '${R[pci.irq.enable]-}' == 22 ]]"
	check "  reset works and clears the command register" \
		bash -c "[[ '${R[pci.reset]-}' == 0 && '${R[pci.cfg.command-after-reset]-}' == 0x0000 ]]"
	tot=$((SIZE + 40))
	if [[ $gen == 6.1 ]]; then
		check "  migration flags STOP_COPY|P2P (0x3)" is pci.mig.flags "0 0x3"
		check "  PRE_COPY refused by the 6.1 core (EINVAL)" is pc.to-precopy "-22 -"
		check "  A unchanged by the refusal" same_state A8.after-witness A8.before
		check "  A RUNNING" fld A8.after-witness 3 RUNNING
		check "migcheck-vfio save --precopy refused on 6.1" is pc-save.rc 69
	else
		check "  migration flags STOP_COPY|P2P|PRE_COPY (0x7)" is pci.mig.flags "0 0x7"
		check "  MIG_DATA_SIZE: one payload ($tot bytes)" is pci.mig.data_size "0 $tot"
		check "PRE_COPY: RUNNING -> PRE_COPY opens a data_fd" is pc.to-precopy "0 fd"
		check "  PRECOPY_INFO: initial_bytes = one payload, dirty 0" is pc.info0 "0 $tot 0"
		check "  after 1000 bytes read: initial $((tot - 1000))" is pc.info1 "0 $((tot - 1000)) 0"
		check "  seed written while in PRE_COPY (the device runs)" is pc.seed-in-precopy 0
		check "  then dirty_bytes = a newer payload" is pc.info2 "0 $((tot - 1000)) $tot"
		check "  reading on: the rest and the newer payload, then ENOMSG" \
			is pc.drain "$((2 * tot - 1000)) -42"
		check "  then nothing pending" is pc.info3 "0 0 0"
		check "  PRE_COPY -> STOP_COPY: no new data_fd" is pc.to-stop-copy "0 -"
		check "  PRECOPY_INFO outside PRE_COPY: EINVAL" is pc.info-stop-copy "-22 0 0"
		check "  the state frozen in STOP_COPY (seed write EBUSY)" is pc.seed-in-stop-copy 16
		check "  STOP_COPY: nothing newer, end of stream" is pc.stop-copy-bytes "0 0"
		check "  STOP_COPY -> STOP -> RUNNING" \
			bash -c "[[ '${R[pc.to-stop]-}' == '0 -' && '${R[pc.to-running]-}' == '0 -' ]]"
		check "  stream: two payloads" is pc.stream $((2 * tot))
		check "  B: STOP -> RESUMING opens a data_fd" is pc.b-resuming "0 fd"
		check "  B accepts both payloads (odd-sized writes)" is pc.b-write "0 $((2 * tot))"
		check "  B: RESUMING -> STOP validates the newer payload" is pc.b-stop "0 -"
		check "  B: STOP -> RUNNING" is pc.b-running "0 -"
		check "  B has A's state from PRE_COPY (seed and checksum)" same_state B8.after-witness A8.after-witness
		check "  A has the seed written in PRE_COPY" fld A8.after-witness 1 0x5eed5eed5eed5eed
		check "  B counted one restore" fld B8.after-witness 4 1
		check "  PRE_COPY -> RUNNING ends the session" \
			bash -c "[[ '${R[pc.abort-precopy]-}' == '0 fd' && '${R[pc.abort-to-running]-}' == '0 -' ]]"
		check "  its data_fd then reads ENODEV" is pc.abort-read 19
		check "migcheck-vfio save --precopy" is pc-save.rc 0
		check "  A RUNNING, state unchanged" same_state A8.after-save A8.seeded
		check "  restore into B" is pc-restore.rc 0
		check "  B has A's state" same_state B8.after-restore A8.seeded
		check "  B RUNNING" fld B8.after-restore 3 RUNNING
		check "send/recv --precopy --p2p over TCP" is pc-send.rc 0
		check "  receiver" is pc-recv.rc 0
		check "  B has A's new state" same_state B8.after-recv A8.reseeded
		check "  A RUNNING" fld A8.after-send 3 RUNNING
	fi
	# 9. QEMU (this machine's) attaches it with vfio-pci,sysfsdev=
	check "9: this machine's root mounted read-only in the host (virtfs)" is host.mount 0
	check "  QEMU runs with -device vfio-pci,sysfsdev=/sys/bus/mdev/devices/A" is qemu.alive yes
	check "  it holds the device (the probe: in use)" has qemufact "in use"
	check "  its guest sees 1b36:7f01, class ff00, subsystem 1b36:0001, as hostdev0" \
		is qemu.dev " Class 65280: PCI device 1b36:7f01| PCI subsystem 1b36:0001| id \"hostdev0\"|"
	check "  it quits cleanly, nothing on stderr" \
		bash -c "[[ '${R[qemu.rc]-}' == 0 && -z '${R[qemu.err]-x}' ]]"
	check "  A's state untouched, RUNNING" same_state A9.after A9.before
	check "  A RUNNING" fld A9.after 3 RUNNING
	check "no kernel warnings" bash -c "! grep -qE 'WARNING|BUG|Oops' <<<'${R[dmesg]-}'"
	echo "# $gen: state $SIZE bytes: save ${R[save.cs]:-?}0 ms, restore ${R[restore.cs]:-?}0 ms," \
		"send/recv ${R[send.cs]:-?}0 ms (TCG)"
}

for gen in $GENS; do
	fail0=$T_FAIL
	build_driver "$gen" || continue
	boot_gen "$gen" || continue
	parse "$gen"
	check_gen "$gen"
	if [[ $T_FAIL -ne $fail0 ]]; then
		echo "# $gen guest output:"
		sed 's/^/#   /' "$T_TMP/guest-$gen.out"
		sed 's/^/#   stderr: /' "$T_TMP/guest-$gen.err" | tail -20
	fi
done
finish
