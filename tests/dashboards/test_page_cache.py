"""Drawn dashboard parts are reused until the figures behind them are refreshed."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.refresh import snapshot_refresh
from villages.models import Region
from villages.services import kampung_create

YEAR = 2024


def _formed_cell(client):
    html = client.get(f"/dashboard/33.75/?tahun={YEAR}").content.decode()
    start = html.index('id="indicator-table"')
    # The Pekalongan Barat row: its "Kampung KB terbentuk" cell follows its code.
    row = html[html.index("33.75.01</span>", start) :]
    return row[row.index('data-value="') :].split('"')[1]


def test_a_refresh_shows_new_figures_and_an_unchanged_page_is_not_redrawn(
    admin_client_logged_in, kota_pekalongan
):
    snapshot_refresh(years=[YEAR])
    assert _formed_cell(admin_client_logged_in) == "0"  # no Kampung KB yet
    with CaptureQueriesContext(connection) as drawn_again:
        _formed_cell(admin_client_logged_in)
    snapshot_reads = [q for q in drawn_again if "dashboards_snapshot" in q["sql"]]
    # Reused: only the series and the "data as of" time are read, not the children.
    assert not any('"parent_code"' in q["sql"] for q in snapshot_reads)

    kampung_create(
        region=Region.objects.get(code="33.75.01.1009"),
        formed_on=datetime.date(2023, 6, 14),
    )
    snapshot_refresh(years=[YEAR])
    assert _formed_cell(admin_client_logged_in) == "1"
