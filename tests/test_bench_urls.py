"""bench/bench_urls.py covers every URL pattern: timed, or listed with a reason.

Adding a URL without saying in bench_urls.TABLE how to fill its arguments (or why
it is not timed) fails here. Nothing is timed: one GET per user and URL on the demo.
"""

import importlib.util
import io
from pathlib import Path

import pytest

from tests.urlwalk import url_patterns

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_urls.py"


@pytest.fixture(scope="module")
def bench_urls():
    spec = importlib.util.spec_from_file_location("bench_urls", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_pattern_is_timed_or_has_a_reason(bench_urls, demo_module):
    out = io.StringIO()
    results, problems = bench_urls.run(
        province="33", kabkota="33.26", city="33.75", requests=0, out=out
    )

    assert problems == []
    assert set(results) == {p.key for p in url_patterns()}
    printed = out.getvalue()
    assert "0 neither" in printed
    timed = {k: r for k, r in results.items() if isinstance(r, dict)}
    assert len(timed) > 100
    # The demo has a row for every picker: the administrator asked each timed
    # page (the staff only those with a row in their kab/kota), and no page gave
    # a server error.
    assert [k for k, r in timed.items() if "admin" not in r] == []
    errors = [
        f"{key} {label} {status} {path}"
        for key, r in timed.items()
        for label, (status, _times, path) in r.items()
        if status >= 500 and key != "healthz"
    ]
    assert errors == []


def test_a_pattern_missing_from_the_table_is_reported(bench_urls, monkeypatch):
    monkeypatch.delitem(bench_urls.TABLE, "child-detail")
    monkeypatch.setitem(bench_urls.TABLE, "gone-page", {})

    _rows, problems = bench_urls.plan(list(url_patterns()))

    assert problems == [
        "child-detail (stunting/anak/<int:pk>/): not in bench_urls.TABLE",
        "gone-page: in bench_urls.TABLE but not in the URL conf",
    ]


def test_the_bench_leaves_no_user_behind(bench_urls, demo_module, django_user_model):
    before = django_user_model.objects.count()
    bench_urls.run(
        province="33",
        kabkota="33.26",
        city="33.75",
        requests=0,
        only="^home$",
        out=io.StringIO(),
    )
    assert django_user_model.objects.count() == before
