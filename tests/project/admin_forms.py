"""Form data for the admin site's "add user" page with its profile inline (tests only)."""

from kernel.models import Role


def user_add_data(*, username: str, venue, role: str = Role.STAFF, **fields) -> dict:
    """POST data for ``admin:auth_user_add``: one user with one profile (``role``, ``venue``).

    ``fields`` add or override user fields (``email``, ``password1``, ``usable_password``...).
    """
    return {
        "username": username,
        "first_name": "花子",
        "last_name": "田中",
        "email": "",
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "0",
        "profile-MIN_NUM_FORMS": "1",
        "profile-MAX_NUM_FORMS": "1",
        "profile-0-role": role,
        "profile-0-venues": [str(venue.pk)],
        **fields,
    }
