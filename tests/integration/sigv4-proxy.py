#!/usr/bin/env python3
"""An S3 front that checks AWS Signature Version 4 (tests/integration/fleet-s3.sh).

    sigv4-proxy.py UPSTREAM_PORT PORTFILE LOG ACCESS_KEY SECRET REGION

s3rver (npm) stores the objects and checks the access key id, but does not
compute SigV4 signatures (its authentication middleware says "Signature
version 4 calculation is unimplemented"). This proxy, on 127.0.0.1 at a free
port (PORTFILE gets "PORT PID"), recomputes every request's signature with
botocore, AWS's own SDK code (botocore.auth.S3SigV4Auth), from the request
as received: the headers the client listed in SignedHeaders, its X-Amz-Date,
the known secret. It also checks X-Amz-Content-SHA256 against the body and
the credential scope (date/REGION/s3/aws4_request). A mismatch is answered
403 SignatureDoesNotMatch as S3 does; a good request goes to s3rver on
127.0.0.1:UPSTREAM_PORT and its answer comes back unchanged. One line per
request in LOG: METHOD PATH verdict status.
"""
import hashlib
import http.client
import http.server
import os
import sys

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

upstream, portfile, logfile, key, secret, region = sys.argv[1:7]
log = open(logfile, "a", buffering=1)
ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
    "<Message>%s</Message></Error>"
)


def verify(method, path, headers, body):
    """None when the request is signed right, else (S3 error code, why)."""
    auth = headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return ("AccessDenied", "not signed with AWS4-HMAC-SHA256")
    fields = dict(
        part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(",")
    )
    cred = fields["Credential"].split("/")
    amz_date = headers.get("X-Amz-Date", "")
    if cred[0] != key:
        return ("InvalidAccessKeyId", "unknown access key")
    if cred[1:] != [amz_date[:8], region, "s3", "aws4_request"]:
        return ("AuthorizationHeaderMalformed", "credential scope %s" % "/".join(cred[1:]))
    claimed = headers.get("X-Amz-Content-SHA256", "")
    if claimed != hashlib.sha256(body).hexdigest():
        return ("XAmzContentSHA256Mismatch", "payload hash")
    signed = fields["SignedHeaders"].split(";")
    for must in ("host", "x-amz-date", "x-amz-content-sha256"):
        if must not in signed:
            return ("AccessDenied", "%s not signed" % must)
    req = AWSRequest(
        method=method,
        url="http://%s%s" % (headers["Host"], path),
        data=body,
        headers={h: headers[h] for h in signed if headers.get(h) is not None},
    )
    req.context["timestamp"] = amz_date
    signer = S3SigV4Auth(Credentials(key, secret), "s3", region)
    canonical = signer.canonical_request(req)
    want = signer.signature(signer.string_to_sign(req, canonical), req)
    if fields["Signature"] != want:
        return ("SignatureDoesNotMatch", "signature")
    return None


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def relay(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        bad = verify(self.command, self.path, self.headers, body)
        if bad:
            log.write("%s %s %s 403\n" % (self.command, self.path, bad[0]))
            data = (ERROR % bad).encode()
            self.send_response(403)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            return
        conn = http.client.HTTPConnection("127.0.0.1", int(upstream), timeout=30)
        fwd = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
        conn.request(self.command, self.path, body=body if body else None, headers=fwd)
        resp = conn.getresponse()
        data = resp.read()
        log.write("%s %s signed %d\n" % (self.command, self.path, resp.status))
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data) if self.command != "HEAD" else resp.getheader("Content-Length", "0")))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_HEAD = do_PUT = do_DELETE = relay


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Front)
with open(portfile + ".tmp", "w") as f:
    f.write("%d %d" % (server.server_address[1], os.getpid()))
os.replace(portfile + ".tmp", portfile)
server.serve_forever()
