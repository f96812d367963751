"""Settings, read from the environment with a working local default.

Default (no environment): DEBUG on, SQLite file ``db.sqlite3``, Celery tasks run eagerly in-process.
Production: DEBUG=false and SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, CELERY_BROKER_URL set.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from project.env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", "True")
SECRET_KEY = envstr("SECRET_KEY")
# Earlier keys (comma-separated) after a key change: sessions, signed links and the stored
# authenticator secrets (kernel.mfa) made with them keep working.
SECRET_KEY_FALLBACKS = envlist("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS")
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off, set SECRET_KEY to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. With DEBUG off, set ALLOWED_HOSTS to the comma-separated "
            "host names this site is served under, e.g. ALLOWED_HOSTS=digi.city.example.lg.jp."
        )
else:
    SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    # The kernel (roles, audit, locking, task queueing, PDF base); app label "project".
    "kernel",
    "residents",
    "classes",
    "loans",
    "volunteers",
    "reports",
    "privacy",
    # The home page and the program data (venues, curriculum, KPIs) it is set up from.
    "dashboard",
    # Demo data, benchmarks and the load test: only their management commands.
    "devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy header on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Control characters (NUL...) in the path, query or form values: a plain 400 page
    # (kernel.input_cleaning). Early, so that no middleware or view sees them.
    "kernel.input_cleaning.ControlCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The idle timeout: re-saves the session at most once a minute (kernel.session_idle).
    "kernel.session_idle.SessionIdleRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Administrators without an authenticator app may only set one up (kernel.mfa).
    "kernel.middleware.AdministratorMFARequiredMiddleware",
    # Records who viewed personal data and gives services the request's user (kernel.audit).
    "kernel.audit_reads.AuditMiddleware",
    # Pages for logged-in users are never stored by browsers or proxies (kernel.middleware).
    "kernel.middleware.PrivatePagesNoStoreMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kernel.context_processors.roles",
                "kernel.context_processors.background_tasks",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        # A persistent connection is tested (SELECT 1) before a request reuses it, so after a
        # PostgreSQL restart or a killed backend the next request reconnects instead of failing.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A busy SQLite file answers "database is locked" instead of waiting; wait a little.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's and allauth's backends, each reading the user's profile (role) with the user.
AUTHENTICATION_BACKENDS = [
    "kernel.auth_backends.ModelBackend",
    "kernel.auth_backends.AuthenticationBackend",
]
# Password rules: at least 12 characters, not a common password, not all digits, not close to
# the user name or name. Checked wherever a password is set (admin, password change, invitation).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": envint("PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Life of a password-reset or invitation link (kernel.invitations), in seconds: 3 days.
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", 3 * 24 * 60 * 60)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
# Accounts are made by the administrator; nobody signs themselves up.
ACCOUNT_ADAPTER = "kernel.adapters.NoSignupAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
# Before a sensitive step the user confirms with the password or the authenticator app. Staff log in
# by user name and have no verified mail address, so allauth's sign-in code by mail (on by default
# since 65.x) stays off: its two pages answer 403.
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
# Login protection (allauth's rate limits, counted in the shared cache below):
# - one user name from one address: after LOGIN_LOCKOUT_ATTEMPTS wrong passwords within
#   LOGIN_LOCKOUT_MINUTES that pair is refused (even with the right password) until the window has
#   passed. The same name from another address is not locked, so a stranger cannot lock staff out.
# - one address: LOGIN_ADDRESS_ATTEMPTS wrong passwords in the window, whatever the user names.
# - one user name from anywhere (kernel.adapters): after LOGIN_LOCKOUT_ATTEMPTS failures in the
#   window each further try must wait 2, 4, 8... seconds after the last failure, at most
#   LOGIN_DELAY_MAX_SECONDS: guessing from many addresses slows down, the right user only waits.
# The address is REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front the address the
# outermost trusted proxy saw (X-Forwarded-For is the client's own word otherwise).
LOGIN_LOCKOUT_ATTEMPTS = envint("LOGIN_LOCKOUT_ATTEMPTS", 5)
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", 15)
LOGIN_ADDRESS_ATTEMPTS = envint("LOGIN_ADDRESS_ATTEMPTS", 20)
LOGIN_DELAY_MAX_SECONDS = envint("LOGIN_DELAY_MAX_SECONDS", 60)
ACCOUNT_RATE_LIMITS = {
    "login_failed": (
        f"{LOGIN_ADDRESS_ATTEMPTS}/{LOGIN_LOCKOUT_MINUTES}m/ip,"
        f"{LOGIN_LOCKOUT_ATTEMPTS}/{LOGIN_LOCKOUT_MINUTES}m/key"
    ),
}
ALLAUTH_TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
# Two-factor authentication (allauth.mfa): an authenticator app plus recovery codes, offered to
# everyone on the security page and required for administrators (kernel.middleware).
MFA_ADAPTER = "kernel.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = envstr("MFA_TOTP_ISSUER", "デジタル活用支援")
# Codes from the step before and after are accepted too: phones' clocks drift.
MFA_TOTP_TOLERANCE = 1
MFA_REQUIRED_FOR_ADMINISTRATORS = envbool("MFA_REQUIRED_FOR_ADMINISTRATORS", "True")
# The cache holds the failed-login counters and used two-factor codes, so every web process must
# share it: Redis with CACHE_URL (compose.yaml), else a table in the database (created by
# `migrate`, see kernel.apps). Never a per-process memory cache.
if envstr("CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": envstr("CACHE_URL"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kernel_cache",
        }
    }

# The PostgreSQL role the web processes and workers log in as (DATABASE_URL's user), when it is
# not the tables' owner: every `migrate` (run as the owner) leaves it SELECT and INSERT only on
# the audit trail (kernel.database). Empty: one role for everything (the local default).
DATABASE_APP_ROLE = envstr("DATABASE_APP_ROLE", "")

# The read limit (kernel.audit_reads): a user shown more than AUDIT_READ_LIMIT distinct residents
# within AUDIT_READ_WINDOW_MINUTES gets "429 Too Many Requests" on pages with residents' data for
# AUDIT_READ_PAUSE_MINUTES, and the audit page flags it. A busy desk shows about 300 in ten
# minutes. 0 turns the limit off (the benchmark and load test raise it and print the value).
AUDIT_READ_LIMIT = envint("AUDIT_READ_LIMIT", 1000)
AUDIT_READ_WINDOW_MINUTES = envint("AUDIT_READ_WINDOW_MINUTES", 10)
AUDIT_READ_PAUSE_MINUTES = envint("AUDIT_READ_PAUSE_MINUTES", 5)

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
# The language of the mails residents get (seat offers, reminders): residents do not log in and
# choose none, so it is the program's default language whatever the sender's UI language.
RESIDENT_LANGUAGE = LANGUAGE_CODE
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format per language (kernel.dates), for Django's own formats too.
FORMAT_MODULE_PATH = ["project.formats"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
# How many years before and after today a session, loan, reservation, check-in, matching run or
# hours period may lie (kernel.date_ranges: reports and the audit filter go back to 2000-01-01).
PROGRAM_DATE_YEARS = envint("PROGRAM_DATE_YEARS", 5)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"

EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "digital-support@localhost")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False")
# Seconds before a hanging mail server gives up; must stay well under REMINDER_CLAIM_TIMEOUT.
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
# Seconds after which a reminder or seat-offer mail claimed by a worker that died before finishing
# the send may be claimed again (kernel.mail.mail_claim_free); longer than any send can take.
REMINDER_CLAIM_TIMEOUT = envint("REMINDER_CLAIM_TIMEOUT", 10 * 60)

# Celery: with no broker configured, tasks run in-process so the app works with nothing else running.
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
# A task whose worker process dies (killed, out of memory) is put back on the queue rather than
# acknowledged; every task is safe to run twice, so a redelivery never does the work twice.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers a message whose worker died without acknowledging it after the visibility
# timeout (seconds). It must exceed the longest task run and any countdown (reminder retries back
# off up to 10 minutes), or a running task is delivered twice; lower means faster recovery.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 60 * 60),
    "socket_connect_timeout": 2,
}
# When Redis is down, a web request trying to queue work gives up within about two seconds
# (kernel.tasks_util.enqueue) instead of hanging; the worker itself keeps retrying.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "loans-mark-overdue": {"task": "loans.tasks.mark_overdue_loans", "schedule": 60 * 60},
    "reports-requeue-pending": {
        "task": "reports.tasks.requeue_pending_reports",
        "schedule": 5 * 60,
    },
    "volunteers-requeue-pending-match-runs": {
        "task": "volunteers.tasks.requeue_pending_match_runs",
        "schedule": 5 * 60,
    },
    "loans-release-expired-reservations": {
        "task": "loans.tasks.release_expired_reservations",
        "schedule": 60 * 60,
    },
    "classes-send-due-reminders": {
        "task": "classes.tasks.send_due_reminders",
        "schedule": 15 * 60,
    },
    # Seat offers past their deadline go to the next in line; unsent offer mails are sent.
    "classes-expire-seat-offers": {
        "task": "classes.tasks.expire_seat_offers",
        "schedule": 5 * 60,
    },
    # Used one-time form tokens (kernel.once) older than FORM_TOKEN_KEEP_DAYS.
    "kernel-forget-form-submissions": {
        "task": "kernel.tasks.forget_old_form_submissions",
        "schedule": 24 * 60 * 60,
    },
    # Retention: residents inactive for RESIDENT_RETENTION_YEARS are anonymised once a day.
    "residents-anonymise-inactive": {
        "task": "residents.tasks.anonymise_inactive_residents",
        "schedule": 24 * 60 * 60,
    },
}
# Seat offers (classes.services_offers): a window never ends in the quiet hours (local time, HH:MM;
# the end is the next morning's start) for residents reached by phone, and no seat is offered
# within SEAT_OFFER_CUTOFF_HOURS of a session's start (the seat goes to walk-ins then).
SEAT_OFFER_QUIET_START = envstr("SEAT_OFFER_QUIET_START", "20:00")
SEAT_OFFER_QUIET_END = envstr("SEAT_OFFER_QUIET_END", "09:00")
SEAT_OFFER_CUTOFF_HOURS = envint("SEAT_OFFER_CUTOFF_HOURS", 24)
# Window of a session held away from a venue (a caravan), in hours; venues set their own.
SEAT_OFFER_WINDOW_HOURS = envint("SEAT_OFFER_WINDOW_HOURS", 24)
# Requests per minute one address may make to the public seat offer page.
SEAT_OFFER_PAGE_RATE = envint("SEAT_OFFER_PAGE_RATE", 20)
# Days a used one-time form token is kept (a resent form older than this saves again).
FORM_TOKEN_KEEP_DAYS = envint("FORM_TOKEN_KEEP_DAYS", 7)
# Years without any activity (registration, consultation, loan, check-in, call) after which a
# resident's personal data is erased by the daily retention task; aggregates keep counting them.
RESIDENT_RETENTION_YEARS = envint("RESIDENT_RETENTION_YEARS", 5)
if RESIDENT_RETENTION_YEARS < 1:
    raise ImproperlyConfigured(
        f"RESIDENT_RETENTION_YEARS must be at least 1 (years), got {RESIDENT_RETENTION_YEARS}."
    )

# Where `load_program_data` reads its CSVs: the shared program data beside the checkout if present,
# else the copy bundled with the code.
_shared = BASE_DIR.parent / "shared" / "data"
PROGRAM_DATA_DIR = Path(
    envstr(
        "PROGRAM_DATA_DIR", str(_shared if _shared.is_dir() else BASE_DIR / "dashboard" / "data")
    )
)
# TrueType Japanese font embedded in every PDF (IPAex Gothic). Empty: found automatically.
PDF_FONT_PATH = envstr("PDF_FONT_PATH")
# TrueType font for the characters IPAex Gothic lacks (IPAmj明朝, Debian fonts-ipamj-mincho).
# Empty: the Debian package's file; when it is missing such characters print as 〓.
PDF_FALLBACK_FONT_PATH = envstr("PDF_FALLBACK_FONT_PATH")
# Published reports hide counts of residents from 1 to this number minus one (shown as "<5").
REPORT_SUPPRESSION_THRESHOLD = envint("REPORT_SUPPRESSION_THRESHOLD", 5)
# Seconds a queued or running report may go without progress before it counts as lost (its
# worker or web process died, its message vanished) and is queued again: by the beat scan, when
# the reports page is opened, or when Redis redelivers the dead worker's message. Longer than
# any step of making a report; shorter than CELERY_VISIBILITY_TIMEOUT, so a redelivered message
# finds the report stale and makes it.
REPORT_STALE_SECONDS = envint("REPORT_STALE_SECONDS", 15 * 60)
if REPORT_STALE_SECONDS < 1:
    raise ImproperlyConfigured(
        f"REPORT_STALE_SECONDS must be at least 1 (seconds), got {REPORT_STALE_SECONDS}."
    )
# The national program's counting units (reports.figures.national). Assumptions the program
# administrator may change; the export's rules sheet states the values in force.
# One コマ is this many minutes of a held session (稲沢市 and others: one hour).
NATIONAL_KOMA_MINUTES = envint("NATIONAL_KOMA_MINUTES", 60)
if not 1 <= NATIONAL_KOMA_MINUTES <= 24 * 60:
    raise ImproperlyConfigured(
        f"NATIONAL_KOMA_MINUTES must be from 1 to 1440 (minutes), got {NATIONAL_KOMA_MINUTES}."
    )
# How each session's コマ are rounded: exact (one decimal: 90 minutes are 1.5), half_up (2),
# up (2) or down (1).
NATIONAL_KOMA_ROUNDING = envstr("NATIONAL_KOMA_ROUNDING", "exact")
if NATIONAL_KOMA_ROUNDING not in ("exact", "half_up", "up", "down"):
    raise ImproperlyConfigured(
        "NATIONAL_KOMA_ROUNDING must be exact, half_up, up or down, "
        f"got {NATIONAL_KOMA_ROUNDING!r}."
    )
# Consultation desks: "hours" counts their open time like a class, "visits" one コマ per
# consultation (a resident who came, an anonymous walk-up).
NATIONAL_CONSULTATION_KOMA = envstr("NATIONAL_CONSULTATION_KOMA", "hours")
if NATIONAL_CONSULTATION_KOMA not in ("hours", "visits"):
    raise ImproperlyConfigured(
        f"NATIONAL_CONSULTATION_KOMA must be hours or visits, got {NATIONAL_CONSULTATION_KOMA!r}."
    )
# Absolute address of the site (https://digi.city.example.lg.jp) for links in emails; empty: paths.
SITE_URL = envstr("SITE_URL").rstrip("/")
# Issuer printed on supporters' activity certificates (活動証明書).
ACTIVITY_CERTIFICATE_ISSUER = envstr("ACTIVITY_CERTIFICATE_ISSUER", "デジタル活用支援事業 事務局")
# The operating body that lends the devices, printed on loan agreements as the lender (貸与者)
# when the loan policy names none.
LOAN_LENDER_NAME = envstr("LOAN_LENDER_NAME", "デジタル活用支援事業 事務局")
# Help line printed on loan agreements and receipts: its name, phone number and hours. An empty
# name or phone: the lending venue's name or phone number; empty hours are left out.
LOAN_HELP_LINE = envstr("LOAN_HELP_LINE")
LOAN_HELP_LINE_PHONE = envstr("LOAN_HELP_LINE_PHONE")
LOAN_HELP_LINE_HOURS = envstr("LOAN_HELP_LINE_HOURS")
# Supporter matching, computed in the background: the solver's time limit in seconds (all stages;
# a prefecture month of 2,000 sessions needs about a minute on two cores), and travel time
# between districts not in the table.
MATCHING_TIME_LIMIT_SECONDS = envint("MATCHING_TIME_LIMIT_SECONDS", 55)
# Seconds a queued or running matching run may go without progress before it counts as lost and
# is queued again (beat scan, its page, or the broker redelivering). Longer than the slowest
# solver stage; shorter than CELERY_VISIBILITY_TIMEOUT.
MATCHING_STALE_SECONDS = envint("MATCHING_STALE_SECONDS", 10 * 60)
MATCHING_DEFAULT_TRAVEL_MINUTES = envint("MATCHING_DEFAULT_TRAVEL_MINUTES", 30)

# Sessions end after SESSION_COOKIE_AGE seconds without a request (idle timeout: a request pushes
# the end back) and when the browser closes. The push is saved at most every
# SESSION_IDLE_REFRESH_SECONDS (kernel.session_idle) rather than on every request (one UPDATE and
# commit per page), so an idle login ends up to that much before SESSION_COOKIE_AGE, never after.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
# None turns the refresh off (project.session_idle).
SESSION_IDLE_REFRESH_SECONDS: int | None = envint("SESSION_IDLE_REFRESH_SECONDS", 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", "True")
    CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", "True")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
    # One year, sub-domains included. Not "preload": the preload list takes only registrable
    # domains, and this site lives on a sub-domain of the city's domain (hence security.W021 off).
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True")
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "False")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    # Behind a TLS-terminating reverse proxy (compose.yaml), which must set X-Forwarded-Proto and
    # X-Forwarded-For. SECURE_PROXY_SSL_HEADER=false when clients reach Django directly: then the
    # headers are the client's word and must not be trusted.
    if envbool("SECURE_PROXY_SSL_HEADER", "True"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: scripts, styles and everything else from this site only; no inline
# script or style (templates keep JS in static/js and styles in static/css/app.css); images may
# be data: URIs (the two-factor QR code); no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}
