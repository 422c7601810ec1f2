#!/usr/bin/env bash
# Installation paths: configure's sysconfdir and localstatedir reach the
# binary, and the files make install writes (systemd unit, cron line) and the
# hook installer name the paths the binary uses, for any --prefix.
#  1. this build: `migcheck --help` (Files) against its unit and cron line;
#  2. configure (no compiling) with the default prefix, --prefix=/usr, and the
#     Debian package's --prefix=/usr --sysconfdir=/etc --localstatedir=/var:
#     config.h's MC_SYSCONFDIR/MC_LOCALSTATEDIR (what the binary is built
#     with) against the unit and cron line make install puts under DESTDIR;
#  3. the bash completion offers verbs, options and fixed values from --help.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
B=$(dirname "$MIGCHECK")

# unit_agrees UNIT CRON CONF INVENTORY_DIR BINDIR: the unit and cron line use
# CONF, INVENTORY_DIR and BINDIR/migcheck; StateDirectory=/
# ConfigurationDirectory= exactly when those are /var/lib/migcheck and /etc.
unit_agrees() {
	local unit=$1 cron=$2 conf=$3 inv=$4 bindir=$5 what=$6 etc=${3%/migcheck/migcheck.conf}
	check "$what: the unit runs when $conf exists" grep -qxF "ConditionPathExists=|$conf" "$unit"
	check "$what: the unit runs $bindir/migcheck" grep -qxF "ExecStart=$bindir/migcheck -v fleet push --probe" "$unit"
	check "$what: the unit's S3 credential is under $etc/migcheck" \
		grep -qxF "LoadCredential=s3:$etc/migcheck/credentials/s3" "$unit"
	if [[ $inv == /var/lib/migcheck ]]; then
		check "$what: StateDirectory=migcheck" grep -qx "StateDirectory=migcheck" "$unit"
		check "$what: no ReadWritePaths=" bash -c "! grep -q '^ReadWritePaths=' '$unit'"
	else
		check "$what: no StateDirectory= outside /var" bash -c "! grep -q '^StateDirectory=' '$unit'"
		check "$what: ReadWritePaths=$inv" grep -qxF "ReadWritePaths=$inv" "$unit"
	fi
	if [[ $etc == /etc ]]; then
		check "$what: ConfigurationDirectory=migcheck" grep -qx "ConfigurationDirectory=migcheck" "$unit"
	else
		check "$what: no ConfigurationDirectory= outside /etc" bash -c "! grep -q '^ConfigurationDirectory=' '$unit'"
	fi
	check "$what: the cron line runs $bindir/migcheck" grep -q " root .*$bindir/migcheck -v fleet push --probe" "$cron"
	check "$what: the cron line's credentials are the unit's" \
		grep -qxF "CREDENTIALS_DIRECTORY=$etc/migcheck/credentials" "$cron"
}

# ---- 1. this build ----
expect_exit 0 "migcheck --help" "$MIGCHECK" --help
conf=$(sed -n 's/^  configuration  //p' "$T_OUT")
inv=$(sed -n 's|^  inventory      \(.*\)/inventory.db (as root)$|\1|p' "$T_OUT")
check "--help names the configuration file" test -n "$conf"
check "--help names the inventory" test -n "$inv"
bindir=$(sed -n 's|^ExecStart=\(.*\)/migcheck -v fleet push --probe$|\1|p' "$B/cmd/install/migcheck-probe.service")
unit_agrees "$B/cmd/install/migcheck-probe.service" "$B/cmd/install/migcheck.cron" "$conf" "$inv" "$bindir" "this build"
check "the hook's --help names the same configuration file" \
	bash -c "'$MIGCHECK' hook --help | tr '\n' ' ' | grep -qF 'else $conf'"
check "fleet's --help names the same configuration file" \
	bash -c "'$MIGCHECK' fleet --help | tr '\n' ' ' | grep -qF 'else $conf'"

# ---- 2. configure with other prefixes ----
S=$T_TMP/src
mkdir -p "$S"
(cd "$MC_SRCDIR" && cp -p --parents configure configure.ac aclocal.m4 Makefile.am Makefile.in \
	config.h.in cmd/migcheck.c ./*/build.am ./*/*/build.am "$S"/ && cp -pr build-aux "$S"/ && cp -pr cmd/install "$S"/cmd/) ||
	not_ok "copy the configure inputs"
[[ -d $MC_SRCDIR/m4 ]] && cp -pr "$MC_SRCDIR/m4" "$S/"
while read -r what args; do
	d=$T_TMP/b-${what}
	mkdir -p "$d"
	# shellcheck disable=SC2086
	if ! (cd "$d" && "$S/configure" -q $args >configure.out 2>&1); then
		not_ok "$what: configure $args: $(tail -c 300 "$d/configure.out")"
		continue
	fi
	sysconf=$(sed -n 's/^#define MC_SYSCONFDIR "\(.*\)"$/\1/p' "$d/config.h")
	lstate=$(sed -n 's/^#define MC_LOCALSTATEDIR "\(.*\)"$/\1/p' "$d/config.h")
	case $what in
	default) want=/usr/local/etc:/usr/local/var ;;
	usr) want=/usr/etc:/usr/var ;;
	debian) want=/etc:/var ;;
	esac
	check "$what: config.h has the expanded paths ($want)" test "$sysconf:$lstate" = "$want"
	make -C "$d" -s install-fleetunitDATA install-fleetexampleDATA install-state-dir DESTDIR="$d/root" \
		>"$d/install.out" 2>&1 || not_ok "$what: make install: $(tail -c 300 "$d/install.out")"
	prefix=/usr/local
	[[ $what != default ]] && prefix=/usr
	unit_agrees "$d/root$prefix/lib/systemd/system/migcheck-probe.service" \
		"$d/root$prefix/share/migcheck/migcheck.cron" "$sysconf/migcheck/migcheck.conf" \
		"$lstate/lib/migcheck" "$prefix/bin" "$what"
	if [[ $lstate == /var ]]; then
		check "$what: make install creates no $lstate/lib/migcheck (StateDirectory=)" test ! -e "$d/root/var"
	else
		check "$what: make install creates $lstate/lib/migcheck" test -d "$d/root$lstate/lib/migcheck"
	fi
done <<'CASES'
default
usr --prefix=/usr
debian --prefix=/usr --sysconfdir=/etc --localstatedir=/var
CASES

# ---- 3. bash completion ----
complete_words() {
	bash -c '
		complete() { :; }
		source "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_migcheck
		printf "%s\n" "${COMPREPLY[@]}"' _ "$MC_SRCDIR/cmd/install/bash-completion/migcheck" "$@"
}
export -f complete_words
check "completion: verbs" bash -c "[[ \$(complete_words '$MIGCHECK' fl | tr '\n' ' ') == 'fleet ' ]]"
check "completion: verbs" bash -c "[[ \$(complete_words '$MIGCHECK' p | sort | tr '\n' ' ') == 'plan probe ' ]]"
check "completion: fleet's --c options" \
	bash -c "[[ \$(complete_words '$MIGCHECK' fleet push --c | sort | tr '\n' ' ') == '--cacert --config --connect-timeout --credentials ' ]]"
check "completion: plan --format values" \
	bash -c "[[ \$(complete_words '$MIGCHECK' plan a b --format '' | tr '\n' ' ') == 'text xml junit json ' ]]"
check "completion: gate --format values" \
	bash -c "[[ \$(complete_words '$MIGCHECK' gate --candidate a --format '' | tr '\n' ' ') == 'text junit json ' ]]"
for v in hosts show diff targets baseline; do
	check "completion: $v --format values" \
		bash -c "[[ \$(complete_words '$MIGCHECK' $v --format '' | tr '\n' ' ') == 'text json ' ]]"
done
check "completion: fleet subcommands" \
	bash -c "[[ \$(complete_words '$MIGCHECK' fleet '' | tr '\n' ' ') == 'push pull ' ]]"
check "completion: baseline --arch values" \
	bash -c "[[ \$(complete_words '$MIGCHECK' baseline --fleet --arch '' | tr '\n' ' ') == 'aarch64 x86_64 ' ]]"
check "completion: targets options" \
	bash -c "[[ \$(complete_words '$MIGCHECK' targets a --h | sort | tr '\n' ' ') == '--help --hosts-only ' ]]"
check "completion: --pins-from completes files" \
	bash -c "complete_words '$MIGCHECK' plan a b --pins-from '$MC_TESTDATA/baseline/x86-p' | grep -q x86-pair.expect"
"$MIGCHECK" import "$MC_TESTDATA/cli/old.facts" --host comp-host-1 >/dev/null
check "completion: host names from the inventory" \
	bash -c "complete_words '$MIGCHECK' show comp- | grep -qx comp-host-1"
for v in targets baseline; do
	check "completion: $v completes host names" \
		bash -c "complete_words '$MIGCHECK' $v comp- | grep -qx comp-host-1"
done
finish
