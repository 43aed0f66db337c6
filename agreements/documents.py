"""Renderers: the agreement PDF (draft, and final with its signature page), with WeasyPrint
from a dedicated print template, in the worker (never in a web request).

WeasyPrint may only read the portal's own static files (the print stylesheet and the font
the project ships): `LocalStaticFetcher` refuses every other URL, http(s), file: elsewhere,
data: and anything else, so a template or a proposal field can never make a render reach the
network or the disk.

Tagging: the PDF is rendered with WeasyPrint's PDF/UA-1 variant (a structure tree, /MarkInfo,
the document language and title, and PDF/UA identification in the XMP metadata). The seal is
an incremental update that keeps all of that; see sealing.py for the signature field.
"""

import io
import time
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .models import Agreement

try:  # pypdf is a development dependency: the benchmark counts pages when it is there
    from pypdf import PdfReader
except ImportError:  # pragma: no cover
    PdfReader = None

# Relative URLs in print templates resolve against this base; the fetcher maps it onto the
# static files. The path does not exist on disk, so no other fetcher could read through it.
STATIC_BASE_URL = "file:///isf-portal-static/"
PDF_VARIANT = "pdf/ua-1"
CONTENT_TYPES = {
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


class RefusedURL(ValueError):
    """A render asked for something other than a local static file."""


class LocalStaticFetcher(URLFetcher):
    """Serves only files found by Django's static files finders, under STATIC_BASE_URL.

    Keeps a list of what it served and what it refused, for tests and logs."""

    def __init__(self):
        super().__init__(timeout=1, allowed_protocols=())
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        path = self._static_path(url)
        if path is None:
            self.refused.append(url)
            raise RefusedURL(f"Refused to fetch {url!r}: only local static files are read")
        self.served.append(url)
        return URLFetcherResponse(
            url,
            body=path.read_bytes(),
            headers={"Content-Type": CONTENT_TYPES.get(path.suffix, "application/octet-stream")},
        )

    @staticmethod
    def _static_path(url: str) -> Path | None:
        if not url.startswith(STATIC_BASE_URL):
            return None
        relative = url[len(STATIC_BASE_URL) :].split("?", 1)[0].split("#", 1)[0]
        parts = relative.split("/")
        if not relative or any(part in ("", ".", "..") for part in parts) or "\\" in relative:
            return None
        if Path(relative).suffix not in CONTENT_TYPES:
            return None
        try:
            found = finders.find(relative)
        except Exception:  # a suspicious path: refuse, never raise past WeasyPrint
            return None
        if not found:
            return None
        path = Path(found).resolve()
        return path if path.is_file() else None


def render_pdf(html: str, *, fetcher: LocalStaticFetcher | None = None, tagged=True) -> bytes:
    """HTML (from a print template) to PDF bytes, reading only local static files."""
    document = HTML(
        string=html, base_url=STATIC_BASE_URL, url_fetcher=fetcher or LocalStaticFetcher()
    )
    options = {"pdf_variant": PDF_VARIANT} if tagged else {}
    return document.write_pdf(**options)


def _signature_rows(agreement: Agreement) -> list[dict]:
    rows = []
    for signature in agreement.signatures.select_related("party").order_by("signed_at", "pk"):
        rows.append(
            {
                "organisation": signature.organisation_name,
                "capacity": signature.get_capacity_display(),
                "name": signature.name,
                "job_title": signature.job_title,
                "signed_at": timezone.localtime(signature.signed_at),
                "pdf_sha256": signature.pdf_sha256,
            }
        )
    return rows


def agreement_print_context(agreement: Agreement, *, final: bool = False) -> dict:
    content = agreement.content
    return {
        "agreement": agreement,
        "content": content,
        "sections": content.get("sections", []),
        "final": final,
        "signatures": _signature_rows(agreement) if final else [],
        "draft_sha256": agreement.draft_sha256,
        "sealed_on": timezone.localdate() if final else None,
        "document_title": f"{content.get('reference', agreement.reference)}: "
        f"{content.get('title', agreement.title)}",
    }


def render_agreement_pdf(agreement: Agreement, *, final: bool = False, fetcher=None) -> bytes:
    """The agreement as a PDF: the draft to sign, or (final=True) the agreement with its
    signature page, ready to be sealed."""
    html = render_to_string(
        "agreements/pdf/agreement.html", agreement_print_context(agreement, final=final)
    )
    return render_pdf(html, fetcher=fetcher)


# --- Benchmark (make bench) -----------------------------------------------------------------
def _bench_agreement(*, parties: int, items: int) -> Agreement:
    """An unsaved agreement with `parties` parties and `items` data items, built by the same
    content builder and clause library as a real one (nothing is written)."""
    from .generation import ClauseBook, build_content

    participants = [
        {
            "organisation_id": n,
            "name": f"Benchmark Borough Council {n}",
            "short_name": f"BBC{n}",
            "sector": "Local authority",
            "ico_registration_number": f"Z{n:07d}",
            "dpo_name": f"Data Protection Officer {n}",
            "dpo_email": f"dpo{n}@bench.example",
            "is_lead": n == 1,
            "role": "Both provides and receives data",
            "controller_role": "Controller (decides its own purposes and means)",
            "contact_name": f"Contact {n}",
            "contact_email": f"contact{n}@bench.example",
            "lawful_bases": [
                {
                    "direction": direction,
                    "article6": "(e) Public task",
                    "annex1_condition": "",
                    "legal_power": "Care Act 2014 s.6 (co-operation)",
                    "article9": "(h) Health or social care",
                    "schedule1": "2: Health or social care purposes",
                    "criminal_schedule1": "",
                    "law_enforcement": False,
                    "notes": "",
                }
                for direction in ("Disclosing (as a provider)", "Receiving and using")
            ],
        }
        for n in range(1, parties + 1)
    ]
    snapshot = {
        "reference": "ISF-BENCH-0001",
        "title": "Benchmark agreement",
        "problem": "A problem statement of a few sentences. " * 4,
        "benefits": "Expected benefits of a few sentences. " * 4,
        "data_subjects": "Adults receiving care at home across Greater Manchester",
        "vision": {"text": "For older people who are more likely to fall, the scheme will help."},
        "outcomes": [{"description": "Fewer falls", "measure": "Falls a year", "target": "10%"}],
        "data_items": [
            {
                "name": f"Data item {n}",
                "category": "Special category data (UK GDPR Article 9)",
                "category_code": "special",
                "identifiability": "Identifiable",
                "is_health_or_care": n % 2 == 0,
                "necessity": "Needed to decide who is offered a visit first. " * 2,
            }
            for n in range(1, items + 1)
        ],
        "participants": participants,
        "dpia": {"screened": True, "explanation": "A DPIA is required.", "reference": "D-1"},
        "actions": [],
        "review_date": "2027-01-01",
        "end_date": "2029-01-01",
    }
    content = build_content(
        snapshot=snapshot,
        reference="DSA-BENCH-0001",
        title="Benchmark agreement",
        agreement_version=1,
        proposal_version=1,
        capacities={p["organisation_id"]: ["siro", "caldicott"] for p in participants},
        clauses=ClauseBook(),
    )
    return Agreement(reference="DSA-BENCH-0001", title="Benchmark agreement", content=content)


ONE_PAGE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>One page</title><link rel="stylesheet" href="agreements/print.css"></head>
<body><h1>One page</h1><p>A single page rendered with the same stylesheet and font.</p></body>
</html>"""


def _timed(function) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result): CPU time shows the render's own
    cost on a machine that is busy with other work."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def benchmark(*, parties: int = 10, items: int = 40) -> dict:
    """Seconds to render the agreement PDF of a proposal with `parties` parties and `items`
    data items, against a one-page WeasyPrint render in the same run (for `make bench`)."""
    render_pdf(ONE_PAGE)  # warm up fonts and caches once, for both timings alike
    one_wall, one_cpu, _pdf = _timed(lambda: render_pdf(ONE_PAGE))
    agreement = _bench_agreement(parties=parties, items=items)
    full_wall, full_cpu, pdf = _timed(lambda: render_agreement_pdf(agreement))
    return {
        "parties": parties,
        "data_items": items,
        "agreement_seconds": round(full_wall, 3),
        "agreement_cpu_seconds": round(full_cpu, 3),
        "one_page_seconds": round(one_wall, 3),
        "one_page_cpu_seconds": round(one_cpu, 3),
        "ratio": round(full_wall / one_wall, 1) if one_wall else None,
        "agreement_pages": len(PdfReader(io.BytesIO(pdf)).pages) if PdfReader else None,
        "agreement_bytes": len(pdf),
    }
