#!/usr/bin/env bash
# Plan-gated live migration between real, independent libvirt daemons on this
# machine, each in its own network + mount + UTS namespace
# (tests/integration/libvirt-lib.sh; recipe in the shared reference).
#
# Hosts: A and B have the profile of an emulated Debian 6.1 KVM host under
# QEMU TCG -cpu max (tests/data/plan-x86/real-max-same.dst: this machine has
# no /dev/kvm, so its own kernel facts would block every plan) plus the qemu.*
# facts migcheck's libvirt probe reads from each host's own libvirtd. C has
# the profile of the emulated host under -cpu qemu64 (real-qemu64-to-max.src,
# a kernel without KVM_CAP_XCRS as the guest sees it there) plus its own
# libvirt facts. B and C run 'migcheck hook' as libvirt's qemu hook.
#
# The guest: diskless, firmware-only (SeaBIOS), 128 MiB, type='qemu' (TCG),
# CPU model qemu64, machine pc-q35-7.2.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/libvirt-lib.sh
source "$(dirname "$0")/libvirt-lib.sh"

lv_begin it
if ! { lv_host A 1 && lv_host B 2 && lv_host C 3 && lv_link A B && lv_link A C; }; then
	skip "cannot set up network namespaces and veth links"
fi

MAXP=$MC_TESTDATA/plan-x86/real-max-same.dst
Q64P=$MC_TESTDATA/plan-x86/real-qemu64-to-max.src
HOOKLOG=$LV_STATE/hook.log
# Hooks on B and C before their daemons start (libvirt reads them at start).
for h in B C; do
	cat >"$LV_STATE/$h-hook.conf" <<-EOF
		[hook]
		db = $MIGCHECK_DB
		profile = ${LV_HOSTNAME[$h]}
		missing-metadata = deny
		timeout = 20
	EOF
	# an existing hook that only logs: migcheck's drop-in runs beside it.
	# On B it is hooks/qemu; C has the layout of migcheck's old installer
	# (its wrapper as hooks/qemu, the logging hook as qemu.migcheck-chained),
	# which the installer must undo.
	logger=${LV_DIR[$h]}/etc/hooks/qemu
	[[ $h == C ]] && logger=${LV_DIR[$h]}/etc/hooks/qemu.migcheck-chained
	cat >"$logger" <<-EOF
		#!/bin/sh
		echo "$h \$*" >>'$HOOKLOG'
		exit 0
	EOF
	chmod +x "$logger"
	cp "$logger" "$LV_STATE/$h-logger"
	if [[ $h == C ]]; then
		printf '#!/bin/sh\n# migcheck-hook: installed by migcheck (install-hook.sh).\nexit 0\n' \
			>"${LV_DIR[$h]}/etc/hooks/qemu"
		chmod +x "${LV_DIR[$h]}/etc/hooks/qemu"
	fi
	MIGCHECK_HOOK_OPTS="--config $LV_STATE/$h-hook.conf" \
		sh "$MC_SRCDIR/cmd/install/install-hook.sh" install "${LV_DIR[$h]}/etc/hooks" "$MIGCHECK" \
		>"$T_TMP/install-$h.out" || not_ok "install the hook on $h"
done
check "installer wrote the qemu.d drop-in" test -x "${LV_DIR[B]}/etc/hooks/qemu.d/migcheck"
check "  and left B's existing hooks/qemu as it was" cmp -s "$LV_STATE/B-logger" "${LV_DIR[B]}/etc/hooks/qemu"
check "  C: the old wrapper's chained hook is hooks/qemu again" \
	cmp -s "$LV_STATE/C-logger" "${LV_DIR[C]}/etc/hooks/qemu"
check "  C: no qemu.migcheck-chained left" test ! -e "${LV_DIR[C]}/etc/hooks/qemu.migcheck-chained"
check "  the message names the daemon to restart" grep -q "restart .*virtqemud" "$T_TMP/install-B.out"
for h in A B C; do lv_start "$h"; done
for h in A B C; do lv_wait "$h" || skip "libvirtd of $h did not start: $(tail -c 300 "${LV_DIR[$h]}/daemon.out")"; done

# Inventory: each host's base profile + its live libvirt facts, under the
# host name its libvirtd reports.
for h in A B C; do
	base=$MAXP
	[[ $h == C ]] && base=$Q64P
	lv_import "$h" "$base"
done

DOM=mcguest
lv_guest_xml "$DOM" >"$T_TMP/guest.xml"
lv_virsh A create "$T_TMP/guest.xml" >/dev/null 2>"$T_ERR" || skip "cannot start a TCG guest: $(head -c 300 "$T_ERR")"

running_on() { [[ $(lv_virsh "$1" domstate "$2" 2>/dev/null) == running ]]; }
absent_on() { ! lv_virsh "$1" dominfo "$2" >/dev/null 2>&1; }
mig() { lv_in "$1" "$MIGCHECK" migrate -c "$(lv_uri "$1")" "${@:2}"; }

# ---- A -> B -> A with migcheck migrate ----
expect_exit 0 "dry run A -> B" mig A "$DOM" "$(lv_uri B)" --dry-run
out_has "dry run: would stamp"
out_has "qemu        pc-q35-7.2"
expect_exit 0 "migrate A -> B" mig A "$DOM" "$(lv_uri B)"
out_has "migrated $DOM to host ${LV_HOSTNAME[B]}"
check "  running on B" running_on B "$DOM"
check "  gone from A" absent_on A "$DOM"
check "  B's hook saw 'migrate begin'" grep -q "^B $DOM migrate begin" "$HOOKLOG"
lv_virsh B metadata "$DOM" urn:x-migcheck:metadata:1 >"$T_TMP/meta.xml" 2>"$T_ERR"
check "  the metadata names A and its profile" grep -q "host=\"${LV_HOSTNAME[A]}\"" "$T_TMP/meta.xml"
if command -v xmllint >/dev/null; then
	lv_virsh B dumpxml "$DOM" | xmllint --xpath '//*[local-name()="migration"]' - >"$T_TMP/stored.xml"
	check "  the stored metadata matches schemas/metadata.rng" \
		xmllint --noout --relaxng "$MC_SRCDIR/schemas/metadata.rng" "$T_TMP/stored.xml"
fi
expect_exit 0 "migrate B -> A" mig B "$DOM" "$(lv_uri A)"
check "  running on A" running_on A "$DOM"
check "  gone from B" absent_on B "$DOM"
lv_virsh A metadata "$DOM" urn:x-migcheck:metadata:1 >"$T_TMP/meta.xml" 2>"$T_ERR"
check "  the metadata now names B" grep -q "host=\"${LV_HOSTNAME[B]}\"" "$T_TMP/meta.xml"

# ---- a blocked plan: migcheck never starts a job ----
# Evidence of any migration attempt reaching C: its daemon's log (errors and
# warnings) mentions the domain (a hook refusal is logged there; checked below).
c_log() { grep -c -e "$DOM" -e "[Hh]ook" "${LV_DIR[C]}/log/libvirtd.log" 2>/dev/null; }
before=$(c_log)
expect_exit 2 "migrate A -> C is blocked (C's kernel lacks KVM_CAP_XCRS)" mig A "$DOM" "$(lv_uri C)"
out_has "BLOCKED kvm.cap     KVM_CAP_XCRS"
err_has "the plan is blocked: not migrating"
check "  still running on A" running_on A "$DOM"
check "  never reached C (nothing in its daemon's log)" test "$(c_log)" == "$before"
check "  absent on C" absent_on C "$DOM"

# ---- the hook on C refuses a stamped guest that plain virsh sends ----
ID_A=$("$MIGCHECK" export "${LV_HOSTNAME[A]}" | sha256sum | cut -d' ' -f1)
META="<migration version=\"1\"><source host=\"${LV_HOSTNAME[A]}\" profile=\"$ID_A\" time=\"2026-01-01T00:00:00Z\"/><profile encoding=\"base64\">$("$MIGCHECK" export "${LV_HOSTNAME[A]}" | base64 -w0)</profile></migration>"
lv_virsh A metadata "$DOM" urn:x-migcheck:metadata:1 --key migcheck --set "$META" --live >/dev/null ||
	not_ok "stamp the metadata by hand"
expect_exit 1 "virsh migrate A -> C is refused by C's hook" \
	lv_virsh A migrate --live --p2p "$DOM" "$(lv_uri C)"
if grep -q "migcheck: $DOM from ${LV_HOSTNAME[A]} (profile ${ID_A:0:12}) cannot run on ${LV_HOSTNAME[C]}: kvm.cap KVM_CAP_XCRS" "$T_ERR"; then
	ok "  libvirt shows the hook's message"
else
	not_ok "  libvirt error lacks the hook's message: $(tail -c 400 "$T_ERR")"
fi
check "  still running on A" running_on A "$DOM"
check "  absent on C" absent_on C "$DOM"
check "  C's daemon log shows the refused attempt (the evidence above can fail)" \
	test "$(c_log)" -gt "$before"
check "  C's own hooks/qemu (restored from the old layout) ran too" \
	grep -q "^C $DOM migrate begin" "$HOOKLOG"

# ---- the hook on B: no metadata + policy deny; other operations pass ----
lv_guest_xml mcnometa >"$T_TMP/nometa.xml"
expect_exit 2 "hook: guest without metadata, policy deny" \
	"$MIGCHECK" hook --config "$LV_STATE/B-hook.conf" mcnometa migrate begin - <"$T_TMP/nometa.xml"
err_has "carries no migcheck metadata"
expect_exit 0 "hook: same guest, policy allow" "$MIGCHECK" hook --config "$LV_STATE/B-hook.conf" \
	--missing-metadata allow mcnometa migrate begin - <"$T_TMP/nometa.xml"
sed "s/pc-q35-7.2/pc-q35-99.0/" "$T_TMP/nometa.xml" >"$T_TMP/badmachine.xml"
expect_exit 2 "hook: no metadata, machine type unknown here -> refused whatever the policy" \
	"$MIGCHECK" hook --config "$LV_STATE/B-hook.conf" --missing-metadata allow mcnometa migrate begin - <"$T_TMP/badmachine.xml"
err_has "qemu pc-q35-99.0"
expect_exit 0 "hook: other operations exit 0 at once" \
	"$MIGCHECK" hook --config /nonexistent mcnometa started begin - </dev/null

# ---- Ctrl-C aborts the job; the guest keeps running on A ----
# (1 MiB/s: the job runs for seconds; ip netns exec execs, so $! is migcheck)
ip netns exec "${LV_NS[A]}" "$MIGCHECK" migrate -c "$(lv_uri A)" --bandwidth 1 "$DOM" "$(lv_uri B)" \
	>"$T_TMP/int.out" 2>"$T_TMP/int.err" &
mpid=$!
for _ in $(seq 100); do
	[[ $(lv_virsh A domjobinfo "$DOM" 2>/dev/null | awk '/Job type/ {print $3}') == Unbounded ]] && break
	sleep 0.05
done
kill -INT "$mpid"
wait "$mpid"
rc=$?
if [[ $rc == 75 ]]; then ok "interrupted migration: exit 75"; else
	not_ok "interrupted migration: exit $rc, want 75: $(head -c 300 "$T_TMP/int.err")"
fi
check "  says the guest keeps running on the source" grep -q "keeps running on the source" "$T_TMP/int.err"
check "  still running on A" running_on A "$DOM"
check "  absent on B" absent_on B "$DOM"

# ---- bad input: one line, sysexits code, guest untouched ----
expect_exit 66 "unknown domain" mig A nosuchdomain "$(lv_uri B)"
err_has "no domain 'nosuchdomain'"
expect_exit 69 "unreachable destination URI" mig A "$DOM" "qemu+tcp://${LV_NET}.250:1/system"
err_has "qemu+tcp://${LV_NET}.250:1/system"
"$MIGCHECK" --db "$T_TMP/only-a.db" import "$T_TMP/A.facts" --host "${LV_HOSTNAME[A]}" >/dev/null
expect_exit 66 "destination without an inventory entry" \
	lv_in A "$MIGCHECK" --db "$T_TMP/only-a.db" migrate -c "$(lv_uri A)" "$DOM" "$(lv_uri B)"
err_has "dst host '${LV_HOSTNAME[B]}'"
lv_virsh A metadata "$DOM" urn:x-migcheck:metadata:1 --key migcheck --set \
	"<migration version=\"1\"><source host=\"x\" profile=\"nothex\" time=\"2026-01-01T00:00:00Z\"/></migration>" \
	--live >/dev/null
expect_exit 65 "malformed metadata" mig A "$DOM" "$(lv_uri B)"
err_has "is not a profile id"
check "after all bad input: still running on A" running_on A "$DOM"
check "  and absent on B" absent_on B "$DOM"

finish
