# Microlens production image: gunicorn serves config.wsgi; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so code changes do not reinstall them (psycopg2-binary needs no compiler).
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Static files are collected at build time; production settings need these variables only to load,
# nothing is connected to here.
RUN MICROLENS_MODE=production DJANGO_SECRET_KEY=build-only-not-secret DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
 && rm -f /tmp/build.sqlite3

# Run as an unprivileged user; var/ holds uploaded import files (a volume shared by web and worker).
RUN groupadd --system --gid 1000 microlens \
 && useradd --system --uid 1000 --gid microlens --home-dir /app --shell /usr/sbin/nologin microlens \
 && mkdir -p /app/var/media \
 && chown -R microlens:microlens /app/var
USER microlens

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "-c", "config/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
