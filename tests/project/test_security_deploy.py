"""Production settings (DEBUG off) pass Django's deployment checklist and send the secure
headers: HTTPS only, HSTS for a year, secure cookies, short idle sessions, 2FA for administrators.

Each test runs a fresh interpreter with project.settings and production environment variables, so
the developer's or CI's environment and the test settings cannot leak in.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_", "MFA_"))
        and k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "TRUSTED_PROXY_COUNT",
            "CACHE_URL",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="digi.example.lg.jp",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    )
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_for_production_settings(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_complains_when_https_is_switched_off(tmp_path):
    # The check is not clean by accident: turning the protections off makes it fail.
    env = _production_env(tmp_path, SECURE_SSL_REDIRECT="false", SESSION_COOKIE_SECURE="false")

    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout
    assert "security.W012" in result.stderr + result.stdout


SETTINGS_PROBE = """
import django, json
django.setup()
from django.conf import settings as s
print(json.dumps({
    "ssl_redirect": s.SECURE_SSL_REDIRECT,
    "hsts": s.SECURE_HSTS_SECONDS,
    "hsts_subdomains": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "session_secure": s.SESSION_COOKIE_SECURE,
    "csrf_secure": s.CSRF_COOKIE_SECURE,
    "session_age": s.SESSION_COOKIE_AGE,
    "idle_refresh": [s.SESSION_IDLE_REFRESH_SECONDS,
                     "kernel.session_idle.SessionIdleRefreshMiddleware" in s.MIDDLEWARE],
    "browser_close": s.SESSION_EXPIRE_AT_BROWSER_CLOSE,
    "proxy_header": s.SECURE_PROXY_SSL_HEADER,
    "mfa_required": s.MFA_REQUIRED_FOR_ADMINISTRATORS,
    "cache": s.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
    "min_length": [v.get("OPTIONS", {}).get("min_length") for v in s.AUTH_PASSWORD_VALIDATORS
                   if v["NAME"].endswith("MinimumLengthValidator")][0],
}))
"""


def _settings(tmp_path, **extra: str) -> dict:
    result = _run(["-c", SETTINGS_PROBE], _production_env(tmp_path, **extra))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_defaults(tmp_path):
    settings = _settings(tmp_path)

    assert settings == {
        "ssl_redirect": True,
        "hsts": 365 * 24 * 60 * 60,
        "hsts_subdomains": True,
        "session_secure": True,
        "csrf_secure": True,
        "session_age": 30 * 60,
        # The idle timeout: the session is re-saved at most once a minute (kernel.session_idle).
        "idle_refresh": [60, True],
        "browser_close": True,
        "proxy_header": ["HTTP_X_FORWARDED_PROTO", "https"],
        "mfa_required": True,
        "min_length": 12,
        # Shared by every web process with no extra service: login counters, used TOTP codes.
        "cache": "DatabaseCache",
    }


def test_proxy_header_timeout_and_shared_cache_come_from_the_environment(tmp_path):
    settings = _settings(
        tmp_path,
        SECURE_PROXY_SSL_HEADER="false",
        SESSION_COOKIE_AGE="900",
        CACHE_URL="redis://127.0.0.1:6379/5",
    )

    assert settings["proxy_header"] is None
    assert settings["session_age"] == 900
    # Failed-login counters shared by all web processes.
    assert settings["cache"] == "RedisCache"


REQUEST_PROBE = """
import django, json
django.setup()
from django.test import Client
client = Client(HTTP_HOST="digi.example.lg.jp")
plain = client.get("/accounts/login/")
proxied = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location"),
    "status": proxied.status_code,
    "hsts": proxied.headers.get("Strict-Transport-Security"),
    "csp": proxied.headers.get("Content-Security-Policy"),
    "frame": proxied.headers.get("X-Frame-Options"),
    "csrf_cookie": str(proxied.cookies.get("csrftoken")),
}))
"""


def test_production_redirects_to_https_and_sends_hsts_and_csp(tmp_path):
    result = _run(["-c", REQUEST_PROBE], _production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])

    assert answer["plain_status"] == 301
    assert answer["plain_location"] == "https://digi.example.lg.jp/accounts/login/"
    assert answer["status"] == 200
    assert answer["hsts"] == "max-age=31536000; includeSubDomains"
    assert "script-src 'self'" in answer["csp"]
    assert answer["frame"] == "DENY"
    assert "Secure" in answer["csrf_cookie"]
