"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

from kampungkb.limits import limit_web_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")

application = get_wsgi_application()

# Only web processes cancel slow statements; workers and commands load no wsgi.py.
limit_web_connections()
