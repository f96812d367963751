"""What the demo builder's step mixins (``builder_*``) share: the attributes
``devtools.demo.builder._DemoBuilder`` sets, declared once so each step module is checked
against them."""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from faker import Faker

    from classes.models import Session, Topic, Venue
    from devtools.demo.builder import DemoResult
    from residents.models import Resident


class DemoBuilderState:
    """The builder's state. Set in ``_DemoBuilder.__init__`` (``today`` to ``result``) and by
    the steps, in the order ``build`` runs them (``users`` and ``staff_by_venue`` by
    ``_users``, ``residents`` and ``by_district`` by ``_residents``, ``sessions`` by
    ``_sessions``)."""

    today: date
    rng: random.Random
    fake: Faker
    venues: list[Venue]
    topics: list[Topic]
    result: DemoResult
    users: dict[str, User]  # demo login by username
    staff_by_venue: dict[int, User]  # a staff login by venue pk
    residents: list[Resident]
    by_district: dict[str, list[Resident]]
    sessions: list[Session]
