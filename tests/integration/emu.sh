# shellcheck shell=bash
# Emulated test hosts for integration tests (sourced after lib.sh).
#   emu_run ARCH CPU CMD_TEXT [APPEND...]   boot ARCH/CPU with the probe and
#       kvmraw inside, run CMD_TEXT there, print its stdout. Exit: its status.
#   emu_facts NAME ARCH CPU [APPEND...]     probe such a host; facts are kept in
#       $EMU_DIR/NAME.facts, raw ioctl dump in $EMU_DIR/NAME.raw
#   EMU_FILES=(FILE=/DEST ...)  more files for the next emu_run's initramfs
#   x86_64 hosts also get $X86STATE as /x86state when it is set.
HOSTS=$MC_SRCDIR/tests/hosts
EMU_DIR=${EMU_DIR:-$T_TMP/emu}
EMU_FILES=()
mkdir -p "$EMU_DIR"

emu_prepare() {
	local out rc=0
	out=$("$HOSTS/fetch.sh" 2>"$T_TMP/fetch.err") || rc=$?
	if [[ $rc -eq 77 ]]; then
		printf '%s\n' "$out"
		exit 77
	elif [[ $rc -ne 0 ]]; then
		cat "$T_TMP/fetch.err" >&2
		not_ok "fetching the emulated hosts' kernels failed (exit $rc)"
		finish
		exit 1
	fi
	[[ -x ${MIGCHECK_PROBE:-} ]] || skip "no static x86_64 probe binary (MIGCHECK_PROBE)"
	[[ -x ${MIGCHECK_PROBE_AARCH64:-} ]] || skip "no aarch64 probe binary (cross compiler missing?)"
}

emu_run() {
	local arch=$1 cpu=$2 cmd=$3
	shift 3
	local probe raw img
	case $arch in
	x86_64) probe=$MIGCHECK_PROBE raw=$KVMRAW ;;
	aarch64) probe=$MIGCHECK_PROBE_AARCH64 raw=$KVMRAW_AARCH64 ;;
	esac
	img=$T_TMP/img-$arch-$RANDOM.cpio.gz
	local extra=("${EMU_FILES[@]}")
	[[ $arch == x86_64 && -n ${X86STATE:-} ]] && extra+=("$X86STATE=/x86state")
	MIGCHECK_HOST_CMD=$cmd "$HOSTS/mkinitramfs.sh" "$arch" "$probe" "$img" "$raw=/kvmraw" \
		"${extra[@]}" >/dev/null 2>"$T_TMP/mkinitramfs.err" || {
		cat "$T_TMP/mkinitramfs.err" >&2
		return 99
	}
	"$HOSTS/boot.sh" "$arch" "$cpu" "$img" "$@"
	local rc=$?
	rm -f "$img"
	return $rc
}

emu_facts() {
	local name=$1 arch=$2 cpu=$3
	shift 3
	local t0=$SECONDS
	if emu_run "$arch" "$cpu" \
		'/migcheck-probe >/tmp/f || exit $?; cat /tmp/f; echo @@RAW@@; /kvmraw' "$@" \
		>"$EMU_DIR/$name.out"; then
		sed '/^@@RAW@@$/,$d' "$EMU_DIR/$name.out" >"$EMU_DIR/$name.facts"
		sed '1,/^@@RAW@@$/d' "$EMU_DIR/$name.out" >"$EMU_DIR/$name.raw"
		ok "booted $arch -cpu $cpu $* as $name and probed it ($((SECONDS - t0)) s)"
		return 0
	fi
	not_ok "booting $arch -cpu $cpu $* failed"
	return 1
}
