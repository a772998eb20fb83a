"""Work that runs after the response: on Celery with a broker, else on one thread.

With a broker (production), `enqueue` hands the task to Celery and nothing here
runs. Without one (the embedded default: SQLite, `make run`), Celery would run the
task inline, inside the request that enqueued it after its commit, so a save would
wait for a refresh. Here it runs instead on one worker thread per process, after
the response: jobs with the same key that are still waiting merge into one (a
burst of saves is refreshed once), each job's database connections are closed
when it ends, and a job's exception is logged with its traceback, never lost.
When the process exits, the thread runs what is still waiting, at once, and ends.

BACKGROUND_TASKS = "inline" runs the work at once instead (the tests' setting,
where figures must be there right after a save).
"""

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)

# How often an idle worker looks whether the process is ending.
_POLL_S = 0.5


class _Worker:
    """One thread running keyed jobs in the order they fall due."""

    def __init__(self):
        self._cond = threading.Condition()
        self._waiting: dict[str, tuple[float, Callable[[], object]]] = {}
        self._running: str | None = None
        self._thread: threading.Thread | None = None

    def submit(self, key: str, job: Callable[[], object], delay: float = 0) -> bool:
        """Queue `job` to run `delay` seconds from now; False if one with this key
        was already waiting (it runs instead, at its own time)."""
        with self._cond:
            new = key not in self._waiting
            if new:
                self._waiting[key] = (time.monotonic() + max(delay, 0), job)
            if self._thread is None or not self._thread.is_alive():
                # Not a daemon: at exit the interpreter waits for the jobs queued.
                self._thread = threading.Thread(
                    target=self._loop, name="kkb-background", daemon=False
                )
                self._thread.start()
            self._cond.notify_all()
            return new

    def _next(self):
        """Block until a job is due (or the process ends); None: stop."""
        with self._cond:
            while True:
                ending = not threading.main_thread().is_alive()
                if not self._waiting:
                    if ending:
                        self._thread = None
                        return None
                    self._cond.wait(_POLL_S)
                    continue
                key, (due, job) = min(self._waiting.items(), key=lambda kv: kv[1][0])
                pause = due - time.monotonic()
                if pause <= 0 or ending:
                    del self._waiting[key]
                    self._running = key
                    return key, job
                self._cond.wait(min(pause, _POLL_S))

    def _loop(self):
        while (picked := self._next()) is not None:
            key, job = picked
            try:
                job()
            except Exception:
                log.exception("Background job %s failed", key)
            finally:
                # This thread's own connections: none is left open between jobs.
                connections.close_all()
                with self._cond:
                    self._running = None
                    self._cond.notify_all()

    def idle(self, timeout: float) -> bool:
        """Wait until no job waits or runs (delays not yet due are cut short);
        False if still busy after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._waiting = {k: (0, job) for k, (_due, job) in self._waiting.items()}
            self._cond.notify_all()
            while self._waiting or self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True


_worker = _Worker()


def run_later(key: str, job: Callable[[], object], *, delay: float = 0) -> bool:
    """Run `job` on this process's background thread; see _Worker.submit."""
    return _worker.submit(key, job, delay)


def wait_idle(timeout: float = 60) -> bool:
    """Wait for the background thread to finish what it has (tests, benches)."""
    return _worker.idle(timeout)


def enqueue(task, *args, countdown: float = 0, key: str | None = None) -> None:
    """Run a Celery task after the response: on a worker through the broker, or
    without a broker on the background thread (inline if BACKGROUND_TASKS says so).

    `key` merges waiting jobs on the thread (default: the task and its arguments).
    A broker failure raises, as `apply_async` does.
    """
    if not settings.CELERY_TASK_ALWAYS_EAGER or settings.BACKGROUND_TASKS == "inline":
        task.apply_async(args=args, countdown=countdown)
        return
    key = key or ":".join([task.name, *map(str, args)])
    run_later(key, lambda: task.apply(args=args, throw=True), delay=countdown)
