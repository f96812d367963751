"""Read queries for residents: the search used at the reception desk and on the phone, the
detail page with history, and the duplicates waiting for a person to decide.

Every function here makes a fixed number of queries however many residents match.
"""

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import CharField, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.utils import timezone

from residents.models import Resident
from residents.normalize import (
    is_kana,
    kana_search_key,
    looks_like_date,
    looks_like_era_year,
    parse_birth_date,
    parse_era_year,
    phone_digits,
    search_name_key,
)

# What may surround the digits of a phone number as staff type it: hyphens, brackets, spaces.
_PHONE_LIKE = re.compile(r"^\+?[\d\-()\s]+$")
# Kana and names match at the start of the family or the given name (btree prefix indexes).
# A kanji name also matches anywhere from this many characters on; on PostgreSQL that uses the
# trigram index of migration 0003 (a trigram needs 3 characters, and 3 kanji are selective).
CONTAINS_MIN_CHARS = 3
# "Last digits" of a phone number: fewer than this would match too many people.
PHONE_SUFFIX_MIN_DIGITS = 4


@dataclass(frozen=True)
class SearchQuery:
    """How a search box entry was understood. ``kind`` is one of "empty", "birth_date",
    "invalid_date", "phone", "kana", "name"; ``value`` is the normalised key (a date for
    "birth_date"), ``error`` the reason for "invalid_date"."""

    kind: str
    value: object = ""
    error: str = ""
    # An era year given alone ("birth_year") or after or before a name (kana or name kind):
    # the first and last birth date it covers.
    born_between: tuple[date, date] | None = None


def search_query_parse(query: str) -> SearchQuery:
    """Classify what staff typed: a birth date, an era year (``昭和18``, ``S18``), a phone
    number, kana or a kanji name, or a name and an era year (``さとう 昭和18``).

    Any width, hiragana or katakana, with or without spaces or hyphens.
    """
    text = unicodedata.normalize("NFKC", query or "").strip()
    if not text:
        return SearchQuery("empty")
    if looks_like_date(text):
        try:
            return SearchQuery("birth_date", parse_birth_date(text))
        except ValueError as exc:
            return SearchQuery("invalid_date", text, str(exc))
    words = text.split()
    years = [w for w in words if looks_like_era_year(w)]
    if len(years) == 1:
        try:
            born = parse_era_year(years[0])
        except ValueError as exc:
            return SearchQuery("invalid_date", text, str(exc))
        rest = " ".join(w for w in words if w != years[0])
        if not rest:
            return SearchQuery("birth_year", born_between=born)
        name = _name_query(rest)
        return SearchQuery(name.kind, name.value, born_between=born)
    return _name_query(text)


def _name_query(text: str) -> SearchQuery:
    """A phone number, kana or a kanji name (``text`` already NFKC-normalised and stripped)."""
    if _PHONE_LIKE.match(text) and any(ch.isdigit() for ch in text):
        return SearchQuery("phone", phone_digits(text))
    if is_kana(text):
        return SearchQuery("kana", kana_search_key(text))
    return SearchQuery("name", search_name_key(text))


def new_resident_prefill(query: str) -> dict[str, str]:
    """What a search for nobody found carries into the new-resident form: ``{"name_kana": ...}``
    for kana, ``{"name": ...}`` for a kanji name, as typed (an era year left out); {} for a
    phone number, a date or nothing."""
    text = unicodedata.normalize("NFKC", query or "").strip()
    rest = " ".join(w for w in text.split() if not looks_like_era_year(w))
    parsed = _name_query(rest) if rest else SearchQuery("empty")
    if parsed.kind == "kana" and not looks_like_date(rest):
        return {"name_kana": rest}
    if parsed.kind == "name" and not looks_like_date(rest):
        return {"name": rest}
    return {}


def resident_search_branches(parsed: SearchQuery) -> list[Q] | None:
    """The alternatives a parsed query matches by (any one is enough), each a filter one index
    answers; None when nothing can match. An era year given with a name is in every branch."""
    if parsed.kind == "birth_date":
        return [Q(birth_date=parsed.value)]
    if parsed.kind == "birth_year":
        return [Q(birth_date__range=parsed.born_between)]
    if parsed.born_between is not None:  # a name or phone and an era year: both must match
        others = resident_search_branches(replace(parsed, born_between=None))
        born = Q(birth_date__range=parsed.born_between)
        return None if others is None else [branch & born for branch in others]
    if parsed.kind == "phone":
        digits = str(parsed.value)
        branches = [Q(phone_digits__startswith=digits)]
        if len(digits) >= PHONE_SUFFIX_MIN_DIGITS:
            branches.append(Q(phone_digits_reversed__startswith=digits[::-1]))
        return branches
    if parsed.kind == "kana":
        key = str(parsed.value)
        # Start of the family or the given name: what people say on the phone. A name may be
        # written in kana too (加藤 トシ), so kana also looks at the name.
        return [
            Q(**{f"{field}__startswith": key})
            for field in ("search_kana", "search_kana_given", "search_name", "search_name_given")
        ]
    if parsed.kind == "name":
        key = str(parsed.value)
        branches = [Q(search_name__startswith=key), Q(search_name_given__startswith=key)]
        if len(key) >= CONTAINS_MIN_CHARS:
            # Names saved without a space between family and given name (山田太郎).
            branches.append(Q(search_name__contains=key))
        return branches
    return None


def resident_search_condition(parsed: SearchQuery) -> Q | None:
    """Return the filter for a parsed query (its branches OR-ed), or None when nothing can
    match."""
    branches = resident_search_branches(parsed)
    if branches is None:
        return None
    condition = branches[0]
    for branch in branches[1:]:
        condition |= branch
    return condition


def _kana_order() -> tuple:
    # Sorting by an expression, not the column: PostgreSQL then sorts the few rows it was given
    # instead of walking the whole kana index in order looking for them.
    return (Concat("search_kana", Value(""), output_field=CharField()), "id")


def _first_matches(branches: list[Q], limit: int) -> RawSQL:
    """The ids of the first ``limit`` residents in kana order matching any of ``branches``, as
    SQL for ``pk__in`` (one query with the rest).

    Each branch takes its own first ``limit`` (a range of one prefix index: on PostgreSQL a
    covering index, read without touching the table, migration 0006), and the first ``limit``
    of their union are the first overall. An OR of the branches instead made PostgreSQL fetch
    every match from the table to sort them (14,000 rows, 280 ms for a common family name
    among a million residents) or walk the kana index past a million rows for the few matches
    of a phone number's last digits (3 s)."""
    parts: list[str] = []
    params: list = []
    for n, branch in enumerate(branches):
        sql, branch_params = (
            Resident.objects.filter(branch)
            .order_by(*_kana_order())
            .values_list("search_kana", "id")[:limit]
            .query.sql_with_params()
        )
        parts.append(f"SELECT * FROM ({sql}) AS branch_{n}")  # noqa: S608 - compiled by the ORM
        params.extend(branch_params)
    union = " UNION ".join(parts)
    return RawSQL(
        f"SELECT matches.id FROM ({union}) AS matches "  # noqa: S608 - compiled by the ORM
        "ORDER BY matches.search_kana, matches.id LIMIT %s",
        [*params, limit],
    )


def resident_search(*, query: str, limit: int = 30) -> QuerySet[Resident]:
    """Residents matching what staff typed, ordered by kana, at most ``limit`` (one query).

    ``query`` may be kana (hiragana / katakana / half-width, spaces ignored; matches the start of
    the family or the given name), a kanji name (spaces ignored; start of family or given name,
    or anywhere from 3 characters on), a phone number in any width with or without hyphens
    (matches from the start, or the last 4+ digits), or a birth date in any format
    ``parse_birth_date`` reads (昭和20年5月3日, S20.5.3, 1945/5/3), or an era year (昭和18, S18: born
    that year), alone or with a name (さとう 昭和18). An empty query or an impossible date gives
    an empty queryset.
    """
    parsed = search_query_parse(query)
    branches = resident_search_branches(parsed)
    if branches is None:
        return Resident.objects.none()
    if len(branches) > 1:
        return Resident.objects.filter(pk__in=_first_matches(branches, limit)).order_by(
            *_kana_order()
        )
    qs = Resident.objects.filter(branches[0])
    if parsed.kind in ("kana", "name"):
        # Matches of a name sit together in kana order: the kana index would be walked from ア.
        return qs.order_by(*_kana_order())[:limit]
    # Birth-date matches are spread evenly over kana order: the index walk is right.
    return qs.order_by("search_kana", "id")[:limit]


def resident_list() -> QuerySet[Resident]:
    """All residents by kana (paginate it)."""
    return Resident.objects.order_by("search_kana", "id")


def resident_likely_duplicates(
    *,
    name_kana: str = "",
    birth_date: date | None = None,
    phone: str = "",
    exclude_pk=None,
    born_between: tuple[date, date] | None = None,
) -> QuerySet[Resident]:
    """Residents who may be the same person: same kana and birth date, or same phone number.

    ``born_between`` (first and last day, both included) stands in for an unknown birth date
    when only the birth year is known (a walk-in who gave 昭和20): same kana and a birth date in
    that range. Returns an empty queryset when there is nothing to compare (one query otherwise).
    """
    condition = Q(pk__in=[])
    kana = kana_search_key(name_kana)
    if kana and birth_date:
        condition |= Q(search_kana=kana, birth_date=birth_date)
    elif kana and born_between is not None:
        condition |= Q(search_kana=kana, birth_date__range=born_between)
    digits = phone_digits(phone)
    if digits:
        condition |= Q(phone_digits=digits)
    qs = Resident.objects.filter(condition)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("id")


@dataclass
class ResidentHistory:
    """A resident with what the detail page shows: registrations split by date, loans (of the
    reader's venues) and ``other_loans_count``, how many loans were made at other venues."""

    resident: Resident
    upcoming: list
    past: list
    loans: list
    attended_count: int
    no_show_count: int
    other_loans_count: int = 0


def resident_detail(*, pk: int, now=None, venue_ids=None) -> ResidentHistory:
    """Load a resident with registrations (session, venue, topic) and loans (device) in a fixed
    number of queries. ``now``: an aware datetime, default now. ``venue_ids`` (None: every venue)
    keeps the loans made at those venues; the others are only counted. Raises
    Resident.DoesNotExist."""
    from classes.models import Registration
    from loans.models import Loan

    now = now or timezone.now()
    resident = (
        Resident.objects.select_related("possible_duplicate_of", "created_by", "source_import")
        .prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.select_related(
                    "session", "session__venue", "session__topic"
                ).order_by("session__starts_at", "id"),
            ),
            Prefetch(
                "loans",
                queryset=Loan.objects.select_related("device", "venue").order_by(
                    "-start_date", "-id"
                ),
            ),
        )
        .get(pk=pk)
    )
    registrations = list(resident.registrations.all())
    loans = list(resident.loans.all())
    upcoming = [r for r in registrations if r.session.starts_at >= now]
    past = [r for r in registrations if r.session.starts_at < now]
    past.reverse()  # most recent first
    attended = sum(1 for r in past if r.attendance == Registration.Attendance.ATTENDED)
    # A no-show: registered (a seat held, not cancelled) and marked absent.
    no_shows = sum(
        1
        for r in past
        if r.status == Registration.Status.REGISTERED
        and r.attendance == Registration.Attendance.ABSENT
    )
    return ResidentHistory(
        resident=resident,
        upcoming=upcoming,
        past=past,
        loans=[loan for loan in loans if venue_ids is None or loan.venue_id in venue_ids],
        attended_count=attended,
        no_show_count=no_shows,
        other_loans_count=sum(
            1 for loan in loans if venue_ids is not None and loan.venue_id not in venue_ids
        ),
    )


def resident_duplicates_pending() -> QuerySet[Resident]:
    """Residents flagged as possible duplicates, with the record they may duplicate (one query)."""
    return (
        Resident.objects.filter(possible_duplicate_of__isnull=False)
        .select_related("possible_duplicate_of", "source_import")
        .order_by("possible_duplicate_of__search_kana", "possible_duplicate_of_id", "id")
    )
