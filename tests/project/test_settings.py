"""Settings read from the environment: production refuses to start half-configured."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Prints what the tests look at, after a full django.setup() with project.settings.
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), "
    "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'debug': s.DEBUG}))"
)

# Variables the settings read; cleared so the developer's or CI's environment cannot leak in.
_SETTINGS_VARS = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CSRF_TRUSTED_ORIGINS",
)


def run_settings(**env: str) -> subprocess.CompletedProcess:
    """Run ``django.setup()`` with project.settings in a fresh interpreter and ``env`` set."""
    clean = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARS}
    clean["DJANGO_SETTINGS_MODULE"] = "project.settings"
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def probe(**env: str) -> dict:
    result = run_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_without_secret_key_refuses_to_start():
    result = run_settings(DEBUG="false", ALLOWED_HOSTS="digi.example.lg.jp")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start():
    result = run_settings(DEBUG="false", SECRET_KEY="x" * 50)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_production_with_secret_key_and_hosts_starts():
    settings = probe(DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="digi.example.lg.jp")

    assert settings["debug"] is False


def test_a_bad_boolean_is_refused_with_its_name():
    result = run_settings(DEBUG="maybe")

    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_default_database_is_the_local_sqlite_file():
    settings = probe()

    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["name"].endswith("db.sqlite3")


def test_database_url_switches_the_engine():
    settings = probe(DATABASE_URL="postgres://digi:pw@db.example:5432/digisupport")

    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["name"] == "digisupport"


@pytest.mark.parametrize(
    ("broker", "eager"),
    [("", True), ("redis://127.0.0.1:6379/0", False)],
    ids=["no-broker-runs-tasks-in-process", "broker-sends-tasks-to-workers"],
)
def test_celery_runs_eagerly_only_without_a_broker(broker, eager):
    env = {"CELERY_BROKER_URL": broker} if broker else {}

    assert probe(**env)["eager"] is eager
