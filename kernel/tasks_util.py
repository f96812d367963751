"""Queue background work without letting a broken broker break the page.

The rule for every call site: never call ``task.delay()`` / ``task.apply_async()`` from a view,
service or signal; call ``enqueue(task, *args)`` instead (inside ``transaction.on_commit`` when the
task reads rows written in the same transaction). When Redis is down, ``enqueue`` logs the failure,
marks the broker as down (staff then see a warning on every page) and returns False instead of
raising, so the request still answers. The work is not lost as long as a Celery beat scan finds it
again ("what is due now": due reminders, overdue loans); a new task that is not covered by such a
scan must say in its docstring what happens when it is not queued.
"""

import logging
from typing import Any

from celery import Task
from celery import current_app as app
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

BROKER_DOWN_CACHE_KEY = "project:broker-down"
# A status found once is trusted this long, so the check costs nothing on most requests.
BROKER_STATUS_SECONDS = 30
# Fail fast: a publish that cannot reach Redis gives up after one quick retry (about 0.2 s plus the
# connect timeout) instead of the default three retries.
ENQUEUE_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}


def enqueue(task: Task, *args: Any, **kwargs: Any) -> bool:
    """Send ``task`` with positional ``args``/keyword ``kwargs`` (primary keys, never models).

    Returns True when the message reached the broker (or ran in-process when Celery is eager),
    False when the broker could not be reached: the failure is logged and remembered for
    ``BROKER_STATUS_SECONDS`` so staff see the "background tasks are not running" warning. Never
    raises for a broker outage; errors raised by an eager task body propagate as usual.
    """
    if app.conf.task_always_eager:
        task.apply_async(args=args, kwargs=kwargs)
        return True
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=True, retry_policy=ENQUEUE_RETRY_POLICY)
    except Exception as exc:  # kombu OperationalError, redis ConnectionError, socket errors...
        logger.warning(
            "Could not queue %s%r: %s: %s. It runs when the queue is back (beat scan) or not at all.",
            task.name,
            args,
            type(exc).__name__,
            exc,
        )
        cache.set(BROKER_DOWN_CACHE_KEY, True, BROKER_STATUS_SECONDS)
        return False
    return True


def broker_is_down() -> bool:
    """True when the Celery broker (Redis) cannot be reached; False when it answers or when tasks
    run in-process (no broker configured). Cached for ``BROKER_STATUS_SECONDS``; one check takes
    at most about a second (connect timeout) when Redis does not answer."""
    if app.conf.task_always_eager or not settings.CELERY_BROKER_URL:
        return False
    down = cache.get(BROKER_DOWN_CACHE_KEY)
    if down is None:
        down = not _broker_answers()
        cache.set(BROKER_DOWN_CACHE_KEY, down, BROKER_STATUS_SECONDS)
    return down


def _broker_answers() -> bool:
    try:
        with app.connection_for_write(connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=0, timeout=1)
    except Exception as exc:
        logger.warning("Celery broker unreachable: %s: %s", type(exc).__name__, exc)
        return False
    return True
