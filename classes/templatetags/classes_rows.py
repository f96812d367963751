"""Table rows of the busiest staff pages, rendered in Python.

The phone registration screen lists up to 30 residents and 30 sessions (each session row with its
own registration form), the session page a row per registrant with its attendance checkbox.
Through template nodes such rows cost 50-100 µs each (a dozen variables, filters,
{% blocktranslate %}, {% csrf_token %}); built here they cost about 10 µs, with the same markup,
the same escaping and the same translations. Keep the markup in step with the table headers in
``templates/classes/phone.html`` and ``templates/classes/session_detail.html``.
"""

from urllib.parse import quote

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from classes.formatting import date_ja, time_range_ja
from classes.models import Registration, Session
from project.html_rows import html, labels, url_for_pk, weekday_abbrs
from residents.models import OwnDevice

register = template.Library()


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
    devices = labels(OwnDevice)
    duplicate = html(
        '<br><span class="badge warn">{}</span>', gettext("Possible duplicate: to be checked")
    )
    select = gettext("Select")
    waitlist = gettext("waitlist")
    q = quote(query, safe="/")
    rows = []
    for r in residents:
        badges = duplicate if r.possible_duplicate_of_id else ""
        if r.accessibility_needs:
            badges += html('<br><span class="badge">{}</span>', r.accessibility_needs)
        upcoming = ""
        for reg in r.upcoming:
            day = reg.session.starts_at.astimezone(tz)
            on_waitlist = reg.status == Registration.Status.WAITLISTED
            upcoming += html(
                "{}/{} {}{}<br>",
                day.month,
                day.day,
                reg.session.display_title,
                f" ({waitlist})" if on_waitlist else "",
            )
        age = r.age_on(today)
        born = r.birth_date
        rows.append(
            html(
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
    kinds = labels(Session.Kind)
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
            seats = html("{} / {}", left, s.seats)
            n = s.waitlisted_count
            if n:
                waiting = ngettext("%(n)s waiting", "%(n)s waiting", n) % {"n": n}
                seats = html('{}<br><span class="muted">{}</span>', seats, waiting)
        rows.append(
            html(
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
    attendance = labels(Registration.Attendance)
    absent = html('<span class="badge warn">{}</span>', gettext("Absent"))
    attended = html('<span class="badge ok">{}</span>', gettext("Attended"))
    companion = gettext("Companion")
    walk_in = html(' <span class="badge">{}</span>', gettext("walk-in"))
    cancel = gettext("Cancel registration")
    move = gettext("Move to another date")
    rows = []
    for r in registrations:
        resident = r.resident
        if attendance_open:
            present = html(
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
        notes = html("{}", resident.accessibility_needs)
        if r.companion:
            notes += html(" {}: {}", companion, r.companion)
        if r.is_walk_in:
            notes += walk_in
        actions = ""
        if can_change:
            actions = html(
                '<button type="submit" form="cancel-{}" class="secondary">{}</button>', r.pk, cancel
            )
            if movable:
                actions += html(' <a href="{}">{}</a>', r.move_url, move)
        rows.append(
            html(
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


_SESSION_TABLE_ROW = (
    "<tr>\n"
    "<td>{when}</td>\n"
    '<td><a href="{url}">{title}</a> <span class="muted">{kind}</span>{cancelled}</td>\n'
    "<td>{place}</td>\n"
    '<td class="num">{seats}{waiting}</td>\n'
    "</tr>\n"
)


@register.simple_tag
def session_table_rows(sessions, show_date: bool = False) -> SafeString:
    """The ``<tr>`` rows of ``classes/_session_table.html`` (dashboard, session list): time
    (``n/j (D)`` first with ``show_date``; Asia/Tokyo), linked title and kind, a "Cancelled"
    badge, place, and seats left of seats with the number waiting (``session_list`` rows:
    ``registered_count`` and ``waitlisted_count`` annotated)."""
    tz = timezone.get_current_timezone()
    kinds = labels(Session.Kind)
    weekdays = weekday_abbrs()
    session_url = url_for_pk("classes:session_detail")
    cancelled = html(' <span class="badge err">{}</span>', gettext("Cancelled"))
    drop_in = gettext("Drop-in")
    rows = []
    for s in sessions:
        start, end = s.starts_at.astimezone(tz), s.ends_at.astimezone(tz)
        when = f"{start.hour:02d}:{start.minute:02d}–{end.hour:02d}:{end.minute:02d}"
        if show_date:
            when = f"{start.month}/{start.day} ({weekdays[start.weekday()]}) {when}"
        waiting = ""
        if s.waitlisted_count:
            n = s.waitlisted_count
            waiting = html(
                ' <span class="muted">({})</span>',
                ngettext("%(n)s waiting", "%(n)s waiting", n) % {"n": n},
            )
        rows.append(
            html(
                _SESSION_TABLE_ROW,
                when=when,
                url=session_url(s.pk),
                title=s.display_title,
                kind=kinds.get(s.kind, s.kind),
                cancelled=cancelled if s.status == Session.Status.CANCELLED else "",
                place=s.place_label,
                seats=drop_in if s.seats is None else f"{s.seats_left} / {s.seats}",
                waiting=waiting,
            )
        )
    return mark_safe("".join(rows))
