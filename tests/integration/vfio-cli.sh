#!/usr/bin/env bash
# migcheck vfio on this machine (no VFIO device needed): usage and input
# errors with their exit codes, `check` on the stream fixtures, the probe on a
# fixture sysfs tree, and the static driver behaving like the verb.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
D=$MC_TESTDATA/vfio-stream
VFIO_STATIC=$(dirname "$MIGCHECK")/cmd/migcheck-vfio

expect_exit 0 "vfio --help" "$MIGCHECK" vfio --help
out_has "migcheck vfio check FILE [DEVICE]"
expect_exit 64 "no subcommand" "$MIGCHECK" vfio
expect_exit 64 "unknown subcommand" "$MIGCHECK" vfio frobnicate 0000:03:00.1
err_has "unknown subcommand 'frobnicate'"
expect_exit 64 "bad device name" "$MIGCHECK" vfio info nonsense
err_has "nonsense: not a PCI address (DDDD:BB:DD.F) or an mdev UUID"
expect_exit 64 "--precopy on restore" "$MIGCHECK" vfio restore 0000:03:00.1 --precopy
expect_exit 64 "send without destination" "$MIGCHECK" vfio send 0000:03:00.1
expect_exit 64 "reset without a device" "$MIGCHECK" vfio reset
err_has "wrong number of arguments for 'reset'"
expect_exit 64 "--force on save" "$MIGCHECK" vfio save 0000:03:00.1 --force
err_has "--force applies to 'reset' only, not 'save'"
expect_exit 66 "reset of no such device" "$MIGCHECK" vfio reset 0000:7f:1f.7 --force
err_has "0000:7f:1f.7: no such PCI device"
expect_exit 66 "no such PCI device" "$MIGCHECK" vfio info 0000:7f:1f.7
err_has "0000:7f:1f.7: no such PCI device"
expect_exit 66 "no such mdev" "$MIGCHECK" vfio save 8e9b4d1c-0000-4000-8000-00000000abcd -o "$T_TMP/x"
if [[ -e $T_TMP/x ]]; then not_ok "  a failed save left $T_TMP/x"; else ok "  a failed save leaves no file"; fi
expect_exit 66 "restore from a missing file" "$MIGCHECK" vfio restore 0000:7f:1f.7 -i "$T_TMP/none"
expect_exit 0 "check a good stream" "$MIGCHECK" vfio check "$D/good.bin"
out_has "ok, 3500 bytes of device state from 0000:00:05.0 (1af4:10f0 subsystem 1af4:0001, driver simdrv 1.0"
expect_exit 0 "check a stream from stdin" "$MIGCHECK" vfio check - <"$D/good-split.bin"
for c in flip-chunk2-500 trunc-boundary-2 version2 header-crc trailing reordered; do
	want=$(sed 's/^error 65 //' "$D/$c.expect")
	expect_exit 65 "check refuses $c" "$MIGCHECK" vfio check "$D/$c.bin"
	err_has "$want"
done
expect_exit 65 "check an empty input" "$MIGCHECK" vfio check /dev/null
err_has "empty input, not a migcheck VFIO stream"
# The device side of check reads only sysfs: a fixture tree stands in.
export MIGCHECK_SYSFS=$MC_TESTDATA/probes/vfio/basic/sys
expect_exit 65 "check against a device of another kind" "$MIGCHECK" vfio check "$D/good.bin" 0000:03:00.1
err_has "stream is from a different device (1af4:10f0 subsystem 1af4:0001, driver simdrv 1.0), this device is 15b3:101e"
expect_exit 69 "info on a device without a VFIO node" "$MIGCHECK" vfio info 0000:03:00.1
err_has "no VFIO device node"
expect_exit 69 "a non-VFIO device is not opened" "$MIGCHECK" vfio info 0000:00:02.0
unset MIGCHECK_SYSFS
if [[ -x $VFIO_STATIC ]]; then
	expect_exit 0 "static migcheck-vfio checks the same stream" "$VFIO_STATIC" check "$D/good.bin"
	expect_exit 65 "static migcheck-vfio refuses the same tampering" "$VFIO_STATIC" check "$D/flip-crc3.bin"
	err_has "flip-crc3.bin: chunk 3: CRC-32C mismatch"
else
	not_ok "no static cmd/migcheck-vfio next to $MIGCHECK"
fi
finish
