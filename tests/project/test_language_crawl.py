"""One language at a time: every page, as each role sees it, is all Japanese or all English.

The small world of tests/project/fuzz_world.py is built once; every page reachable from the
project's URL names is crawled as the administrator, centre staff, the coordinator and a
supporter, once in Japanese and once in English. What a person reads on each page (the text
outside <script>/<style>, without attribute values) is checked after removing what is data, not
interface: the world's own text values (names, titles, devices' models and serial numbers, user
names), URLs, e-mail addresses and numbers. The Django admin site is not ours and is not crawled.
The PDFs linked from the pages (one of each kind) are read too, in Japanese only: the papers a
resident gets are Japanese whatever language the staff's screen is in.

- In Japanese, a Latin word fails unless it is one Japanese staff use as it is (``ALLOWED``).
- In English, a Japanese character fails (the language switcher's own "日本語" and the column
  names a resident list file must have aside).

Each failure names the page, the role and the words, so the fix is a translation or a template.
"""

import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from residents.importing.headers import COLUMN_SYNONYMS
from tests.project.fuzz_world import SKIPPED_PREFIXES, _build_world, _name_of

# Words Japanese staff read as they are (and the units and marks printed with numbers).
ALLOWED = {
    "LINE",
    "iPhone",
    "Android",
    "Wi-Fi",
    "SIM",
    "IMEI",
    "PDF",
    "Excel",
    "CSV",
    "QR",
    "ID",
    "URL",
    "OS",
    "Bluetooth",
    "IP",
    "KPI",
    "JSON",
    "Google",  # Google カレンダー, beside iPhone's
    "English",  # the language switcher names each language in itself
}
# Technical names written as they are: file encodings, sizes, a keyboard shortcut, era-style
# date examples (S20.5.3 = 昭和20年5月3日), codes such as an asset tag example (SP-012) and file
# names (kpis.csv).
TECHNICAL = re.compile(
    r"[\w-]+\.(?:csv|xlsx|pdf|json|ics)\b|Shift_JIS|UTF-8|Ctrl\+[A-Z]|\d+\s?MB|\b[MTSHR]\d+(?:\.\d+)+|\b[A-Z]{1,3}-\d+"
)
pytestmark = pytest.mark.django_db

ROLES = ("admin", "staff", "coordinator", "supporter")
DATA_APPS = ("auth", "residents", "classes", "loans", "volunteers", "reports", "privacy")
PAGES_PER_ROLE = 400
PDF_MARK = "%PDF-TEXT%"
LATIN_WORD = re.compile(r"[A-Za-z]+(?:[-'’][A-Za-z]+)*")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]+")
NOT_WORDS = re.compile(
    r"https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![A-Za-z])/[\w/.?=&%-]*|\d[\d,.:]*"
)


class _TextParser(HTMLParser):
    """The text a person reads: no <script>/<style>, no attribute values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _data_values() -> list[str]:
    """Every free-text value stored in the world (not choices), longest first."""
    values: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label not in DATA_APPS:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        if not fields:
            continue
        for row in model._base_manager.values_list(*fields):
            # One Latin letter is no datum worth hiding a word for; one kanji (平, a district) is.
            values.update(
                text
                for text in (str(v).strip() for v in row if v)
                if len(text) > 1 or ord(text) > 127
            )
    return sorted(values, key=len, reverse=True)


def _pdf_text(content: bytes) -> str:
    """A PDF's text, marked so that ``_page_text`` does not read it as HTML."""
    reader = PdfReader(io.BytesIO(content))
    return PDF_MARK + "\n".join(page.extract_text() or "" for page in reader.pages)


def _page_text(html: str, data: list[str]) -> str:
    if html.startswith(PDF_MARK):
        text = " ".join(html.removeprefix(PDF_MARK).split())
    else:
        parser = _TextParser()
        parser.feed(html)
        text = " ".join(" ".join(parser.parts).split())
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    return NOT_WORDS.sub(" ", TECHNICAL.sub(" ", text))


class _LinkParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self.links.append(href)


def _crawl(client: Client, seeds: list[str], *, pdf_names: set[str], read_pdfs: bool) -> dict:
    """path -> HTML of every page (HTTP 200, text/html) reached from the seeds by links, and
    with ``read_pdfs`` the text of the first PDF of each URL name not in ``pdf_names`` (the
    URL names of PDFs, filled as they are found, shared between crawls)."""
    pages: dict[str, str] = {}
    seen: set[str] = set()
    queue = list(seeds)
    while queue and len(seen) < PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        named = _name_of(path)
        if named is None or named[0].startswith(SKIPPED_PREFIXES) or "logout" in named[0]:
            continue
        if named[0] in pdf_names:  # one of each kind of PDF: they are slow to make and read
            continue
        response = client.get(path)
        if response.status_code == 200 and response.get("Content-Type") == "application/pdf":
            pdf_names.add(named[0])
            if read_pdfs:
                pages[path] = _pdf_text(response.content)
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode("utf-8", "replace")
        pages[path] = html
        parser = _LinkParser()
        parser.feed(html)
        for link in parser.links:
            parts = urlsplit(link)
            if parts.path.startswith("/") and not parts.netloc:
                queue.append(link if parts.query and len(seen) < 200 else parts.path)
    return pages


@pytest.fixture(scope="module")
def crawled(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """{language: {role: {path: html}}} and the world's data values, built in a transaction
    rolled back at the end of the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            users, seeds = _build_world()
            seeds = [*seeds, reverse("volunteers:my_assignments"), reverse("mfa_index")]
            result: dict = {"data": _data_values()}
            for language in ("ja", "en"):
                result[language] = {}
                pdf_names: set[str] = set()
                for role in ROLES:
                    client = Client()
                    client.force_login(users[role])
                    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
                    # The papers residents get are in Japanese whatever the UI language.
                    result[language][role] = _crawl(
                        client, seeds, pdf_names=pdf_names, read_pdfs=language == "ja"
                    )
            yield result
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _offenders(crawled: dict, language: str, find) -> list[str]:
    found: dict[str, set[str]] = {}
    for role, pages in crawled[language].items():
        for path, html in pages.items():
            words = find(_page_text(html, crawled["data"]))
            if words:
                found.setdefault(f"{_name_of(path)[0]} ({path}, {role})", set()).update(words)
    return [f"{page}: {' | '.join(sorted(words))}" for page, words in sorted(found.items())]


def test_every_role_crawls_many_pages(crawled):
    for language in ("ja", "en"):
        assert len(crawled[language]["admin"]) > 60
        assert len(crawled[language]["staff"]) > 30
        assert len(crawled[language]["coordinator"]) > 15
        assert len(crawled[language]["supporter"]) > 3


def test_japanese_pages_have_no_english_words(crawled):
    def latin(text: str) -> set[str]:
        return {w for w in LATIN_WORD.findall(text) if w not in ALLOWED}

    offenders = _offenders(crawled, "ja", latin)
    assert not offenders, f"{len(offenders)} pages:\n" + "\n".join(offenders)


def test_english_pages_have_no_japanese_words(crawled):
    def japanese(text: str) -> set[str]:
        text = text.replace("日本語", " ")  # the language switcher
        # The column names a resident list file may have are Japanese whatever the UI language.
        for columns in COLUMN_SYNONYMS.values():
            for column in sorted(columns, key=len, reverse=True):
                text = text.replace(column, " ")
        return set(JAPANESE.findall(text))

    offenders = _offenders(crawled, "en", japanese)
    assert not offenders, f"{len(offenders)} pages:\n" + "\n".join(offenders)
