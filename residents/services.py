"""State changes for residents: create (with the duplicate check), update, resolve a flagged
duplicate (merge into the original or confirm they are different people)."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.dates import date_full
from residents.models import OwnDevice, Resident
from residents.normalize import clean_name, format_phone, normalize_kana, parse_birth_date
from residents.selectors import resident_likely_duplicates

# What staff may set on a resident through the services (everything else is derived).
EDITABLE_FIELDS = (
    "name",
    "name_kana",
    "birth_date",
    "phone",
    "email",
    "district",
    "lives_in_city",
    "household",
    "own_device",
    "accessibility_needs",
    "proxy_name",
    "proxy_phone",
    "proxy_relation",
    "consent_given",
    "consent_date",
    "notes",
)


def _clean_birth_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        if value > timezone.localdate():
            raise ValidationError(
                {"birth_date": _("The birth date is in the future; check the year.")}
            )
        return value
    try:
        return parse_birth_date(str(value))
    except ValueError as exc:
        raise ValidationError({"birth_date": str(exc)}) from exc


def _clean_phone(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return format_phone(value)
    except ValueError as exc:
        raise ValidationError(
            {
                field: _(
                    "%(phone)s is not a Japanese phone number. Type it with the area code, "
                    "e.g. 0246-22-1111 or 090-1234-5678."
                )
                % {"phone": value}
            }
        ) from exc


def _apply(resident: Resident, data: dict[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable through resident services: {sorted(unknown)}")
    for field, value in data.items():
        if field in ("name", "district", "proxy_name", "proxy_relation", "accessibility_needs"):
            value = clean_name(value or "")
        elif field == "name_kana":
            value = normalize_kana(value or "")
        elif field == "birth_date":
            value = _clean_birth_date(value)
        elif field in ("phone", "proxy_phone"):
            value = _clean_phone(value, field)
        elif field in ("email", "notes"):
            value = (value or "").strip()
        setattr(resident, field, value)
    if not resident.name:
        raise ValidationError({"name": _("Enter the resident's name.")})
    if resident.consent_given and not resident.consent_date:
        resident.consent_date = timezone.localdate()  # consent recorded today unless told
    if not resident.consent_given:
        resident.consent_date = None
    resident.full_clean(exclude=["possible_duplicate_of", "source_import", "created_by"])


@transaction.atomic
def resident_create(
    *,
    by=None,
    confirmed_not_duplicate: bool = False,
    born_between: tuple[date, date] | None = None,
    **data: Any,
) -> tuple[Resident, list[Resident]]:
    """Create a resident from staff input; return ``(resident, likely_duplicates)``.

    ``data``: any of EDITABLE_FIELDS (``name`` required). Kana is normalised to katakana, the
    phone formatted (0246-22-1111), ``birth_date`` may be a date or text such as "S20.5.3";
    ``consent_given`` without ``consent_date`` records today's date. ``by``: the staff user.

    Likely duplicates are residents with the same kana and birth date, or the same phone number;
    without a birth date, ``born_between`` (the first and last day of the birth year a walk-in
    gave) matches the same kana born in that range.
    Unless ``confirmed_not_duplicate`` (staff checked and ticked "create anyway"), the new
    resident is flagged (``possible_duplicate_of``) so somebody reviews it later.
    Raises ValidationError (dict by field) for a missing name, an impossible date or phone.
    """
    resident = Resident(own_device=OwnDevice.NONE, created_by=by)
    _apply(resident, data)
    duplicates = list(
        resident_likely_duplicates(
            name_kana=resident.name_kana,
            birth_date=resident.birth_date,
            phone=resident.phone,
            born_between=born_between,
        )
    )
    if duplicates and not confirmed_not_duplicate:
        first = duplicates[0]
        resident.possible_duplicate_of_id = first.possible_duplicate_of_id or first.pk
    resident.save()
    return resident, duplicates


@transaction.atomic
def resident_update(*, resident: Resident, by=None, **data: Any) -> Resident:
    """Change a resident's details (any of EDITABLE_FIELDS), normalised as in resident_create.

    The row is read again under its lock and only the given fields (and ``consent_date``, which
    follows ``consent_given``) are written, so what another desk saved meanwhile stays.
    Raises ValidationError (dict by field) when a value is impossible; nothing is saved then.
    """
    locked = Resident.objects.select_for_update().get(pk=resident.pk)
    _apply(locked, data)
    locked.save(update_fields=[*data, "consent_date"])
    return locked


def _move_related(*, source: Resident, target: Resident) -> None:
    """Point every row that refers to ``source`` at ``target`` (registrations, loans, and whatever
    other apps add later), so nothing is lost when ``source`` is deleted."""
    from classes.models import Registration

    # One active registration per session and resident: where both records hold a place in the
    # same session, the merged person keeps the original's place and the other is cancelled.
    both = Registration.objects.filter(resident=target).exclude(
        status=Registration.Status.CANCELLED
    )
    Registration.objects.filter(resident=source, session_id__in=both.values("session_id")).exclude(
        status=Registration.Status.CANCELLED
    ).update(status=Registration.Status.CANCELLED, cancelled_at=timezone.now())

    for relation in Resident._meta.related_objects:
        if relation.many_to_many or not isinstance(relation.field, models.ForeignKey):
            continue
        related_model = relation.related_model
        if related_model is Resident:
            continue  # possible_duplicate_of is handled by the caller
        assert not isinstance(related_model, str), "relations are resolved once apps are loaded"
        related_model._base_manager.filter(**{relation.field.name: source}).update(
            **{relation.field.name: target}
        )


def _merge_fields(*, source: Resident, target: Resident, by) -> None:
    """Fill what the original lacks from the flagged record and keep a note of the merge."""
    for field in (
        "name_kana",
        "birth_date",
        "phone",
        "email",
        "district",
        "household",
        "accessibility_needs",
        "proxy_name",
        "proxy_phone",
        "proxy_relation",
    ):
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
    if source.consent_given and not target.consent_given:
        target.consent_given, target.consent_date = True, source.consent_date
    note = _("Merged with record #%(id)s (%(name)s) on %(day)s by %(user)s.") % {
        "id": source.pk,
        "name": source.name,
        "day": date_full(timezone.localdate()),
        "user": by.get_username() if by else "-",
    }
    target.notes = "\n".join(part for part in (target.notes, source.notes, note) if part)


def duplicate_resolve(*, resident: Resident, same_person: bool, by=None) -> Resident:
    """Decide about a resident flagged as a possible duplicate; return the resident kept.

    ``same_person=True``: merge the flagged record into the one it was flagged against
    (registrations, loans and other records move over, blank fields are filled from it, notes
    are joined) and delete the flagged record. ``same_person=False``: they are different
    people; the flag is cleared. Raises ValidationError when the record is not flagged (any more).
    """
    try:
        with transaction.atomic():
            flagged = (
                Resident.objects.select_for_update()
                .filter(pk=resident.pk, possible_duplicate_of__isnull=False)
                .first()
            )
            if flagged is None:
                raise ValidationError(
                    _("This resident is no longer marked as a possible duplicate.")
                )
            if not same_person:
                flagged.possible_duplicate_of = None
                flagged.save(update_fields=["possible_duplicate_of"])
                return flagged
            original_id = flagged.possible_duplicate_of_id
            assert original_id is not None, "selected with possible_duplicate_of__isnull=False"
            original = Resident.objects.select_for_update().get(pk=original_id)
            _move_related(source=flagged, target=original)
            # Records flagged against the one going away now point at the original.
            Resident.objects.filter(possible_duplicate_of=flagged).exclude(pk=original.pk).update(
                possible_duplicate_of=original
            )
            _merge_fields(source=flagged, target=original, by=by)
            if original.possible_duplicate_of_id == flagged.pk:
                original.possible_duplicate_of = None
            flagged.delete()
            original.save()
            return original
    except IntegrityError as exc:
        raise ValidationError(
            _(
                "The two records could not be merged: %(reason)s. Nothing was changed; "
                "tell the administrator."
            )
            % {"reason": exc}
        ) from exc
