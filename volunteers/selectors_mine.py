"""What a supporter may see about the residents of a session: a given name and their needs.

Supporters see only what the session needs (BRIEF: personal data). Never a surname, kana,
phone number, birth date, address or notes: the rows below carry nothing else.
"""

from dataclasses import dataclass

from classes.models import Registration, Session
from kernel.audit import residents_shown
from residents.normalize import clean_name, given_part


@dataclass(frozen=True)
class ResidentForSupporter:
    """One registered resident as a supporter sees them."""

    given_name: str  # the part of the name after the first space; "" when it cannot be split
    needs: str  # accessibility needs, e.g. "hearing aid", "large print"


def session_residents_for_supporter(*, session: Session) -> list[ResidentForSupporter]:
    """Registered residents of ``session`` (not waitlisted or cancelled), in registration order,
    reduced to given name and accessibility needs. Anonymised residents show no name. One query
    that reads only the two columns needed (plus the id for the audit trail and the erasure
    mark)."""
    rows = (
        Registration.objects.filter(session=session, status=Registration.Status.REGISTERED)
        .order_by("created_at", "id")
        .values_list(
            "resident_id",
            "resident__name",
            "resident__accessibility_needs",
            "resident__anonymised_at",
        )
    )
    residents_shown(row[0] for row in rows)
    return [
        ResidentForSupporter(
            given_name="" if erased else given_part(clean_name(name)),
            needs="" if erased else (needs or ""),
        )
        for _pk, name, needs, erased in rows
    ]
