"""benchmarks/pages.py: one page's in-process costs, measured through the whole middleware
stack with the user's session cookie (make bench reports them for every page type)."""

import pytest
from django.core import signals
from django.db import close_old_connections
from django.urls import reverse

from benchmarks import pages


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: a request's end must not close the connection that
    holds the test's transaction (a real worker closes or keeps it by CONN_MAX_AGE)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_a_page_is_measured_signed_in_through_the_middleware(member_a, proposal):
    costs = pages.measure(
        reverse("requests:detail", args=[proposal.reference]), member_a, renders=3, warm=1
    )

    assert set(costs) == {"cpu_ms_median", "wall_ms_median", "sql_ms_median", "queries"}
    assert costs["queries"] > 0 and costs["cpu_ms_median"] > 0
    assert costs["wall_ms_median"] >= costs["sql_ms_median"]


@pytest.mark.django_db
def test_a_page_that_does_not_answer_200_stops_the_measurement(member_a):
    with pytest.raises(RuntimeError, match="404"):
        pages.measure("/proposals/ISF-0000-00000/", member_a, renders=1, warm=0)


def test_the_table_sums_the_eight_pages_of_the_target():
    costs = {
        name: {"cpu_ms_median": 1.0, "wall_ms_median": 2.0, "sql_ms_median": 0.5, "queries": 3}
        for name in pages.PAGES
    }
    assert pages.table(costs).splitlines()[-1].split() == ["sum", "of", "8", "8.00"]
