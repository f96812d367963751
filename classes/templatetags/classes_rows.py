"""Table rows of the busiest staff pages, rendered in Python.

The phone registration screen lists up to 30 residents and 30 sessions (each session row with its
own registration form), the session page a row per registrant with its attendance checkbox.
Through template nodes such rows cost 50-100 µs each (a dozen variables, filters,
{% blocktranslate %}, {% csrf_token %}); built here they cost about 10 µs, with the same markup,
the same escaping and the same translations. Keep the markup in step with the table headers in
``templates/classes/phone.html`` and ``templates/classes/session_detail.html``.
"""

from html import escape
from urllib.parse import quote

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from classes.formatting import date_ja, time_range_ja
from classes.models import Registration, Session
from residents.models import OwnDevice

register = template.Library()


def _esc(value) -> str:
    """``value`` as HTML: safe HTML as it is, anything else escaped as Django's ``escape``."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))


def _html(template_: str, *args, **kwargs) -> SafeString:
    """``format_html`` for many rows: the same escaping of every value, without Django's
    lazy-string checks per value."""
    return mark_safe(
        template_.format(*map(_esc, args), **{key: _esc(value) for key, value in kwargs.items()})
    )


def _labels(choices) -> dict[str, str]:
    """A choices class's labels, translated once per table instead of once per row."""
    return {value: str(label) for value, label in choices.choices}


_RESIDENT_ROW = (
    "<tr>\n"
    '<td><strong>{name}</strong><br><span class="muted">{kana}</span>{badges}</td>\n'
    '<td>{age}<br><span class="muted">{born}</span></td>\n'
    "<td>{district}</td>\n"
    "<td>{phone}</td>\n"
    "<td>{device}</td>\n"
    "<td>{upcoming}</td>\n"
    '<td><a class="button" href="?q={q}&amp;resident={pk}">{select}'
    '<span class="visually-hidden"> {name}</span></a></td>\n'
    "</tr>\n"
)

_SESSION_ROW = (
    "<tr>\n"
    "<td>{day}<br>{time}</td>\n"
    '<td>{title} <span class="muted">{kind}</span></td>\n'
    "<td>{place}</td>\n"
    '<td class="num">{seats}</td>\n'
    "<td>\n"
    '<form method="post" action="{action}">{csrf}\n'
    '<input type="hidden" name="session" value="{pk}">'
    '<input type="hidden" name="resident" value="{resident}">\n'
    '<label for="companion-{pk}" class="visually-hidden">{companion}</label>\n'
    '<input type="text" name="companion" id="companion-{pk}" placeholder="{hint}" size="12">\n'
    '<button type="submit">{button}<span class="visually-hidden"> {title} {day}</span></button>\n'
    "</form>\n"
    "</td>\n"
    "</tr>\n"
)

_REGISTRANT_ROW = (
    "<tr>\n"
    "<td>{present}\n{badge}</td>\n"
    '<td><a href="{resident_url}">{name}</a><br><span class="muted">{kana}</span></td>\n'
    "<td>{phone}</td>\n"
    "<td>{notes}</td>\n"
    "<td>{actions}</td>\n"
    "</tr>\n"
)


@register.simple_tag
def phone_result_rows(residents, query: str) -> SafeString:
    """The ``<tr>`` rows of the resident search results: name and kana (badges for a possible
    duplicate and for accessibility needs), age and birth date, district, phone, own device,
    upcoming registrations (``resident.upcoming``: registrations with their session) and the
    "Select" link that keeps ``query``."""
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    devices = _labels(OwnDevice)
    duplicate = _html(
        '<br><span class="badge warn">{}</span>', gettext("Possible duplicate: to be checked")
    )
    select = gettext("Select")
    waitlist = gettext("waitlist")
    q = quote(query, safe="/")
    rows = []
    for r in residents:
        badges = duplicate if r.possible_duplicate_of_id else ""
        if r.accessibility_needs:
            badges += _html('<br><span class="badge">{}</span>', r.accessibility_needs)
        upcoming = ""
        for reg in r.upcoming:
            day = reg.session.starts_at.astimezone(tz)
            on_waitlist = reg.status == Registration.Status.WAITLISTED
            upcoming += _html(
                "{}/{} {}{}<br>",
                day.month,
                day.day,
                reg.session.display_title,
                f" ({waitlist})" if on_waitlist else "",
            )
        age = r.age_on(today)
        born = r.birth_date
        rows.append(
            _html(
                _RESIDENT_ROW,
                name=r.name,
                kana=r.name_kana,
                badges=mark_safe(badges),
                # Translators: a resident's age in years; Japanese adds 歳.
                age="" if age is None else gettext("%(age)s") % {"age": age},
                born=f"{born.year}/{born.month}/{born.day}" if born else "",
                district=r.district,
                phone=r.phone or "—",
                device=devices.get(r.own_device, r.own_device),
                upcoming=mark_safe(upcoming) if upcoming else "—",
                q=q,
                pk=r.pk,
                select=select,
            )
        )
    return mark_safe("".join(rows))


@register.simple_tag(takes_context=True)
def phone_session_rows(context, sessions, resident, action: str) -> SafeString:
    """The ``<tr>`` rows of the sessions offered to ``resident``: date and time (JST), title
    and kind, place, seats left (``registered_count``/``waitlisted_count`` annotated) and a
    form posting to ``action`` to register them or put them on the waitlist."""
    csrf = CsrfTokenNode().render(context)
    kinds = _labels(Session.Kind)
    companion = gettext("Companion (付き添い)")
    hint = gettext("Companion (optional)")
    to_waitlist = gettext("Add to waitlist")
    to_register = gettext("Register")
    drop_in = gettext("Drop-in")
    rows = []
    for s in sessions:
        full = False
        if s.seats is None:
            seats = drop_in
        else:
            left = s.seats_left
            full = left == 0
            seats = _html("{} / {}", left, s.seats)
            n = s.waitlisted_count
            if n:
                waiting = ngettext("%(n)s waiting", "%(n)s waiting", n) % {"n": n}
                seats = _html('{}<br><span class="muted">{}</span>', seats, waiting)
        rows.append(
            _html(
                _SESSION_ROW,
                day=date_ja(s.starts_at),
                time=time_range_ja(s.starts_at, s.ends_at),
                title=s.display_title,
                kind=kinds.get(s.kind, s.kind),
                place=s.place_label,
                seats=seats,
                action=action,
                csrf=csrf,
                pk=s.pk,
                resident=resident.pk,
                companion=companion,
                hint=hint,
                button=to_waitlist if full else to_register,
            )
        )
    return mark_safe("".join(rows))


@register.simple_tag
def registrant_rows(
    registrations, *, attendance_open: bool, can_change: bool, movable: bool
) -> SafeString:
    """The ``<tr>`` rows of a session's registrants (registrations with ``resident`` and the
    ``resident_url``, ``move_url`` of ``classes.views._add_registration_links``): attendance (a
    checkbox of the attendance form while ``attendance_open``), name, phone, notes and, with
    ``can_change``, the cancel button (of the form ``cancel-<pk>``) and the move link when
    ``movable`` (a session of a series)."""
    attendance = _labels(Registration.Attendance)
    absent = _html('<span class="badge warn">{}</span>', gettext("Absent"))
    attended = _html('<span class="badge ok">{}</span>', gettext("Attended"))
    companion = gettext("Companion")
    walk_in = _html(' <span class="badge">{}</span>', gettext("walk-in"))
    cancel = gettext("Cancel registration")
    move = gettext("Move to another date")
    rows = []
    for r in registrations:
        resident = r.resident
        if attendance_open:
            present = _html(
                '<label><input type="checkbox" name="attended" value="{}"{}> '
                '<span class="visually-hidden">{}</span></label>',
                r.pk,
                mark_safe(" checked") if r.attendance == Registration.Attendance.ATTENDED else "",
                gettext("%(name)s is present") % {"name": resident.name},
            )
        else:
            present = attendance.get(r.attendance, r.attendance)
        badge = ""
        if r.attendance == Registration.Attendance.ABSENT:
            badge = absent
        elif r.attendance == Registration.Attendance.ATTENDED:
            badge = attended
        notes = _html("{}", resident.accessibility_needs)
        if r.companion:
            notes += _html(" {}: {}", companion, r.companion)
        if r.is_walk_in:
            notes += walk_in
        actions = ""
        if can_change:
            actions = _html(
                '<button type="submit" form="cancel-{}" class="secondary">{}</button>', r.pk, cancel
            )
            if movable:
                actions += _html(' <a href="{}">{}</a>', r.move_url, move)
        rows.append(
            _html(
                _REGISTRANT_ROW,
                present=present,
                badge=badge,
                resident_url=r.resident_url,
                name=resident.name,
                kana=resident.name_kana,
                phone=resident.phone or "—",
                notes=mark_safe(notes),
                actions=mark_safe(actions),
            )
        )
    return mark_safe("".join(rows))
