# shellcheck shell=bash
# Two (or more) independent libvirt daemons on this machine, each in its own
# network + mount + UTS namespace (see the libvirt integration test and the
# libvirt benchmark). Sourced after lib.sh (or on its own by the benchmark).
#
#   lv_begin TAG            skip unless daemons can run here; lv_setup TAG,
#                           lv_cleanup at exit
#   lv_setup TAG            state dir, namespaces' name prefix and subnet
#   lv_host NAME INDEX      namespace NAME with address $LV_NET.INDEX, its own
#                           /etc/libvirt, /run, /var/lib|cache|log/libvirt,
#                           host name, host_uuid; libvirtd listening on TCP
#   lv_start NAME           start its libvirtd (hooks must be in place first)
#   lv_wait NAME            wait until it answers (up to 120 s)
#   lv_in NAME CMD...       run a command in its network namespace
#   lv_virsh NAME ARGS...   virsh against its daemon
#   lv_import NAME BASE     import NAME: facts file BASE + its libvirt facts
#   lv_cleanup              kill QEMU and libvirtd (only processes inside our
#                           namespaces), delete the namespaces and state
#
# Set before lv_import/lv_guest_xml (defaults: this machine's Debian 12 QEMU
# under TCG): LV_QEMU_MAJOR (7), LV_GUEST_TYPE (qemu), LV_MACHINE (pc-q35-7.2),
# LV_GUEST_MIB (128).
# Before lv_setup/lv_host: LV_BINDIR (the daemons' PATH directory with the one
# qemu-system-x86_64; default in the state directory: libvirt keys its QEMU
# capability cache by that path, so a fixed one lets the cache be reused),
# LV_QEMU_CONF (more qemu.conf lines).
#
# Facts behind the recipe: /work/shared/reference/libvirt-two-hosts.md.

LV_HOSTS=()
declare -A LV_ADDR LV_PID LV_NS LV_DIR LV_HOSTNAME

# lv_unavailable: prints why two namespaced daemons cannot run here (or nothing).
lv_unavailable() {
	[[ $(id -u) == 0 ]] || {
		echo "needs root (network and mount namespaces)"
		return
	}
	command -v libvirtd >/dev/null || command -v /usr/sbin/libvirtd >/dev/null || {
		echo "libvirtd not installed"
		return
	}
	command -v virsh >/dev/null || {
		echo "virsh not installed"
		return
	}
	[[ -x /usr/bin/qemu-system-x86_64 ]] || {
		echo "qemu-system-x86_64 not installed"
		return
	}
	local probe=mcprobe$$
	if ! ip netns add "$probe" 2>/dev/null; then
		echo "cannot create network namespaces (ip netns add failed)"
		return
	fi
	if ! ip netns exec "$probe" unshare -m -u --propagation private true 2>/dev/null; then
		ip netns del "$probe" 2>/dev/null
		echo "cannot create mount/UTS namespaces (unshare failed)"
		return
	fi
	ip netns del "$probe" 2>/dev/null
}

# lv_begin TAG: skip the test when two namespaced daemons cannot run here;
# else lv_setup TAG, with everything cleaned up when the test exits.
lv_begin() {
	local why
	why=$(lv_unavailable)
	[[ -z $why ]] || skip "$why"
	lv_setup "$1"
	trap 'lv_cleanup; rm -rf "$T_TMP"' EXIT
}

# lv_import H BASE: import host H into the inventory, under the host name its
# libvirtd reports, as the facts of the file BASE plus H's live libvirt facts
# (BASE's value wins where both have a fact).
lv_import() {
	local h=$1 base=$2
	lv_in "$h" "$MIGCHECK" probe --only libvirt --print --libvirt-uri "$(lv_uri "$h")" >"$T_TMP/$h.lv"
	check "libvirt probe of $h reads QEMU facts" grep -q "^qemu	version	${LV_QEMU_MAJOR:-7}\\." "$T_TMP/$h.lv"
	grep -hv '^#' "$base" "$T_TMP/$h.lv" | awk -F'\t' '!s[$1 FS $2]++' >"$T_TMP/$h.facts"
	expect_exit 0 "import $h" "$MIGCHECK" import "$T_TMP/$h.facts" --host "${LV_HOSTNAME[$h]}"
}

lv_setup() {
	local tag=$1
	LV_TAG=$tag
	# A subnet per run: 10.(200 + pid % 50).(pid / 50 % 250).0/24.
	LV_NET=10.$((200 + $$ % 50)).$(($$ / 50 % 250))
	LV_STATE=$(mktemp -d "${TMPDIR:-/tmp}/migcheck-lv-$tag.XXXXXX")
	LV_CACHE=${MIGCHECK_LIBVIRT_CACHE:-/var/cache/migcheck/libvirt-qemu-caps}
	LV_BINDIR=${LV_BINDIR:-$LV_STATE/bin}
	mkdir -p "$LV_BINDIR" "$LV_CACHE" 2>/dev/null || LV_CACHE=$LV_STATE/cache
	mkdir -p "$LV_CACHE"
	# libvirtd probes every qemu-system-* on its PATH: give it only one.
	ln -sfn /usr/bin/qemu-system-x86_64 "$LV_BINDIR/qemu-system-x86_64"
	for t in sh cat mkdir rm ip dmidecode mount hostname; do
		local p
		p=$(command -v "$t") && ln -sfn "$p" "$LV_BINDIR/$t"
	done
}

lv_uuid() {
	# a random UUID (libvirt refuses repeated-digit ones)
	cat /proc/sys/kernel/random/uuid
}

lv_host() {
	local name=$1 idx=$2 ns d
	ns=mc-$LV_TAG-$name-$$
	d=$LV_STATE/$name
	LV_NS[$name]=$ns
	LV_DIR[$name]=$d
	LV_ADDR[$name]=$LV_NET.$idx
	LV_HOSTNAME[$name]=mc$name-$$
	LV_HOSTS+=("$name")
	mkdir -p "$d"/{run,lib,cache,log,hooks} "$d/lib/qemu" "$d/cache/qemu/capabilities" || return 1
	cp -a /etc/libvirt "$d/etc" || return 1
	rm -rf "$d/etc/hooks"
	mkdir -p "$d/etc/hooks"
	cp -a "$LV_CACHE/." "$d/cache/qemu/capabilities/" 2>/dev/null
	cat >"$d/etc/libvirtd.conf" <<-EOF
		listen_tcp = 1
		listen_tls = 0
		listen_addr = "${LV_ADDR[$name]}"
		auth_tcp = "none"
		auth_unix_ro = "none"
		auth_unix_rw = "none"
		unix_sock_group = "root"
		host_uuid = "$(lv_uuid)"
		log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
	EOF
	cat >"$d/etc/qemu.conf" <<-EOF
		user = "root"
		group = "root"
		dynamic_ownership = 0
		remember_owner = 0
		security_driver = "none"
		cgroup_controllers = [ ]
		stdio_handler = "file"
		migration_address = "${LV_ADDR[$name]}"
		migrate_host = "${LV_ADDR[$name]}"
		${LV_QEMU_CONF:-}
	EOF
	printf '127.0.0.1 localhost\n' >"$d/hosts"
	: >"$d/resolv.conf"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
}

# lv_link A B: a veth pair between two hosts' namespaces (host addresses
# as /32 with a route to the peer, so a host can link to several others);
# fills both hosts' /etc/hosts.
lv_link() {
	local a=$1 b=$2 va vb
	va=mv$$$a$b
	vb=mv$$$b$a
	ip link add "$va" type veth peer name "$vb" || return 1
	ip link set "$va" netns "${LV_NS[$a]}" && ip link set "$vb" netns "${LV_NS[$b]}" || return 1
	ip -n "${LV_NS[$a]}" addr add "${LV_ADDR[$a]}/32" dev "$va" &&
		ip -n "${LV_NS[$b]}" addr add "${LV_ADDR[$b]}/32" dev "$vb" &&
		ip -n "${LV_NS[$a]}" link set "$va" up &&
		ip -n "${LV_NS[$b]}" link set "$vb" up &&
		ip -n "${LV_NS[$a]}" route add "${LV_ADDR[$b]}/32" dev "$va" &&
		ip -n "${LV_NS[$b]}" route add "${LV_ADDR[$a]}/32" dev "$vb" || return 1
	printf '%s %s\n' "${LV_ADDR[$b]}" "${LV_HOSTNAME[$b]}" >>"${LV_DIR[$a]}/hosts"
	printf '%s %s\n' "${LV_ADDR[$a]}" "${LV_HOSTNAME[$a]}" >>"${LV_DIR[$b]}/hosts"
	printf '%s %s\n' "${LV_ADDR[$a]}" "${LV_HOSTNAME[$a]}" >>"${LV_DIR[$a]}/hosts"
	printf '%s %s\n' "${LV_ADDR[$b]}" "${LV_HOSTNAME[$b]}" >>"${LV_DIR[$b]}/hosts"
}

lv_start() {
	local name=$1 d
	d=${LV_DIR[$name]}
	# shellcheck disable=SC2016
	ip netns exec "${LV_NS[$name]}" unshare -m -u --propagation private \
		env -i PATH="$LV_BINDIR:/usr/sbin" HOME=/root LC_ALL=C \
		/bin/sh -c '
		set -e
		d=$1
		mount --bind "$d/etc" /etc/libvirt
		mount --bind "$d/run" /run
		mkdir -p /run/libvirt
		mount --bind "$d/lib" /var/lib/libvirt
		mount --bind "$d/cache" /var/cache/libvirt
		mount --bind "$d/log" /var/log/libvirt
		mount --bind "$d/hosts" /etc/hosts
		mount --bind "$d/resolv.conf" /etc/resolv.conf
		hostname "$2"
		exec /usr/sbin/libvirtd --listen --pid-file /run/libvirt/libvirtd.pid \
			-f /etc/libvirt/libvirtd.conf' sh "$d" "${LV_HOSTNAME[$name]}" \
		>"$d/daemon.out" 2>&1 &
	LV_PID[$name]=$!
}

lv_uri() {
	printf 'qemu+tcp://%s/system' "${LV_ADDR[$1]}"
}

lv_in() {
	local name=$1
	shift
	ip netns exec "${LV_NS[$name]}" "$@"
}

lv_virsh() {
	local name=$1
	shift
	ip netns exec "${LV_NS[$name]}" virsh -q -c "$(lv_uri "$name")" "$@"
}

lv_wait() {
	local name=$1 i
	for ((i = 0; i < 240; i++)); do
		if ! kill -0 "${LV_PID[$name]}" 2>/dev/null; then
			echo "libvirtd of $name exited: $(tail -c 300 "${LV_DIR[$name]}/daemon.out")" >&2
			return 1
		fi
		if lv_virsh "$name" uri >/dev/null 2>&1 &&
			lv_virsh "$name" domcapabilities --virttype qemu >/dev/null 2>&1; then
			# keep the QEMU capabilities for the next run
			cp -a "${LV_DIR[$name]}/cache/qemu/capabilities/." "$LV_CACHE/" 2>/dev/null
			return 0
		fi
		sleep 0.5
	done
	echo "libvirtd of $name did not answer within 120 s" >&2
	return 1
}

# Kill a PID only if it lives in network namespace $2.
lv_kill_in_ns() {
	local pid=$1 ns=$2
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	[[ $(ip netns identify "$pid" 2>/dev/null) == "$ns" ]] || return 0
	kill "$pid" 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	kill -9 "$pid" 2>/dev/null
}

lv_cleanup() {
	local name
	for name in "${LV_HOSTS[@]}"; do
		local d=${LV_DIR[$name]} ns=${LV_NS[$name]} f
		for f in "$d"/run/libvirt/qemu/*.pid; do
			[[ -f $f ]] && lv_kill_in_ns "$(cat "$f")" "$ns"
		done
		lv_kill_in_ns "${LV_PID[$name]:-}" "$ns"
	done
	for name in "${LV_HOSTS[@]}"; do
		ip netns del "${LV_NS[$name]}" 2>/dev/null
	done
	[[ -n ${LV_STATE:-} ]] && rm -rf "$LV_STATE"
	LV_HOSTS=()
}

# lv_guest_xml NAME: the test guest (diskless, firmware only, 128 MiB, TCG,
# qemu64 on pc-q35-7.2; LV_GUEST_TYPE, LV_MACHINE, LV_GUEST_MIB) as domain XML
# on stdout.
lv_guest_xml() {
	cat <<-EOF
		<domain type='${LV_GUEST_TYPE:-qemu}'>
		  <name>$1</name>
		  <memory unit='MiB'>${LV_GUEST_MIB:-128}</memory>
		  <vcpu>1</vcpu>
		  <os><type arch='x86_64' machine='${LV_MACHINE:-pc-q35-7.2}'>hvm</type></os>
		  <cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>
		  <devices>
		    <emulator>/usr/bin/qemu-system-x86_64</emulator>
		    <graphics type='vnc' port='-1' listen='127.0.0.1'/>
		    <memballoon model='none'/>
		  </devices>
		</domain>
	EOF
}
