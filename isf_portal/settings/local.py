"""The embedded default: SQLite and the filesystem broker, nothing else to run.

`make run` is what people demo to colleagues, so it behaves as a server does: DEBUG is off
(the portal's own error pages, not Django's technical ones that list every URL) unless
DEBUG=true is set, and WhiteNoise serves the static files either way.
"""

import os

# scripts/run_embedded.py serves on HOST:PORT; e-mail links must point there too.
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")
# A wildcard address is not one a browser can open: links then name this machine's loopback.
_link_host = "127.0.0.1" if HOST in ("0.0.0.0", "::", "") else HOST  # noqa: S104
_link_host = f"[{_link_host}]" if ":" in _link_host else _link_host
os.environ.setdefault("SITE_URL", f"http://{_link_host}:{PORT}")

from .base import *  # noqa: E402,F403
from .base import ALLOWED_HOSTS  # noqa: E402

ENVIRONMENT = "local"

# The demo's shared accounts (README) would each need an authenticator app first: `make run`
# asks for two-step verification only when MFA_REQUIRED=true is set.
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=False)  # noqa: F405

# The portal answers to the host it serves on, unless ALLOWED_HOSTS says otherwise.
if "ALLOWED_HOSTS" not in os.environ and _link_host not in ALLOWED_HOSTS:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, _link_host]

# Without DEBUG, runserver serves no static files: WhiteNoise does, straight from the source
# folders (no collectstatic). Hashed names need collected files, which a laptop has not got.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
