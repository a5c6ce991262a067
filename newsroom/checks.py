"""Start-up checks for production settings that more than one process needs.

What makes every process fail alike stops the settings module itself (a missing SECRET_KEY, DEBUG with
public hosts). What one process would get wrong silently while the others work is an Error here:
`manage.py migrate`, `db_worker` and the other commands run these checks, and so does gunicorn with
deploy/gunicorn.conf.py, so a deployment with such a setting does not start. What only degrades the
site is a Warning. See docs/SCALING.md.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.http.request import split_domain_port, validate_host


@register()
def production_settings(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    problems = []
    if not settings.SITE_URL:
        problems.append(Error(
            "SITE_URL is not set and ALLOWED_HOSTS names no plain host to take it from.",
            hint="Set SITE_URL to the site's public address, e.g. https://news.example.org: emails sent by "
                 "db_worker and the scheduler link to it.",
            id="newsroom.E001",
        ))
    else:
        parts = urlsplit(settings.SITE_URL)
        host, _port = split_domain_port(parts.netloc)
        if parts.scheme not in ("http", "https") or not host or not validate_host(host, settings.ALLOWED_HOSTS):
            problems.append(Error(
                f"SITE_URL ({settings.SITE_URL}) is not an http(s) address on one of ALLOWED_HOSTS.",
                hint="Links in emails sent outside a request would lead to a host this site refuses.",
                id="newsroom.E002",
            ))
    if not settings.RATELIMIT_ENABLED:
        problems.append(Warning(
            "Rate limits are off (RATELIMIT_ENABLED=0): log-ins, sign-ups and forms that send email are unlimited.",
            id="newsroom.W001",
        ))
    return problems
