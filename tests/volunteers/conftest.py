"""Fixtures shared by the volunteers tests."""

import pytest


@pytest.fixture
def supporter_client(client, supporter_user):
    """A test client logged in as the supporter persona."""
    client.force_login(supporter_user)
    return client
