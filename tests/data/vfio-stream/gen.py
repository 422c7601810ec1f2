#!/usr/bin/env python3
"""Generate the VFIO stream fixtures (NAME.bin + NAME.expect) of this folder.

An independent implementation of the stream format of core/vfio_stream.h
(its own bitwise CRC-32C), so the C reader is checked against a writer that
shares no code with it. Run from anywhere: python3 gen.py
Expectations: "ok TOTAL" or "error EXIT TEXT" (TEXT a substring of the
one-line error message), checked against device.ident by tests/unit/test_vfio.
With an argument, writes into that folder instead (tests/integration/
data-check.py compares its output with the committed fixtures).
"""
import os
import struct
import sys

HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
MAGIC = b"\x89MCVFIO\n"
HDR_LEN = 320
DATA, END = 1, 2


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283

DEV = dict(vendor=0x1AF4, device=0x10F0, subvendor=0x1AF4, subdevice=0x0001,
           driver=b"simdrv", driver_version=b"1.0", type=b"", name=b"0000:00:05.0",
           mig_flags=0x3)


def s64(b):
    return b.ljust(64, b"\0")


def header(total=3500, version=1, hlen=HDR_LEN, flags=None, chunk_max=1000, dev=None,
           raw_strings=None, reserved=0, crc_fix=True):
    d = dict(DEV, **(dev or {}))
    if flags is None:
        flags = 1 if total else 0
    h = MAGIC + struct.pack("<HHIQQHHHHII", version, hlen, flags, total, d["mig_flags"],
                            d["vendor"], d["device"], d["subvendor"], d["subdevice"],
                            chunk_max, reserved)
    strings = raw_strings or [s64(d["driver"]), s64(d["driver_version"]), s64(d["type"]),
                              s64(d["name"])]
    h += b"".join(strings) + b"\0" * 12
    assert len(h) == 316
    return h + struct.pack("<I", crc32c(h))


def record(rtype, off, payload, crc=None):
    head = struct.pack("<IIQ", rtype, len(payload), off)
    c = crc32c(head + payload) if crc is None else crc
    return head + payload + struct.pack("<I", c)


PAYLOAD = bytes((i * 7 + 3) & 0xFF for i in range(3500))


def chunks(sizes=(1000, 1000, 1000, 500)):
    out, off = [], 0
    for n in sizes:
        out.append(record(DATA, off, PAYLOAD[off:off + n]))
        off += n
    return out


def end(total=3500, count=4):
    return record(END, total, struct.pack("<Q", count))


def good(**kw):
    return header(**kw) + b"".join(chunks()) + end()


cases = {}


def case(name, data, expect):
    cases[name] = (data, expect)


ERR = "error 65 "
case("good", good(), "ok 3500")
case("good-split", header() + b"".join(chunks((1000, 500, 1000, 1000))) + end(), "ok 3500")
case("good-unknown-length", good(total=0), "ok 3500")
case("empty-state", header(total=0) + end(0, 0), "ok 0")
case("empty", b"", ERR + "empty input, not a migcheck VFIO stream")
case("bad-magic", b"\x89MCVFIX\n" + good()[8:], ERR + "not a migcheck VFIO stream (bad magic)")
case("version2", good(version=2), ERR + "stream format version 2; this build reads version 1")
case("version0", good(version=0), ERR + "stream format version 0; this build reads version 1")
case("header-length", good(hlen=256), ERR + "stream header length 256, expected 320")
h = bytearray(good())
h[50] ^= 0x01
case("header-crc", bytes(h), ERR + "stream header CRC-32C mismatch")
case("header-flags", good(flags=0x21), ERR + "unknown flags or reserved bits")
case("header-reserved", good(reserved=7), ERR + "unknown flags or reserved bits")
case("chunk-max-zero", good(chunk_max=0), ERR + "stream chunk size 0 outside 1..16777216")
case("unterminated-string", good(raw_strings=[b"A" * 64, s64(b"1.0"), s64(b""), s64(b"x")]),
     ERR + "stream header field driver is not terminated")
case("string-garbage", good(raw_strings=[b"simdrv\0junk".ljust(64, b"\0"), s64(b"1.0"),
                                         s64(b""), s64(b"x")]),
     ERR + "stream header field driver has bytes after its end")
case("wrong-device", good(dev=dict(device=0x1234)),
     "error 65 stream is from a different device (1af4:1234")
case("wrong-vendor", good(dev=dict(vendor=0x8086)), "error 65 stream is from a different device")
case("wrong-subsystem", good(dev=dict(subdevice=0x0002)),
     "error 65 stream is from a different subsystem")
case("wrong-driver", good(dev=dict(driver=b"mlx5_vfio_pci")),
     "error 65 stream is from a different driver (")
case("wrong-driver-version", good(dev=dict(driver_version=b"1.1")),
     "error 65 stream is from a different driver version")
case("wrong-type", good(dev=dict(type=b"mcmig-v2")), "error 65 stream is from a different mdev type")
case("trunc-header", good()[:100], ERR + "stream truncated in its header")
case("trunc-magic", good()[:5], ERR + "not a migcheck VFIO stream (bad magic)")
recs = chunks()
for i in range(5):  # at every record boundary before the end record
    case("trunc-boundary-%d" % i, header() + b"".join(recs[:i]),
         ERR + "stream truncated at a record boundary (after %d bytes of device data, %d chunks"
         % (min(i * 1000, 3500), i))
case("trunc-mid-chunk", header() + recs[0] + recs[1][:600], ERR + "stream truncated inside a chunk")
case("trunc-record-head", header() + recs[0] + recs[1][:9], ERR + "stream truncated in a record head")
case("trunc-crc", header() + recs[0] + recs[1][:-2], ERR + "stream truncated inside a chunk")
case("trunc-end", good()[:-3], ERR + "stream truncated in the end record")
for i, off in enumerate((16, 500, 1015)):  # bit flips in the 2nd chunk's payload
    d = bytearray(good())
    d[HDR_LEN + len(recs[0]) + off] ^= 1 << i
    case("flip-chunk2-%d" % off, bytes(d), ERR + "chunk 2: CRC-32C mismatch")
d = bytearray(good())
d[HDR_LEN + len(recs[0]) + len(recs[1]) + 16 + 1000 + 1] ^= 0x80  # CRC bytes of chunk 3
case("flip-crc3", bytes(d), ERR + "chunk 3: CRC-32C mismatch")
d = bytearray(good())
d[HDR_LEN + 3 * len(recs[0]) + 4] ^= 0x01  # chunk 4 length 500 -> 501
case("flip-length", bytes(d), ERR + "chunk 4: CRC-32C mismatch")
d = bytearray(good())
d[HDR_LEN + 9] ^= 0x01  # chunk 1 offset (covered by the CRC)
case("flip-offset", bytes(d), ERR + "chunk 1: CRC-32C mismatch")
d = bytearray(good())
d[-9] ^= 0x04  # the end record's count
case("flip-end", bytes(d), ERR + "end record after chunk 4: CRC-32C mismatch")
case("reordered", header() + recs[0] + recs[2] + recs[1] + recs[3] + end(),
     ERR + "chunk at device offset 2000, expected 1000 (chunks lost or reordered)")
case("dropped", header() + recs[0] + recs[2] + recs[3] + end(),
     ERR + "chunks lost or reordered")
case("duplicated", header() + recs[0] + recs[0] + end(), ERR + "chunks lost or reordered")
case("end-count", header() + b"".join(recs) + end(3500, 5),
     ERR + "end record counts 5 chunks, stream had 4")
case("end-total", header() + b"".join(recs) + end(3000, 4),
     ERR + "end record at device offset 3000, expected 3500")
case("length-mismatch", header(total=4000) + b"".join(recs) + end(),
     ERR + "header says 4000 bytes of device data, stream has 3500")
case("trailing", good() + b"\0", ERR + "data after the end record")
case("two-ends", good() + end(), ERR + "data after the end record")
case("unknown-record", header() + recs[0] + record(3, 1000, b"xyz"),
     ERR + "unknown record type 3")
case("zero-chunk", header() + recs[0] + record(DATA, 1000, b""), ERR + "chunk length 0 outside 1..1000")
case("huge-chunk", header() + record(DATA, 0, PAYLOAD[:1001]), ERR + "chunk length 1001 outside 1..1000")
case("end-length", header() + b"".join(recs) + record(END, 3500, b"\0" * 9),
     ERR + "end record length 9, expected 8")

for old in os.listdir(HERE):
    if old.endswith(".bin") or old.endswith(".expect"):
        os.unlink(os.path.join(HERE, old))
for name, (data, expect) in sorted(cases.items()):
    with open(os.path.join(HERE, name + ".bin"), "wb") as f:
        f.write(data)
    with open(os.path.join(HERE, name + ".expect"), "w") as f:
        f.write(expect + "\n")
with open(os.path.join(HERE, "device.ident"), "w") as f:
    f.write("# The destination device the fixtures are checked against (test_vfio).\n")
    for k in ("name", "vendor", "device", "subvendor", "subdevice", "driver", "driver_version",
              "type", "mig_flags"):
        v = DEV[k]
        f.write("%s=%s\n" % (k, v.decode() if isinstance(v, bytes) else "0x%x" % v))
print("%d cases" % len(cases))
