"""The clauses of the loan agreement (貸与同意書): default wording, per-policy overrides, and the
values filled into them.

Each clause has a key, a heading and a default text, written in plain words an 80-year-old reader
follows and a city legal office accepts. The administrator may replace any clause's text for a
policy (``LoanPolicy.clause_texts``, edited in the admin); a blank override prints the default.
A line break in a text starts a new paragraph. Texts may name the placeholders in ``PLACEHOLDERS`` in braces (``{lender}``); they are filled in
for the loan being printed.
"""

import string
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Clause:
    key: str
    heading: Promise
    default: Promise


CLAUSES: tuple[Clause, ...] = (
    Clause(
        "lender_free",
        _("Lender and charge"),
        _(
            "{lender} (the lender) lends you the device below free of charge. There is no "
            "rental fee and no deposit."
        ),
    ),
    Clause(
        "term", _("Loan period and renewal"), _("The loan runs from {start} to {due}. {renewal}")
    ),
    Clause(
        "charges",
        _("What you may have to pay"),
        _(
            "Calls and data within the plan set on the device are paid by the lender; normally "
            "you pay nothing. Only charges beyond the plan are yours to pay: paid apps and "
            "purchases inside apps, calls to pay-per-call numbers (such as 0570 and 0180), and "
            "other paid services you sign up for."
        ),
    ),
    Clause(
        "use",
        _("How to use the device"),
        _(
            "The device is for you to use. Do not lend, give or sell it to anyone. International "
            "calls and use abroad are blocked, and harmful websites are filtered. {classes}"
        ),
    ),
    Clause(
        "loss_damage",
        _("Loss, damage and theft"),
        _(
            "If the device is lost, broken or stolen, call the help line at once. If it is "
            "stolen, also report it to the police. The lender may lock the device from afar. "
            "You pay nothing for damage from ordinary use, nor for a device lost or stolen "
            "through no fault of yours. If the device is damaged on purpose or through serious "
            "carelessness, you may be asked to pay for its repair or replacement."
        ),
    ),
    Clause(
        "return",
        _("Return and data wipe"),
        _(
            "By the due date, bring the device and every part (charger, cable, case, SIM card "
            "and so on) back to the venue where you borrowed it. At the return all data on the "
            "device (photos, contacts, LINE messages, apps) is erased. If you want to keep "
            "something, ask the staff before the return."
        ),
    ),
    Clause(
        "overdue",
        _("If the return is late"),
        _(
            "If the device is not back by the due date, we call you or your contact person. If "
            "it is still not returned, the lender may suspend the use of the device (calls and "
            "the internet stop working)."
        ),
    ),
    Clause(
        "personal_data",
        _("Your personal data"),
        _(
            "What we record: your name, furigana, date of birth, address, phone number, your "
            "contact person, the device and the loan dates, the classes you attend and what you "
            "tell us in follow-up calls.\n"
            "What for: to run the loan, to contact you and to improve the support. Reports use "
            "only totals in which no one can be identified.\n"
            "Who sees it: the staff in charge at the lender and at the venue. It is not given "
            "to anyone else without your consent unless the law requires it.\n"
            "After the loan it is kept for the period the lender sets, then deleted."
        ),
    ),
    Clause(
        "usage_data",
        _("Usage data (optional)"),
        _(
            "Only if you agree separately below, we analyse how the device is used (for example "
            "which apps are used and how often) in a form that does not identify you. Message "
            "contents, photos and searches are never collected. You can borrow the device "
            "without agreeing, and you can withdraw your agreement at any time."
        ),
    ),
    Clause(
        "proxy",
        _("Signing for someone else"),
        _(
            "If you cannot sign yourself, a family member or another person you trust may sign "
            "for you as proxy. The proxy writes their name and their relationship to you, and "
            "signs after making sure that you understand and agree to this agreement."
        ),
    ),
)
CLAUSE_KEYS = tuple(clause.key for clause in CLAUSES)

# Placeholders a clause text may use, with what they become (shown to the administrator).
PLACEHOLDERS: dict[str, Promise] = {
    "lender": _("the lender's name"),
    "start": _("the start date"),
    "due": _("the due date"),
    "renewal": _("the renewal sentence of the policy"),
    "classes": _("the classes to attend, when the policy asks for any"),
}


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with the ``{placeholders}`` it names replaced from ``values``.

    An unknown placeholder is printed as written; a text that is not a valid format string
    (a lone brace) is printed unchanged, so an administrator's typo never stops the printing.
    """
    try:
        return string.Formatter().vformat(text, (), _KeepUnknown(values))
    except (ValueError, IndexError, AttributeError):
        return text


def check_clause_text(text: str) -> str | None:
    """A message saying what is wrong with an override ``text``, or None when it prints well."""
    try:
        fields = {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError:
        return gettext("Braces must come in pairs around a placeholder, such as {lender}.")
    unknown = sorted(fields - set(PLACEHOLDERS))
    if unknown:
        return gettext("Unknown placeholder: %(names)s. Use only: %(known)s.") % {
            "names": ", ".join("{" + name + "}" for name in unknown),
            "known": ", ".join("{" + name + "}" for name in PLACEHOLDERS),
        }
    return None


def lender_name(policy) -> str:
    """The operating body that lends: the policy's ``lender_name``, else LOAN_LENDER_NAME."""
    if policy is not None and policy.lender_name.strip():
        return policy.lender_name.strip()
    return getattr(settings, "LOAN_LENDER_NAME", "")


def clause_texts(policy, values: dict[str, str]) -> list[tuple[str, str]]:
    """(heading, text) of every clause in order, in the active language, for ``policy`` (a
    LoanPolicy or None: the defaults), with ``values`` filled into the placeholders."""
    overrides = (policy.clause_texts if policy is not None else None) or {}
    rows = []
    for clause in CLAUSES:
        override = overrides.get(clause.key)
        text = override.strip() if isinstance(override, str) and override.strip() else None
        rows.append((str(clause.heading), fill(text or str(clause.default), values).strip()))
    return rows
