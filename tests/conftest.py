"""Personas and shared fixtures. Personas: administrator, staff of this venue, staff of another
venue, coordinator, supporter, anonymous (the plain ``client``)."""

import os

import pytest
from django.utils import translation

from kernel.models import Role
from tests.factories import SupporterFactory, VenueFactory, make_user
from tests.workers import (  # noqa: F401 - fixtures for the worker and broker-down tests
    celery_worker_process,
    redis_down,
)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def pytest_sessionfinish(session, exitstatus):
    """With CI=true a skipped test fails the run: PostgreSQL, worker and browser tests must run."""
    if not in_ci():
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        for report in skipped:
            print(f"\nSKIPPED IN CI (not allowed): {report.nodeid}: {report.longrepr}")
        session.exitstatus = 1


@pytest.fixture
def venue(db):
    return VenueFactory(name="いわき市中央公民館", name_kana="いわきしちゅうおうこうみんかん")


@pytest.fixture
def other_venue(db):
    return VenueFactory(name="小名浜公民館", name_kana="おなはまこうみんかん", district="小名浜")


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMINISTRATOR, username="admin1")


@pytest.fixture
def staff_user(db, venue):
    return make_user(Role.STAFF, venues=[venue], username="staff1")


@pytest.fixture
def other_staff_user(db, other_venue):
    return make_user(Role.STAFF, venues=[other_venue], username="staff2")


@pytest.fixture
def coordinator_user(db):
    return make_user(Role.COORDINATOR, username="coord1")


@pytest.fixture
def supporter_user(db):
    user = make_user(Role.SUPPORTER, username="supp1")
    SupporterFactory(user=user, name="学生 一郎")
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def coordinator_client(client, coordinator_user):
    client.force_login(coordinator_user)
    return client


@pytest.fixture(autouse=True)
def _every_pdf_breaks_japanese_lines(monkeypatch):
    """Every PDF a test renders (attendance sheet, calendar, reports, certificate, loan
    agreement...) is checked for Japanese line breaking: no line begins with 、。）」."""
    from kernel.pdf import PdfRenderer
    from tests.reports.pdf_helpers import assert_japanese_line_breaks

    render = PdfRenderer.render

    def checked(self):
        content = render(self)
        assert_japanese_line_breaks(content)
        return content

    monkeypatch.setattr(PdfRenderer, "render", checked)


@pytest.fixture(autouse=True)
def _each_test_starts_in_the_source_language():
    """Django's LocaleMiddleware activates the language of each request in the thread and leaves it
    active after the response, so a test whose last request was in Japanese would hand Japanese
    messages to the next test. Every test starts and ends with translations deactivated (messages in
    their source English), the state the test database setup leaves; a test that wants a language
    asks for it (``translation.override`` or the language cookie)."""
    translation.deactivate_all()
    yield
    translation.deactivate_all()
