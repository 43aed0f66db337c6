"""The PDF renderer: the agreement PDF (draft, and final with its signature page), with WeasyPrint
from a dedicated print template, in the worker (never in a web request).

WeasyPrint may only read the portal's own static files (the print stylesheet and the font
the project ships): `LocalStaticFetcher` refuses every other URL, http(s), file: elsewhere,
data: and anything else, so a template or a proposal field can never make a render reach the
network or the disk.

Speed: the print stylesheet is parsed, and its fonts loaded, once per process and thread
(`print_stylesheet`), not on every render; Python's cyclic garbage collector is paused while
WeasyPrint renders (`_collector_paused`); see print.css and the print template for what else
keeps a render of a long agreement fast.

Tagging: the PDF is rendered with WeasyPrint's PDF/UA-1 variant (a structure tree, /MarkInfo,
the document language and title, and PDF/UA identification in the XMP metadata). The seal is
an incremental update that keeps all of that; see sealing.py for the signature field.
"""

import gc
import threading
from contextlib import contextmanager
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .models import Agreement

# Relative URLs in print templates resolve against this base; the fetcher maps it onto the
# static files. The path does not exist on disk, so no other fetcher could read through it.
STATIC_BASE_URL = "file:///isf-portal-static/"
PRINT_STYLESHEET = "agreements/print.css"
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


_parsed = threading.local()


def print_stylesheet() -> tuple[CSS, FontConfiguration]:
    """The print stylesheet, parsed with its @font-face rules once per thread and reused.

    A stylesheet linked from the HTML is parsed again on every render, and each font face is
    loaded again (unpacked from WOFF and registered with fontconfig): a fixed cost that is
    most of a one-page render. Per thread, because a font configuration holds Pango and
    fontconfig objects that are not meant to be shared between threads. A changed print.css
    takes effect when the worker restarts, like a code change."""
    parsed = getattr(_parsed, "stylesheet", None)
    if parsed is None:
        font_config = FontConfiguration()
        css = CSS(
            url=STATIC_BASE_URL + PRINT_STYLESHEET,
            url_fetcher=LocalStaticFetcher(),
            font_config=font_config,
        )
        parsed = _parsed.stylesheet = (css, font_config)
    return parsed


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector for the duration of a render.

    A render allocates hundreds of thousands of short-lived objects (boxes, styles, layouts),
    which makes the collector run full collections mid-render, each one walking every object
    in the worker (Django and all): about a sixth of the CPU time of a 20-page agreement. Paused,
    everything the render allocated stays in the youngest generation; one young collection at
    the end frees the render's reference cycles, and memory is back where it started (the peak
    is ~20 MB higher for a 20-page agreement). The collector is turned back on only if it was
    on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect(0)


def render_pdf(
    html: str,
    *,
    fetcher: LocalStaticFetcher | None = None,
    tagged=True,
    print_css=False,
) -> bytes:
    """HTML (from a print template) to PDF bytes, reading only local static files.

    `print_css`: apply the print stylesheet parsed once (`print_stylesheet`); the print
    templates rely on it rather than linking the stylesheet themselves."""
    options = {"pdf_variant": PDF_VARIANT} if tagged else {}
    if print_css:
        css, font_config = print_stylesheet()
        options.update(stylesheets=[css], font_config=font_config)
    with _collector_paused():  # no reference to the document outlives the render
        return HTML(
            string=html, base_url=STATIC_BASE_URL, url_fetcher=fetcher or LocalStaticFetcher()
        ).write_pdf(**options)


def _signature_rows(agreement: Agreement) -> list[dict]:
    rows = []
    for signature in agreement.signatures.select_related("party").order_by("signed_at", "pk"):
        rows.append(
            {
                "organisation": signature.organisation_name,
                "capacity": signature.get_capacity_display(),
                "name": signature.name,
                "job_title": signature.job_title,
                "method": signature.get_method_display(),
                "identity_provider": signature.identity_provider_name,
                "signed_at": timezone.localtime(signature.signed_at),
                "pdf_sha256": signature.pdf_sha256,
            }
        )
    return rows


def column_widths(head: list[str], rows: list[list[str]]) -> list[int]:
    """Percentage widths for a table's columns, from the length of their text: a column of
    sentences gets more room than one of single words, so rows take fewer lines (and a render
    less time) than with equal columns; no column is narrower than its longest word."""
    if any(len(row) != len(head) for row in rows):
        return []  # not a grid: leave the columns equal
    wanted, least = [], []
    for cells in zip(head, *rows, strict=True):
        cells = [str(cell) for cell in cells]
        lengths = [len(cell) for cell in cells]
        longest_word = max((len(word) for cell in cells for word in cell.split()), default=1)
        wanted.append(min(sum(lengths) / len(lengths), 60))
        least.append(min(longest_word * 1.25 + 2, 40))  # a character: ~1.2% of a line
    total = sum(wanted) or 1
    widths = [max(w * 100 / total, m) for w, m in zip(wanted, least, strict=True)]
    scale = 100 / sum(widths)
    return [int(w * scale) for w in widths]


def _print_sections(sections: list[dict]) -> list[dict]:
    """The sections to print: as stored, with column widths added to each table (on copies:
    the stored content is never changed)."""
    printed = []
    for section in sections:
        blocks = [
            {**block, "widths": column_widths(block["head"], block["rows"])}
            if block.get("kind") == "table" and block.get("rows")
            else block
            for block in section.get("blocks", [])
        ]
        printed.append({**section, "blocks": blocks})
    return printed


def agreement_print_context(agreement: Agreement, *, final: bool = False) -> dict:
    content = agreement.content
    return {
        "agreement": agreement,
        "content": content,
        "sections": _print_sections(content.get("sections", [])),
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
    return render_pdf(html, fetcher=fetcher, print_css=True)
