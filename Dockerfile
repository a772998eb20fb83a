# One image for the web server, the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# Static files (CSS, plotly.js) are collected into the image and served by WhiteNoise.
RUN SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput

# /app/media exists in the image, owned by the app user, so that a new named volume
# mounted there (docker-compose.yml) starts writable: uploads are saved there.
RUN useradd --create-home --uid 1000 app && mkdir -p /app/media && chown -R app /app
USER app

EXPOSE 8000
# Threads: a slow page holds one thread, not a whole process. With threads,
# gunicorn's --timeout only restarts a worker whose main loop stops answering; it
# never ends a slow request. What bounds one is PostgreSQL's statement_timeout for
# web connections (WEB_STATEMENT_TIMEOUT_S, kampungkb/limits.py): a 503 page after
# 30 s. See "Request time limits" in docs/OPERATIONS.md.
# The access log has paths without their query: a search (?q=) may be a child's name.
CMD ["gunicorn", "kampungkb.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--threads", "2", \
     "--access-logfile", "-", "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s\" %(s)s %(B)s %(M)sms"]
