"""Newsroom settings: the one settings module, driven by environment variables.

Development: `DEBUG=1` (the Makefile sets it). Production: `DEBUG=0` and a
`SECRET_KEY`; start-up stops if either is wrong. See DESIGN.md §3 for the list.
"""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from xstatic.pkg import bootstrap as xstatic_bootstrap

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production refuses to start without one; "
            "for development run with DEBUG=1 (make run does)."
        )
    SECRET_KEY = "django-insecure-development-only-key"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks_db",
    "anymail",
    "allauth",
    "allauth.account",
    "allauth.mfa",  # two-factor: required for staff (newsroom/two_factor.py)
    "allauth.usersessions",  # the account page's sessions and devices
    "newsroom",
    "articles",
    "submissions",
    "submissions.takedowns",
]

MIDDLEWARE = [
    # Outermost: it decides what a shared cache may store from the final response (newsroom/http_cache.py).
    "newsroom.http_cache.SharedCacheHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",  # tracking off: USERSESSIONS_TRACK_ACTIVITY
    "newsroom.two_factor.StaffTwoFactorMiddleware",  # staff pages need a second factor
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "newsroom.public_cache.PublicPageCacheMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# A database that stops answering must not hold every request until gunicorn's timeout: connecting
# gives up after DATABASE_CONNECT_TIMEOUT seconds, a statement after DATABASE_STATEMENT_TIMEOUT.
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
DATABASE_STATEMENT_TIMEOUT = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "30"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections persist like PostgreSQL's (conn_max_age above): opening a SQLite file and reading its
    # schema costs about 2 ms, more than serving a cached page.
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed while one writer writes; IMMEDIATE plus a busy
        # timeout makes concurrent writers wait for the lock instead of failing (SQLite's only timeout).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": DATABASE_STATEMENT_TIMEOUT,
    }
    # A file, not memory, so that the browser tests' live server gets its own connection
    # (Django shares one in-memory connection across threads), as in production.
    # One file per test process, so parallel test runs never share one.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"newsroom-test-{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "connect_timeout": DATABASE_CONNECT_TIMEOUT,
        "options": f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000}",
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Redis answers in well under a millisecond: past these a call gives up and the page renders uncached.
REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.5"))
# After a failure, each process leaves Redis alone this long before trying again (newsroom/cache.py).
REDIS_RETRY_SECONDS = float(os.environ.get("REDIS_RETRY_SECONDS", "5"))
if REDIS_URL:
    # Redis failing degrades the site (misses, no-ops, one log line) instead of breaking it.
    CACHES = {"default": {"BACKEND": "newsroom.cache.RedisCache", "LOCATION": REDIS_URL, "OPTIONS": {
        "socket_connect_timeout": REDIS_SOCKET_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT,
    }}}
else:
    # Whole pages and page fragments share it: room for a few thousand (the default 300 would churn).
    # Rate-limit counters are not kept here (they live in the database: newsroom/ratelimit.py).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "newsroom",
                          "OPTIONS": {"MAX_ENTRIES": 3000}}}

# --- Background tasks -----------------------------------------------------
TASKS = {
    "default": {
        # Development and tests run tasks at once; production queues them for `manage.py worker`.
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django.tasks.backends.immediate.ImmediateBackend" if DEBUG else "django_tasks_db.DatabaseBackend",
        ),
        # Separate queues so that separate workers serve them: a hanging mail server holds back no cover.
        "QUEUES": ["default", "mail", "covers"],
    }
}
# `manage.py worker` (newsroom/background.py): a failed task runs again after BACKOFF x 2^(attempt - 1) seconds,
# up to MAX_ATTEMPTS attempts in all; a RUNNING task whose worker has not heartbeated for LEASE seconds is handed back.
TASK_RETRY_MAX_ATTEMPTS = int(os.environ.get("TASK_RETRY_MAX_ATTEMPTS", "8"))
TASK_RETRY_BACKOFF_SECONDS = float(os.environ.get("TASK_RETRY_BACKOFF_SECONDS", "30"))
TASK_LEASE_SECONDS = float(os.environ.get("TASK_LEASE_SECONDS", "60"))

# --- The clock (newsroom/jobs.py, `manage.py scheduler`) ----------------------
# One scheduler enqueues the periodic jobs; others wait. Its lease lasts this long and is renewed every third of
# it, so a standby takes over within about this many seconds of the active scheduler's death.
SCHEDULER_LEASE_SECONDS = int(os.environ.get("SCHEDULER_LEASE_SECONDS", "15"))
# django-crontask: with Redis its own lock is the lease; without, a database row is (newsroom/scheduler.py).
CRONTASK = {"REDIS_URL": os.environ.get("REDIS_URL") or None, "LOCK_TIMEOUT": SCHEDULER_LEASE_SECONDS}
# Finished task results (the admin's history of emails, covers and jobs) are pruned daily after this many days.
TASK_RESULTS_KEEP_DAYS = int(os.environ.get("TASK_RESULTS_KEEP_DAYS", "14"))

# --- Authentication -------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "articles:home"
LOGOUT_REDIRECT_URL = "articles:home"
# The admin's log-in is allauth's too (newsroom/accounts.py), so every log-in passes the second factor.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]  # by username or email

# --- Accounts (django-allauth; newsroom/accounts.py) ----------------------
ACCOUNT_ADAPTER = "newsroom.accounts.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "newsroom.accounts.LoginForm",
    "signup": "newsroom.accounts.SignupForm",
    "reset_password": "newsroom.accounts.ResetPasswordForm",
    "reset_password_from_key": "newsroom.accounts.ResetPasswordKeyForm",
    "change_password": "newsroom.accounts.ChangePasswordForm",
}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up and password reset answer alike whether or not an address has an account; sign-up emails
# the existing owner instead. An unknown address gets no email at all (no mail to strangers).
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# A confirmation link proves the address, not who opens it: it never signs anybody in.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_EMAIL_CONFIRMATION_HMAC = True
ACCOUNT_CHANGE_EMAIL = True  # a new address replaces the old one once confirmed
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_USER_DISPLAY = "newsroom.accounts.user_display"
# allauth counts its limits in the cache, which is per process without Redis: every limit is ours
# instead (newsroom/ratelimit.py, shared by all processes), see newsroom/accounts.py.
ACCOUNT_RATE_LIMITS = False
# Sessions are recorded at log-in (IP, browser, time: allauth.usersessions) for the account page. Tracking each request
# (last seen) is off: it costs nothing for anonymous readers but a read, a write and two savepoints on every signed-in
# request, and on SQLite each such write takes the database's write lock. The middleware stays, so this turns it on.
USERSESSIONS_TRACK_ACTIVITY = False

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/bootstrap", xstatic_bootstrap.BASE_DIR)]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))


def media_storage(environ):
    """Media in an S3 bucket: (the STORAGES entry, the origins its files are fetched from), or (None, [])
    without MEDIA_S3_BUCKET. Public files (covers, avatars) come unsigned from the custom domain (a CDN) or
    the bucket; private ones (contributors' photos) with a signed, expiring URL from the bucket (newsroom/storage.py).
    """
    bucket = environ.get("MEDIA_S3_BUCKET", "")
    if not bucket:
        return None, []
    endpoint = environ.get("MEDIA_S3_ENDPOINT_URL", "")
    region = environ.get("MEDIA_S3_REGION", "")
    domain = environ.get("MEDIA_S3_CUSTOM_DOMAIN", "")
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint or None,
        "region_name": region or None,
        # Without keys, boto3 finds credentials itself (an instance role, ~/.aws).
        "access_key": environ.get("MEDIA_S3_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
        "custom_domain": domain or None,
        # S3-compatible services (MinIO, Ceph, R2...) take the bucket in the path; AWS in the host name.
        "addressing_style": "path" if endpoint else "virtual",
        "signature_version": "s3v4",
        "querystring_expire": int(environ.get("MEDIA_S3_SIGNED_URL_SECONDS", "3600")),
        "public_acl": environ.get("MEDIA_S3_PUBLIC_ACL", "public-read"),
    }
    if endpoint:
        parts = urlsplit(endpoint)
        origins = [f"{parts.scheme}://{parts.netloc}"]
    elif region and region != "us-east-1":
        origins = [f"https://{bucket}.s3.{region}.amazonaws.com"]
    else:
        origins = [f"https://{bucket}.s3.amazonaws.com"]
    if domain:
        origins.append(f"https://{domain}")
    return {"BACKEND": "newsroom.storage.MediaStorage", "OPTIONS": options}, origins


_s3_media, MEDIA_ORIGINS = media_storage(os.environ)
# Django serves media itself only in development, from MEDIA_ROOT; production uses the proxy or object storage.
SERVE_MEDIA = DEBUG and _s3_media is None
STORAGES = {
    "default": _s3_media or {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email (Django 6.1 mailers, mapped from the EMAIL_* variables) ---------
_email_backend = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
_email_options = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        # Seconds each network operation may wait: a mail server that stops answering fails the attempt (retried).
        "timeout": float(os.environ.get("EMAIL_TIMEOUT", "10")),
    }
elif _email_backend.endswith("filebased.EmailBackend"):
    _email_options = {"file_path": os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))}
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Newsroom <newsroom@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
COPYRIGHT_EMAIL = os.environ.get("COPYRIGHT_EMAIL", "copyright@localhost")

# --- Incoming mail (newsroom/inbound.py) -----------------------------------
# Mail to SUBMISSIONS_EMAIL becomes a guest submission waiting for its emailed confirmation
# (submissions/stories_by_email.py); empty: stories by email are off.
SUBMISSIONS_EMAIL = os.environ.get("SUBMISSIONS_EMAIL", "")
# The section a story by email is filed in (the form requires one; the moderator may change it): the category with
# this slug, else the first in menu order.
SUBMISSIONS_EMAIL_CATEGORY = os.environ.get("SUBMISSIONS_EMAIL_CATEGORY", "other")
# A person whose story by email is refused for a reason they can fix gets one short explanation per window
# (count, seconds) per address; automatic mail never gets one.
SUBMISSIONS_EMAIL_REFUSAL_RATE_LIMIT = (1, 24 * 60 * 60)
# Further routes, recipient address -> route name (a handler an app registers with newsroom.inbound.register()).
MAIL_INTAKE_ROUTES = {}
# A message whose handler fails is retried by each run, and quarantined after this many failures.
MAIL_INTAKE_MAX_ATTEMPTS = int(os.environ.get("MAIL_INTAKE_MAX_ATTEMPTS", "3"))
# The mailbox `ingest_mail` and the scheduler read: MAIL_IMAP_* when MAIL_IMAP_HOST is set, else the older
# TAKEDOWN_IMAP_* names (the copyright mailbox). Implicit TLS by default; handled mail is moved to DONE_FOLDER,
# quarantined mail to QUARANTINE_FOLDER. Folder names may be Korean (sent in IMAP's modified UTF-7).
MAIL_IMAP_HOST = os.environ.get("MAIL_IMAP_HOST", "")
MAIL_IMAP_PORT = int(os.environ.get("MAIL_IMAP_PORT", "993"))
MAIL_IMAP_USER = os.environ.get("MAIL_IMAP_USER", "")
MAIL_IMAP_PASSWORD = os.environ.get("MAIL_IMAP_PASSWORD", "")
MAIL_IMAP_FOLDER = os.environ.get("MAIL_IMAP_FOLDER", "INBOX")
MAIL_IMAP_SSL = env_bool("MAIL_IMAP_SSL", True)
MAIL_IMAP_STARTTLS = env_bool("MAIL_IMAP_STARTTLS", False)
MAIL_IMAP_CA_FILE = os.environ.get("MAIL_IMAP_CA_FILE", "")  # a private CA; empty: the system's
MAIL_IMAP_DONE_FOLDER = os.environ.get("MAIL_IMAP_DONE_FOLDER", "Processed")
MAIL_IMAP_QUARANTINE_FOLDER = os.environ.get("MAIL_IMAP_QUARANTINE_FOLDER", "Quarantine")
TAKEDOWN_IMAP_HOST = os.environ.get("TAKEDOWN_IMAP_HOST", "")
TAKEDOWN_IMAP_PORT = int(os.environ.get("TAKEDOWN_IMAP_PORT", "993"))
TAKEDOWN_IMAP_USER = os.environ.get("TAKEDOWN_IMAP_USER", "")
TAKEDOWN_IMAP_PASSWORD = os.environ.get("TAKEDOWN_IMAP_PASSWORD", "")
TAKEDOWN_IMAP_FOLDER = os.environ.get("TAKEDOWN_IMAP_FOLDER", "INBOX")

# --- Security -------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *MEDIA_ORIGINS],  # covers and photos from object storage, when it is used
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Forms ----------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Site -----------------------------------------------------------------
SITE_NAME = "Newsroom"

# Anonymous readers get whole pages from the cache (newsroom/public_cache.py).
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "600"))
PUBLIC_CACHE_VIEWS = {
    "articles:home", "articles:detail", "articles:category", "articles:tag", "articles:author",
    "articles:search", "articles:feed", "articles:page", ":sitemap", ":sitemap_section",
}
# Everyone, signed in or not, gets the story, card and page-frame fragments from the cache
# ({% fragment %} in newsroom/templatetags/fragments.py), under the versions of the cache tags they show (newsroom/public_cache.py).
FRAGMENT_CACHE_SECONDS = int(os.environ.get("FRAGMENT_CACHE_SECONDS", "600"))
# How long a shared HTTP cache (Varnish, a CDN) may keep those anonymous pages (s-maxage); 0: none may.
HTTP_CACHE_SECONDS = int(os.environ.get("HTTP_CACHE_SECONDS", "600"))
# The Varnish that every change purges (deploy/varnish/default.vcl), e.g. http://127.0.0.1:6081; empty: none.
HTTP_CACHE_PURGE_URL = os.environ.get("HTTP_CACHE_PURGE_URL", "")
ARTICLES_PER_PAGE = 12
NEWSLETTER_TOKEN_MAX_AGE = 60 * 60 * 24 * 7
ACCOUNT_ACTIVATION_MAX_AGE = 60 * 60 * 24 * 3

# --- Two-factor (allauth.mfa; newsroom/two_factor.py) -----------------------
# Staff (the three staff groups, superusers, admin users) must have one before any staff page.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_FORMS = {"authenticate": "newsroom.two_factor.AuthenticateForm",
             "reauthenticate": "newsroom.two_factor.ReauthenticateForm"}
MFA_TOTP_ISSUER = SITE_NAME  # the name authenticator apps show next to the code
# Passkeys are a second factor after the password; passwordless passkey log-in stays off (see SECURITY.md).
MFA_PASSKEY_LOGIN_ENABLED = False
# Browsers allow WebAuthn on http://localhost; allauth also needs to be told, in development only.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_RATE_LIMITS = False  # ours instead: MFA_CODE_RATE_LIMITS

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO" if not DEBUG else "WARNING")},
    # One line per task state change is noise in development; failures still show.
    "loggers": {"django.tasks": {"level": "INFO" if not DEBUG else "WARNING"}},
}

# --- Uploads --------------------------------------------------------------
IMAGE_UPLOAD_MAX_BYTES = 8 * 1024 * 1024
IMAGE_UPLOAD_MAX_PIXELS = 40_000_000  # beyond this an image is refused before it is decoded
IMAGE_MAX_SIDE = 2400  # larger images are scaled down when re-encoded

# --- Submissions and moderation ---------------------------------------------
# Absolute links in emails sent outside a request (moderation decisions, db_worker); views pass the request's
# host instead. Production defaults to HTTPS on the first plain host of ALLOWED_HOSTS (newsroom/checks.py
# stops `migrate`, `db_worker` and gunicorn when it is neither set nor derivable, or names a host the site refuses).
def _url_of_first_host(hosts):
    plain = [host for host in hosts if host and not host.startswith(".") and "*" not in host]
    return f"https://{plain[0]}" if plain else ""


SITE_URL = os.environ.get("SITE_URL") or ("http://localhost:8000" if DEBUG else _url_of_first_host(ALLOWED_HOSTS))
MODERATORS_GROUP = "Moderators"
SUBMISSION_CLAIM_MINUTES = 30  # a moderator's claim on a submission lapses after this
SUBMISSION_MAX_WAITING = 3  # submissions one contributor (or guest address) may have waiting for review
SUBMISSION_TITLE_MAX_LENGTH = 200
SUBMISSION_SUMMARY_MAX_LENGTH = 500
SUBMISSION_BODY_MIN_LENGTH = 200  # characters of Markdown
SUBMISSION_BODY_MAX_LENGTH = 40_000
SUBMISSION_MAX_TAGS = 8
SUBMISSION_MAX_SOURCES = 20
SUBMISSION_GUEST_CONFIRM_MAX_AGE = 60 * 60 * 24 * 3
SUBMISSION_GUEST_ACCESS_MAX_AGE = 60 * 60 * 24 * 60
# Duplicate detection compares titles with recent submissions and published articles (bounded).
SUBMISSION_DUPLICATE_TITLE_RATIO = 0.9
SUBMISSION_DUPLICATE_WINDOW_DAYS = 180
SUBMISSION_DUPLICATE_MAX_CANDIDATES = 1000
# What Markdown may cost to render (articles/text.py): text beyond these is refused by the forms and shown as plain
# paragraphs if stored anyway. Per paragraph (text between blank lines): levels of quotes/lists/definitions inside each
# other; brackets that do not close a link or sit inside another; characters x (lines + formatting marks). Per text:
# characters x blocks (paragraphs, list items... between blank lines).
MARKDOWN_MAX_NESTING = 16
MARKDOWN_MAX_LINK_BRACKETS = 10
MARKDOWN_MAX_BLOCK_WORK = 25_000_000
MARKDOWN_MAX_DOCUMENT_WORK = 30_000_000
# Revisions are compared word by word while a field's changed lines hold at most this many words and spaces (and the
# field at most this many lines); beyond it the moderator sees the old and the new text whole.
REVISION_DIFF_MAX_TOKENS = 2000
# Rate limits: (count, seconds) per fixed window, counted in Redis or the database (newsroom/ratelimit.py).
RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
RATELIMIT_TRUSTED_PROXIES = int(os.environ.get("RATELIMIT_TRUSTED_PROXIES", "0"))
SUBMISSION_RATE_LIMITS = {"account": (5, 60 * 60), "email": (5, 60 * 60), "ip": (10, 60 * 60)}
SIGNUP_RATE_LIMITS = {"email": (3, 60 * 60), "ip": (5, 60 * 60)}
FLAG_RATE_LIMITS = {"account": (10, 60 * 60), "ip": (10, 60 * 60)}
MARKDOWN_PREVIEW_RATE_LIMITS = {"account": (60, 10 * 60), "ip": (60, 10 * 60)}

# --- Publishing -----------------------------------------------------------
PREVIEW_LINK_MAX_AGE = 60 * 60 * 24 * 7  # seconds a shareable article preview link stays valid

# --- Newsletter editions (articles/newsletter_editions.py) ---------------------
NEWSLETTER_MAX_STORIES = int(os.environ.get("NEWSLETTER_MAX_STORIES", "8"))
# When the scheduler sends the weekly editions (crontab, in TIME_ZONE): Monday 07:00 by default.
NEWSLETTER_SCHEDULE = os.environ.get("NEWSLETTER_SCHEDULE", "0 7 * * 1")
# Messages per second that one sending worker hands to the mail server (spread across batches of tasks).
NEWSLETTER_SEND_RATE = float(os.environ.get("NEWSLETTER_SEND_RATE", "10"))
NEWSLETTER_BATCH_SIZE = 500  # deliveries per sending task
# A delivery claimed this long ago and never marked belongs to a dead worker: it is handed back and sent again.
NEWSLETTER_SEND_LEASE = int(os.environ.get("NEWSLETTER_SEND_LEASE", str(15 * 60)))
NEWSLETTER_MAX_ATTEMPTS = 3  # sends that fail without an answer from the mail server, then the delivery fails
# The envelope sender (Return-Path) of the newsletter: bounces (RFC 3464) arrive there through the mail intake
# and suppress the address. Empty: bounces go to DEFAULT_FROM_EMAIL and are not read.
NEWSLETTER_BOUNCE_EMAIL = os.environ.get("NEWSLETTER_BOUNCE_EMAIL", "")
# Sending through an email provider instead of SMTP: EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend, and its
# settings as ANYMAIL_<NAME> variables (ANYMAIL_POSTMARK_SERVER_TOKEN, ANYMAIL_MAILGUN_API_KEY...). The provider's
# tracking webhook (/anymail/<esp>/tracking/) is protected by HTTP basic auth with ANYMAIL_WEBHOOK_SECRET (user:pass).
ANYMAIL = {name.removeprefix("ANYMAIL_"): value for name, value in os.environ.items() if name.startswith("ANYMAIL_")}

# --- Copyright takedowns ---
# Cases are handled on /copyright/cases/ by this group (and superusers).
COPYRIGHT_STAFF_GROUP = "Copyright staff"
# Mail to COPYRIGHT_EMAIL, or to one of these aliases, becomes a takedown case (or a reply on one).
TAKEDOWN_ADDRESSES = env_list("TAKEDOWN_ADDRESSES")
# Links to an article on ALLOWED_HOSTS or SITE_URL's host are this site's (articles/links.py);
# these further hosts count too, e.g. a former domain that now redirects here (ALLOWED_HOSTS syntax).
TAKEDOWN_SITE_HOSTS = env_list("TAKEDOWN_SITE_HOSTS")
# The copyright mailbox's older names for the MAIL_IMAP_* settings above.
TAKEDOWN_IMAP_SSL = env_bool("TAKEDOWN_IMAP_SSL", True)
TAKEDOWN_IMAP_STARTTLS = env_bool("TAKEDOWN_IMAP_STARTTLS", False)
TAKEDOWN_IMAP_CA_FILE = os.environ.get("TAKEDOWN_IMAP_CA_FILE", "")  # a private CA; empty: the system's
TAKEDOWN_IMAP_DONE_FOLDER = os.environ.get("TAKEDOWN_IMAP_DONE_FOLDER", "Processed")
TAKEDOWN_IMAP_QUARANTINE_FOLDER = os.environ.get("TAKEDOWN_IMAP_QUARANTINE_FOLDER", "Quarantine")
# After a counter-notice, the articles come back after this many business days unless the complainant goes to court.
TAKEDOWN_COUNTER_NOTICE_BUSINESS_DAYS = int(os.environ.get("TAKEDOWN_COUNTER_NOTICE_BUSINESS_DAYS", "10"))
TAKEDOWN_HOLIDAYS = env_list("TAKEDOWN_HOLIDAYS")  # ISO dates (2026-12-25) that are not business days
# Repeat-infringer policy: a contributor with this many standing takedowns cannot send new stories.
TAKEDOWN_REPEAT_INFRINGER_THRESHOLD = int(os.environ.get("TAKEDOWN_REPEAT_INFRINGER_THRESHOLD", "3"))
TAKEDOWN_REPORT_RATE_LIMITS = {"email": (5, 60 * 60), "ip": (10, 60 * 60)}
# Automatic emails (acknowledgements) to one address per window; beyond it cases are still opened, silently.
TAKEDOWN_AUTO_REPLY_LIMIT = (10, 60 * 60)

# --- Security and abuse limits ----------------------------------------------
# Failed log-ins, counted per (username, IP), per username and per IP; (count, seconds) per fixed
# window. A successful log-in resets nothing: the windows simply run out. See SECURITY.md.
LOGIN_RATE_LIMITS = {"username_ip": (5, 15 * 60), "username": (20, 60 * 60), "ip": (50, 60 * 60)}
NEWSLETTER_RATE_LIMITS = {"email": (3, 60 * 60), "ip": (10, 60 * 60)}
PASSWORD_RESET_RATE_LIMITS = {"email": (3, 60 * 60), "ip": (10, 60 * 60)}
# Email confirmations (sent again at log-in, or for a new address): one per address per 3 minutes,
# and a few per account per hour, so that adding addresses cannot send mail to strangers in bulk.
EMAIL_CONFIRMATION_RATE_LIMITS = {"email": (1, 3 * 60), "account": (5, 60 * 60)}
# Wrong current passwords on the password change page, per account.
PASSWORD_CHANGE_RATE_LIMITS = {"account": (5, 15 * 60)}
# Wrong two-factor codes (authenticator or recovery codes) at log-in and re-authentication, per account.
MFA_CODE_RATE_LIMITS = {"account": (5, 15 * 60)}

# Export my data (/my/account/export/): building the file reads every table the person is in.
DATA_EXPORT_RATE_LIMITS = {"account": (5, 60 * 60), "ip": (20, 60 * 60)}

# New profile photos (the account page), per account: each is decoded and re-encoded.
PROFILE_PHOTO_RATE_LIMITS = {"account": (10, 60 * 60)}

# Whole request bodies above this are refused (413) before they are read; the proxy in front
# should refuse them too (nginx: client_max_body_size 16m). Text fields alone are limited by
# DATA_UPLOAD_MAX_MEMORY_SIZE and images by IMAGE_UPLOAD_MAX_BYTES (both above).
REQUEST_MAX_BYTES = int(os.environ.get("REQUEST_MAX_BYTES", 16 * 1024 * 1024))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Explains oversized requests before any view (and CSRF) reads the body; needs the session,
# user and messages middleware above it to render the site's page.
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
                  "newsroom.middleware.RequestSizeLimitMiddleware")
# DEBUG shows settings and tracebacks to whoever triggers an error: it is for a developer's own machine.
# A deployment names its public hosts; with those, DEBUG on refuses to start (as a missing SECRET_KEY does).
def _local_host(host):
    import ipaddress

    name = host.strip("[]").lower()
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return name in {"localhost", "testserver"} or name.endswith((".localhost", ".local", ".test", ".internal"))
    return address.is_loopback or address.is_private


if DEBUG and not all(_local_host(host) for host in ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        "DEBUG is on while ALLOWED_HOSTS names public hosts (%s). Production runs with DEBUG=0; "
        "DEBUG=1 is only for development on local addresses." % ", ".join(ALLOWED_HOSTS)
    )
