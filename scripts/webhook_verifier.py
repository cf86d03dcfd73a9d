#!/usr/bin/env python3
"""Checks keyward's webhook deliveries with the Standard Webhooks library
from PyPI (`standardwebhooks`, the reference implementation no one here
wrote), as a receiver written in Python would.

A receiver on 127.0.0.1 (the server must run with
KEYWARD_WEBHOOK_ALLOW_NETS=127.0.0.1/32); an endpoint created through
/v1/webhooks; a lead imported; the delivery verified; a tampered body and
timestamps 6 minutes off either way refused; after a rotation the message
verifies with the old and with the new secret.

Usage: webhook_verifier.py BASE_URL TOKEN   (the token needs webhooks and write:leads)
"""
import base64
import hashlib
import hmac
import json
import queue
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

received = queue.Queue()


def fail(what):
    sys.exit(f"webhook_verifier.py: {what}")


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        received.put((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def next_delivery():
    try:
        return received.get(timeout=10)
    except queue.Empty:
        fail("no delivery arrived within 10 s")


def refused(secret, body, headers):
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return True
    return False


def resigned(secret, headers, body, offset):
    """The same delivery signed (correctly) with a timestamp `offset` s off."""
    ts = str(int(time.time()) + offset)
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{headers['webhook-id']}.{ts}.".encode() + body, hashlib.sha256).digest()
    return {**headers, "webhook-timestamp": ts, "webhook-signature": "v1," + base64.b64encode(mac).decode()}


def main(base, token):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"

    created = api.post(f"{base}/v1/webhooks", json={"url": url, "event_types": ["lead.created"]})
    if created.status_code != 201:
        fail(f"creating the endpoint answered {created.status_code}: {created.text}")
    endpoint = created.json()
    secret = endpoint["secret"]

    lead = api.post(f"{base}/v1/leads", json={"first_name": "Verifier", "email": "verifier@buyer.test"})
    if lead.status_code != 201:
        fail(f"importing a lead answered {lead.status_code}: {lead.text}")
    headers, body = next_delivery()
    headers = {k.lower(): v for k, v in headers.items()}
    payload = Webhook(secret).verify(body, headers)
    if payload["type"] != "lead.created" or payload["data"]["id"] != lead.json()["id"]:
        fail(f"unexpected payload {payload}")
    if not refused(secret, body.replace(b"Verifier", b"Verifiex"), headers):
        fail("a tampered body verified")
    for offset in (-360, 360):
        if not refused(secret, body, resigned(secret, headers, body, offset)):
            fail(f"a timestamp {offset} s off verified")
    Webhook(secret).verify(body, resigned(secret, headers, body, 0))

    rotated = api.post(f"{base}/v1/webhooks/{endpoint['id']}/rotate_secret")
    if rotated.status_code != 200:
        fail(f"rotating answered {rotated.status_code}: {rotated.text}")
    new_secret = rotated.json()["secret"]
    tested = api.post(f"{base}/v1/webhooks/{endpoint['id']}/test")
    if tested.status_code != 200 or not tested.json()["succeeded"]:
        fail(f"the test event failed: {tested.status_code} {tested.text}")
    headers, body = next_delivery()
    headers = {k.lower(): v for k, v in headers.items()}
    if Webhook(secret).verify(body, headers)["type"] != "webhook.test":
        fail("the test event is not webhook.test")
    Webhook(new_secret).verify(body, headers)
    if len(headers["webhook-signature"].split(" ")) != 2:
        fail("a rotation's delivery should carry two signatures")

    if api.delete(f"{base}/v1/webhooks/{endpoint['id']}").status_code != 204:
        fail("deleting the endpoint failed")
    server.shutdown()
    print("webhook_verifier.py: standardwebhooks (PyPI) verified a delivery and a rotation's; "
          "refused a tampered body and timestamps 6 minutes off", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail(__doc__)
    main(*sys.argv[1:])
