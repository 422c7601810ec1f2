#!/usr/bin/env python3
"""A fleet store that can die mid-transfer (tests/integration/fault-http.sh).

    fault-httpd.py ROOT PORTFILE LOG [--die-on SUBSTR:NTH:FRAMING] [--busy N:RETRY_AFTER]

Serves ROOT over HTTP/1.1 on 127.0.0.1 at a free port (PORTFILE gets "PORT PID"):
GET, HEAD, PUT (with ETag and If-Match) and PROPFIND with Depth: 1 on a
directory (WebDAV's 207 Multi-Status listing of its entries, as `migcheck
fleet pull` lists hosts/), one line per request in LOG. With --die-on, the
NTH GET or PROPFIND whose path contains SUBSTR is answered with the status line, the headers and half of the
body, and then the whole server process kills itself with SIGKILL: the
kernel closes the connection in the middle of the body and later requests
find no server. FRAMING says how the body's end was announced:
  length   Content-Length of the whole body (the usual case)
  chunked  Transfer-Encoding: chunked, half the body in one chunk
  close    neither: the body ends when the connection closes
With --busy, the first N GETs are answered 503 with a Retry-After header:
RETRY_AFTER is sent as it is (seconds), "date+S" sends the HTTP date S
seconds ahead, "none" sends no Retry-After. Those lines in LOG end with the
server's monotonic time ("t=SECONDS").
"""
import email.utils
import hashlib
import http.server
import os
import signal
import sys
import threading
import time
import urllib.parse
from xml.sax.saxutils import escape

root, portfile, logfile = sys.argv[1], sys.argv[2], sys.argv[3]
die = None
busy = None
args = sys.argv[4:]
while args:
    if args[0] == "--die-on":
        substr, nth, framing = args[1].split(":")
        die = {"substr": substr, "left": int(nth), "framing": framing}
    elif args[0] == "--busy":
        n, after = args[1].split(":", 1)
        busy = {"left": int(n), "after": after}
    else:
        sys.exit("fault-httpd.py: unknown option " + args[0])
    args = args[2:]
lock = threading.Lock()
log = open(logfile, "a", buffering=1)


def etag(data):
    return '"%s"' % hashlib.sha256(data).hexdigest()[:16]


class Store(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, status):
        log.write("%s %s %d\n" % (self.command, self.path, status))

    def local(self):
        path = os.path.normpath(self.path.split("?")[0]).lstrip("/")
        return None if path.startswith("..") else os.path.join(root, path)

    def answer(self, status, data=b"", headers=()):
        self.note(status)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def die_now(self, data):
        """Half the body with the framing asked for, then SIGKILL."""
        self.note(-1)
        half = data[: len(data) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        if die["framing"] == "length":
            self.send_header("Content-Length", str(len(data)))
            body = half
        elif die["framing"] == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
            body = b"%x\r\n%s\r\n" % (len(half), half)
        else:
            self.send_header("Connection", "close")
            body = half
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        log.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    def busy_now(self):
        """503 with Retry-After, as --busy says."""
        after = busy["after"]
        headers = []
        if after.startswith("date+"):
            when = time.time() + float(after[5:])
            headers.append(("Retry-After", email.utils.formatdate(when, usegmt=True)))
        elif after != "none":
            headers.append(("Retry-After", after))
        log.write("%s %s 503 t=%.3f\n" % (self.command, self.path, time.monotonic()))
        self.send_response(503)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        if busy and self.command == "GET":
            with lock:
                now = busy["left"] > 0
                busy["left"] -= 1
            if now:
                return self.busy_now()
        path = self.local()
        if not path or not os.path.isfile(path):
            return self.answer(404)
        with open(path, "rb") as f:
            data = f.read()
        if self.command == "GET" and die and die["substr"] in self.path:
            with lock:
                die["left"] -= 1
                now = die["left"] == 0
            if now:
                return self.die_now(data)
        self.answer(200, data, [("Content-Type", "application/xml"), ("ETag", etag(data))])

    do_HEAD = do_GET

    def do_PROPFIND(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path = self.local()
        if not path or not os.path.isdir(path):
            return self.answer(404)
        base = self.path.split("?")[0]
        base = base if base.endswith("/") else base + "/"
        hrefs = [base] + [
            base + urllib.parse.quote(e) + ("/" if os.path.isdir(os.path.join(path, e)) else "")
            for e in sorted(os.listdir(path))
        ]
        data = ('<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">\n' +
                "".join("<D:response><D:href>%s</D:href><D:propstat><D:prop><D:resourcetype/>"
                        "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>\n"
                        % escape(h) for h in hrefs) + "</D:multistatus>\n").encode()
        if die and die["substr"] in self.path:
            with lock:
                die["left"] -= 1
                now = die["left"] == 0
            if now:
                return self.die_now(data)
        self.answer(207, data, [("Content-Type", "application/xml")])

    def do_PUT(self):
        path = self.local()
        data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if not path:
            return self.answer(403)
        with lock:
            match = self.headers.get("If-Match")
            if match:
                try:
                    with open(path, "rb") as f:
                        current = etag(f.read())
                except FileNotFoundError:
                    current = None
                if match != current:
                    return self.answer(412)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path + ".tmp", "wb") as f:
                f.write(data)
            os.replace(path + ".tmp", path)
        self.answer(201, headers=[("ETag", etag(data))])


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Store)
with open(portfile + ".tmp", "w") as f:
    f.write("%d %d" % (server.server_address[1], os.getpid()))
os.replace(portfile + ".tmp", portfile)
server.serve_forever()
