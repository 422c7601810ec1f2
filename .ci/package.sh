#!/usr/bin/env bash
# CI: build the Debian package from this checkout's committed files, check it
# with lintian (an error fails), install it on this machine with apt (which
# pulls its dependencies), and run README's Quick start against
# /usr/bin/migcheck: probe, show, plan of this host to itself. Then check that
# the installed unit, cron line and hook drop-in name the paths the installed
# binary uses (`migcheck --help`, Files). As root, on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
work=$(mktemp -d /tmp/migcheck-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "== package: dpkg-buildpackage -us -uc -b (in $work)"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$src" archive --prefix=migcheck/ HEAD | tar -x -C "$work"
else
	mkdir "$work/migcheck"
	tar -C "$src" --exclude=./.git -cf - . | tar -x -C "$work/migcheck"
fi
(cd "$work/migcheck" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || {
	tail -n 60 "$work/build.log"
	exit 1
}
debs=("$work"/migcheck_*.deb)
echo "== package: lintian ${debs[*]##*/}"
lintian --fail-on error "$work"/migcheck_*.changes
echo "== package: apt-get install ${debs[*]##*/}"
# An old source install's layout (hooks/qemu a migcheck wrapper, the hook it
# replaced kept as qemu.migcheck-chained): the postinst must undo it. Any
# hooks/qemu of this machine is put aside meanwhile and restored.
H=/etc/libvirt/hooks
mkdir -p "$H"
aside=
if [[ -e $H/qemu || -e $H/qemu.migcheck-chained ]]; then
	aside=$work/hooks-aside
	mkdir "$aside"
	mv "$H"/qemu "$H"/qemu.migcheck-chained "$aside"/ 2>/dev/null || true
fi
printf '#!/bin/sh\n# migcheck-hook: installed by migcheck\nexec migcheck hook "$@"\n' >"$H/qemu"
printf '#!/bin/sh\n# the operator'"'"'s own hook\nexit 0\n' >"$H/qemu.migcheck-chained"
chmod 0755 "$H/qemu" "$H/qemu.migcheck-chained"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall "${debs[@]}"
old_ok=0
grep -q "the operator's own hook" "$H/qemu" && [[ ! -e $H/qemu.migcheck-chained ]] && old_ok=1
rm -f "$H/qemu" "$H/qemu.migcheck-chained"
[[ -z $aside ]] || mv "$aside"/* "$H"/ 2>/dev/null || true
[[ $old_ok == 1 ]] || {
	echo "package: the postinst did not undo the old hooks/qemu wrapper" >&2
	exit 1
}
echo "package: the postinst restored the chained hook as $H/qemu"
bin=/usr/bin/migcheck
dpkg -L migcheck >"$work/files"
for f in /usr/bin/migcheck /usr/libexec/migcheck/migcheck-full /usr/share/man/man1/migcheck.1.gz /usr/share/migcheck/schemas/profile.rng \
	/usr/share/bash-completion/completions/migcheck /lib/systemd/system/migcheck-probe.service \
	/lib/systemd/system/migcheck-probe.timer /etc/libvirt/hooks/qemu.d/migcheck; do
	grep -qx "$f" "$work/files" || {
		echo "package: $f is not in the package" >&2
		exit 1
	}
done
echo "== package: README Quick start against $bin"
h=$(hostname)
"$bin" probe
"$bin" show "$h"
"$bin" plan "$h" "$h"
# the probe ran migcheck-full; an x86 plan leaves the parsed CPU map in
# /var/cache/migcheck, which the next plan reads
if [[ $(uname -m) == x86_64 ]]; then
	"$bin" --debug plan "$h" "$h" 2>&1 >/dev/null | grep -q "read from the cache /var/cache/migcheck/" || {
		echo "package: the second plan did not read the CPU map cache in /var/cache/migcheck" >&2
		exit 1
	}
fi
echo "== package: the installed files name the binary's paths"
conf=$("$bin" --help | sed -n 's/^  configuration  //p')
inv=$("$bin" --help | sed -n 's/^  inventory      \([^ ]*\).*/\1/p')
unit=/lib/systemd/system/migcheck-probe.service
fail=0
want() {
	if ! grep -qxF "$2" "$1"; then
		echo "package: $1 lacks the line '$2'" >&2
		fail=1
	fi
}
[[ $conf == /etc/migcheck/migcheck.conf && $inv == /var/lib/migcheck/inventory.db ]] || {
	echo "package: the binary uses $conf and $inv, not /etc/migcheck/migcheck.conf and /var/lib/migcheck/inventory.db" >&2
	fail=1
}
want "$unit" "ConditionPathExists=|$conf"
want "$unit" "ExecStart=$bin -v fleet push --probe"
want "$unit" "StateDirectory=migcheck"
want "$unit" "ConfigurationDirectory=migcheck"
want "$unit" "LoadCredential=s3:/etc/migcheck/credentials/s3"
grep -q "exec '$bin' .*hook" /etc/libvirt/hooks/qemu.d/migcheck || {
	echo "package: the hook drop-in does not run $bin" >&2
	fail=1
}
echo "== package: the configuration file at its default path, and the old ones"
if [[ -e /etc/migcheck.conf || -e /etc/migcheck/migcheck.conf || -e /etc/migcheck/hook.conf ]]; then
	echo "package: configuration files exist on this machine; not touching them" >&2
	exit 1
fi
made_dir=
[[ -d /etc/migcheck ]] || made_dir=1
cleanup_conf() {
	rm -f /etc/migcheck.conf /etc/migcheck/migcheck.conf /etc/migcheck/hook.conf
	[[ -z $made_dir ]] || rmdir /etc/migcheck 2>/dev/null || true
}
trap 'cleanup_conf; rm -rf "$work"' EXIT
printf 'url = http://127.0.0.1:9/store\n' >/etc/migcheck.conf
"$bin" fleet pull --retries 0 --connect-timeout 1 >/dev/null 2>"$work/err" && fail=1
grep -q "^migcheck: /etc/migcheck.conf ('key = value' lines) is deprecated" "$work/err" || {
	echo "package: no deprecation notice for /etc/migcheck.conf: $(cat "$work/err")" >&2
	fail=1
}
mkdir -p /etc/migcheck
printf '[fleet]\nurl=http://127.0.0.1:9/new-store\n' >/etc/migcheck/migcheck.conf
"$bin" fleet pull --retries 0 --connect-timeout 1 >/dev/null 2>"$work/err" && fail=1
if grep -q deprecated "$work/err" || ! grep -q new-store "$work/err"; then
	echo "package: /etc/migcheck/migcheck.conf not read (or a notice): $(cat "$work/err")" >&2
	fail=1
fi
rm -f /etc/migcheck/migcheck.conf
printf '[hook]\ntimeout=never\n' >/etc/migcheck/hook.conf
"$bin" hook g migrate begin - </dev/null >/dev/null 2>"$work/err" && fail=1
if ! grep -q "^migcheck: /etc/migcheck/hook.conf is deprecated" "$work/err" ||
	! grep -q "timeout 'never'" "$work/err"; then
	echo "package: /etc/migcheck/hook.conf not read with a notice: $(cat "$work/err")" >&2
	fail=1
fi
cleanup_conf
exit $fail
