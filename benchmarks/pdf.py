"""The agreement PDF benchmark (`make bench`): a long agreement rendered by the production
renderer, timed against a one-page render in the same run. Nothing is written to the database.
"""

import io
import time

from pypdf import PdfReader

from agreements.generation.clauses import ClauseBook
from agreements.generation.content import build_content
from agreements.models import Agreement
from agreements.pdf import render_agreement_pdf, render_pdf


def bench_agreement(*, parties: int, items: int) -> Agreement:
    """An unsaved agreement with `parties` parties and `items` data items, built by the same
    content builder and clause library as a real one (nothing is written)."""
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
<title>One page</title></head>
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
    render_pdf(ONE_PAGE, print_css=True)  # warm up fonts and caches once, for both timings
    one_wall, one_cpu, _pdf = _timed(lambda: render_pdf(ONE_PAGE, print_css=True))
    agreement = bench_agreement(parties=parties, items=items)
    full_wall, full_cpu, pdf = _timed(lambda: render_agreement_pdf(agreement))
    return {
        "parties": parties,
        "data_items": items,
        "agreement_seconds": round(full_wall, 3),
        "agreement_cpu_seconds": round(full_cpu, 3),
        "one_page_seconds": round(one_wall, 3),
        "one_page_cpu_seconds": round(one_cpu, 3),
        "ratio": round(full_wall / one_wall, 1) if one_wall else None,
        "agreement_pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "agreement_bytes": len(pdf),
    }
