"""A real OpenID Connect provider on loopback for the single sign-on tests.

scripts/oidc_provider.mjs (npm's oidc-provider) with two clients standing for two
organisations' Entra tenants; `OidcProvider.sign_in()` plays the person at its login page.
"""

import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import requests

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "oidc_provider.mjs"
NORTH = {
    "tid": "11111111-1111-4111-8111-111111111111",
    "client_id": "portal-north",
    "secret": "north-secret",
    "domains": "north.example",
}
SOUTH = {
    "tid": "22222222-2222-4222-8222-222222222222",
    "client_id": "portal-south",
    "secret": "south-secret",
    "domains": "south.example",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OidcProvider:
    def __init__(self, redirect_bases, slugs):
        node = shutil.which("node")
        require_service(
            "Node.js with oidc-provider",
            bool(node) and (ROOT / "node_modules" / "oidc-provider").exists(),
            "install Node.js and run npm install",
        )
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        args = [node, str(SCRIPT), "--port", str(self.port)]
        for base in redirect_bases:
            args += ["--redirect-base", base]
        for slug in slugs:
            args += ["--slug", slug]
        self.process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            self.stop()
            raise RuntimeError(f"the OpenID provider did not start: {line!r}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def sign_in(self, authorize_url: str, account: str) -> str:
        """Sign in as `account` at the provider's page; the redirect back to the portal."""
        browser = requests.Session()
        page = browser.get(authorize_url, timeout=10)
        assert page.url.startswith(f"{self.issuer}/interaction/"), page.url
        response = browser.post(page.url, data={"account": account}, allow_redirects=False)
        for _hop in range(5):
            location = response.headers["Location"]
            if not location.startswith("/") and not location.startswith(self.issuer):
                return location
            response = browser.get(
                location if "://" in location else self.issuer + location,
                allow_redirects=False,
                timeout=10,
            )
        raise AssertionError("the provider never redirected back to the portal")


def identity_provider(organisation, provider, tenant=NORTH, *, email_domains=None):
    """`organisation` signs in at `provider` as `tenant`'s client (NORTH or SOUTH), vouching
    for the tenant's domain unless `email_domains` says otherwise."""
    from organisations.models import IdentityProvider

    return IdentityProvider.objects.create(
        organisation=organisation,
        issuer=provider.issuer,
        client_id=tenant["client_id"],
        client_secret=tenant["secret"],
        email_domains=email_domains or tenant["domains"],
        tenant_id=tenant["tid"],
    )


def sso_sign_in(client, provider, email):
    """Sign `client` in as `email` through the portal's sign-in page and the provider."""
    response = client.post("/account/sign-in/", {"username": email, "password": ""})
    back = provider.sign_in(response["Location"], email)
    assert client.get(path_of(back)).status_code == 302
    assert client.session.get("_auth_user_id")
    return client


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
