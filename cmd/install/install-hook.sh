#!/bin/sh
# Install (or remove) migcheck as libvirt's qemu hook without clobbering an
# existing one: an existing /etc/libvirt/hooks/qemu that is not ours is kept
# as qemu.migcheck-chained and run after migcheck (with the same arguments
# and the same stdin; its stdout passes through, so a hook that rewrites the
# domain XML keeps working). libvirtd reads hooks at start: restart it after.
#
#   install-hook.sh install   [HOOKDIR [MIGCHECK]]
#   install-hook.sh uninstall [HOOKDIR]
#
# HOOKDIR defaults to /etc/libvirt/hooks, MIGCHECK to the migcheck on PATH.
# $MIGCHECK_GLOBAL_OPTS (e.g. "--db PATH") and $MIGCHECK_HOOK_OPTS (e.g.
# "--config FILE") are written into the hook (words without quotes).
set -eu
MARK='# migcheck-hook: installed by migcheck'
action=${1:-}
dir=${2:-/etc/libvirt/hooks}
bin=${3:-$(command -v migcheck || echo /usr/local/bin/migcheck)}
hook=$dir/qemu
chained=$dir/qemu.migcheck-chained
case $action in
install)
	mkdir -p "$dir"
	if [ -e "$hook" ] && ! grep -qF "$MARK" "$hook"; then
		[ -e "$chained" ] && {
			echo "install-hook.sh: $chained exists already; not overwriting it" >&2
			exit 73
		}
		mv "$hook" "$chained"
		echo "kept the existing hook as $chained (chained after migcheck)"
	fi
	tmp=$hook.migcheck-new
	cat >"$tmp" <<HOOK
#!/bin/sh
$MARK (install-hook.sh).
# 'migcheck hook' judges incoming migrations (DOMAIN migrate begin -), then the
# hook this one replaced, if any, runs as before. Nothing here writes stdout.
# migcheck reads stdin itself (bounded by its --timeout and size limit) and
# writes the exact bytes it read into a private temporary file, which the
# chained hook gets as its stdin: NUL bytes and trailing newlines included.
MIGCHECK='$bin'
CHAINED="\${0%/*}/qemu.migcheck-chained"
if [ "\${2:-}" = migrate ] && [ "\${3:-}" = begin ]; then
	# libvirt runs hooks with a short PATH: mktemp and rm from the system
	PATH="\${PATH:+\$PATH:}/usr/bin:/bin"
	copy=\$(umask 077 && mktemp "\${TMPDIR:-/tmp}/migcheck-hook.XXXXXX") || exit 74
	trap 'rm -f "\$copy"' EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	"\$MIGCHECK" ${MIGCHECK_GLOBAL_OPTS:-} hook ${MIGCHECK_HOOK_OPTS:-} --stdin-copy "\$copy" -- "\$@" >/dev/null || exit \$?
	if [ -x "\$CHAINED" ]; then
		"\$CHAINED" "\$@" <"\$copy"
		exit \$?
	fi
	exit 0
fi
if [ -x "\$CHAINED" ]; then
	exec "\$CHAINED" "\$@"
fi
exit 0
HOOK
	chmod 0755 "$tmp"
	mv "$tmp" "$hook"
	echo "installed $hook (restart libvirtd to activate it)"
	;;
uninstall)
	if [ -e "$hook" ] && grep -qF "$MARK" "$hook"; then
		rm -f "$hook"
		if [ -e "$chained" ]; then
			mv "$chained" "$hook"
			echo "restored the previous hook $hook"
		fi
	fi
	;;
*)
	echo "usage: install-hook.sh install|uninstall [HOOKDIR [MIGCHECK]]" >&2
	exit 64
	;;
esac
