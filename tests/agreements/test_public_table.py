"""The public register's entries, written in Python: every value escaped."""

import datetime
from types import SimpleNamespace

from agreements.public_table import public_entries_html


def test_every_value_of_an_entry_is_escaped():
    agreement = SimpleNamespace(
        reference="DSA-2026-00001",
        title='<script>alert("t")</script>',
        start_date=datetime.date(2026, 1, 2),
        end_date=None,
        review_date=datetime.date(2027, 3, 4),
    )
    html = public_entries_html(
        [{"agreement": agreement, "parties": ["A & B", "<i>C</i>"], "purpose": "<b>why</b>"}]
    )

    assert "<script>" not in html and "&lt;script&gt;alert(&quot;t&quot;)" in html
    assert "A &amp; B, &lt;i&gt;C&lt;/i&gt;" in html
    assert "&lt;b&gt;why&lt;/b&gt;" in html
    assert 'href="/register/public/DSA-2026-00001/"' in html
    assert "In force since 2 January 2026 · review due 4 March 2027" in html
