"""Template tags of the loan pages.

``device_rows`` renders the rows of the device list in Python: the page shows 50 devices, and the
same markup as template code (an include, choice labels, {% url %} and a date filter per row) took
most of the page's time; manage.py bench_load needs the page at about 10 ms.
"""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from loans.models import Device
from project.html_rows import url_for_pk, weekday_abbrs

register = template.Library()

# Badge colour of each device status, as in _device_status.html (any other status: "err").
STATUS_BADGES = {
    Device.Status.AVAILABLE: "ok",
    Device.Status.RESERVED: "warn",
    Device.Status.ON_LOAN: "warn",
}


def _muted_line(text: str) -> str:
    return f'<br><span class="muted">{escape(text)}</span>' if text else ""


@register.simple_tag
def device_rows(devices, venue_ids) -> SafeString:
    """``<tr>`` rows of the device list: ``{% device_rows devices venue_ids %}``.

    ``devices`` are rows (dicts) from selectors.device_list; ``venue_ids`` are the user's venues
    (None: all): a current loan made at another venue shows no resident name. Every text is
    escaped here, with the standard library's html.escape (Django's escape() costs several times
    more per call, and a page has some 600 of them).
    """
    kinds = {value: escape(str(label)) for value, label in Device.Kind.choices}
    statuses = {value: escape(str(label)) for value, label in Device.Status.choices}
    device_url = url_for_pk("loans:device_detail")
    loan_url = url_for_pk("loans:loan_detail")
    checkout_url = reverse("loans:checkout") + "?device="
    due_label = escape(gettext("Due"))
    elsewhere = f'<span class="muted">{escape(gettext("Lent at another venue"))}</span>'
    lend_label = escape(gettext("Lend"))
    weekdays = [escape(day) for day in weekday_abbrs()]
    rows = []
    lendable = (Device.Status.AVAILABLE, Device.Status.RESERVED)  # as Device.is_lendable
    for device in devices:
        pk, tag, status = device["id"], escape(device["asset_tag"]), device["status"]
        if device["loan_id"] is not None:
            if venue_ids is None or device["loan_venue_id"] in venue_ids:
                name = escape(device["loan_resident_name"])
                who = f'<a href="{loan_url(device["loan_id"])}">{name}</a>'
            else:
                who = elsewhere
            # As the date filter with "Y年n月j日 (D)", without building a formatter per row.
            day = device["loan_due_date"]
            due = f"{day.year}年{day.month}月{day.day}日 ({weekdays[day.weekday()]})"
            current = f"{who}<br>{due_label} {due}"
        elif status in lendable:
            current = (
                f'<a href="{checkout_url}{pk}">{lend_label}'
                f'<span class="visually-hidden"> {tag}</span></a>'
            )
        else:
            current = "—"
        rows.append(
            f'<tr><th scope="row"><a href="{device_url(pk)}">{tag}</a></th>'
            f"<td>{kinds.get(device['kind']) or escape(device['kind'])}</td>"
            f"<td>{escape(device['maker'])} {escape(device['model_name'])}"
            f"{_muted_line(device['os'])}</td>"
            f"<td>{escape(device['serial'])}{_muted_line(device['imei'])}</td>"
            f'<td><span class="badge {STATUS_BADGES.get(status, "err")}">'
            f"{statuses.get(status) or escape(status)}</span></td>"
            f"<td>{escape(device['home_venue_name'] or '—')}</td><td>{current}</td></tr>\n"
        )
    return mark_safe("".join(rows))  # every text above went through escape()
