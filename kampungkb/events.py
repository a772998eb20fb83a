"""The one event domain services send when data that indicators read has changed.

Domain apps never import `dashboards`; they call `data_changed` from their write
services, inside the transaction that makes the change. `dashboards` listens
(see dashboards/apps.py) and records what must be recomputed in the same
transaction, so a change can never be saved without its refresh being owed.
"""

import datetime

from django.dispatch import Signal

# Sent with region_codes (desa/kelurahan or any larger region, by code) and
# since (the earliest date whose figures the change affects).
changed = Signal()


def data_changed(*, region_codes, since: datetime.date | None = None) -> None:
    """Announce that data in these regions, from `since` on, has changed."""
    codes = sorted({code for code in region_codes if code})
    if codes:
        changed.send(sender=None, region_codes=codes, since=since)
