"""Time the field app's bundle and sync (issue 16) at province scale.

Usage (a copy of the province database: the script writes to it, then deletes
what it wrote; never the original):
    createdb -T kampungkb_synthbench kampungkb_syncbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kampungkb_syncbench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/13 \\
    SECRET_KEY=bench .venv/bin/python bench/bench_sync.py [--entries 100] [--repeat 3]

A broker with no worker keeps the dashboards' refresh out of the timings: a
save only queues it, as in production.

Measured, as ratios in one run (the machine is shared):
- the bundle (GET /lapangan/paket/) for a PLKB of the desa with the most
  children against one of a desa with few: its queries must not grow with the
  children, its time only with what it sends;
- syncing N measurements in one POST /lapangan/sinkron/ against N saves of the
  web form (the per-entry cost of the phone's path against the page's);
- resending the same batch (every entry replayed, nothing saved) against the
  first send.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from kampungkb.models import Role, User
    from stunting.models import Child, Measurement
    from villages.models import FieldOfficer, OfficerAssignment

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    per_desa = Child.objects.values("region_id").annotate(n=Count("id"))
    largest = per_desa.order_by("-n").first()
    smallest = per_desa.filter(n__gte=5).order_by("n").first()
    made_users = []

    def plkb_of(code):
        user = User.objects.create_user(
            f"bench-sync-{uuid.uuid4().hex[:8]}", password="x", role=Role.PLKB
        )
        officer = FieldOfficer.objects.create(name="Bench", user=user)
        OfficerAssignment.objects.create(officer=officer, region_id=code)
        made_users.append(user)
        client = Client()
        client.force_login(user)
        return client

    def timed(call):
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = call()
                times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.content[:300]
        return statistics.median(times) * 1000, len(queries), response

    made_ids = []
    try:
        rows = []
        for label, row in (("few", smallest), ("most", largest)):
            client = plkb_of(row["region_id"])
            ms, queries, response = timed(
                lambda c=client: c.get(reverse("field-bundle"))
            )
            size = len(response.content)
            packed = client.get(reverse("field-bundle"), HTTP_ACCEPT_ENCODING="gzip")
            assert packed["Content-Encoding"] == "gzip"
            rows.append((ms, queries))
            print(
                f"bundle, desa with {label} children ({row['n']:,}): "
                f"{ms:.0f} ms, {queries} queries, {size / 1024:.0f} KiB, "
                f"{len(packed.content) / 1024:.0f} KiB gzipped"
            )
        print(
            f"bundle ratio most/few: time {rows[1][0] / rows[0][0]:.1f}x, "
            f"queries {rows[1][1]}/{rows[0][1]}, children "
            f"{largest['n'] / smallest['n']:.1f}x"
        )

        client = plkb_of(largest["region_id"])
        # Days nobody measured them on: the synthetic data ends in 2025.
        first_day = datetime.date(2026, 1, 5)
        children = list(
            Child.objects.filter(
                region_id=largest["region_id"],
                birth_date__gt=first_day - datetime.timedelta(days=1800),
                birth_date__lt=first_day - datetime.timedelta(days=30),
            ).order_by("id")[: args.entries]
        )

        def measured(child, day):
            return "lying" if (day - child.birth_date).days < 731 else "standing"

        def entries(day):
            return [
                {
                    "id": str(uuid.uuid4()),
                    "kind": "measurement",
                    "child": child.pk,
                    "child_sex": child.sex,
                    "child_birth_date": child.birth_date.isoformat(),
                    "child_version": child.updated_at.isoformat(),
                    "data": {
                        "measured_on": day.isoformat(),
                        "weight_kg": "9.5",
                        "height_cm": "75.0",
                        "measured": measured(child, day),
                        "oedema": False,
                        "place": "posyandu",
                        "posyandu": "",
                    },
                }
                for child in children
            ]

        def send(batch):
            start = time.perf_counter()
            response = client.post(
                reverse("field-sync"),
                data=json.dumps({"device": str(uuid.uuid4()), "entries": batch}),
                content_type="application/json",
            )
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, response.content[:300]
            statuses = [r["status"] for r in response.json()["results"]]
            assert statuses == ["saved"] * len(batch), response.json()["results"][:2]
            return elapsed

        batch = entries(first_day)
        n = len(batch)
        sync_s = send(batch)
        replay_s = send(batch)
        made_ids.extend(
            Measurement.objects.filter(
                child__in=children, measured_on=first_day
            ).values_list("pk", flat=True)
        )

        day = first_day + datetime.timedelta(days=1)
        start = time.perf_counter()
        for child in children:
            response = client.post(
                reverse("measurement-create", args=[child.pk]),
                {
                    "measured_on": day.isoformat(),
                    "weight_kg": "9.5",
                    "height_cm": "75.0",
                    "measured": measured(child, day),
                    "place": "posyandu",
                },
            )
            assert response.status_code == 302, response.content[:300]
        form_s = time.perf_counter() - start
        made_ids.extend(
            Measurement.objects.filter(child__in=children, measured_on=day).values_list(
                "pk", flat=True
            )
        )
        print(
            f"{n} measurements: one sync {sync_s * 1000:.0f} ms "
            f"({sync_s / n * 1000:.1f} ms each), {n} form saves {form_s * 1000:.0f} ms "
            f"({form_s / n * 1000:.1f} ms each); sync/forms {sync_s / form_s:.2f}"
        )
        print(
            f"resending the batch (all replayed): {replay_s * 1000:.0f} ms; "
            f"replay/first {replay_s / sync_s:.2f}"
        )
    finally:
        Measurement.objects.filter(pk__in=made_ids).delete()
        for user in made_users:
            FieldOfficer.objects.filter(user=user).delete()
            user.delete()


if __name__ == "__main__":
    main()
