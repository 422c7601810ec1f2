# shellcheck shell=bash
# Emulated test hosts for integration tests (sourced after lib.sh).
#   emu_prepare [GEN...]   fetch the kernels of these generations (default
#       all: 6.1 6.12 7.3) for both archs; skip (exit 77) if they cannot be
#       had, except with CI=true, where that is a failure
#   emu_run ARCH CPU CMD_TEXT [APPEND...]   boot ARCH/CPU with the probe and
#       kvmraw inside (and the files of the EMU_EXTRA array, FILE[=/DEST] as
#       mkinitramfs.sh takes them), run CMD_TEXT there, print its stdout.
#       Exit: its status.
#   emu_facts NAME ARCH CPU [APPEND...]     probe such a host; facts are kept in
#       $EMU_DIR/NAME.facts, raw ioctl dump in $EMU_DIR/NAME.raw
#   emu_release ARCH [GEN]  the kernel release a generation boots
#   emu_jobs FUNC ARG...    FUNC ARG for each ARG, EMU_JOBS (default 2: the
#       machine's cores; each TCG host keeps one busy) at a time; FUNC runs
#       in a subshell, so it leaves its results in files
#   (emu_boot, for an image a test makes itself: tests/hosts/lib.sh)
# The kernel generation is MIGCHECK_HOST_GEN (6.1 by default), inherited by
# tests/hosts/*.sh: e.g. `MIGCHECK_HOST_GEN=7.3 emu_facts arm-max-73 aarch64 max`.
HOSTS=$MC_SRCDIR/tests/hosts
EMU_DIR=${EMU_DIR:-$T_TMP/emu}
mkdir -p "$EMU_DIR"

# shellcheck disable=SC2120 # the generations are optional
emu_prepare() {
	local out rc=0 gens=${*:-all}
	out=$("$HOSTS/fetch.sh" --gen "$gens" 2>"$T_TMP/fetch.err") || rc=$?
	if [[ $rc -eq 77 && ${CI:-} != true && ${MC_NO_SKIP:-0} != 1 ]]; then
		skip "${out#SKIP: }"
	elif [[ $rc -ne 0 ]]; then
		cat "$T_TMP/fetch.err" >&2
		[[ $rc -ne 77 ]] || printf '%s\n' "$out"
		not_ok "fetching the emulated hosts' kernels ($gens) failed (exit $rc)"
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
	# Within one `make check-all` (MC_EMU_RUN_CACHE, a directory emptied at
	# its start), the sanitizer round reuses the kernels' answers of the
	# first round for the very same boot: same kernel, CPU, parameters,
	# command and the same bytes of every file put into the host.
	local key="" x
	if [[ -n ${MC_EMU_RUN_CACHE:-} ]]; then
		key=$( {
			printf '%s\n' "$arch" "$cpu" "$cmd" "$*" "${MIGCHECK_HOST_GEN:-}" \
				"${MIGCHECK_HOST_KERNEL:-}" "${MIGCHECK_HOST_MODULES:-}"
			cat "$probe" "$raw"
			for x in ${EMU_EXTRA[@]+"${EMU_EXTRA[@]}"}; do
				printf '%s\n' "${x#*=}"
				(cd "${x%%=*}" 2>/dev/null && find . -type f | LC_ALL=C sort | xargs cat) ||
					cat "${x%%=*}"
			done
		} | sha256sum)
		key=${key%% *}
		if [[ -f $MC_EMU_RUN_CACHE/$key.out ]]; then
			cat "$MC_EMU_RUN_CACHE/$key.out"
			return 0
		fi
	fi
	# (A redirection of a command is expanded in its child: name the files
	# before, with this shell's own pid, so parallel jobs never share one.)
	local me=$BASHPID
	local out=$T_TMP/emu-out.$me merr=$T_TMP/mkinitramfs.$me.err
	img=$T_TMP/img-$arch-$me-$RANDOM.cpio.gz
	MIGCHECK_HOST_CMD=$cmd "$HOSTS/mkinitramfs.sh" "$arch" "$probe" "$img" "$raw=/kvmraw" \
		${EMU_EXTRA[@]+"${EMU_EXTRA[@]}"} >/dev/null 2>"$merr" || {
		cat "$merr" >&2
		return 99
	}
	local rc=0
	if [[ -n $key ]]; then
		"$HOSTS/boot.sh" "$arch" "$cpu" "$img" "$@" >"$out" || rc=$?
		if [[ $rc -eq 0 ]] && mkdir -p "$MC_EMU_RUN_CACHE" 2>/dev/null; then
			cp "$out" "$MC_EMU_RUN_CACHE/$key.out.$me" &&
				mv "$MC_EMU_RUN_CACHE/$key.out.$me" "$MC_EMU_RUN_CACHE/$key.out"
		fi
		cat "$out"
		rm -f "$out"
	else
		"$HOSTS/boot.sh" "$arch" "$cpu" "$img" "$@" || rc=$?
	fi
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

emu_release() {
	(
		# shellcheck source=tests/hosts/lib.sh
		. "$HOSTS/lib.sh"
		MIGCHECK_HOST_GEN=${2:-${MIGCHECK_HOST_GEN:-6.1}} mh_release "$1"
	)
}

emu_jobs() {
	local fn=$1 a n=0
	shift
	for a in "$@"; do
		"$fn" "$a" &
		n=$((n + 1))
		if [[ $n -ge ${EMU_JOBS:-2} ]]; then
			wait -n
			n=$((n - 1))
		fi
	done
	wait
}
