"""Every task of the project goes to the queue of its kind: imports, refresh or light.

A long import must not hold up the refresh of the figures (tests/e2e/test_replica.py
shows it with a worker per queue), so each task is named in CELERY_TASK_ROUTES; a
new task without a queue fails here rather than landing on "light" by default.
"""

from django.conf import settings

from kampungkb.celery import app

QUEUES = set(settings.WORKER_QUEUES.split(","))


def project_tasks():
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def queue_of(name):
    route = app.amqp.router.route({}, name)
    return route["queue"].name


def test_every_project_task_has_an_explicit_queue_of_a_known_kind():
    tasks = project_tasks()
    assert tasks, "no project task registered"
    missing = [name for name in tasks if name not in settings.CELERY_TASK_ROUTES]
    assert not missing, f"tasks without a queue in CELERY_TASK_ROUTES: {missing}"
    for name in tasks:
        assert queue_of(name) in QUEUES, name


def test_imports_refreshes_and_the_rest_each_have_their_own_queue():
    assert {name: queue_of(name) for name in project_tasks()} == {
        "dashboards.refresh_all": "refresh",
        "dashboards.refresh_pending": "refresh",
        "kampungkb.heartbeat": "light",
        "stunting.import_measurements": "imports",
        "stunting.import_sweep": "light",
    }


def test_a_task_sent_by_name_goes_to_its_queue_too():
    # Beat sends its schedule by name: routes apply to those as well.
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert queue_of(entry["task"]) in QUEUES
    assert queue_of("stunting.import_measurements") == "imports"
