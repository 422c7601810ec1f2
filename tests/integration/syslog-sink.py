#!/usr/bin/env python3
"""A syslog sink for tests: bind a Unix datagram socket at PATH (what
/dev/log is) and append every datagram received, one per line, to OUT,
until killed. Prints "ready" on stdout once bound."""
import os
import signal
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("ready", flush=True)
with open(out, "ab", buffering=0) as f:
    while True:
        data = s.recv(65536)
        f.write(data.rstrip(b"\0\n") + b"\n")
