#!/usr/bin/env bash
# Fault injection on the VFIO device-state stream at the command line
# (issue #7): `migcheck vfio check` (and the static cmd/migcheck-vfio, the
# same code, when built) on a saved stream (tests/data/vfio-stream/
# good-split.bin, four chunks) cut at every chunk boundary, after the header
# and inside every record, from a file and from stdin. Restoring into a
# device needs a VFIO device: tests/unit/test_fault_stream.c does that on the
# simulator.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
GOOD=$MC_TESTDATA/vfio-stream/good-split.bin
VFIO_STATIC=$(dirname "$MIGCHECK")/cmd/migcheck-vfio
[[ -r $GOOD ]] || skip "no $GOOD"

u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }

# Records of the stream: "START END TYPE LEN DATA_BEFORE" (320: header length).
len=$(stat -c %s "$GOOD")
recs=()
pos=320 data=0
while ((pos < len)); do
	type=$(u32 "$GOOD" "$pos")
	rlen=$(u32 "$GOOD" $((pos + 4)))
	recs+=("$pos $((pos + 16 + rlen + 4)) $type $rlen $data")
	[[ $type == 1 ]] && data=$((data + rlen))
	pos=$((pos + 16 + rlen + 4))
done
check "the fixture parses into records ending at its length" test "$pos" == "$len"

# cut_check NAME BYTES WANT: the first BYTES of the stream, refused with exit
# 65 and one line naming the input and saying WANT, from a file and stdin.
cut_check() {
	local name=$1 n=$2 want=$3 f=$T_TMP/$1.bin
	head -c "$n" "$GOOD" >"$f"
	expect_exit 65 "vfio check $name.bin" "$MIGCHECK" vfio check "$f"
	err_has "$f: $want"
	expect_exit 65 "vfio check - <$name.bin" "$MIGCHECK" vfio check - <"$f"
	err_has "-: $want"
	if [[ -x $VFIO_STATIC ]]; then
		expect_exit 65 "static migcheck-vfio check $name.bin" "$VFIO_STATIC" check "$f"
		err_has "$f: $want"
	fi
}

fault_begin "saved device-state stream cut at every chunk boundary and after the header, given to \`migcheck vfio check\` (file and stdin)"
chunks=0 cuts=0
cut_check cut-header 320 "stream truncated at a record boundary (after 0 bytes of device data, 0 chunks, no end record)"
cuts=$((cuts + 1))
for r in "${recs[@]}"; do
	read -r start end type rlen before <<<"$r"
	[[ $type == 1 ]] || continue
	chunks=$((chunks + 1))
	cut_check "cut-chunk$chunks" "$end" \
		"stream truncated at a record boundary (after $((before + rlen)) bytes of device data, $chunks chunks, no end record)"
	cuts=$((cuts + 1))
done
check "every chunk boundary tried ($cuts cuts: header + $chunks chunks)" test "$cuts" -ge 5
fault_end "exit 65, one line naming the input and saying truncated at a record boundary, with the device data and chunks before the cut"

fault_begin "saved device-state stream cut inside the header and inside every record's head, payload and CRC, given to \`migcheck vfio check\` (file and stdin)"
cut_check in-magic 5 "not a migcheck VFIO stream (bad magic)"
cut_check in-header 200 "stream truncated in its header"
i=0
for r in "${recs[@]}"; do
	read -r start end type rlen before <<<"$r"
	i=$((i + 1))
	inside="truncated inside a chunk"
	[[ $type == 2 ]] && inside="truncated in the end record"
	cut_check "rec$i-head" $((start + 8)) "stream truncated in a record head"
	cut_check "rec$i-payload" $((start + 16 + rlen / 2)) "stream $inside"
	cut_check "rec$i-crc" $((end - 1)) "stream $inside"
done
fault_end "exit 65, one line naming the input and saying where the stream was truncated (inside the 8-byte magic: not a migcheck stream)"

# the uncut stream passes (the cuts, not the fixture, were refused)
expect_exit 0 "vfio check of the whole stream" "$MIGCHECK" vfio check "$GOOD"
finish
