"""Settings for the Celery worker processes started by tests/project/test_celery_redelivery.py.

Production settings with timeouts shrunk from an hour to seconds, so a message whose worker was
killed comes back within the test, a recording (optionally slow) email backend and a file storage
that can be made slow (SLOW_STORAGE_SECONDS) to kill a worker in the middle of a report.
"""

from project.env import envstr
from project.settings import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": 4,
    # Sweep for messages of dead workers every second instead of every 100 s.
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
# Everything the worker queues (send_due_reminders -> send_reminder) goes to the test's own queue.
CELERY_TASK_DEFAULT_QUEUE = envstr("TEST_WORKER_QUEUE", "celery")
REMINDER_CLAIM_TIMEOUT = 2
EMAIL_BACKEND = "tests.project.recording_mail.RecordingBackend"
REPORT_STALE_SECONDS = 2
STORAGES = {
    "default": {"BACKEND": "tests.project.slow_storage.SlowFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
