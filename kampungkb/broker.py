"""Celery's Redis transport, made to survive Redis going away under a worker.

With celery/kombu 5.7, a worker that loses Redis while it holds a message not yet
acknowledged (a refresh queued with a countdown waits in the worker like that,
and so does a running import, which is acknowledged late) closes its channel
again after the connection has been dropped. Putting the message back then fails
with AttributeError ("'NoneType' object has no attribute 'hostname'"), which
celery does not expect: "Unrecoverable error", and the worker exits instead of
reconnecting. Nothing can be put back without a connection anyway, so the
channel does not try; Redis still holds the message in its unacknowledged index
and restores it after the visibility timeout, and what a refresh owes is kept in
the database (dashboards.PendingRefresh) for the periodic sweep.
"""

from kombu.transport import redis


class Channel(redis.Channel):
    def close(self):
        transport = self.connection
        if transport is not None and transport.client is None:
            self.do_restore = False
        super().close()


class Transport(redis.Transport):
    Channel = Channel
