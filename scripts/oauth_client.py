"""The OAuth flow driven by Authlib (PyPI), a stock client no one here wrote,
against a running keyward: a person signs in and approves on the consent
page (a plain form post, as with JavaScript off), then Authlib redeems the
code with PKCE S256 (client_secret_basic), calls /v1/me, refreshes
(client_secret_post), introspects and revokes.

Usage: oauth_client.py BASE_URL CLIENT_ID CLIENT_SECRET EMAIL PASSWORD
(the app registered with redirect URI http://127.0.0.1:9/cb and the scopes
read:leads write:leads). Exits non-zero naming the first step that failed.
"""
import sys
from html.parser import HTMLParser

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

REDIRECT = "http://127.0.0.1:9/cb"


def check(condition, what):
    if not condition:
        sys.exit(f"oauth_client.py: {what}")


class HiddenInputs(HTMLParser):
    """The consent form's hidden inputs (the CSRF token and the request)."""

    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and "name" in attrs:
            self.fields[attrs["name"]] = attrs.get("value", "")


def bearer(base, token):
    return requests.get(f"{base}/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def main(base, client_id, client_secret, email, password):
    client = OAuth2Session(
        client_id,
        client_secret,
        scope="read:leads write:leads",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = generate_token(64)
    url, state = client.create_authorization_url(f"{base}/oauth/authorize", code_verifier=verifier)
    check("code_challenge_method=S256" in url, f"Authlib built no S256 challenge: {url}")

    # The person: signs in, opens the link, approves.
    browser = requests.Session()
    signed_in = browser.post(
        f"{base}/login",
        data={"email": email, "password": password, "next": ""},
        allow_redirects=False,
        timeout=10,
    )
    check(signed_in.status_code == 303, f"sign-in answered {signed_in.status_code}")
    page = browser.get(url, allow_redirects=False, timeout=10)
    check(page.status_code == 200, f"the consent page answered {page.status_code}: {page.text[:300]}")
    check("Authorize Authlib Client" in page.text, "the consent page does not name the app")
    check("frame-ancestors 'none'" in page.headers.get("content-security-policy", ""), "the consent page may be framed")
    form = HiddenInputs()
    form.feed(page.text)
    check("csrf" in form.fields, f"no CSRF token on the consent form: {sorted(form.fields)}")
    approved = browser.post(
        f"{base}/oauth/authorize",
        data={**form.fields, "decision": "approve"},
        headers={"Origin": base},
        allow_redirects=False,
        timeout=10,
    )
    check(approved.status_code == 303, f"approving answered {approved.status_code}: {approved.text[:300]}")
    location = approved.headers["Location"]
    check(location.startswith(REDIRECT + "?"), f"approved, but sent to {location}")

    # The app: Authlib checks the state and redeems the code.
    token = client.fetch_token(
        f"{base}/oauth/token", authorization_response=location, state=state, code_verifier=verifier
    )
    check(token["token_type"] == "Bearer" and token["expires_in"] == 3600, f"token answer {sorted(token)}")
    check(token["access_token"].startswith("kw_oat_"), "the access token is not kw_oat_…")
    check(token["refresh_token"].startswith("kw_ort_"), "the refresh token is not kw_ort_…")
    check(set(token["scope"].split()) == {"read:leads", "write:leads"}, f"scope {token['scope']}")
    me = client.get(f"{base}/v1/me", timeout=10)
    check(me.status_code == 200, f"/v1/me with the access token answered {me.status_code}")
    check(me.json()["credential"] == "oauth_access_token", f"/v1/me: {me.text}")
    check(me.json()["acting_as"]["email"] == email, f"/v1/me acts as {me.json()['acting_as']}")

    # Refresh, with the secret in the body this time: a new pair, the old one dead.
    first = dict(token)
    client.token_endpoint_auth_method = "client_secret_post"
    second = client.refresh_token(f"{base}/oauth/token", refresh_token=first["refresh_token"])
    check(second["refresh_token"] != first["refresh_token"], "the refresh token was not rotated")
    check(bearer(base, first["access_token"]).status_code == 401, "the old access token still works")
    check(bearer(base, second["access_token"]).status_code == 200, "the new access token does not work")
    replay = requests.post(
        f"{base}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=(client_id, client_secret),
        timeout=10,
    )
    # Within 30 s and the new pair used: a replay, the family ends.
    check(replay.status_code == 400 and replay.json()["error"] == "invalid_grant", f"replay: {replay.text}")
    check(bearer(base, second["access_token"]).status_code == 401, "a replay left the family alive")

    # A fresh consent (skipped: granted already), then introspection and revocation.
    url, state = client.create_authorization_url(f"{base}/oauth/authorize", code_verifier=verifier)
    again = browser.get(url, allow_redirects=False, timeout=10)
    check(again.status_code == 303, f"an approved app asked again: {again.status_code}")
    client.token_endpoint_auth_method = "client_secret_basic"
    third = client.fetch_token(
        f"{base}/oauth/token", authorization_response=again.headers["Location"], state=state, code_verifier=verifier
    )
    live = client.introspect_token(f"{base}/oauth/introspect", token=third["access_token"]).json()
    check(live["active"] is True and live["client_id"] == client_id, f"introspection: {live}")
    revoked = client.revoke_token(f"{base}/oauth/revoke", token=third["refresh_token"], token_type_hint="refresh_token")
    check(revoked.status_code == 200, f"revocation answered {revoked.status_code}")
    check(bearer(base, third["access_token"]).status_code == 401, "revoking the refresh token left the access token")
    dead = client.introspect_token(f"{base}/oauth/introspect", token=third["access_token"]).json()
    check(dead == {"active": False}, f"introspection after revocation: {dead}")
    print("oauth_client.py: Authlib ran code + PKCE S256, /v1/me, refresh, replay, introspect, revoke", file=sys.stderr)


if __name__ == "__main__":
    check(len(sys.argv) == 6, __doc__)
    main(*sys.argv[1:])
