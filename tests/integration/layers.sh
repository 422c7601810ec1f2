#!/bin/bash
# The source layout's one rule (README "Source layout", DESIGN.md "Layout"):
# includes point down the layers, never up or sideways.
#   0 core/base           libc-only code the static binaries share (+ xml)
#   1 probes, db          probes; the sqlite inventory
#   2 core/model          profile documents
#   3 core/planner, core/vfio
#   4 core/libvirt, core/fleet
#   5 core/report
#   6 cmd                 every main() and the verbs
# A file may include its own folder's headers and any header of a lower
# layer. Expected output: none; each violation is one line "FILE: includes
# HEADER (layer A -> layer B)". Also checks that every folder listed here
# exists and that every C file is in a listed folder (so a new folder cannot
# slip past this test).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

rank() {
	case $1 in
	core/base) echo 0 ;;
	probes | db) echo 1 ;;
	core/model) echo 2 ;;
	core/planner | core/vfio) echo 3 ;;
	core/libvirt | core/fleet) echo 4 ;;
	core/report) echo 5 ;;
	cmd) echo 6 ;;
	*) echo -1 ;;
	esac
}

cd "$MC_SRCDIR" || exit 99
bad=0 n=0
while IFS= read -r f; do
	d=${f%/*}
	rs=$(rank "$d")
	if ((rs < 0)); then
		echo "$f: in no layer (add its folder to tests/integration/layers.sh and README)"
		bad=$((bad + 1))
		continue
	fi
	while IFS= read -r inc; do
		[[ $inc == config.h ]] && continue
		n=$((n + 1))
		if [[ $inc != */* ]]; then
			echo "$f: includes \"$inc\": use the path from the top (\"$d/$inc\")"
			bad=$((bad + 1))
			continue
		fi
		[[ -f $inc ]] || { echo "$f: includes \"$inc\", which does not exist"; bad=$((bad + 1)); continue; }
		id=${inc%/*}
		[[ $id == "$d" ]] && continue
		ri=$(rank "$id")
		if ((ri < 0 || ri >= rs)); then
			echo "$f: includes $inc (layer $rs $d -> layer $ri $id)"
			bad=$((bad + 1))
		fi
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done < <(find cmd core db probes -name '*.[ch]' | sort)
for d in core/base probes db core/model core/planner core/vfio core/libvirt core/fleet core/report cmd; do
	[[ -d $d ]] || { echo "layer folder $d is missing"; bad=$((bad + 1)); }
done
# README's Source layout section names every folder of the tree.
for d in $(find cmd core db probes schemas tests -mindepth 0 -maxdepth 2 -type d ! -path 'tests/data/*' ! -path 'tests/reliability' ! -path 'tests/fuzz/*' ! -name '.*' | sort); do
	grep -q "^| \`$d/\`" README || { echo "README Source layout: no row for $d/"; bad=$((bad + 1)); }
done
echo "checked $n includes: $bad violations"
((bad == 0)) || exit 1
exit 0
