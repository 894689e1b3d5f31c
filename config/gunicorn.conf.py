"""gunicorn settings for the web tier: ``gunicorn config.wsgi -c config/gunicorn.conf.py``.

Environment: WEB_CONCURRENCY (worker processes, default 2 per core), GUNICORN_THREADS (threads per
worker; more than 1 switches to the gthread worker), GUNICORN_BIND, GUNICORN_TIMEOUT.

Django requests here are CPU-bound Python (templates, the ORM) with short database waits, so
processes, not threads, give the parallelism (the GIL serialises threads); two per core keep a core
busy while the other waits on PostgreSQL. The app is loaded once in the master (``preload_app``):
workers fork with the settings, URL conf and templates already imported, so a worker restart is
quick and its memory is shared copy-on-write.
"""

from __future__ import annotations

import gc
import multiprocessing
import os

# Web requests run serial PostgreSQL plans (see DB_PARALLEL_WORKERS_PER_GATHER in config/settings.py):
# read before the app is preloaded below.
os.environ.setdefault("DB_PARALLEL_WORKERS_PER_GATHER", "0")

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (jittered so they do not restart together), bounding slow leaks.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
# /dev/shm keeps the heartbeat file off disk, so a busy disk never makes a healthy worker look dead.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def post_fork(server: object, worker: object) -> None:
    """Each worker opens its own database connections: drop any the master opened while preloading."""
    from django.db import connections

    connections.close_all()


def when_ready(server: object) -> None:
    """Before the workers fork: move what the preloaded app allocated (settings, URL conf, templates,
    models) out of the garbage collector's generations, so a worker's full collections do not walk
    (and copy-on-write) those objects on every pass."""
    gc.freeze()
