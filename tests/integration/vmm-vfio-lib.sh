# shellcheck shell=bash
# A guest holding an mcmig mdev (tests/mdev) under libvirt 11 / QEMU 10,
# inside an emulated host (tests/hosts/vmm-run.sh). Sourced after lib.sh and
# libvirt-lib.sh by vmm-vfio-inner.sh (the end-to-end test) and
# tests/bench/vfio-migrate-inner.sh (the downtime benchmark).
#
#   mc_load KO ARGS...       insmod mcmig.ko (ARGS: its module parameters)
#   mc_unload                remove every instance, rmmod mcmig
#   mc_create TYPE UUID      an instance of type mcmig-TYPE (e.g. v1)
#   mc_attr UUID NAME        an instance attribute (seed, checksum, ...)
#   mc_holders UUID          pids holding the instance's VFIO group open
#   mc_guest_xml NAME [UUID] the test guest, holding instance UUID if given
#   mc_dest_xml NAME UUID    the same guest, for the destination, with UUID
#   mc_jobinfo H DOM         QEMU's figures of the migration that ended on H
#                            (the destination: the source forgets the domain)
#                            (virsh domjobinfo --completed), key=value; ...
#   mc_migrate H DOM DST XML [ARGS...]  virsh migrate --live from host H to
#                            host DST with destination XML (and the
#                            switchover bandwidth, below); while it runs,
#                            its progress every 5 s goes to
#                            $VMM_XFER/progress (if set)
#
# The hostdev: <hostdev mode='subsystem' type='mdev' model='vfio-pci'> with
# the alias ua-mcmig, and QEMU's enable-migration=on for it through
# <qemu:override> (libvirt's docs/drvqemu: "Overriding properties of QEMU
# devices"). QEMU 10 otherwise adds a migration blocker for a device without
# device or IOMMU dirty tracking (hw/vfio/migration.c, enable-migration=auto);
# with =on it only warns ("VFIO device doesn't support device and IOMMU
# dirty tracking") and migrates. libvirt 11 asks QEMU for its blockers (query-migrate
# blocked-reasons) instead of refusing every mdev hostdev itself
# (qemuMigrationSrcIsAllowed).
#
# The switchover bandwidth: QEMU switches over when what must still be sent
# (RAM left plus the device's MIG_DATA_SIZE, STOP_COPY's size) fits into
# the downtime limit (300 ms) at the bandwidth it measured over the last
# pass. An idle guest dirties a few pages a second, so that estimate is the
# trickle of those pages and a device state of MiBs never fits: the
# migration iterates forever (seen here: thousands of passes, RAM left 0).
# mc_migrate passes --available-switchover-bandwidth MC_SWITCHOVER_MIBS
# (default 1024 MiB/s; QEMU's avail-switchover-bandwidth, libvirt's
# bandwidth.avail.switchover), the rate QEMU assumes for the switchover.

MC_TYPES=/sys/class/mcmig/mcmig/mdev_supported_types
MC_DEVS=/sys/bus/mdev/devices

mc_load() {
	local ko=$1
	shift
	insmod "$ko" "$@"
}

mc_unload() {
	local d
	for d in "$MC_DEVS"/*; do
		[[ -e $d/mcmig ]] && echo 1 >"$d/remove"
	done
	rmmod mcmig
}

mc_create() {
	echo "$2" >"$MC_TYPES/mcmig-$1/create"
}

mc_attr() {
	cat "$MC_DEVS/$1/mcmig/$2" 2>/dev/null || echo none
}

# mc_holders UUID: the pids with the instance's /dev/vfio/GROUP open
# (space separated; empty: nobody). A process in another mount namespace
# (libvirtd's, and its QEMU's) shows its fds with the path from that
# namespace's root: the emulated host's chroot directory comes first
# (/newroot/dev/vfio/N), hence the suffix match.
mc_holders() {
	local g f out=""
	g=$(basename "$(readlink "$MC_DEVS/$1/iommu_group")")
	for f in /proc/[0-9]*/fd/*; do
		[[ $(readlink "$f" 2>/dev/null) == */dev/vfio/"$g" ]] || continue
		f=${f#/proc/}
		out+=" ${f%%/*}"
	done
	echo "${out# }"
}

# mc_guest_xml NAME [UUID]: lv_guest_xml's guest, with the mdev UUID as a
# migratable vfio-pci hostdev when given
mc_guest_xml() {
	local name=$1 uuid=${2:-}
	cat <<-EOF
		<domain type='${LV_GUEST_TYPE:-qemu}' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
		  <name>$name</name>
		  <memory unit='MiB'>${LV_GUEST_MIB:-128}</memory>
		  <vcpu>1</vcpu>
		  <os><type arch='x86_64' machine='${LV_MACHINE:-pc-q35-7.2}'>hvm</type></os>
		  <cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>
		  <devices>
		    <emulator>/usr/bin/qemu-system-x86_64</emulator>
		    <graphics type='vnc' port='-1' listen='127.0.0.1'/>
		    <memballoon model='none'/>
	EOF
	if [[ -n $uuid ]]; then
		cat <<-EOF
			    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>
			      <source><address uuid='$uuid'/></source>
			      <alias name='ua-mcmig'/>
			    </hostdev>
		EOF
	fi
	echo "  </devices>"
	if [[ -n $uuid ]]; then
		cat <<-EOF
			  <qemu:override>
			    <qemu:device alias='ua-mcmig'>
			      <qemu:frontend>
			        <qemu:property name='enable-migration' type='string' value='on'/>
			      </qemu:frontend>
			    </qemu:device>
			  </qemu:override>
		EOF
	fi
	echo "</domain>"
}

# mc_dest_xml H DOM UUID: the running guest's XML on H (migratable form)
# with its mdev replaced by UUID
mc_dest_xml() {
	lv_virsh "$1" dumpxml --migratable "$2" |
		sed "s|<address uuid='[0-9a-f-]*'/>|<address uuid='$3'/>|"
}

mc_jobinfo() {
	lv_virsh "$1" domjobinfo "$2" --completed 2>&1 |
		awk -F': *' '/^(Time elapsed|Total downtime|Memory processed|Setup time|Data total)/ {printf "%s=%s; ", $1, $2}'
	echo
}

MC_SWITCHOVER_MIBS=${MC_SWITCHOVER_MIBS:-1024}
mc_migrate() {
	local h=$1 dom=$2 dst=$3 xml=$4 pid rc w
	shift 4
	lv_virsh "$h" migrate --live "$dom" "$(lv_uri "$dst")" --xml "$xml" \
		--available-switchover-bandwidth "$MC_SWITCHOVER_MIBS" "$@" &
	pid=$!
	if [[ -n ${VMM_XFER:-} ]]; then
		(
			sleep 2
			while kill -0 "$pid" 2>/dev/null; do
				echo "  migrating $h->$dst: $(lv_virsh "$h" domjobinfo "$dom" 2>&1 |
					awk -F': *' '/^(Time elapsed|Data processed|Data remaining|Memory remaining|Dirty rate|Iteration|Expected downtime)/ {printf "%s=%s; ", $1, $2}')" >>"$VMM_XFER/progress"
				sleep 5
			done
		) &
		w=$!
	fi
	wait "$pid"
	rc=$?
	[[ -z ${w:-} ]] || wait "$w"
	return "$rc"
}
