from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.models import Registration
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def caller(db):
    return ResidentFactory(name="鈴木 幸子", name_kana="スズキ サチコ", phone="0246-99-9003")


def test_staff_find_a_caller_by_half_width_kana(staff_client, caller):
    response = staff_client.get(reverse("classes:phone"), {"q": "ｽｽﾞｷ"})
    assert response.status_code == 200
    assert "鈴木 幸子" in response.content.decode()


def test_staff_find_a_caller_by_full_width_phone_digits(staff_client, caller):
    response = staff_client.get(reverse("classes:phone"), {"q": "０２４６９９９００３"})
    assert "鈴木 幸子" in response.content.decode()


def test_selected_caller_sees_only_sessions_at_the_staffs_venues(
    staff_client, caller, venue, other_venue
):
    SessionFactory(venue=venue, title="LINE入門 中央")
    SessionFactory(venue=other_venue, title="LINE入門 小名浜")
    response = staff_client.get(reverse("classes:phone"), {"resident": caller.pk})
    body = response.content.decode()
    assert "LINE入門 中央" in body
    assert "LINE入門 小名浜" not in body


def test_choosing_a_caller_puts_them_first_with_a_way_back_to_the_results(
    staff_client, caller, venue
):
    ResidentFactory(name="鈴木 一郎", name_kana="スズキ イチロウ")
    SessionFactory(venue=venue, title="LINE入門 中央")
    found = staff_client.get(reverse("classes:phone"), {"q": "スズキ"}).content.decode()
    assert "鈴木 一郎" in found and "鈴木 幸子" in found

    chosen = staff_client.get(
        reverse("classes:phone"), {"q": "スズキ", "resident": caller.pk}
    ).content.decode()
    # The chosen caller and the sessions to offer, not the other 29 results to scroll past.
    assert "鈴木 幸子" in chosen and "LINE入門 中央" in chosen
    assert "鈴木 一郎" not in chosen
    assert 'href="?q=%E3%82%B9%E3%82%BA%E3%82%AD"' in chosen  # back to the results


def test_registering_shows_the_read_back_with_weekday_time_and_venue(staff_client, caller, venue):
    venue.access = "いわき駅から徒歩10分"
    venue.save()
    start = timezone.make_aware(timezone.datetime(2030, 12, 5, 10, 0))
    session = SessionFactory(venue=venue, starts_at=start, ends_at=start + timedelta(minutes=90))
    response = staff_client.post(
        reverse("classes:register"),
        {"session": session.pk, "resident": caller.pk, "companion": "長女"},
        follow=True,
    )
    body = response.content.decode()
    assert "Thu 5 Dec 2030" in body  # the page is in English here; 2030年12月5日(木) in Japanese
    assert "10:00–11:30" in body
    assert venue.name in body
    assert "いわき駅から徒歩10分" in body
    assert "長女" in body
    reg = Registration.objects.get(session=session, resident=caller)
    assert reg.status == "registered"


def test_full_class_read_back_says_waitlist_position(staff_client, caller, venue):
    session = SessionFactory(venue=venue, seats=1)
    RegistrationFactory(session=session)
    response = staff_client.post(
        reverse("classes:register"), {"session": session.pk, "resident": caller.pk}, follow=True
    )
    assert "On the waitlist: number 1. No seat is reserved yet." in response.content.decode()


def test_double_registration_gives_a_message_and_no_second_row(staff_client, caller, venue):
    session = SessionFactory(venue=venue)
    data = {"session": session.pk, "resident": caller.pk}
    staff_client.post(reverse("classes:register"), data)
    response = staff_client.post(reverse("classes:register"), data, follow=True)
    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert Registration.objects.filter(session=session).count() == 1


def test_garbage_post_gives_a_message_not_an_error(staff_client):
    response = staff_client.post(reverse("classes:register"), {"session": "x"}, follow=True)
    assert response.status_code == 200
    assert "Choose a resident and a session" in response.content.decode()


def test_staff_cannot_register_into_another_venues_session(staff_client, caller, other_venue):
    session = SessionFactory(venue=other_venue)
    response = staff_client.post(
        reverse("classes:register"), {"session": session.pk, "resident": caller.pk}
    )
    assert response.status_code == 404
    assert not Registration.objects.exists()


def test_cancel_from_session_page_offers_the_seat_and_asks_to_call(staff_client, venue):
    session = SessionFactory(venue=venue, seats=1)
    seated = RegistrationFactory(session=session)
    waiting = RegistrationFactory(
        session=session, status="waitlisted", resident=ResidentFactory(phone="0246-12-3456")
    )
    response = staff_client.post(
        reverse("classes:registration_cancel", args=[seated.pk]),
        {"confirmed": "yes"},
        follow=True,
    )
    # The name and phone are on the page anyway (now in the registered list): check the message.
    shown = [str(m) for m in response.context["messages"]]
    assert any(
        m.startswith(f"The freed seat is offered to {waiting.resident.name}, first on the waitlist")
        and "Please call them (0246-12-3456)" in m
        for m in shown
    ), shown
    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"  # until they say yes


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("admin_user", 200),
        ("coordinator_user", 200),
        ("staff_user", 200),
        ("other_staff_user", 404),
        ("supporter_user", 403),
    ],
)
def test_session_detail_access_by_role(client, request, venue, persona, expected):
    session = SessionFactory(venue=venue)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("classes:session_detail", args=[session.pk])).status_code == expected


def test_anonymous_is_sent_to_login(client, venue):
    session = SessionFactory(venue=venue)
    response = client.get(reverse("classes:session_detail", args=[session.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_coordinator_cannot_register_residents(coordinator_client, caller, venue):
    session = SessionFactory(venue=venue)
    response = coordinator_client.post(
        reverse("classes:register"), {"session": session.pk, "resident": caller.pk}
    )
    assert response.status_code == 403


def test_attendance_taken_on_the_day_shows_no_shows(staff_client, venue, time_machine):
    session = SessionFactory(venue=venue)
    here = RegistrationFactory(session=session)
    away = RegistrationFactory(session=session)
    time_machine.move_to(session.starts_at + timedelta(minutes=10))
    response = staff_client.post(
        reverse("classes:attendance_take", args=[session.pk]), {"attended": [here.pk]}, follow=True
    )
    assert "1 present, 1 absent" in response.content.decode()
    away.refresh_from_db()
    assert away.attendance == "absent"


def test_session_form_rejects_end_before_start_and_saves_nothing(staff_client, venue):
    from classes.models import Session

    response = staff_client.post(
        reverse("classes:session_create"),
        {
            "kind": "class",
            "venue": venue.pk,
            "date": "2030-01-10",
            "start_time": "11:00",
            "end_time": "10:00",
            "seats": 10,
            "supporters_needed": 1,
        },
    )
    assert response.status_code == 200
    assert "end time must be after" in response.content.decode()
    assert not Session.objects.exists()


def test_session_form_creates_a_session_at_own_venue(staff_client, venue):
    from classes.models import Session

    response = staff_client.post(
        reverse("classes:session_create"),
        {
            "kind": "class",
            "title": "スマホ入門",
            "venue": venue.pk,
            "date": "2030-01-10",
            "start_time": "10:00",
            "end_time": "11:30",
            "seats": 12,
            "supporters_needed": 2,
        },
    )
    session = Session.objects.get()
    assert response.status_code == 302
    assert timezone.localtime(session.starts_at).hour == 10
    assert session.seats == 12


def test_session_form_refuses_another_venue(staff_client, other_venue):
    from classes.models import Session

    response = staff_client.post(
        reverse("classes:session_create"),
        {
            "kind": "class",
            "venue": other_venue.pk,
            "date": "2030-01-10",
            "start_time": "10:00",
            "end_time": "11:30",
            "seats": 12,
            "supporters_needed": 2,
        },
    )
    assert response.status_code == 200
    assert not Session.objects.exists()


@pytest.mark.parametrize("rows", [5, 50])
def test_session_list_query_count_does_not_grow(
    staff_client, venue, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        s = SessionFactory(venue=venue)
        RegistrationFactory(session=s)
    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("classes:session_list"))
    assert response.content.decode().count("/sessions/") >= rows


@pytest.mark.parametrize("rows", [5, 50])
def test_session_detail_query_count_does_not_grow(
    staff_client, venue, rows, django_assert_max_num_queries
):
    session = SessionFactory(venue=venue, seats=100)
    for _ in range(rows):
        RegistrationFactory(session=session)
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("classes:session_detail", args=[session.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_phone_search_query_count_does_not_grow(
    staff_client, venue, rows, django_assert_max_num_queries
):
    for i in range(rows):
        r = ResidentFactory(name_kana=f"ヤマダ {i}")
        RegistrationFactory(session=SessionFactory(venue=venue), resident=r)
    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("classes:phone"), {"q": "やまだ"})
    assert response.content.decode().count("ヤマダ") >= min(rows, 30)


def test_walk_in_found_on_the_session_page_is_added_present(staff_client, venue, time_machine):
    session = SessionFactory(venue=venue, seats=1)
    RegistrationFactory(session=session)  # the class is full: a walk-in still gets a place
    walker = ResidentFactory(name="飛込 太郎", name_kana="とびこみ たろう")
    time_machine.move_to(session.starts_at + timedelta(minutes=5))
    url = reverse("classes:session_detail", args=[session.pk])
    page = staff_client.get(url, {"q": "とびこみ"}).content.decode()
    assert "飛込 太郎" in page and reverse("classes:walk_in_add", args=[session.pk]) in page

    response = staff_client.post(
        reverse("classes:walk_in_add", args=[session.pk]), {"resident": walker.pk}, follow=True
    )

    assert "飛込 太郎 was added as a walk-in." in [str(m) for m in response.context["messages"]]
    reg = Registration.objects.get(session=session, resident=walker)
    assert (reg.status, reg.is_walk_in, reg.attendance) == ("registered", True, "attended")


def test_walk_in_with_an_unknown_resident_gives_a_message(staff_client, venue):
    session = SessionFactory(venue=venue)
    response = staff_client.post(
        reverse("classes:walk_in_add", args=[session.pk]), {"resident": "999999"}, follow=True
    )
    assert "That resident was not found. Please search again." in [
        str(m) for m in response.context["messages"]
    ]
    assert not Registration.objects.filter(session=session).exists()
