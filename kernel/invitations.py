"""Invitations: the administrator creates an account and mails its owner a link to set a password.

The link is allauth's password-reset link (``account_reset_password_from_key``), so the page that
opens is the same "set a new password" form in our layout. Its key is a Django
``PasswordResetTokenGenerator`` token (allauth's e-mail-aware variant): an HMAC over the user's
password hash, last login and e-mail with the site's SECRET_KEY. So the link

- expires after ``settings.PASSWORD_RESET_TIMEOUT`` seconds (3 days by default),
- works once: setting the password changes the hash the token was made from,
- stops working when the account's e-mail address changes, and cannot be forged or edited.
"""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _


def invitation_url(*, user, request: HttpRequest) -> str:
    """The absolute one-time "set your password" URL for ``user`` (a ``User``), built now."""
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )
    return request.build_absolute_uri(path)


def invitation_send(*, user, request: HttpRequest) -> str:
    """Mail ``user`` an invitation with a one-time link to set their password; return the link.

    Takes an active ``User`` with an e-mail address and the administrator's request (for the
    site's host name). The mail is in the active language. Raises ``ValidationError`` when the
    account is inactive or has no e-mail address. Sends no mail then.
    """
    if not user.is_active:
        raise ValidationError(
            _("The account %(username)s is not active: activate it before inviting its owner.")
            % {"username": user.get_username()}
        )
    if not user.email:
        raise ValidationError(
            _(
                "The account %(username)s has no e-mail address: add one to the account, then "
                "invite again."
            )
            % {"username": user.get_username()}
        )
    url = invitation_url(user=user, request=request)
    context = {
        "user": user,
        "username": user.get_username(),
        "url": url,
        "login_url": request.build_absolute_uri(reverse("account_login")),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)),
    }
    subject = " ".join(
        render_to_string("account/email/invitation_subject.txt", context).splitlines()
    ).strip()
    body = render_to_string("account/email/invitation_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return url
