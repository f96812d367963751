"""The health check the load balancer and the compose healthcheck call."""

from django.http import HttpResponse


def healthz(request):
    """``GET /healthz``: "ok" as text/plain, for the load balancer and the compose healthcheck.

    No database query, no session and no login, so it answers while the database is busy; the
    load benchmark (``manage.py bench_load``) uses it as the floor of this stack.
    """
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
