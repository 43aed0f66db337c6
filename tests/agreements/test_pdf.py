"""The agreement PDF, rendered for real with WeasyPrint: every section and the parties,
escaped user text, the reference and version on every page, tags, the shipped font, and a
URL fetcher that reads nothing but local static files."""

import http.server
import io
import threading

import pytest
from pypdf import PdfReader

from agreements import pdf as renderer
from agreements.generation import services as generation
from agreements.models import Agreement
from benchmarks import pdf as pdf_benchmark

from .proposal_builders import approve, build_proposal

pytestmark = [pytest.mark.django_db, pytest.mark.real_pdf]

SECTION_TITLES = [
    "The parties",
    "Purpose and vision",
    "Data subjects and data items",
    "Lawful basis and conditions",
    "Data protection impact assessment",
    "Transparency: how people are told",
    "Data quality",
    "How the data moves and is kept secure",
    "Retention and deletion",
    "Individuals' rights and requests",
    "Personal data breaches",
    "Complaints",
    "Review of the agreement",
    "Termination and exit",
    "If a party does not comply",
    "Signatories",
]
# The vision's measurable outcome, its baseline and target typed with markup.
OUTCOME = {
    "description": "Fewer <b>falls</b>",
    "measure": "Falls a year",
    "baseline": "120 <i>falls</i>",
    "target": "96 & fewer",
}
MARKUP = '<b>bold</b> <img src="http://127.0.0.1:9/x.png"> & <script>alert(1)</script>'


def text_of(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [" ".join((page.extract_text() or "").split()) for page in reader.pages]


_RENDERED: dict = {}


@pytest.fixture
def rendered(org_a, org_b, member_a, approver_a, approver_b, signatory_a, signatory_b):
    """One real draft, with markup typed into several proposal fields: rendered once for the
    module (the data is the same in every test's database, so is the PDF)."""
    if "pdf" not in _RENDERED:
        _RENDERED["reference"], _RENDERED["pdf"] = _render(
            org_a, org_b, member_a, approver_a, approver_b
        )
    reader, pages = text_of(_RENDERED["pdf"])
    return _RENDERED["reference"], _RENDERED["pdf"], reader, pages


def _render(org_a, org_b, member_a, approver_a, approver_b):
    proposal = build_proposal(
        lead=org_a,
        partners=[org_b],
        author=member_a,
        items=2,
        item_name="<i>Name</i> and address",
        text={
            "problem": MARKUP,
            "data_subjects": "Adults <u>at home</u>",
            "retention": "Two years </td></tr></table><h1>Injected</h1>",
        },
        outcomes=[OUTCOME],
    )
    version = approve(
        proposal, author=member_a, approvers={org_a.pk: approver_a, org_b.pk: approver_b}
    )
    generation.agreement_generate(version_id=version.pk)
    agreement = Agreement.objects.get(version=version)
    with agreement.draft_pdf.open("rb") as handle:
        return agreement.reference, handle.read()


def test_the_pdf_has_every_section_and_the_parties(rendered, org_a, org_b):
    reference, _pdf, _reader, pages = rendered
    text = " ".join(pages)
    for number, title in enumerate(SECTION_TITLES, start=1):
        assert f"{number}. {title}" in text, title
    for organisation in (org_a, org_b):
        assert organisation.name in text
        assert organisation.ico_registration_number in text
        assert organisation.dpo_email in text
    assert "Provider: shares data" in text and "Recipient: receives data" in text
    assert "(e) Public task" in text and "Care Act 2014 s.6" in text
    assert "Article 9 condition" in text
    assert "prevent falls by sharing names, addresses and mobility flags" in text
    assert "Contents" in pages[1]
    assert "Draft for signature" in text


def test_the_reference_version_and_page_number_are_on_every_page(rendered):
    reference, _pdf, _reader, pages = rendered
    assert len(pages) > 3
    for number, page in enumerate(pages, start=1):
        assert f"{reference} · Version 1" in page, number
        assert f"Page {number} of {len(pages)}" in page, number


def test_markup_in_proposal_fields_is_shown_as_text(rendered):
    _reference, _pdf, _reader, pages = rendered
    text = " ".join(pages)
    assert "<b>bold</b>" in text
    assert "<script>alert(1)</script>" in text
    assert "<i>Name</i> and address" in text
    assert "Adults <u>at home</u>" in text
    assert "</td></tr></table><h1>Injected</h1>" in text


def test_the_purpose_shows_each_outcome_with_its_baseline_and_target(rendered):
    _reference, _pdf, _reader, pages = rendered
    text = " ".join(pages)
    # The section itself, after its line in the contents.
    purpose = text[text.rindex("2. Purpose and vision") : text.rindex("3. Data subjects")]
    assert "Measurable outcomes" in purpose
    assert "Outcome How it is measured Baseline Target" in purpose
    assert "Fewer <b>falls</b> Falls a year 120 <i>falls</i> 96 & fewer" in purpose


def test_the_pdf_is_a4_tagged_pdf_ua_with_the_shipped_font(rendered):
    reference, pdf, reader, _pages = rendered
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in xmp or b'pdfuaid:part="1"' in xmp
    assert reader.metadata.title.startswith(reference)
    fonts = set()
    for p in reader.pages:
        for font in (p["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("Atkinson-Hyperlegible" in name for name in fonts), fonts
    assert reader.outline, "headings become bookmarks"


def test_the_fetcher_reads_local_static_files_only():
    fetcher = renderer.LocalStaticFetcher()
    renderer.render_pdf(
        '<html lang="en"><head><title>t</title><link rel="stylesheet" '
        'href="agreements/print.css"></head><body><p>x</p></body></html>',
        fetcher=fetcher,
    )
    assert fetcher.refused == []
    assert renderer.STATIC_BASE_URL + "agreements/print.css" in fetcher.served
    assert any(url.endswith(".woff") for url in fetcher.served)


def test_the_print_stylesheet_is_parsed_once_and_the_template_fetches_nothing():
    """The stylesheet and its fonts are loaded once per process; the print template links
    nothing, so a render asks the fetcher for nothing at all."""
    assert renderer.print_stylesheet() is renderer.print_stylesheet()
    agreement = pdf_benchmark.bench_agreement(parties=2, items=3)
    fetcher = renderer.LocalStaticFetcher()
    pdf = renderer.render_agreement_pdf(agreement, fetcher=fetcher)
    assert fetcher.served == [] and fetcher.refused == []
    _reader, pages = text_of(pdf)
    assert "1. The parties" in " ".join(pages)


def test_table_columns_are_as_wide_as_their_text_needs():
    head = ["Data item", "Category", "How identifiable", "Why it is needed"]
    row = ["Name", "Personal data", "Identifiable", "To decide who is offered a visit first. " * 3]
    widths = renderer.column_widths(head, [row] * 5)
    assert len(widths) == 4 and 95 <= sum(widths) <= 100
    assert widths[3] == max(widths) and widths[3] > 35
    # No column narrower than its longest word ("Identifiable": ~17% of the line).
    assert widths[2] >= 16
    assert renderer.column_widths(["A", "B"], [["only one cell"]]) == []


class Counter(http.server.BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802
        Counter.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


def test_a_template_with_http_or_file_urls_fetches_nothing(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    image = tmp_path / "secret.png"
    # A real 1x1 PNG: were it fetched, the PDF would contain an image.
    image.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        )
    )
    urls = [
        f"http://127.0.0.1:{port}/style.css",
        f"http://127.0.0.1:{port}/tracker.png",
        f"file://{image}",
        "file:///etc/passwd",
        f"{renderer.STATIC_BASE_URL}../../../etc/passwd",
        f"{renderer.STATIC_BASE_URL}agreements/../../agreements/print.css",
    ]
    html = f"""<html lang="en"><head><title>t</title>
      <link rel="stylesheet" href="{urls[0]}">
      <style>@import url("{urls[3]}");</style></head>
      <body><img src="{urls[1]}" alt=""><img src="{urls[2]}" alt="">
      <img src="{urls[4]}" alt=""><link rel="stylesheet" href="{urls[5]}">
      <iframe src="{urls[0]}"></iframe><object data="{urls[2]}"></object></body></html>"""
    fetcher = renderer.LocalStaticFetcher()
    try:
        pdf = renderer.render_pdf(html, fetcher=fetcher)
    finally:
        server.shutdown()

    assert Counter.hits == []
    assert fetcher.served == []
    assert {url.split("?")[0] for url in fetcher.refused} >= {urls[0], urls[1], urls[2], urls[3]}
    reader = PdfReader(io.BytesIO(pdf))
    assert all(not page.images for page in reader.pages)


def test_benchmark_reports_both_timings_at_a_tiny_scale():
    result = pdf_benchmark.benchmark(parties=2, items=3)
    assert result["parties"] == 2 and result["data_items"] == 3
    assert result["agreement_seconds"] > 0 and result["one_page_seconds"] > 0
    assert result["agreement_cpu_seconds"] > 0 and result["agreement_pages"] >= 4
    assert result["ratio"] >= 1
    assert result["agreement_bytes"] > 10_000
