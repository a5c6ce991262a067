"""gunicorn for Newsroom: `gunicorn -c deploy/gunicorn.conf.py newsroom.wsgi` (see docs/SCALING.md).

Every value comes from the environment, with defaults for one app server behind nginx (and Varnish)
on the same machine.
"""

import multiprocessing
import os

# Where the proxy (or Varnish) reaches this server.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers, one request each: about two per core, as the load tests in docs/PERFORMANCE.md ran.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
# A worker silent this long is killed. Longer than DATABASE_STATEMENT_TIMEOUT, so that a slow query
# ends as an error page from the application rather than as a killed worker and a proxy 502.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", int(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "30")) + 10))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# The proxy keeps connections open between requests; shorter than nginx's upstream keepalive_timeout.
keepalive = 5
# Recycle workers now and then, so that a slow leak never grows without bound (jittered: not all at once).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Only the proxy on this machine may tell gunicorn the client's scheme (X-Forwarded-Proto); Django reads
# it through SECURE_PROXY_SSL_HEADER. The client's address is RATELIMIT_TRUSTED_PROXIES's business.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"


def on_starting(server):
    """Refuse to start with settings that some process would get silently wrong (newsroom/checks.py),
    as `manage.py migrate` and `db_worker` refuse."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("check", fail_level="ERROR")
