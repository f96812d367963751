"""Every page the roles reach holds each element id once.

A duplicated id sends a label, an ``aria-labelledby`` or a skip link to the wrong element: the
reports page's two forms once shared ``id_venue``, so clicking the second form's label focused the
first form's field. The demo program (``seed_demo``) is loaded with a published matching run,
then each demo login follows the links of its pages (at most two pages per URL name, so a list of
two hundred residents costs two detail pages) and every HTML page is checked.
"""

import os
from collections import Counter
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import Resolver404, resolve, reverse

from devtools.demo.builder import DEMO_PASSWORD
from volunteers import services_matching
from volunteers.models import MatchRun

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 10, 9, 30, tzinfo=JST)
PAGES_PER_NAME = 2
MAX_PAGES = 250
# Pages that are not ours (the Django admin) or that change state on GET (log-out asks first,
# but it is not a page of the program).
SKIPPED_NAMESPACES = ("admin",)
SKIPPED_NAMES = {"account_logout"}


class _IdParser(HTMLParser):
    """Collects the id attributes and the same-site links of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids[a["id"]] += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])

    handle_startendtag = handle_starttag


def _url_name(path: str) -> str | None:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    if match.namespace in SKIPPED_NAMESPACES or match.url_name in SKIPPED_NAMES:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else str(match.url_name)


def _crawl(client: Client, seeds: list[str]) -> tuple[int, list[str]]:
    """GET the seeds and the pages they link to; return (pages checked, duplicate reports)."""
    per_name: Counter[str] = Counter()
    seen: set[str] = set()
    queue = list(seeds)
    checked, problems = 0, []
    while queue and checked < MAX_PAGES:
        path = queue.pop(0)
        name = _url_name(path)
        if path in seen or name is None or per_name[name] >= PAGES_PER_NAME:
            continue
        seen.add(path)
        per_name[name] += 1
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _IdParser()
        parser.feed(response.content.decode())
        checked += 1
        twice = sorted(i for i, n in parser.ids.items() if n > 1)
        if twice:
            problems.append(f"{path}: {', '.join(twice)}")
        for link in parser.links:
            parts = urlsplit(link)
            if not parts.netloc and parts.path.startswith("/"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return checked, problems


@pytest.fixture
def demo_program(db):
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        # A published run, so the proposal page shows the assignments it made.
        with TestCase.captureOnCommitCallbacks(execute=True):  # the solve runs after commit
            run = services_matching.match_run_create(
                date_from=NOW.date(), date_to=NOW.date() + timedelta(days=6), by=None
            )
        services_matching.match_run_publish(run=run, by=None)
    return run


@pytest.mark.parametrize("username", ["admin", "coordinator", "staff", "supporter", None])
def test_no_page_repeats_an_element_id(demo_program, username):
    client = Client()
    if username:
        assert client.login(username=username, password=DEMO_PASSWORD)
    seeds = [reverse("dashboard"), reverse("account_login")]
    if username in ("admin", "coordinator"):
        seeds.append(reverse("volunteers:match_run_detail", args=[demo_program.pk]))
    if username == "supporter":
        seeds += [reverse("volunteers:my_assignments"), reverse("volunteers:my_availability")]
    with time_machine.travel(NOW, tick=False):
        checked, problems = _crawl(client, seeds)
    assert checked >= (1 if username is None else 5), f"only {checked} pages reached"
    assert not problems, "ids used more than once:\n" + "\n".join(problems)
    assert MatchRun.objects.filter(pk=demo_program.pk, status="published").exists()
