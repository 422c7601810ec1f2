#!/usr/bin/env python3
"""Check a screenshot of `migcheck report --html` against its DOM.

Usage: report-cells.py DOM.html SHOT.png

DOM.html is Chromium's --dump-dom of the page (after its script ran), SHOT.png
the --screenshot of the same page at the same window size. For every matrix
cell that lies inside the screenshot, the most common colour inside the cell
must be the colour of the cell's verdict class. Prints one line per finding
and "cells checked: N (kinds: ...)"; exits 1 on any mismatch or when nothing
could be checked. Test helper only (standard library: zlib for the PNG).
"""
import html.parser
import struct
import sys
import zlib
from collections import Counter

COLOURS = {
    "ok": (0x1A, 0x98, 0x50),
    "action": (0xFD, 0xBF, 0x3F),
    "blocked": (0xC6, 0x28, 0x28),
    "na": (0xE4, 0xE4, 0xE4),
    "error": (0x8E, 0x8E, 0x8E),
}
TOLERANCE = 8


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, type {ctype})")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype = raw[i]
        line = bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        if ftype == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 0xFF
        elif ftype == 2:
            for x in range(stride):
                line[x] = (line[x] + prev[x]) & 0xFF
        elif ftype == 3:
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((left + prev[x]) >> 1)) & 0xFF
        elif ftype == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xFF
        rows.append(line)
        prev = line
    return width, height, bpp, rows


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.svg = None
        self.cells = []
        self.ready = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html" and a.get("data-ready") == "1":
            self.ready = True
        if tag == "svg" and a.get("id") == "matrix":
            self.svg = a
        if tag == "rect" and (a.get("class") or "").startswith("cell "):
            self.cells.append(a)


def main():
    dom_path, png_path = sys.argv[1], sys.argv[2]
    dom = Dom()
    with open(dom_path, encoding="utf-8") as f:
        dom.feed(f.read())
    bad = 0
    if not dom.ready:
        print("FAIL the page's script did not run (no data-ready)")
        return 1
    if dom.svg is None or "data-page-x" not in dom.svg:
        print("FAIL no matrix, or its script did not place it")
        return 1
    cell = int(dom.svg["data-cell"])
    x0 = int(dom.svg["data-x0"]) + int(dom.svg["data-page-x"])
    y0 = int(dom.svg["data-y0"]) + int(dom.svg["data-page-y"])
    width, height, bpp, rows = read_png(png_path)
    kinds = Counter()
    for c in dom.cells:
        kind = c["class"].split()[1]
        r, col = int(c["data-r"]), int(c["data-c"])
        left, top = x0 + col * cell + 2, y0 + r * cell + 2
        right, bottom = left + cell - 4, top + cell - 4
        if right > width or bottom > height:
            continue
        seen = Counter()
        for y in range(top, bottom):
            line = rows[y]
            for x in range(left, right):
                seen[tuple(line[x * bpp : x * bpp + 3])] += 1
        got, _ = seen.most_common(1)[0]
        want = COLOURS[kind]
        if any(abs(g - w) > TOLERANCE for g, w in zip(got, want)):
            print(f"FAIL cell {r},{col} ({kind}) at {left},{top}: colour {got}, want {want}")
            bad += 1
        else:
            kinds[kind] += 1
    checked = sum(kinds.values())
    print(f"cells checked: {checked} of {len(dom.cells)} "
          f"(kinds: {', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})")
    if checked == 0 or len(kinds) < 2:
        print("FAIL nothing (or only one kind of cell) could be checked")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
