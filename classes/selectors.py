"""Read queries for sessions and registrations. Each returns a queryset with what its page needs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Expression, F, IntegerField, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.models import Registration, SeatOffer, Session, Venue
from residents.models import OwnDevice
from volunteers.models import Assignment

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    # A session_list row.
    SessionWithCounts = WithAnnotations[Session, "SessionCounts"]


class SessionCounts(TypedDict):
    """The counts ``session_list`` annotates on each session."""

    registered_count: int
    waitlisted_count: int
    attended_count: int
    supporter_count: int
    held_count: int


class SessionSeatCounts(TypedDict):
    """The counts ``sessions_to_offer`` annotates on each session."""

    registered_count: int
    waitlisted_count: int
    held_count: int


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the aware [start, end) datetimes of ``day`` in the current time zone (JST)."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    return start, start + timedelta(days=1)


def active_venues(*, venue_ids=None) -> QuerySet[Venue]:
    """Active venues, limited to ``venue_ids`` (an iterable of ids) unless it is None (all)."""
    venues = Venue.objects.filter(is_active=True)
    return venues if venue_ids is None else venues.filter(pk__in=venue_ids)


class _CountPerSession(Expression):
    """``(SELECT COUNT(*) FROM <model's table> WHERE session_id = <outer session's id> AND
    <field> IN (<values>))``: a correlated count for each session row, 0 when nothing matches.

    What ``Subquery(...filter(session=OuterRef("pk")).annotate(n=Func(..., "COUNT")))`` gives,
    without building and compiling a queryset per count: session_list's four of those cost
    ~1.3 ms of Python on every page that lists sessions. The outer id is a resolved column,
    so the expression survives relabelling when the queryset is nested in another.
    """

    output_field = IntegerField()

    def __init__(self, model, field: str, values) -> None:
        super().__init__()
        self.model = model
        self.field_name = field
        self.values = tuple(str(v) for v in values)
        # F("pk") until the queryset resolves it into the outer column (a Col).
        self.session_id: F | Expression = F("pk")

    def get_source_expressions(self):
        return [self.session_id]

    def set_source_expressions(self, exprs) -> None:
        (self.session_id,) = exprs

    def get_group_by_cols(self):
        # As Subquery: in a GROUP BY, group by the outer column the count depends on.
        assert isinstance(self.session_id, Expression), "grouped before being resolved"
        return self.session_id.get_group_by_cols()

    def as_sql(self, compiler, connection):
        qn = connection.ops.quote_name
        meta = self.model._meta
        id_sql, id_params = compiler.compile(self.session_id)
        placeholders = ", ".join(["%s"] * len(self.values))
        sql = (
            f"(SELECT COUNT(*) FROM {qn(meta.db_table)} {qn('_count')} "
            f"WHERE {qn('_count')}.{qn(meta.get_field('session').column)} = {id_sql} "
            f"AND {qn('_count')}.{qn(meta.get_field(self.field_name).column)} IN ({placeholders}))"
        )
        return sql, (*id_params, *self.values)


def session_list(
    *, start: datetime | None = None, end: datetime | None = None, venue_ids=None
) -> QuerySet[WithAnnotations[Session, SessionCounts]]:
    """Sessions starting in [start, end), with venue/topic/organiser and these counts annotated:
    ``registered_count``, ``waitlisted_count``, ``attended_count``, ``supporter_count`` and
    ``held_count`` (seats held by open seat offers).

    ``venue_ids``: an iterable of venue ids to restrict to, or None for all.
    """
    qs = Session.objects.select_related("venue", "topic", "organiser")
    if start is not None:
        qs = qs.filter(starts_at__gte=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    if venue_ids is not None:
        qs = qs.filter(venue_id__in=venue_ids)
    # One correlated subquery per count rather than COUNT(DISTINCT) over the joined
    # registrations x assignments: no GROUP BY, no row explosion, and PostgreSQL computes the
    # counts only for the rows left after ORDER BY ... LIMIT (4x cheaper for 30 of 120 sessions).
    # A filter on a count (``supporter_count``) becomes a plain WHERE.
    return qs.annotate(
        registered_count=_CountPerSession(Registration, "status", [Registration.Status.REGISTERED]),
        waitlisted_count=_CountPerSession(Registration, "status", [Registration.Status.WAITLISTED]),
        attended_count=_CountPerSession(
            Registration, "attendance", [Registration.Attendance.ATTENDED]
        ),
        supporter_count=_CountPerSession(Assignment, "status", Assignment.ACTIVE_STATUSES),
        held_count=_CountPerSession(SeatOffer, "status", [SeatOffer.Status.OPEN]),
    ).order_by("starts_at", "id")


def sessions_to_offer(
    *, start: datetime, end: datetime, venue_ids=None, exclude_ids=()
) -> QuerySet[WithAnnotations[Session, SessionSeatCounts]]:
    """Scheduled sessions starting in [start, end) that a caller can be registered for, soonest
    first: at ``venue_ids`` (an iterable of ids, None for all), except ``exclude_ids``.

    What the phone screen lists, and only that: ``registered_count``, ``waitlisted_count`` and
    ``held_count`` (seats held by open offers) annotated; times, title, kind, seats, the venue's name and the topic's title loaded (other
    fields cost a query each). Slice it: the counts are computed for the rows returned only.
    """
    qs = Session.objects.filter(
        starts_at__gte=start, starts_at__lt=end, status=Session.Status.SCHEDULED
    )
    if venue_ids is not None:
        qs = qs.filter(venue_id__in=venue_ids)
    if exclude_ids:
        qs = qs.exclude(pk__in=exclude_ids)
    return (
        qs.select_related("venue", "topic")
        .only(
            "id",
            "kind",
            "title",
            "topic_id",
            "venue_id",
            "place",
            "starts_at",
            "ends_at",
            "seats",
            "status",
            "venue__name",
            "topic__title",
        )
        .annotate(
            registered_count=_CountPerSession(
                Registration, "status", [Registration.Status.REGISTERED]
            ),
            waitlisted_count=_CountPerSession(
                Registration, "status", [Registration.Status.WAITLISTED]
            ),
            held_count=_CountPerSession(SeatOffer, "status", [SeatOffer.Status.OPEN]),
        )
        .order_by("starts_at", "id")
    )


def session_registrations(*, session: Session) -> QuerySet[Registration]:
    """Registrations of ``session`` (not cancelled ones last), in arrival order, with the
    resident's name, kana, phone and accessibility needs loaded (other resident fields cost a
    query each: add them here when the page shows them)."""
    return (
        Registration.objects.filter(session=session)
        .select_related("resident")
        .only(
            "id",
            "session_id",
            "status",
            "attendance",
            "companion",
            "is_walk_in",
            "created_at",
            "cancelled_at",
            "queued_at",
            "resident__id",
            "resident__name",
            "resident__name_kana",
            "resident__phone",
            "resident__accessibility_needs",
        )
        .order_by("status", Coalesce("queued_at", "created_at").asc(), "id")
    )


def session_supporters(*, session: Session) -> QuerySet[Assignment]:
    """Active (proposed or confirmed) assignments of ``session``, lead first then by kana, with
    the supporter's name loaded."""
    return (
        session.assignments.filter(status__in=Assignment.ACTIVE_STATUSES)
        .select_related("supporter")
        .only("id", "session_id", "status", "is_lead", "supporter__id", "supporter__name")
        .order_by("-is_lead", "supporter__name_kana")
    )


def upcoming_registrations_for(*, residents) -> dict[int, list[Registration]]:
    """Active (registered or waitlisted) registrations for sessions not yet ended of the given
    residents, keyed by resident id (every resident has a list), soonest first. Loaded: the
    registration's status, the session's times, title, kind, place and series, its venue's
    name and its topic's title (other fields cost a query each). One query; none without
    residents."""
    ids = [r.pk for r in residents]
    out: dict[int, list[Registration]] = {i: [] for i in ids}
    if not ids:
        return out
    regs = (
        Registration.objects.filter(
            resident_id__in=ids,
            status__in=[Registration.Status.REGISTERED, Registration.Status.WAITLISTED],
            session__ends_at__gte=timezone.now(),
        )
        .select_related("session", "session__venue", "session__topic")
        .only(
            "id",
            "resident_id",
            "session_id",
            "status",
            "session__kind",
            "session__title",
            "session__topic_id",
            "session__venue_id",
            "session__place",
            "session__starts_at",
            "session__ends_at",
            "session__series_id",
            "session__venue__name",
            "session__topic__title",
        )
        .order_by("session__starts_at")
    )
    for reg in regs:
        out[reg.resident_id].append(reg)
    return out


# Curriculum topics about the My Number Card and Mynaportal (dashboard/data/curriculum.csv): the
# resident needs the card itself in the room. A03-A06 (cashless, health apps...) share the "A0"
# prefix but not the card, so the codes are listed rather than matched by prefix.
MY_NUMBER_TOPIC_CODES = frozenset({"A01", "A02"})


# Free-text items about the resident's own phone ("スマートフォン（お持ちでない方は貸出機が
# あります）"): the first line of what_to_bring_for already says it for this resident, so these
# would only contradict it ("bring your phone" next to "a loan device is provided").
_DEVICE_ITEM_STARTS = ("スマートフォン", "スマホ", "携帯電話", "タブレット", "貸出")


def bring_items(text: str) -> list[str]:
    """Split a what-to-bring text at 、 or , outside brackets: ``"A、B（C、D）"`` -> A, B（C、D）."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text or "":
        if ch in "（(「":
            depth += 1
        elif ch in "）)」":
            depth = max(depth - 1, 0)
        if ch in "、," and depth == 0:
            items.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    items.append("".join(current).strip())
    return [item for item in items if item]


def what_to_bring_for(*, session: Session, resident) -> list[str]:
    """What staff tell ``resident`` to bring to ``session``, in the order they read it out.

    Their own phone when ``resident.own_device`` is a smartphone or tablet, else a note that a
    loan device is provided; the My Number Card for My Number / Mynaportal topics; then the
    items of the session's and its topic's own ``what_to_bring`` (split at 、), leaving out
    duplicates and the items about the phone itself (the first line already says it for this
    resident). No queries beyond ``session.topic`` (select it with the session). Returns
    translated strings.
    """
    smart = {OwnDevice.ANDROID, OwnDevice.IPHONE, OwnDevice.SMARTPHONE, OwnDevice.TABLET}
    items = [
        _("Your own smartphone or tablet")
        if resident.own_device in smart
        else _("A loan device is provided")
    ]
    topic = session.topic if session.topic_id else None
    if topic is not None and topic.code in MY_NUMBER_TOPIC_CODES:
        items.append(_("My Number Card"))
    for extra in (session.what_to_bring, topic.what_to_bring if topic else ""):
        for item in bring_items(extra):
            if item not in items and not item.startswith(_DEVICE_ITEM_STARTS):
                items.append(item)
    return items


def session_open_offers(*, session: Session) -> QuerySet[SeatOffer]:
    """Open seat offers of ``session``, soonest deadline first, with the resident's name."""
    return (
        SeatOffer.objects.filter(session=session, status=SeatOffer.Status.OPEN)
        .select_related("registration__resident")
        .order_by("expires_at", "id")
    )
