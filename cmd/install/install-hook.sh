#!/bin/sh
# Install (or remove) migcheck as a libvirt qemu hook drop-in:
# HOOKDIR/qemu.d/migcheck. libvirt (6.5 and later) runs HOOKDIR/qemu, if any,
# then every executable in HOOKDIR/qemu.d/ in alphabetical order, each with
# the same arguments and the domain XML on stdin; a drop-in that prints
# nothing leaves the XML as it was. No other hook is replaced or renamed.
#
#   install-hook.sh install   [HOOKDIR [MIGCHECK]]
#   install-hook.sh uninstall [HOOKDIR]
#   install-hook.sh undo-old  [HOOKDIR]   (only undo the old layout below;
#                                         the package's postinst runs it)
#
# HOOKDIR defaults to /etc/libvirt/hooks, MIGCHECK to the migcheck on PATH.
# $MIGCHECK_GLOBAL_OPTS (e.g. "--db PATH") and $MIGCHECK_HOOK_OPTS (e.g.
# "--config FILE") are written into the drop-in (words without quotes).
#
# Earlier versions replaced HOOKDIR/qemu with a wrapper and kept the hook it
# replaced as qemu.migcheck-chained: install and uninstall both undo that
# (the wrapper is removed, the chained hook is HOOKDIR/qemu again).
#
# libvirt reads hooks when its daemon starts: restart virtqemud (modular
# daemons) or libvirtd (the monolithic daemon), whichever runs on this host.
set -eu
MARK='# migcheck-hook: installed by migcheck'
action=${1:-}
dir=${2:-/etc/libvirt/hooks}
bin=${3:-$(command -v migcheck || echo /usr/local/bin/migcheck)}
dropin=$dir/qemu.d/migcheck

# The old layout: a migcheck wrapper as HOOKDIR/qemu, the replaced hook as
# qemu.migcheck-chained.
migrate_old() {
	old=$dir/qemu
	chained=$dir/qemu.migcheck-chained
	if [ -f "$old" ] && grep -qF "$MARK" "$old"; then
		rm -f "$old"
		if [ -e "$chained" ]; then
			mv "$chained" "$old"
			echo "restored the hook migcheck had chained as $old"
		else
			echo "removed the old migcheck wrapper $old"
		fi
	fi
}

# Which daemon reads the hooks here (systemd hosts), for the message.
daemon() {
	if command -v systemctl >/dev/null 2>&1; then
		if systemctl -q is-active virtqemud.service virtqemud.socket 2>/dev/null; then
			echo virtqemud
			return
		fi
		if systemctl -q is-active libvirtd.service libvirtd.socket 2>/dev/null; then
			echo libvirtd
			return
		fi
	fi
	echo "virtqemud (modular daemons) or libvirtd (monolithic), whichever runs here,"
}

case $action in
install)
	mkdir -p "$dir/qemu.d"
	if [ -e "$dropin" ] && ! grep -qF "$MARK" "$dropin"; then
		echo "install-hook.sh: $dropin exists and is not migcheck's; not overwriting it" >&2
		exit 73
	fi
	migrate_old
	tmp=$dir/qemu.d/.migcheck.new
	cat >"$tmp" <<HOOK
#!/bin/sh
$MARK (install-hook.sh).
# libvirt runs this drop-in after hooks/qemu, with the same arguments and the
# domain XML on stdin. 'migcheck hook' judges incoming migrations (DOMAIN
# migrate begin -) and refuses an unsafe one (exit 2, one line on stderr,
# which libvirt shows); every other call returns at once, without starting
# migcheck. Nothing is written to stdout (libvirt would take it as a new
# domain XML); empty output passes the XML on unchanged.
case "\${2:-} \${3:-}" in
"migrate begin") ;;
*) exit 0 ;;
esac
exec '$bin'${MIGCHECK_GLOBAL_OPTS:+ $MIGCHECK_GLOBAL_OPTS} hook${MIGCHECK_HOOK_OPTS:+ $MIGCHECK_HOOK_OPTS} -- "\$@" >/dev/null
HOOK
	chmod 0755 "$tmp"
	mv "$tmp" "$dropin"
	echo "installed $dropin: restart $(daemon) to activate it (libvirt reads hooks when its daemon starts)"
	;;
uninstall)
	if [ -f "$dropin" ] && grep -qF "$MARK" "$dropin"; then
		rm -f "$dropin"
		rmdir "$dir/qemu.d" 2>/dev/null || true
		echo "removed $dropin: restart $(daemon) to deactivate it"
	fi
	migrate_old
	;;
undo-old)
	migrate_old
	;;
*)
	echo "usage: install-hook.sh install|uninstall|undo-old [HOOKDIR [MIGCHECK]]" >&2
	exit 64
	;;
esac
