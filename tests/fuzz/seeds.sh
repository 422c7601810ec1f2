#!/usr/bin/env bash
# Assemble the seed corpus of one fuzz target from tests/data into OUTDIR.
#   seeds.sh SRCDIR TARGET OUTDIR
# Targets: facts profile_xml domxml vfio_stream render (tests/fuzz/fuzz_*.c).
set -euo pipefail
src=$1/tests/data
target=$2
out=$3
mkdir -p "$out"
shopt -s nullglob
copy() {
	local f
	for f in "$@"; do
		cp -- "$f" "$out/$(basename "$(dirname "$f")")-$(basename "$f")"
	done
}
case $target in
facts)
	copy "$src"/facts/*.in "$src"/plan*/*.src "$src"/plan*/*.dst "$src"/matrix/*.new \
		"$src"/matrix/*.old "$src"/libvirt/*.facts "$src"/fleet/profiles/*.facts
	;;
profile_xml)
	copy "$src"/profile-xml/*.xml "$src"/fleet/profiles/*.xml
	;;
domxml)
	copy "$src"/domxml/*.xml
	;;
vfio_stream)
	copy "$src"/vfio-stream/*.bin
	;;
render)
	# source facts, "%%", destination facts [, "%%", pins]
	for s in "$src"/plan*/*.src "$src"/matrix/*.new; do
		case $s in
		*.src) d=${s%.src}.dst p=${s%.src}.pins ;;
		*) d=${s%.new}.old p=${s%.new}.pins ;;
		esac
		[[ -f $d ]] || continue
		{
			cat "$s"
			printf '%%%%\n'
			cat "$d"
			if [[ -f $p ]]; then
				printf '%%%%\n'
				grep -v '^#' "$p" || true
			fi
		} >"$out/$(basename "$(dirname "$s")")-$(basename "${s%.*}")"
	done
	;;
*)
	echo "seeds.sh: unknown target '$target'" >&2
	exit 64
	;;
esac
n=$(find "$out" -type f | wc -l)
[[ $n -gt 0 ]] || {
	echo "seeds.sh: no seeds for $target under $src" >&2
	exit 1
}
