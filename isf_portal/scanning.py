"""Virus scanning of uploads by ClamAV's daemon (clamd), when CLAMAV_SOCKET or CLAMAV_HOST is set.

Not configured, uploads are only checked for what they are (isf_portal.uploads) and the health
page says so. Configured, every upload is streamed to clamd before it is kept: what it flags is
refused, and while it cannot answer uploads are refused with "try again", never accepted
unscanned and never a 500.
"""

import logging

from clamav_client.clamd import ClamdError, ClamdNetworkSocket, ClamdUnixSocket
from django.conf import settings

logger = logging.getLogger(__name__)

NOT_CONFIGURED = "not configured"
REACHABLE = "ok"
UNREACHABLE = "unreachable"
# The health page waits no longer than this for clamd, whatever CLAMAV_TIMEOUT says.
HEALTH_TIMEOUT = 2.0


def configured() -> bool:
    return bool(settings.CLAMAV_SOCKET or settings.CLAMAV_HOST)


def _client(timeout: float):
    if settings.CLAMAV_SOCKET:
        return ClamdUnixSocket(path=settings.CLAMAV_SOCKET, timeout=timeout)
    return ClamdNetworkSocket(host=settings.CLAMAV_HOST, port=settings.CLAMAV_PORT, timeout=timeout)


CLEAN = "clean"
FLAGGED = "flagged"


def scan(upload) -> str:
    """CLEAN (or not configured), FLAGGED, or UNREACHABLE when clamd cannot say: isf_portal.uploads
    refuses the last two."""
    if not configured():
        return CLEAN
    upload.seek(0)
    try:
        results = _client(settings.CLAMAV_TIMEOUT).instream(upload)
    except (ClamdError, OSError) as exc:
        logger.error("Virus scan unavailable, upload %r refused: %s", upload.name, exc)
        return UNREACHABLE
    finally:
        upload.seek(0)
    answer, signature = next(iter(results.values()), ("ERROR", "no answer"))
    if answer == "FOUND":
        logger.warning("Virus scan flagged upload %r: %s", upload.name, signature)
        return FLAGGED
    if answer != "OK":
        logger.error("Virus scan failed, upload %r refused: %s %s", upload.name, answer, signature)
        return UNREACHABLE
    return CLEAN


def status() -> str:
    """For the health page: not configured, reachable ("ok") or unreachable."""
    if not configured():
        return NOT_CONFIGURED
    try:
        answer = _client(min(settings.CLAMAV_TIMEOUT, HEALTH_TIMEOUT)).ping()
    except (ClamdError, OSError) as exc:
        logger.warning("Health check: ClamAV unreachable: %s", exc)
        return UNREACHABLE
    return REACHABLE if answer == "PONG" else UNREACHABLE
