#!/usr/bin/env python3
"""A stand-in for the Kubernetes API server's pod list, over HTTPS on 127.0.0.1 only.

Used by the tests of `troupe node --discovery kubernetes-api` (k8s/discovery/src/
api_client.test.cpp, harness/node/src/discovery_loop.test.cpp): it answers

  GET /api/v1/namespaces/NS/pods?labelSelector=SEL   with  Authorization: Bearer TOKEN

with the file ROOT/NS.json, read again at each request (a test changes the pod list by
renaming a new file into place). The HTTP status is the file's `code` when it is a
`Status` (the recorded 403), else 200. Like the API server it answers 401 (a Status) for a
missing or wrong token, 400 without labelSelector and 404 for another path or a namespace
without a file. Some namespaces behave badly on purpose:

  silent          reads the request and never answers (a hung server)
  huge-declared   announces a 5 MiB body with Content-Length (refused before the body)
  huge-streamed   streams a 5 MiB body without a length (cut off while it is read)

Usage: fake_api_server.py --cert CERT --key KEY --token-file FILE --root DIR --port-file FILE
The port (chosen by the kernel) is written to --port-file once the server listens.
"""

import argparse
import http.server
import json
import os
import ssl
import sys
import threading
import urllib.parse

HUGE_BYTES = 5 * 1024 * 1024


def status_body(code, reason, message):
    return json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {},
                       "status": "Failure", "message": message, "reason": reason,
                       "code": code}).encode()


class handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: the tests read the client's errors
        pass

    def send_body(self, code, body, length=None):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        if length is not None:
            self.send_header("Content-Length", str(length))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = url.path.split("/")
        if self.headers.get("Authorization") != "Bearer " + self.server.token:
            body = status_body(401, "Unauthorized", "Unauthorized")
            return self.send_body(401, body, len(body))
        if len(parts) != 6 or parts[:4] != ["", "api", "v1", "namespaces"] or parts[5] != "pods":
            body = status_body(404, "NotFound", "the server could not find " + url.path)
            return self.send_body(404, body, len(body))
        if "labelSelector" not in query:
            body = status_body(400, "BadRequest", "this stand-in wants a labelSelector")
            return self.send_body(400, body, len(body))
        namespace = parts[4]
        if namespace == "silent":
            threading.Event().wait()  # until the process is ended
        if namespace == "huge-declared":
            self.send_response(200)
            self.send_header("Content-Length", str(HUGE_BYTES))
            self.end_headers()
            return self.stream_huge()
        if namespace == "huge-streamed":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            return self.stream_huge()
        try:
            with open(os.path.join(self.server.root, namespace + ".json"), "rb") as f:
                body = f.read()
        except OSError:
            body = status_body(404, "NotFound", 'namespaces "%s" not found' % namespace)
            return self.send_body(404, body, len(body))
        code = 200
        try:
            parsed = json.loads(body)
            if isinstance(parsed, dict) and parsed.get("kind") == "Status":
                code = int(parsed.get("code", 500))
        except ValueError:
            pass
        self.send_body(code, body, len(body))

    def stream_huge(self):
        chunk = b'{"kind":"PodList","items":[' + b" " * 65536
        try:
            for _ in range(HUGE_BYTES // len(chunk) + 1):
                self.wfile.write(chunk)
        except OSError:
            pass  # the client gave up, as it should


class server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context, token, root):
        super().__init__(("127.0.0.1", 0), handler)
        self.context, self.token, self.root = context, token, root

    def finish_request(self, request, client_address):
        # The TLS handshake runs on the request's own thread: a client that fails it (the
        # wrong CA) or never sends anything holds up no other request.
        try:
            request = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(request, client_address)
        except (ssl.SSLError, OSError):
            pass


def main():
    parser = argparse.ArgumentParser()
    for flag in ("--cert", "--key", "--token-file", "--root", "--port-file"):
        parser.add_argument(flag, required=True)
    args = parser.parse_args()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    with open(args.token_file) as f:
        token = f.read().strip()
    httpd = server(context, token, args.root)
    temporary = args.port_file + ".tmp"
    with open(temporary, "w") as f:
        f.write("%d\n" % httpd.server_address[1])
    os.rename(temporary, args.port_file)  # the reader never sees a half-written port
    httpd.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
