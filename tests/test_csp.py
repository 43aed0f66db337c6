"""The strict Content-Security-Policy (issue #13 item 4): every page carries it, the only inline
code is allowed by its hash, and no web template brings back an inline script, style or handler."""

import base64
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import path

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
# Not served as web pages: e-mails and the agreement PDF are rendered for other readers.
NOT_WEB = ("notifications/templates/notifications/email/", "agreements/templates/agreements/pdf/")


def fail(request):
    raise RuntimeError("a fault the 500 page must cover")


# This module is the URLconf of the 500-page test: one view that fails, and the portal's handler.
urlpatterns = [path("boom/", fail)]
handler500 = "isf_portal.views.server_error"


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def sha256_source(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def test_a_page_carries_the_strict_policy(client):
    response = client.get("/")
    assert response.status_code == 200
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    for name in ("script-src", "style-src"):
        assert directives[name][0] == "'self'"
        assert all(source.startswith("'sha256-") for source in directives[name][1:])
        assert "'unsafe-inline'" not in directives[name]
    assert "img-src" not in directives


def test_the_pages_inline_script_is_allowed_by_its_hash_and_is_the_only_one(client):
    response = client.get("/")
    html = response.content.decode()
    inline = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(inline) == 1
    assert "govuk-frontend-supported" in inline[0]
    assert sha256_source(inline[0]) in policy(response)["script-src"]
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html)


def test_htmx_is_told_not_to_inject_its_indicator_styles(client):
    html = client.get("/").content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in html


def test_the_500_pages_inline_style_is_allowed_by_its_hash(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(styles) == 1
    assert sha256_source(styles[0]) in policy(response)["style-src"]
    # Only the 500 page allows that style: every other page allows no inline style at all.
    assert policy(Client().get("/how-it-works/"))["style-src"] == ["'self'"]
    assert not re.search(r"\sstyle=|<script", html)


def test_form_action_takes_the_identity_providers_origins_from_the_environment():
    code = (
        "from django.conf import settings; "
        "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "isf_portal.settings.test",
        "CSP_FORM_ACTION_EXTRA": "https://login.example.org,https://idp.example.net",
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [
        "'self'",
        "https://login.example.org",
        "https://idp.example.net",
    ]


def web_templates():
    for template in sorted(ROOT.glob("**/templates/**/*.html")):
        relative = template.relative_to(ROOT).as_posix()
        if relative.startswith((".venv", "node_modules")) or relative.startswith(NOT_WEB):
            continue
        yield relative, template.read_text()


def test_no_web_template_has_inline_script_style_or_handler():
    offending = []
    for relative, text in web_templates():
        for match in re.finditer(
            r"<script(?![^>]*\bsrc=)[^>]*>|<style[^>]*>|\sstyle=|\son[a-z]+=", text
        ):
            snippet = text[match.start() : match.start() + 80]
            # The two hashed snippets, written from their single source file.
            if re.match(r"<(script|style)>\{% include \"csp/", snippet):
                continue
            offending.append(f"{relative}: {snippet!r}")
    assert offending == []
