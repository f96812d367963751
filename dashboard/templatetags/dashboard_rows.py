"""Rows of the dashboard's loan and supporter tables, rendered in Python (see project.html_rows):
the dashboard is the first page every desk opens in the morning."""

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from project.html_rows import html, url_for_pk, weekday_abbrs

register = template.Library()

_LOAN_ROW = (
    "<tr><td>{due}</td>\n"
    '<td><a href="{resident_url}">{name}</a><br><span class="muted">{phone}</span></td>\n'
    '<td><a href="{loan_url}">{tag}</a></td></tr>\n'
)


@register.simple_tag
def loan_rows(loans) -> SafeString:
    """``<tr>`` rows of the dashboard's loan tables: due date (``Y/n/j (D)``), the resident's
    name (linked) and phone, and the device's asset tag linked to the loan. ``loans``: Loan rows
    with ``device`` and ``resident`` (dashboard.selectors.dashboard_overview)."""
    weekdays = weekday_abbrs()
    resident_url = url_for_pk("residents:detail")
    loan_url = url_for_pk("loans:loan_detail")
    rows = []
    for loan in loans:
        due = loan.due_date
        rows.append(
            html(
                _LOAN_ROW,
                due=f"{due.year}/{due.month}/{due.day} ({weekdays[due.weekday()]})",
                resident_url=resident_url(loan.resident_id),
                name=loan.resident.name,
                phone=loan.resident.phone,
                loan_url=loan_url(loan.pk),
                tag=loan.device.asset_tag,
            )
        )
    return mark_safe("".join(rows))


_UNDERSTAFFED_ROW = (
    '<tr><td><a href="{session_url}">{when} {title}</a><br><span class="muted">{place}</span></td>'
    '<td class="num">{count} / {needed}{assign}</td></tr>\n'
)


@register.simple_tag
def understaffed_rows(sessions, can_assign: bool) -> SafeString:
    """``<tr>`` rows of "Sessions needing supporters": start (``n/j (D) H:i``, Asia/Tokyo),
    title and place, supporters assigned of needed, and with ``can_assign`` the link to assign."""
    tz = timezone.get_current_timezone()
    weekdays = weekday_abbrs()
    session_url = url_for_pk("classes:session_detail")
    assign_url = url_for_pk("volunteers:assign")
    assign = gettext("Assign")
    rows = []
    for s in sessions:
        start = s.starts_at.astimezone(tz)
        link = ""
        if can_assign:
            link = html(
                '<br><a href="{}">{}<span class="visually-hidden"> {}</span></a>',
                assign_url(s.pk),
                assign,
                s.display_title,
            )
        rows.append(
            html(
                _UNDERSTAFFED_ROW,
                session_url=session_url(s.pk),
                when=(
                    f"{start.month}/{start.day} ({weekdays[start.weekday()]}) "
                    f"{start.hour:02d}:{start.minute:02d}"
                ),
                title=s.display_title,
                place=s.place_label,
                count=s.supporter_count,
                needed=s.supporters_needed,
                assign=link,
            )
        )
    return mark_safe("".join(rows))
