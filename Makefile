# Two entry points: `make run` (demo site on SQLite) and `make test` (the whole suite).
VENV      ?= .venv
PY        := $(VENV)/bin/python
PORT      ?= 8000
DEV_ENV   := DEBUG=1
export PIP_BUILD_CONSTRAINT := $(CURDIR)/.ci/build-constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# First interpreter that is Python 3.12 or newer (Django 6 needs it).
PYTHON_BOOT := $(shell for p in python3.13 python3.12 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: run test test-postgres system-packages venv messages bench clean

$(VENV)/.installed: pyproject.toml .ci/build-constraints.txt
	@test -n "$(PYTHON_BOOT)" || { echo "Python 3.12 or newer is required (tried python3.13, python3.12, python3)." >&2; exit 1; }
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

venv: $(VENV)/.installed

# Chromium drives the browser tests; the CJK font renders Hangul on covers and screenshots;
# Dovecot is the real IMAP server the mail-intake tests talk to; Varnish (with its xkey vmod)
# is the shared HTTP cache the tests in tests/newsroom/test_http_cache.py go through; the tests in
# tests/newsroom/test_shared_state.py and test_scheduler.py start (and kill) their own redis-server.
APT_PACKAGES := chromium fonts-noto-cjk gettext dovecot-imapd openssl varnish varnish-modules redis-server
system-packages:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/sbin/dovecot ] && [ -x /usr/sbin/varnishd ] && [ -x /usr/bin/redis-server ] && ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1 && fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then :; \
	elif command -v apt-get >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	else echo "Install $(APT_PACKAGES) with your package manager." >&2; exit 1; fi

# Load benchmark (see docs/PERFORMANCE.md): ARTICLES=100000 by default.
ARTICLES ?= 100000
bench: venv system-packages
	@command -v wrk >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(PY) bench/run.py --articles $(ARTICLES)

# The demo runs the Procfile's processes, as production does: gunicorn, the worker and the scheduler. Tasks go
# through the database (not run at once as in tests), so that a story scheduled in the demo goes live by itself.
run: venv system-packages
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) TASKS_BACKEND=django_tasks_db.DatabaseBackend PATH="$(CURDIR)/$(VENV)/bin:$$PATH" \
		$(VENV)/bin/honcho start --port $(PORT)

test: venv system-packages
	$(PY) -m pytest -n auto

# CI runs the suite a second time against PostgreSQL.
test-postgres: venv system-packages
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/newsroom} $(PY) -m pytest -n auto

messages: venv
	$(DEV_ENV) $(PY) manage.py makemessages -l ko --ignore=.venv --ignore=tests --ignore=media --ignore=staticfiles && $(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3* media test-artifacts
