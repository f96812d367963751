"""supporter_create, supporter_update and availability_weekly_set take data, not forms; an update
writes only what it changes, on the row as read under the supporter's lock."""

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import AvailabilityFactory, SkillFactory, SupporterFactory
from volunteers import feeds, services
from volunteers.models import Supporter

pytestmark = pytest.mark.django_db


def _pattern(supporter) -> list[str]:
    return [str(a) for a in supporter.availabilities.order_by("weekday", "start_time")]


def test_an_update_from_a_stale_copy_keeps_a_calendar_link_reset_meanwhile():
    supporter = SupporterFactory(name="学生 花子")
    old_token = feeds.supporter_feed_token_ensure(supporter=supporter)
    stale = Supporter.objects.get(pk=supporter.pk)  # what the edit page read
    new_token = feeds.supporter_feed_token_reset(supporter=supporter)

    services.supporter_update(supporter=stale, name="学生 花子", languages="English")

    supporter.refresh_from_db()
    assert supporter.languages == "English"
    assert supporter.feed_token == new_token != old_token
    assert feeds.supporter_for_feed_token(old_token) is None


def test_an_update_replaces_only_the_weekly_windows_that_changed():
    supporter = SupporterFactory()
    monday = AvailabilityFactory(supporter=supporter, weekday=0)
    AvailabilityFactory(supporter=supporter, weekday=2)

    services.supporter_update(
        supporter=supporter,
        weekly=[(0, time(9), time(17)), (4, time(13), time(16))],
    )

    assert _pattern(supporter) == ["Monday 09:00-17:00", "Friday 13:00-16:00"]
    assert supporter.availabilities.filter(pk=monday.pk).exists()


def test_an_update_without_weekly_leaves_the_pattern_alone():
    supporter = SupporterFactory()
    AvailabilityFactory(supporter=supporter, weekday=3)

    services.supporter_update(supporter=supporter, max_sessions_per_month=2)

    supporter.refresh_from_db()
    assert supporter.max_sessions_per_month == 2
    assert _pattern(supporter) == ["Thursday 09:00-17:00"]


def test_a_window_ending_before_it_starts_is_refused_and_nothing_changes():
    supporter = SupporterFactory(languages="")
    AvailabilityFactory(supporter=supporter, weekday=0)

    with pytest.raises(ValidationError, match="The end time must be after the start time"):
        services.supporter_update(
            supporter=supporter, languages="English", weekly=[(1, time(17), time(9))]
        )

    supporter.refresh_from_db()
    assert supporter.languages == ""
    assert _pattern(supporter) == ["Monday 09:00-17:00"]


def test_create_refuses_a_supporter_without_a_name():
    with pytest.raises(ValidationError) as caught:
        services.supporter_create(name="", kind=Supporter.Kind.VOLUNTEER)

    assert "name" in caught.value.message_dict
    assert not Supporter.objects.exists()


def test_create_saves_skills_and_weekly_windows():
    line = SkillFactory(code="line")

    supporter = services.supporter_create(
        name="新人 さくら", skills=[line], weekly=[(2, time(13), time(17))]
    )

    assert list(supporter.skills.values_list("code", flat=True)) == ["line"]
    assert _pattern(supporter) == ["Wednesday 13:00-17:00"]


def test_a_field_the_services_do_not_set_is_a_programming_error():
    supporter = SupporterFactory()

    with pytest.raises(TypeError, match="feed_token"):
        services.supporter_update(supporter=supporter, feed_token="")


def test_the_weekly_page_deletes_edits_and_adds_windows(client, supporter_user):
    supporter = supporter_user.supporter
    keep = AvailabilityFactory(supporter=supporter, weekday=0)
    gone = AvailabilityFactory(supporter=supporter, weekday=1)
    moved = AvailabilityFactory(supporter=supporter, weekday=2)
    client.force_login(supporter_user)
    rows = [
        (keep, {"weekday": "0", "start_time": "09:00", "end_time": "17:00"}),
        (gone, {"weekday": "1", "start_time": "09:00", "end_time": "17:00", "DELETE": "on"}),
        (moved, {"weekday": "2", "start_time": "10:00", "end_time": "12:00"}),
        (None, {"weekday": "5", "start_time": "09:00", "end_time": "11:00"}),
    ]
    data = {
        "action": "weekly",
        "availability-TOTAL_FORMS": str(len(rows)),
        "availability-INITIAL_FORMS": "3",
        "availability-MIN_NUM_FORMS": "0",
        "availability-MAX_NUM_FORMS": "1000",
    }
    for i, (row, values) in enumerate(rows):
        if row is not None:
            data[f"availability-{i}-id"] = str(row.pk)
        data.update({f"availability-{i}-{k}": v for k, v in values.items()})

    response = client.post(reverse("volunteers:my_availability"), data, follow=True)

    assert "The weekly availability was saved." in response.content.decode()
    assert _pattern(supporter) == [
        "Monday 09:00-17:00",
        "Wednesday 10:00-12:00",
        "Saturday 09:00-11:00",
    ]
    assert supporter.availabilities.filter(pk=keep.pk).exists()
