"""Test settings: fast hasher, eager Celery, locmem mail. DATABASE_URL still picks the database."""

from project.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests assert English messages; tests/project/test_i18n.py checks the Japanese default.
LANGUAGE_CODE = "en"
# RESIDENT_LANGUAGE keeps the program's default ("ja"): residents' mails stay Japanese in tests.
# No collectstatic before tests: look static files up per request instead of scanning STATIC_ROOT
# (which would warn "No directory at .../staticfiles/" on every test run).
WHITENOISE_AUTOREFRESH = True
# Tests move the clock days ahead (time-machine) with a logged-in client; an 8-hour login would
# expire under them. Production keeps SESSION_COOKIE_AGE from the environment.
SESSION_COOKIE_AGE = 365 * 24 * 60 * 60

# Persistent connections would outlive the live-server threads of the browser tests and keep the
# test database busy when pytest drops it.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Administrators must set up an authenticator app (kernel.middleware); the many tests that
# force_login an administrator would all land on the activation page.
# tests/project/test_security_mfa.py turns the rule back on.
MFA_REQUIRED_FOR_ADMINISTRATORS = False
# Saving the session for the idle timeout adds an UPDATE to some requests, which the query-count
# tests would count; tests/project/test_session_idle.py and test_security_login.py turn it back on.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_IDLE_REFRESH_SECONDS = None
