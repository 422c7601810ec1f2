#!/usr/bin/env bash
# A real VMM inside an emulated host: Debian 12 backports' QEMU 10 and
# libvirt 11 (tests/hosts/fetch-vmm.sh, never installed on this machine) run
# inside an emulated x86_64 Debian 6.1 KVM host (QEMU TCG, -cpu max) whose
# root is this machine's own root over 9p (tests/hosts/vmm-run.sh). There,
# tests/integration/vmm-migrate-inner.sh starts two libvirt daemons in their
# own namespaces, a guest under the emulated host's real KVM (nested), and
# moves it both ways with `migcheck migrate`. This script checks that the
# inner run happened and passed, and shows its timings.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
heavy_test 1
HOSTS=$MC_SRCDIR/tests/hosts

[[ $(id -u) -eq 0 ]] || skip "needs root (namespaces and mounts inside the emulated host run as root; the emulated host's kernel and the backports tree are in root's cache)"
rc=0
out=$("$HOSTS/fetch.sh" x86_64 2>"$T_ERR") || rc=$?
[[ $rc -eq 0 ]] || skip_rc_or_fail "$out $(tail -c 300 "$T_ERR")" "$rc" "fetching the emulated host's kernel"
out=$("$HOSTS/fetch-vmm.sh" 2>"$T_ERR") || rc=$?
[[ $rc -eq 0 ]] || skip_rc_or_fail "$out $(tail -c 300 "$T_ERR")" "$rc" "fetching QEMU 10 and libvirt 11 (bookworm-backports)"
ok "QEMU 10 and libvirt 11 unpacked in ${out#vmm }"

# The binary and the scripts must be where the emulated host sees them: this
# machine's root, at the same paths.
MIGCHECK=$(cd "$(dirname "$MIGCHECK")" && pwd)/$(basename "$MIGCHECK")
inner=$(cd "$MC_SRCDIR" && pwd)/tests/integration/vmm-migrate-inner.sh
mkdir -p "$T_TMP/xfer"
t0=$SECONDS
rc=0
# A generous timeout: the whole run takes 2-4 minutes on an idle 2-core
# machine, several times that on a loaded one.
VMM_PASS="MIGCHECK MC_SRCDIR MC_TESTDATA" MIGCHECK=$MIGCHECK \
	MIGCHECK_HOST_TIMEOUT=${MIGCHECK_HOST_TIMEOUT:-600} \
	"$HOSTS/vmm-run.sh" --xfer "$T_TMP/xfer" "$inner" >"$T_OUT" 2>"$T_ERR" || rc=$?
secs=$((SECONDS - t0))
# The inner checks, as they ran.
grep -E '^(ok|FAIL) ' "$T_OUT" | sed 's/^/  inner: /'
grep '^time ' "$T_OUT" | awk '{printf "  %s at %s s", $2, $3} END {print ""}'
grep '^jobinfo ' "$T_OUT" | sed 's/^/  /'
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed( \([0-9]+ s\))?$' "$T_OUT" | tail -n1)
if [[ $rc -eq 0 && $summary == *" passed, 0 failed"* ]]; then
	ok "inside the emulated host: $summary (whole run ${secs} s)"
else
	not_ok "inside the emulated host: exit $rc, '${summary:-no summary}' after ${secs} s; $(tail -c 600 "$T_ERR")"
	[[ ! -s $T_TMP/xfer/progress ]] || sed 's/^/  progress: /' "$T_TMP/xfer/progress"
	for f in "$T_TMP"/xfer/*/libvirtd.log; do
		[[ -f $f ]] && grep -E ' (error|warning) :' "$f" | tail -n 5 | sed "s|^|  ${f#"$T_TMP"/xfer/}: |"
	done
fi
finish
