"""The load test of ``manage.py bench_load``: ``locustfile.py`` is what locust runs; ``plan``
(bench accounts and what each simulated user works on), ``runner`` (gunicorn and the locust runs)
and ``checks`` (routes, overbooking, cleanup) are the command's parts."""

from pathlib import Path

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
