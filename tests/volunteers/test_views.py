import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kernel.models import Role
from tests.factories import (
    AssignmentFactory,
    RegistrationFactory,
    ResidentFactory,
    SessionFactory,
    SkillFactory,
    SupporterFactory,
    make_user,
)
from tests.volunteers.helpers import jst, session_at, texts
from volunteers.models import Assignment, Supporter

pytestmark = pytest.mark.django_db


# --- access per persona -------------------------------------------------------------------


def office_pages(session, supporter):
    return [
        reverse("volunteers:supporter_list"),
        reverse("volunteers:supporter_detail", args=[supporter.pk]),
        reverse("volunteers:assign", args=[session.pk]),
    ]


def manager_pages(supporter):
    return [
        reverse("volunteers:supporter_create"),
        reverse("volunteers:supporter_edit", args=[supporter.pk]),
    ]


@pytest.mark.parametrize("persona", ["admin_client_", "coordinator_client"])
def test_admin_and_coordinator_see_and_change_everything(request, persona):
    client = request.getfixturevalue(persona)
    session, supporter = SessionFactory(), SupporterFactory()
    for url in office_pages(session, supporter) + manager_pages(supporter):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("volunteers:assign", args=[session.pk])).content.decode()
    assert f"Assign {supporter.name}" in page


def test_staff_see_the_lists_read_only(staff_client, venue, other_venue):
    session, supporter = SessionFactory(venue=venue), SupporterFactory()
    for url in office_pages(session, supporter):
        assert staff_client.get(url).status_code == 200, url
    # Another venue's session and its supporters are not theirs to see (as the session page).
    elsewhere = SessionFactory(venue=other_venue)
    assert staff_client.get(reverse("volunteers:assign", args=[elsewhere.pk])).status_code == 404
    page = staff_client.get(reverse("volunteers:assign", args=[session.pk])).content.decode()
    assert "Assign " + supporter.name not in page
    for url in manager_pages(supporter):
        assert staff_client.get(url).status_code == 403, url
    response = staff_client.post(
        reverse("volunteers:assign", args=[session.pk]), {"supporter": supporter.pk}
    )
    assert response.status_code == 403
    assignment = AssignmentFactory()
    cancel = reverse("volunteers:assignment_cancel", args=[assignment.pk])
    assert staff_client.post(cancel).status_code == 403
    assert not Assignment.objects.filter(supporter=supporter).exists()
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CONFIRMED


def test_supporter_gets_403_on_office_pages(supporter_client):
    session, supporter = SessionFactory(), SupporterFactory()
    for url in office_pages(session, supporter) + manager_pages(supporter):
        assert supporter_client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client):
    session, supporter = SessionFactory(), SupporterFactory()
    for url in office_pages(session, supporter) + [reverse("volunteers:my_assignments")]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_office_roles_get_403_on_my_assignments(coordinator_client):
    assert coordinator_client.get(reverse("volunteers:my_assignments")).status_code == 403


# --- supporter list --------------------------------------------------------------------


def test_supporter_list_shows_kind_organisation_skills_and_month_count(coordinator_client):
    supporter = SupporterFactory(
        name="学生 花子", organisation="いわき明星大学", max_sessions_per_month=4
    )
    supporter.skills.add(SkillFactory(code="iphone", name="iPhone"))
    AssignmentFactory(supporter=supporter)  # three days ahead: this month or next
    SupporterFactory(name="休止 次郎", is_active=False)

    page = coordinator_client.get(reverse("volunteers:supporter_list")).content.decode()

    assert (
        "学生 花子" in page and "いわき明星大学" in page and "iPhone" in page and "Student" in page
    )
    assert "休止 次郎" not in page
    assert " / 4" in page


def test_supporter_list_filters_by_skill_kind_and_name(coordinator_client):
    ios = SupporterFactory(name="アイ 太郎", kind=Supporter.Kind.VOLUNTEER)
    ios.skills.add(SkillFactory(code="iphone", name="iPhone"))
    SupporterFactory(name="アンド 次郎", kind=Supporter.Kind.STUDENT)
    url = reverse("volunteers:supporter_list")

    by_skill = coordinator_client.get(url, {"skill": "iphone"}).content.decode()
    by_kind = coordinator_client.get(url, {"kind": "student"}).content.decode()
    by_name = coordinator_client.get(url, {"q": "アンド"}).content.decode()

    assert "アイ 太郎" in by_skill and "アンド 次郎" not in by_skill
    assert "アンド 次郎" in by_kind and "アイ 太郎" not in by_kind
    assert "アンド 次郎" in by_name and "アイ 太郎" not in by_name


def _list_queries(client, count):
    skills = [SkillFactory(code="line"), SkillFactory(code="android")]
    for _ in range(count):
        supporter = SupporterFactory()
        supporter.skills.set(skills)
        AssignmentFactory(supporter=supporter)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("volunteers:supporter_list"))
    assert response.status_code == 200
    assert response.content.decode().count('scope="row"') == Supporter.objects.count()
    return len(ctx.captured_queries)


def test_supporter_list_query_count_is_the_same_for_5_and_50(
    coordinator_client, django_assert_max_num_queries
):
    five = _list_queries(coordinator_client, 5)
    fifty = _list_queries(coordinator_client, 45)
    assert five == fifty
    with django_assert_max_num_queries(fifty):
        coordinator_client.get(reverse("volunteers:supporter_list"))


# --- supporter form --------------------------------------------------------------------


def test_coordinator_creates_a_supporter_with_skills_and_weekly_availability(coordinator_client):
    line = SkillFactory(code="line")
    data = {
        "name": "新人 さくら",
        "name_kana": "しんじん さくら",
        "kind": "student",
        "organisation": "福島高専",
        "skills": [line.pk],
        "languages": "English",
        "training_completed_on": "2026-04-20",
        "insurance_valid_until": "2027-03-31",
        "max_sessions_per_month": "4",
        "is_active": "on",
        "availability-TOTAL_FORMS": "2",
        "availability-INITIAL_FORMS": "0",
        "availability-MIN_NUM_FORMS": "0",
        "availability-MAX_NUM_FORMS": "1000",
        "availability-0-weekday": "2",
        "availability-0-start_time": "13:00",
        "availability-0-end_time": "17:00",
    }
    response = coordinator_client.post(reverse("volunteers:supporter_create"), data, follow=True)

    supporter = Supporter.objects.get(name="新人 さくら")
    assert response.redirect_chain[-1][0] == reverse(
        "volunteers:supporter_detail", args=[supporter.pk]
    )
    assert list(supporter.skills.values_list("code", flat=True)) == ["line"]
    assert supporter.languages == "English"
    assert [str(a) for a in supporter.availabilities.all()] == ["Wednesday 13:00-17:00"]
    page = response.content.decode()
    assert "Wednesday 13:00–17:00" in page and "Mon 20 Apr 2026" in page


def test_supporter_form_with_a_bad_availability_saves_nothing(coordinator_client):
    data = {
        "name": "時間 逆",
        "kind": "volunteer",
        "max_sessions_per_month": "4",
        "availability-TOTAL_FORMS": "1",
        "availability-INITIAL_FORMS": "0",
        "availability-MIN_NUM_FORMS": "0",
        "availability-MAX_NUM_FORMS": "1000",
        "availability-0-weekday": "2",
        "availability-0-start_time": "17:00",
        "availability-0-end_time": "13:00",
    }
    response = coordinator_client.post(reverse("volunteers:supporter_create"), data)

    assert response.status_code == 200
    assert "The end time must be after the start time." in response.content.decode()
    assert not Supporter.objects.filter(name="時間 逆").exists()


# --- assign page -----------------------------------------------------------------------


def test_coordinator_assigns_from_the_candidate_list(coordinator_client):
    session = session_at(jst(2031, 6, 10))
    supporter = SupporterFactory(name="候補 一郎")
    url = reverse("volunteers:assign", args=[session.pk])

    response = coordinator_client.post(
        url, {"supporter": supporter.pk, "is_lead": "on"}, follow=True
    )

    assignment = Assignment.objects.get(session=session)
    assert (assignment.supporter, assignment.is_lead, assignment.status) == (
        supporter,
        True,
        Assignment.Status.PROPOSED,
    )
    assert "候補 一郎 was proposed for this session" in " ".join(texts(response))
    page = response.content.decode()
    assert "Cancel 候補 一郎" in page
    assert "Assign 候補 一郎" not in page  # no longer a candidate


def test_assign_page_shows_the_reason_and_saves_nothing_on_overlap(coordinator_client):
    supporter = SupporterFactory(name="重複 二郎")
    AssignmentFactory(supporter=supporter, session=session_at(jst(2031, 6, 10, 10)))
    clashing = session_at(jst(2031, 6, 10, 11))

    response = coordinator_client.post(
        reverse("volunteers:assign", args=[clashing.pk]), {"supporter": supporter.pk}, follow=True
    )

    assert response.status_code == 200
    assert any(
        "重複 二郎 is already assigned to another session at that time" in t
        for t in texts(response)
    )
    assert not clashing.assignments.exists()


def test_assign_page_with_a_missing_supporter_says_so(coordinator_client):
    session = SessionFactory()
    response = coordinator_client.post(
        reverse("volunteers:assign", args=[session.pk]), {"supporter": "999999"}, follow=True
    )
    assert "Choose a supporter from the list and try again." in texts(response)
    assert not Assignment.objects.exists()


def test_assign_page_404_for_an_unknown_session(coordinator_client):
    assert coordinator_client.get(reverse("volunteers:assign", args=[999999])).status_code == 404


def test_coordinator_cancels_and_confirms_by_phone(coordinator_client):
    proposed = AssignmentFactory(status=Assignment.Status.PROPOSED)
    other = AssignmentFactory(session=proposed.session)

    coordinator_client.post(
        reverse("volunteers:assignment_respond", args=[proposed.pk]), {"answer": "accept"}
    )
    cancel = reverse("volunteers:assignment_cancel", args=[other.pk])
    asked = coordinator_client.post(cancel).content.decode()
    assert f"Cancel {other.supporter.name} for" in asked
    other.refresh_from_db()
    assert other.status == Assignment.Status.CONFIRMED  # asking changed nothing
    response = coordinator_client.post(cancel, {"confirmed": "yes"}, follow=True)

    proposed.refresh_from_db()
    other.refresh_from_db()
    assert proposed.status == Assignment.Status.CONFIRMED
    assert other.status == Assignment.Status.CANCELLED
    assert response.redirect_chain[-1][0] == reverse("volunteers:assign", args=[other.session_id])
    assert f"The assignment of {other.supporter.name} was cancelled." in texts(response)


# --- my assignments --------------------------------------------------------------------


def test_supporter_sees_upcoming_assignments_without_resident_personal_data(
    supporter_client, supporter_user
):
    me = supporter_user.supporter
    session = SessionFactory(title="LINE入門", seats=12)
    resident = ResidentFactory(name="高齢 ハナ", phone="0246-22-9876")
    RegistrationFactory(session=session, resident=resident)
    RegistrationFactory(session=session)
    mine = AssignmentFactory(supporter=me, session=session, status=Assignment.Status.PROPOSED)
    AssignmentFactory(supporter=SupporterFactory(name="他人 三郎"))  # someone else's

    list_page = supporter_client.get(reverse("volunteers:my_assignments")).content.decode()
    detail_page = supporter_client.get(
        reverse("volunteers:my_assignment_detail", args=[mine.pk])
    ).content.decode()

    for page in (list_page, detail_page):
        assert "LINE入門" in page
        assert session.venue.name in page
        assert "0246-22-9876" not in page and "高齢 ハナ" not in page
        assert resident.birth_date.strftime("%Y") + "年" not in page
        assert "他人 三郎" not in page
    assert "2 / 12" in detail_page
    assert ">2<" in list_page.replace(" ", "").replace("\n", "")


def test_supporter_accepts_and_declines_on_their_page(supporter_client, supporter_user):
    me = supporter_user.supporter
    first = AssignmentFactory(supporter=me, status=Assignment.Status.PROPOSED)
    second = AssignmentFactory(supporter=me, status=Assignment.Status.PROPOSED)
    page = supporter_client.get(reverse("volunteers:my_assignments")).content.decode()
    assert page.count("Accept (") == 2

    accept = supporter_client.post(
        reverse("volunteers:assignment_respond", args=[first.pk]), {"answer": "accept"}, follow=True
    )
    decline = supporter_client.post(
        reverse("volunteers:assignment_respond", args=[second.pk]),
        {"answer": "decline"},
        follow=True,
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Assignment.Status.CONFIRMED
    assert second.status == Assignment.Status.DECLINED
    assert "Thank you. You accepted." in texts(accept)
    assert "You declined. Thank you." in texts(decline)
    assert decline.redirect_chain[-1][0] == reverse("volunteers:my_assignments")
    assert "Accept (" not in decline.content.decode()


def test_supporter_cannot_see_or_answer_another_supporters_assignment(supporter_client):
    theirs = AssignmentFactory(supporter=SupporterFactory(), status=Assignment.Status.PROPOSED)

    detail = supporter_client.get(reverse("volunteers:my_assignment_detail", args=[theirs.pk]))
    answer = supporter_client.post(
        reverse("volunteers:assignment_respond", args=[theirs.pk]), {"answer": "decline"}
    )

    assert detail.status_code == 404
    assert answer.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Assignment.Status.PROPOSED


def test_supporter_cannot_cancel_assignments(supporter_client, supporter_user):
    mine = AssignmentFactory(supporter=supporter_user.supporter)
    assert (
        supporter_client.post(reverse("volunteers:assignment_cancel", args=[mine.pk])).status_code
        == 403
    )
    mine.refresh_from_db()
    assert mine.status == Assignment.Status.CONFIRMED


def test_supporter_login_without_a_profile_gets_a_clear_message(client):
    client.force_login(make_user(Role.SUPPORTER, username="nolink"))
    page = client.get(reverse("volunteers:my_assignments")).content.decode()
    assert "not linked to a supporter profile" in page
