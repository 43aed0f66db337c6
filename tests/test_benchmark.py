"""`make bench` at a tiny scale, so its code cannot rot: the same seeding, gunicorn under wrk,
query counts at two sizes, the realistic mix with comments written while it runs, the fan-out
through a real worker and the PDF render."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from isf_portal.services_probe import reachable
from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.integration
def test_the_benchmark_runs_end_to_end_at_a_tiny_scale(tmp_path):
    require_service("PostgreSQL", reachable("127.0.0.1", 5432), "start it on 127.0.0.1:5432")
    require_service("Redis", reachable("127.0.0.1", 6379), "start it on 127.0.0.1:6379")
    require_service("wrk", shutil.which("wrk") is not None, "apt-get install wrk")
    output = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--scale",
            "tiny",
            "--duration",
            "1",
            "--fresh",
            "--output",
            str(output),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    data = json.loads(output.read_text())
    results = {row["name"]: row for row in data["results"]}
    assert data["machine"]["cpus"] >= 1 and data["machine"]["postgresql"]
    assert data["machine"]["python_reference_ms"] > 0
    # Every page answered under load (wrk counts non-2xx answers as errors).
    for name in (
        "trivial",
        "home",
        "dashboard",
        "proposal",
        "review",
        "steering_list",
        "register",
        "register_search",
        "agreement",
    ):
        assert results[f"rps_{name}"]["value"] > 0, name
        assert results[f"rps_{name}"]["errors"] == 0, name
        assert results[f"queries_flat_{name}"]["value"] == 1.0, results[f"queries_flat_{name}"]
    # The realistic mix: signed-in people of several organisations, every URL one they may
    # see (all answered 200), and at 1 and 10 writes/s the comments reached the database.
    population = results["mix_population"]
    assert population["people"] == 40 and population["organisations"] > 5
    assert population["urls"] >= 400 and population["distinct_urls"] > 50
    assert set(population["mix_percent"]) == {
        "proposal",
        "home",
        "dashboard",
        "agreement",
        "review",
        "register",
        "register_search",
        "notifications",
        "insight",
        "public_register",
        "public_register_search",
    }
    for rate in (0, 1, 10):
        mix = results[f"mix_w{rate}_rps"]
        assert mix["errors"] == 0 and mix["not_200"] == 0, mix
        assert results[f"mix_w{rate}_throughput_ratio"]["denominator"] > 0
        writes = results[f"mix_writes_w{rate}"]
        assert writes["made"] == writes["stored"], writes
        assert set(writes["statuses"]) <= {"302"}, writes
    assert sum(results[f"mix_w{rate}_rps"]["requests"] for rate in (0, 1, 10)) > 0
    assert results["mix_writes_w0"]["made"] == 0
    assert results["mix_writes_w10"]["made"] > results["mix_writes_w1"]["made"] > 0
    assert "target" in results["mix_w10_throughput_ratio"]
    if Path("/proc/stat").exists():  # where the CPU went, per request, from Linux's /proc
        for rate in (0, 1, 10):
            spent = results[f"mix_w{rate}_cpu_per_request"]
            assert spent["web"] > 0 and spent["postgresql"] > 0, spent
            assert spent["value"] >= spent["web"] + spent["postgresql"], spent
        # The Celery worker's share is reported (at this scale it can round to 0.00 ms).
        assert results["mix_w10_cpu_per_request"]["worker"] >= 0
        assert "Where the CPU went" in run.stdout
    for kind in population["mix_percent"]:
        # Each type's first URL answered 200 before its load (the run stops otherwise); on a
        # busy machine a 1 s load may finish no request, but none may fail.
        page = results[f"mix_page_{kind}_rps"]
        assert page["not_200"] == 0 and page["errors"] == 0, kind
    assert "Realistic mix: 40 signed-in people" in run.stdout
    # Each page's in-process CPU (benchmarks/pages.py, where present) ran without error.
    assert "page_costs_error" not in results, results.get("page_costs_error")
    assert results["fanout_time"]["decisions"] == 5
    assert results["fanout_emails_sent_time"]["value"] >= results["fanout_time"]["value"]
    assert results["agreement_pdf"]["value"] > 0
    assert results["web_worker_peak_rss"]["value"] > 0
    assert "Written to" in run.stdout
