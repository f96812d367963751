"""Caravan mode: the records a device made without a network, applied when it syncs.

Staff store a caravan on a tablet before leaving (``classes.selectors_caravan``); on the spot
the page records, in the device's IndexedDB, each of these as one record with an id the device
generated (a UUID) and the device's time (``recorded_at``, ISO 8601 with its offset):

- ``presence``: ``registration`` (id of an expected resident's registration), ``present`` (bool);
- ``walk_in``: ``name``, ``kana``, ``birth`` (a birth date, 西暦 or 和暦 such as 昭和20年5月3日 or
  S20.5.3, or only the 和暦 birth year such as 昭和20), ``district``, ``consent`` (bool);
- ``consultation``: ``category`` (a ``Consultation.Category`` value), ``note`` (one line, at
  most 200 characters); logged without a name;
- ``visitors``: ``delta`` (+1 for each visitor counted without a name, -1 to correct).

``caravan_sync`` applies each record in its own transaction and answers each one: accepted, or
refused with the reason (the caravan was cancelled meanwhile, the registration was cancelled,
an impossible birth date...). An accepted record leaves a ``CaravanRecord`` row under its id, so
sending it again (the answer was lost, "send" pressed twice, two tabs) creates nothing twice and
answers "already received". A refused record leaves nothing and may be sent again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from classes.models import CaravanRecord, Consultation, Registration, Session
from classes.services import registration_create
from classes.services_offers import seat_offers_withdraw
from kernel.audit import audit_record
from kernel.dates import datetime_short
from kernel.locking import bounded_lock_wait
from kernel.models import AuditAction
from residents.normalize import looks_like_era_year, parse_era_year
from residents.services import resident_create

# Records one request may carry; the page sends larger queues in batches of this size.
MAX_RECORDS = 100
ACCEPTED = "accepted"
REFUSED = "refused"


@dataclass(frozen=True)
class RecordResult:
    """The answer for one record: ``status`` "accepted" or "refused", a ``message`` for staff
    (in the request's language), ``resent`` when it had been received before, ``flagged`` when
    a walk-in may be a resident already registered (listed for review, not merged)."""

    id: str
    status: str
    message: str
    resent: bool = False
    flagged: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Applied:
    record: CaravanRecord
    message: str
    resident_id: int | None = None


def _lock_session(session_id: int) -> Session:
    with bounded_lock_wait(
        _("Someone else is saving to this caravan right now. Please send again in a moment.")
    ):
        return Session.objects.select_for_update().get(pk=session_id)


def _client_id(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _recorded_at(value: Any) -> datetime:
    """The device's time of the record (aware); the server's now when missing or not understood."""
    parsed = None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
    if parsed is None or timezone.is_naive(parsed):
        return timezone.now()
    return parsed


def _text(raw: dict, key: str, limit: int) -> str:
    value = raw.get(key)
    text = " ".join(str(value).split()) if value is not None else ""
    if len(text) > limit:
        raise ValidationError(
            _("A value is too long: at most %(limit)d characters, please.") % {"limit": limit}
        )
    return text


def _presence(record: CaravanRecord, locked: Session, raw: dict, by) -> _Applied:
    try:
        registration_id = int(raw["registration"])
    except (KeyError, TypeError, ValueError):
        raise ValidationError(_("This presence names no resident of the caravan.")) from None
    present = raw.get("present") is not False
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .filter(pk=registration_id, session=locked)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("resident")
        .first()
    )
    if registration is None:
        raise ValidationError(
            _("This resident's registration was cancelled meanwhile; presence was not saved.")
        )
    registration.attendance = (
        Registration.Attendance.ATTENDED if present else Registration.Attendance.UNKNOWN
    )
    fields = ["attendance"]
    seated_now = present and registration.status == Registration.Status.WAITLISTED
    if seated_now:
        # They came: like a walk-in, someone in the room has a place.
        registration.status = Registration.Status.REGISTERED
        fields.append("status")
    registration.save(update_fields=fields)
    if seated_now:
        # A seat offer they held is no longer needed: the seat is not held twice.
        seat_offers_withdraw(session=locked, registration_id=registration.pk)
    record.registration, record.present = registration, present
    name = registration.resident.name
    message = (
        _("%(name)s: present.") % {"name": name}
        if present
        else _("%(name)s: presence taken back.") % {"name": name}
    )
    return _Applied(record, message, registration.resident_id)


def _birth(text: str) -> tuple[str, tuple[date, date] | None, str]:
    """(birth date text for resident_create, birth-year range, note) from what staff typed."""
    if not text:
        return "", None, ""
    if looks_like_era_year(text):
        try:
            first, last = parse_era_year(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        note = _("Birth year only (given at a caravan): %(era)s, %(year)d.") % {
            "era": text,
            "year": first.year,
        }
        return "", (first, last), note
    return text, None, ""


def _flagged_note() -> str:
    """What a walk-in flagged as a possible duplicate is told (after the sync and on a resend)."""
    return _(
        "They may be a resident already registered: listed under possible duplicates "
        "for staff to review (nothing was merged)."
    )


def _walk_in(record: CaravanRecord, locked: Session, raw: dict, by) -> _Applied:
    name = _text(raw, "name", 100)
    kana = _text(raw, "kana", 100)
    if not name:
        raise ValidationError(_("Enter the walk-in's name."))
    if not kana:
        raise ValidationError(_("Enter the kana of the walk-in's name."))
    birth_text, born_between, note = _birth(_text(raw, "birth", 30))
    consent = raw.get("consent") is True
    data: dict[str, Any] = {
        "name": name,
        "name_kana": kana,
        "district": _text(raw, "district", 50),
        "consent_given": consent,
        "notes": note,
    }
    if birth_text:
        data["birth_date"] = birth_text
    if consent:
        data["consent_date"] = timezone.localdate(record.recorded_at)
    resident, _duplicates = resident_create(by=by, born_between=born_between, **data)
    registration = registration_create(session=locked, resident=resident, by=by, walk_in=True)
    record.resident, record.registration = resident, registration
    record.flagged_duplicate = resident.possible_duplicate_of_id is not None
    message = _("%(name)s was registered as a walk-in.") % {"name": resident.name}
    if record.flagged_duplicate:
        message += " " + _flagged_note()
    return _Applied(record, message, resident.pk)


def _consultation(record: CaravanRecord, locked: Session, raw: dict, by) -> _Applied:
    category = raw.get("category")
    if not category or category not in Consultation.Category.values:
        raise ValidationError(_("Choose a category from the list."))
    note = _text(raw, "note", 200)
    # One row per start time (the desks' slot rule): the next free microsecond.
    start = record.recorded_at
    while Consultation.objects.filter(session=locked, slot_start=start).exists():
        start += timedelta(microseconds=1)
    record.consultation = Consultation.objects.create(
        session=locked,
        resident=None,
        slot_start=start,
        category=category,
        note=note,
        created_by=by if getattr(by, "pk", None) else None,
    )
    label = Consultation.Category(category).label
    return _Applied(record, _("Consultation logged: %(category)s.") % {"category": label})


def _visitors(record: CaravanRecord, locked: Session, raw: dict, by) -> _Applied:
    delta = raw.get("delta")
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0 or abs(delta) > 100:
        raise ValidationError(_("The visitor count was not understood."))
    rows = Session.objects.filter(pk=locked.pk, walk_in_count__gte=-delta)
    if rows.update(walk_in_count=F("walk_in_count") + delta) == 0:
        raise ValidationError(_("The number of walk-ins cannot be negative."))
    record.visitors = delta
    count = Session.objects.values_list("walk_in_count", flat=True).get(pk=locked.pk)
    return _Applied(record, _("Visitors counted without names: %(count)d.") % {"count": count})


_HANDLERS: dict[str, Callable[[CaravanRecord, Session, dict, Any], _Applied]] = {
    CaravanRecord.Kind.PRESENCE: _presence,
    CaravanRecord.Kind.WALK_IN: _walk_in,
    CaravanRecord.Kind.CONSULTATION: _consultation,
    CaravanRecord.Kind.VISITORS: _visitors,
}


def _resent(existing: CaravanRecord, session: Session, shown_id: str) -> RecordResult:
    if existing.session_id != session.pk:
        return RecordResult(
            shown_id, REFUSED, _("This record belongs to another session; it was not saved.")
        )
    message = _("Already received on %(when)s; nothing was saved twice.") % {
        "when": datetime_short(timezone.localtime(existing.received_at))
    }
    if existing.flagged_duplicate:
        message += " " + _flagged_note()
    return RecordResult(
        shown_id, ACCEPTED, message, resent=True, flagged=existing.flagged_duplicate
    )


def _apply(session: Session, raw: Any, by) -> tuple[RecordResult, int | None]:
    if not isinstance(raw, dict):
        return RecordResult("", REFUSED, _("A record was not understood; it was not saved.")), None
    shown_id = str(raw.get("id", ""))[:64]
    client_id = _client_id(raw.get("id"))
    if client_id is None:
        return RecordResult(shown_id, REFUSED, _("This record has no valid id.")), None
    existing = CaravanRecord.objects.filter(client_id=client_id).first()
    if existing is not None:
        return _resent(existing, session, shown_id), None
    handler = _HANDLERS.get(str(raw.get("type")))
    if handler is None:
        return RecordResult(shown_id, REFUSED, _("A record was not understood.")), None
    try:
        with transaction.atomic():
            locked = _lock_session(session.pk)
            # Sent twice at once: the other send held the lock and has saved it meanwhile.
            existing = CaravanRecord.objects.filter(client_id=client_id).first()
            if existing is not None:
                return _resent(existing, session, shown_id), None
            if locked.status == Session.Status.CANCELLED:
                raise ValidationError(
                    _("The caravan was cancelled meanwhile; this record was not saved.")
                )
            if timezone.localdate(locked.starts_at) > timezone.localdate():
                raise ValidationError(_("Records can be sent from the day of the caravan."))
            record = CaravanRecord(
                client_id=client_id,
                session=locked,
                kind=raw["type"],
                recorded_at=_recorded_at(raw.get("recorded_at")),
                received_by=by if getattr(by, "pk", None) else None,
            )
            applied = handler(record, locked, raw, by)
            # Last: a concurrent send of the same record waits here on the unique id, then
            # fails, and everything this record did is rolled back with it.
            record.save()
    except ValidationError as exc:
        return RecordResult(shown_id, REFUSED, " ".join(exc.messages)), None
    except IntegrityError:
        existing = CaravanRecord.objects.filter(client_id=client_id).first()
        if existing is not None:
            return _resent(existing, session, shown_id), None
        return RecordResult(
            shown_id, REFUSED, _("This record could not be saved. Please send again.")
        ), None
    result = RecordResult(shown_id, ACCEPTED, applied.message, flagged=record.flagged_duplicate)
    return result, applied.resident_id


def caravan_sync(*, session: Session, records: Any, by=None) -> list[RecordResult]:
    """Apply the ``records`` a device sent for the caravan ``session``; one result per record, in
    order (see the module docstring for the record shapes).

    Each record is applied in its own transaction under the session's row lock, so one refused
    record changes nothing and does not stop the others. Walk-ins are created through
    ``residents.services.resident_create``, whose duplicate check flags a likely duplicate for
    review (never merges). One audit event (CHANGE of the session, naming the residents whose
    records changed) is written for the batch, beside the residents' own CREATE events.
    Raises ValidationError when ``records`` is not a list or holds more than MAX_RECORDS.
    """
    if not isinstance(records, list):
        raise ValidationError(_("The records were not understood."))
    if len(records) > MAX_RECORDS:
        raise ValidationError(
            _("At most %(count)d records can be sent at once.") % {"count": MAX_RECORDS}
        )
    results, resident_ids = [], set()
    for raw in records:
        result, resident_id = _apply(session, raw, by)
        results.append(result)
        if resident_id is not None:
            resident_ids.add(resident_id)
    if any(r.status == ACCEPTED and not r.resent for r in results):
        audit_record(
            action=AuditAction.CHANGE,
            obj=session,
            summary="classes:caravan_sync",
            user=by,
            resident_ids=resident_ids,
        )
    return results
