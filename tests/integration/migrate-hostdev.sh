#!/usr/bin/env bash
# `migcheck migrate` with a guest that holds a VFIO mdev, against libvirt's
# test driver (test:///NODE.xml: a source with the running guest, a
# destination whose running domains hold devices): every case of
# tests/data/hostmap (the destination device chosen, the plan on it, exit 3
# when none fits) through the command line, the refused ones also without
# --dry-run (no libvirt job: the test driver would fail one, exit 69), and
# the destination XML handed to libvirt (VIR_MIGRATE_PARAM_DEST_XML) with
# the mapped source, and the destination hook planning such an incoming guest
# from the stamped source devices. The test driver cannot migrate: the live run is
# tests/integration/vmm-migrate.sh's.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
D=$MC_TESTDATA/hostmap
command -v virsh >/dev/null || skip "no virsh (libvirt-clients)"

# the source: the guest, running (the test driver runs what its node file lists)
{
	echo "<node>"
	sed '/^<!--/,/-->/d' "$D/guest.xml"
	echo "</node>"
} >"$T_TMP/src.xml"
SRC=test://$T_TMP/src.xml
check "the test driver runs the guest with its mdev" \
	bash -c "virsh -c '$SRC' dumpxml g1 | grep -q \"address uuid='11111111-1111-4111-8111-111111111111'\""

# dst_node CASE: the destination's node file, a running domain per `held`
dst_node() {
	local n=0 dev holder
	echo "<node>"
	while read -r kw arg; do
		[[ $kw == held ]] || continue
		dev=${arg%%=*} holder=${arg#*=} n=$((n + 1))
		cat <<EOD
<domain type='test'><name>$holder</name><uuid>00000000-0000-4000-8000-00000000000$n</uuid>
<memory>65536</memory><os><type arch='x86_64'>hvm</type></os><devices>
<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='$dev'/></source></hostdev>
</devices></domain>
EOD
	done <"$1"
	echo "</node>"
}

for c in "$D"/*.case; do
	name=$(basename "$c" .case)
	dst_node "$c" >"$T_TMP/dst-$name.xml"
	args=()
	while read -r kw arg; do
		case $kw in
		src) args+=(--src-profile "$D/$arg") ;;
		dst) args+=(--dst-profile "$D/$arg") ;;
		map) args+=(--hostdev-map "$arg") ;;
		esac
	done <"$c"
	want=$(sed -n 's/^exit //p' "$D/$name.expect")
	expect_exit "$want" "$name: migrate --dry-run" \
		"$MIGCHECK" migrate g1 "test://$T_TMP/dst-$name.xml" -c "$SRC" --dry-run "${args[@]}"
	check "  $name: the hostdev lines of $name.expect" \
		diff <(grep '^hostdev ' "$D/$name.expect") <(grep '^hostdev ' "$T_OUT")
	if grep -q '^error ' "$D/$name.expect"; then
		msg=$(sed -n 's/^error //p' "$D/$name.expect")
		check "  $name: the one-line error" test "$(cat "$T_ERR")" == "migcheck: g1: $msg"
	fi
	for b in $(sed -n 's/^blocked vfio [^:]*: //p' "$D/$name.expect" | tr ' ' '\037'); do
		b=${b//$'\037'/ }
		check "  $name: the plan says: ${b:0:60}..." grep -qF -- "$b" "$T_OUT"
	done
	if [[ $want == 2 || $want == 3 ]]; then
		expect_exit "$want" "$name: refused without --dry-run, before any libvirt job" \
			"$MIGCHECK" migrate g1 "test://$T_TMP/dst-$name.xml" -c "$SRC" "${args[@]}"
		check "  $name: no job (no migration error, nothing migrated)" \
			bash -c "! grep -q 'migration to\|^migrated' '$T_OUT' '$T_ERR'"
	fi
done

# the enable-migration warning: mcmig has no dirty tracking (dma_logging 0)
expect_exit 1 "same-name: migrate --dry-run" "$MIGCHECK" migrate g1 \
	"test://$T_TMP/dst-same-name.xml" -c "$SRC" --dry-run --src-profile "$D/a.facts" \
	--dst-profile "$D/a.facts"
check "  warns that QEMU needs enable-migration=on" \
	grep -qF "no device dirty tracking (source fact dma_logging=0) and QEMU's enable-migration is auto (not set)" "$T_ERR"

# the XML libvirt gets: the source as mapped (the job then fails: the test
# driver has no peer-to-peer migration)
A=11111111-1111-4111-8111-111111111111 B=22222222-2222-4222-8222-222222222222
expect_exit 69 "a real run: libvirt's test driver refuses the job" "$MIGCHECK" -v migrate g1 \
	"test://$T_TMP/dst-same-name.xml" -c "$SRC" --src-profile "$D/a.facts" \
	--dst-profile "$D/a.facts" --hostdev-map "$A=$B"
check "  with DEST_XML and PERSIST_XML naming the mapped device" \
	grep -qF "destination XML (VIR_MIGRATE_PARAM_DEST_XML, PERSIST_XML) with host devices $B" "$T_ERR"
check "  the job failed in libvirt (the mapping was handed over)" \
	grep -qF "p2p migration is not supported" "$T_ERR"

# the destination's hook during the incoming migration: the XML names the
# destination device (migrate rewrote it), the stamp the source's (HOSTDEV)
# and the mapping (HOSTDEV_DST); the plan must start from the source's
# hook_xml DST_DEV: the guest as migrate hands it over, stamped with a.facts
hook_xml() {
	local id b64
	id=$(sha256sum "$D/a.facts" | cut -d' ' -f1)
	b64=$(base64 -w0 "$D/a.facts")
	sed '/^<!--/,/-->/d' "$D/guest.xml" | sed "s/$A/$1/; s|<devices>|<metadata><mc:migration \
xmlns:mc='urn:x-migcheck:metadata:1' version='1'><mc:source host='src' profile='$id' \
time='2026-12-05T23:00:00Z'/><mc:pin name='HOSTDEV' value='$A'/><mc:pin \
name='HOSTDEV_DST' value='$1'/><mc:profile encoding='base64'>$b64</mc:profile>\
</mc:migration></metadata><devices>|"
}
C=33333333-3333-4333-8333-333333333333
hook_xml "$B" >"$T_TMP/in-b.xml"
expect_exit 0 "hook: incoming onto B (same type), source profile from the stamp" \
	"$MIGCHECK" hook --profile "$D/a.facts" g1 migrate begin - <"$T_TMP/in-b.xml"
hook_xml "$C" >"$T_TMP/in-c.xml"
expect_exit 2 "hook: incoming onto C (mcmig-v2), a device the source never had" \
	"$MIGCHECK" hook --profile "$D/v2.facts" g1 migrate begin - <"$T_TMP/in-c.xml"
check "  refused for the mapping (the stamp's source device A, not C)" \
	grep -qF "$A is mapped to $C, mdev type mcmig-v2" "$T_ERR"

# usage
expect_exit 64 "--hostdev-map without =" "$MIGCHECK" migrate g1 "test://$T_TMP/dst-same-name.xml" \
	-c "$SRC" --hostdev-map "$A"
err_has "--hostdev-map '$A': expected SRC=DST"
expect_exit 64 "--hostdev-map mdev to PCI" "$MIGCHECK" migrate g1 "test://$T_TMP/dst-same-name.xml" \
	-c "$SRC" --hostdev-map "$A=0000:03:00.1"
err_has "an mdev maps to an mdev"
expect_exit 64 "--switchover-bandwidth 0" "$MIGCHECK" migrate g1 "test://$T_TMP/dst-same-name.xml" \
	-c "$SRC" --switchover-bandwidth 0
err_has "switchover-bandwidth '0': expected MiB/s > 0"
expect_exit 0 "migrate --help names --hostdev-map and exit 3" "$MIGCHECK" migrate --help
check "  --hostdev-map SRC=DST" grep -qF -- "--hostdev-map SRC=DST" "$T_OUT"
check "  exit 3" grep -qF "3 no destination device fits" "$T_OUT"
finish
