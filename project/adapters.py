from allauth.account.adapter import DefaultAccountAdapter


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by the administrator (admin site or ``manage.py createsuperuser``)."""

    def is_open_for_signup(self, request):  # noqa: ARG002
        return False
