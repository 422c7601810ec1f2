#!/usr/bin/env bash
# Logs (issue 16). The nightly probe's output reaches the journal (systemd
# unit) or syslog (cron line), and the hook leaves one line in the journal
# per decision: syslog(3),
# facility daemon, ident migcheck, with the domain, the source host and
# profile, the verdict and the decisive rules. The datagrams are really
# received: each hook runs in a private mount namespace whose /dev is a
# tmpfs holding the usual device nodes and a /dev/log that leads to a Unix
# datagram socket bound by tests/integration/syslog-sink.py.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
[[ -x $MIGCHECK ]] || skip "no migcheck binary at $MIGCHECK"
[[ $(id -u) -eq 0 ]] || skip "needs root (mount namespace)"
command -v unshare >/dev/null || skip "unshare (util-linux) not installed"
P=$MC_TESTDATA/fleet/profiles
DOM=$MC_TESTDATA/domxml/live-tcg-stamped.xml # metadata: from mcA-11400, profile ac527b489d58
export MIGCHECK_HOOK_CONFIG=$T_TMP/hook.conf # never the machine's hook.conf
: >"$MIGCHECK_HOOK_CONFIG"
LOG=$T_TMP/journal
: >"$LOG"
python3 "$MC_SRCDIR/tests/integration/syslog-sink.py" "$T_TMP/log.sock" "$LOG" >"$T_TMP/sink.out" &
SINK=$!
trap 'kill "$SINK" 2>/dev/null; rm -rf "$T_TMP"' EXIT
for _ in $(seq 50); do grep -q ready "$T_TMP/sink.out" && break; sleep 0.1; done
check "syslog sink listening" grep -q ready "$T_TMP/sink.out"
mkdir -p "$T_TMP/olddev"

# with_devlog CMD...: CMD with /dev/log leading to the sink.
with_devlog() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare -m --propagation private bash -c '
		set -e
		t=$1
		shift
		mount --rbind /dev "$t/olddev"
		mount -t tmpfs -o mode=755 devlog /dev
		for n in null zero full random urandom; do
			: >"/dev/$n"
			mount --bind "$t/olddev/$n" "/dev/$n"
		done
		ln -s "$t/log.sock" /dev/log
		exec "$@"' with_devlog "$T_TMP" "$@"
}
# journal_has N TEXT: the journal holds N lines, the last one has TEXT.
journal_has() {
	local n=$1 text=$2
	for _ in $(seq 30); do (($(wc -l <"$LOG") >= n)) && break; sleep 0.1; done
	if [[ $(wc -l <"$LOG") -eq $n ]] && tail -n1 "$LOG" | grep -qF -- "$text"; then
		ok "  journal line $n has: $text"
	else
		not_ok "  journal ($(wc -l <"$LOG") lines, want $n) lacks '$text': $(tail -n1 "$LOG")"
	fi
}
mc() { with_devlog "$MIGCHECK" "$@"; }
host=$(hostname)

expect_exit 0 "allowed with actions" mc hook --profile "$P/x86-epyc.facts" mcguest migrate begin - <"$DOM"
# <30> = facility daemon (3) * 8 + info (6)
journal_has 1 "<30>"
journal_has 1 "migcheck["
journal_has 1 "hook: domain mcguest from host mcA-11400 profile ac527b489d58 on host $host: allowed with actions; decisive: qemu pc-q35-7.2"
check "  stdout stays empty (libvirt would take it as domain XML)" test ! -s "$T_OUT"

expect_exit 2 "refused: blocked" mc hook --profile "$P/x86-qemu64.facts" mcguest migrate begin - <"$DOM"
journal_has 2 "<28>" # daemon.warning
journal_has 2 "hook: domain mcguest from host mcA-11400 profile ac527b489d58 on host $host: refused (blocked); decisive: kvm.cap KVM_CAP_XCRS"

printf "<domain type='kvm'><name>plain</name><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>" >"$T_TMP/plain.xml"
expect_exit 2 "refused: no metadata, policy deny" \
	mc hook --profile "$P/x86-epyc.facts" --missing-metadata deny plain migrate begin - <"$T_TMP/plain.xml"
journal_has 3 "hook: domain plain (no migcheck metadata) on host $host: refused (no metadata, policy deny)"
check "  the policy decided, not a rule" bash -c "! tail -n1 '$LOG' | grep -q decisive"
expect_exit 0 "allowed: no metadata, policy allow" \
	mc hook --profile "$P/x86-epyc.facts" plain migrate begin - <"$T_TMP/plain.xml"
journal_has 4 "hook: domain plain (no migcheck metadata) on host $host: allowed with actions; decisive: qemu q35"

printf '<domain' >"$T_TMP/trunc.xml"
expect_exit 65 "refused: malformed domain XML" mc hook --profile "$P/x86-epyc.facts" bad migrate begin - <"$T_TMP/trunc.xml"
journal_has 5 "<27>" # daemon.err
journal_has 5 "hook: domain bad on host $host: refused (error, exit 65: domain bad (hook stdin): malformed XML"

expect_exit 0 "not a migration: nothing to decide, nothing logged" mc hook mcguest start begin - </dev/null
sleep 0.3
check "  the journal still holds 5 lines" test "$(wc -l <"$LOG")" -eq 5

expect_exit 0 "-v: the same line on stderr" mc -v hook --profile "$P/x86-epyc.facts" mcguest migrate begin - <"$DOM"
err_has "migcheck: hook: domain mcguest from host mcA-11400 profile ac527b489d58 on host $host: allowed with actions"

# ---- the nightly probe: journal (systemd unit), syslog (cron line) ----
B=$(cd "$(dirname "$MIGCHECK")" && pwd)/cmd/install
check "service: stdout and stderr to the journal" grep -qx 'StandardOutput=journal' "$B/migcheck-probe.service"
check "  under its own identifier" grep -qx 'SyslogIdentifier=migcheck-probe' "$B/migcheck-probe.service"
sed "s|^ExecStart=[^ ]*/migcheck |ExecStart=$MIGCHECK |" "$B/migcheck-probe.service" >"$T_TMP/migcheck-probe.service"
check "  systemd-analyze verify accepts the unit" \
	systemd-analyze verify --man=no "$T_TMP/migcheck-probe.service"
check "cron line: nothing discarded" bash -c "! grep -q /dev/null '$B/migcheck.cron'"
# The cron line's command, run for real (no sleep, this build's binary, a
# store nobody listens on): its error reaches syslog.
cmd=$(sed -n 's/^[0-9].* root sleep [^&]*&& //p' "$B/migcheck.cron")
cmd=${cmd/#*\/migcheck /$MIGCHECK }
printf '[fleet]\nurl=http://127.0.0.1:1/fleet\nhost=nightly-test\n' >"$T_TMP/fleet.conf"
expect_exit 0 "the cron command, run" with_devlog env MIGCHECK_CONF="$T_TMP/fleet.conf" \
	sh -c "${cmd/--probe/--retries 0}"
journal_has 7 "<29>" # daemon.notice
journal_has 7 "migcheck-probe: migcheck: $MIGCHECK_DB: no inventory"
finish
