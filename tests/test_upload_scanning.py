"""Uploads scanned by a real ClamAV daemon (Debian's clamd), started here with its own config and a
signature database this module writes (ClamAV's own cannot be downloaded here): one body
signature matching tests/upload_files.SCAN_MARKER. Loading one signature, clamd answers in
well under a second."""

import logging
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from isf_portal import scanning, uploads
from sharing_requests import services
from sharing_requests.choices import Section
from tests import upload_files as files
from tests.conftest import fresh, require_service, url

CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"
SIGNATURE = "ISF.Test.UploadMarker"
START_SECONDS = 10
VIRUS = "The selected file contains a virus"
CANNOT_CHECK = "cannot be checked for viruses at the moment. Try again"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ping(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as conn:
            conn.settimeout(0.5)
            conn.connect(str(path))
            conn.sendall(b"nPING\n")
            return conn.recv(16).startswith(b"PONG")
    except OSError:
        return False


@pytest.fixture(scope="module")
def clamd(tmp_path_factory):
    """A clamd of this module's own: a Unix socket and a loopback TCP port, one signature."""
    require_service(
        "clamd",
        Path(CLAMD).exists(),
        "install Debian's clamav-daemon (apt-get install clamav-daemon)",
    )
    home = tmp_path_factory.mktemp("clamd")
    (home / "db").mkdir()
    # A body signature (.ndb): name, any file type (0), anywhere (*), the marker in hex.
    (home / "db" / "isf-test.ndb").write_text(f"{SIGNATURE}:0:*:{files.SCAN_MARKER.hex()}\n")
    port = free_port()
    (home / "clamd.conf").write_text(
        f"DatabaseDirectory {home / 'db'}\n"
        f"LocalSocket {home / 'clamd.sock'}\n"
        f"TCPSocket {port}\nTCPAddr 127.0.0.1\n"
        f"LogFile {home / 'clamd.log'}\nPidFile {home / 'clamd.pid'}\n"
        "Foreground yes\nBytecode no\n"
    )
    process = subprocess.Popen(
        [CLAMD, "--config-file", str(home / "clamd.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + START_SECONDS
    while not ping(home / "clamd.sock"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log = (home / "clamd.log").read_text() if (home / "clamd.log").exists() else ""
            pytest.fail(f"clamd did not start:\n{process.stderr.read().decode()}\n{log}")
        time.sleep(0.05)
    yield {"socket": str(home / "clamd.sock"), "port": port}
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def scanned(settings, clamd):
    settings.CLAMAV_SOCKET = clamd["socket"]
    settings.CLAMAV_TIMEOUT = 5.0
    return clamd


@pytest.fixture
def dpia_proposal(complete_proposal, member_a):
    services.proposal_update(
        proposal=complete_proposal,
        section=Section.PRACTICAL,
        data={"dpia_indicators": ["matching"]},
        by=member_a,
        revision=None,
    )
    return fresh(complete_proposal)


@pytest.fixture
def lead(member_a):
    client = Client()
    client.force_login(member_a, backend="django.contrib.auth.backends.ModelBackend")
    return client


def flagged_pdf() -> bytes:
    """A plain, well-formed PDF that carries the marker in a comment."""
    return files.pdf(comment=b"%" + files.SCAN_MARKER)


# --- Scanning --------------------------------------------------------------------------------
def test_clamd_flags_a_pdf_and_a_word_file_carrying_the_signature(scanned):
    with pytest.raises(uploads.UploadRefused, match=VIRUS):
        uploads.checked_kind(files.upload(flagged_pdf()), kinds=(uploads.PDF,))
    word = files.docx(extra={"word/media/note.txt": files.SCAN_MARKER})
    with pytest.raises(uploads.UploadRefused, match=VIRUS):
        uploads.checked_kind(files.upload(word), kinds=(uploads.PDF, uploads.DOCX))
    assert uploads.checked_kind(files.upload(files.pdf()), kinds=(uploads.PDF,)) == uploads.PDF


def test_clamd_over_tcp_scans_too(settings, clamd):
    settings.CLAMAV_HOST, settings.CLAMAV_PORT = "127.0.0.1", clamd["port"]
    assert scanning.scan(files.upload(flagged_pdf())) == scanning.FLAGGED
    assert scanning.scan(files.upload(files.pdf())) == scanning.CLEAN


@pytest.mark.django_db
def test_a_flagged_dpia_is_refused_with_the_error_summary_and_not_stored(
    scanned, dpia_proposal, lead
):
    p = dpia_proposal
    response = lead.post(
        url("dpia", p),
        {"dpia_reference": "DPIA-9", "dpia_file": SimpleUploadedFile("d.pdf", flagged_pdf())},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert VIRUS in page.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    assert 'value="DPIA-9"' in page
    assert not fresh(p).dpia_file

    clean = SimpleUploadedFile("d.pdf", files.pdf())
    assert lead.post(url("dpia", p), {"dpia_file": clean}).status_code == 302
    assert fresh(p).dpia_file


@pytest.mark.django_db
def test_an_unreachable_clamd_refuses_the_upload_with_try_again_and_logs(
    settings, dpia_proposal, lead, caplog
):
    settings.CLAMAV_HOST, settings.CLAMAV_PORT = "127.0.0.1", free_port()  # nothing listens
    caplog.set_level(logging.ERROR, logger="isf_portal.scanning")
    response = lead.post(
        url("dpia", dpia_proposal), {"dpia_file": SimpleUploadedFile("d.pdf", files.pdf())}
    )
    assert response.status_code == 200
    assert CANNOT_CHECK in response.content.decode()
    assert not fresh(dpia_proposal).dpia_file
    assert "Virus scan unavailable" in caplog.text


def test_a_clamd_that_never_answers_is_given_up_on_after_the_timeout(settings):
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        settings.CLAMAV_HOST, settings.CLAMAV_PORT = "127.0.0.1", silent.getsockname()[1]
        settings.CLAMAV_TIMEOUT = 0.3
        started = time.monotonic()
        with pytest.raises(uploads.UploadRefused, match=CANNOT_CHECK):
            uploads.checked_kind(files.upload(files.pdf()), kinds=(uploads.PDF,))
        assert time.monotonic() - started < 2


# --- Health ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_health_reports_clamd_reachable_or_unreachable_without_failing(client, settings, clamd):
    settings.CLAMAV_SOCKET = clamd["socket"]
    assert client.get("/healthz").json()["clamav"] == "ok"
    settings.CLAMAV_SOCKET = ""
    settings.CLAMAV_HOST, settings.CLAMAV_PORT = "127.0.0.1", free_port()
    response = client.get("/healthz")
    assert response.json()["clamav"] == "unreachable"
    assert response.status_code == 200  # uploads wait; every other page is served
