"""Caravan mode in a real headless Chromium: stored with 「オフラインで使う」, used with the server
unreachable (every request of the context aborted, the service worker's own fetches included,
and checked: not one request reaches the server meanwhile), reopened while unreachable, then
sent twice (the first answer lost on the way, a login expired in between) and saved once.

Screenshots go to ``$SCREENSHOT_DIR`` when set (to look at them), else to the test's tmp dir:
``caravan-online.png``, ``caravan-offline.png``, ``caravan-login-expired.png``,
``caravan-after-sync.png``.
"""

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.signals import request_started
from django.utils import timezone

from classes.models import CaravanRecord, Consultation, Registration, Session
from residents.models import Resident
from tests.browser.conftest import PASSWORD
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


def _status(page) -> str:
    return page.locator("#caravan-status").inner_text()


def _wait_status(page, text: str) -> None:
    page.wait_for_function(
        "text => document.getElementById('caravan-status').textContent.includes(text)",
        arg=text,
        timeout=15000,
    )


def test_a_caravan_recorded_offline_reopens_and_syncs_once(
    staff_page, live_server, venue, staff_user, tmp_path
):
    page = staff_page
    context = page.context
    start = timezone.localtime().replace(hour=0, minute=30, second=0, microsecond=0)
    caravan = SessionFactory(
        kind=Session.Kind.CARAVAN,
        venue=venue,
        title="お助けキャラバン 小名浜",
        place="イオンモールいわき小名浜 1階",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        seats=None,
        topic=None,
    )
    yamada = RegistrationFactory(
        session=caravan, resident=ResidentFactory(name="山田 太郎", name_kana="ヤマダ タロウ")
    )
    RegistrationFactory(
        session=caravan, resident=ResidentFactory(name="佐藤 花子", name_kana="サトウ ハナコ")
    )
    known = ResidentFactory(
        name="海野 花子", name_kana="ウミノ ハナコ", birth_date=date(1945, 5, 3)
    )
    url = f"{live_server.url}/sessions/caravan/{caravan.pk}/"

    # --- online: store the caravan on the device
    page.goto(url)
    page.wait_for_selector("body[data-caravan-ready=true]")
    assert "まだこの端末に保存されていません" in _status(page)
    page.get_by_role("button", name="オフラインで使う").click()
    _wait_status(page, "へ保存しました")
    # When it was stored, as the page prints every date: 12月3日(木) 04:45.
    assert re.search(r"\d{1,2}月\d{1,2}日\([月火水木金土日]\) \d\d:\d\d", _status(page)), _status(
        page
    )
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15000)
    assert page.get_by_label("山田 太郎").is_visible()
    shot(page, tmp_path, "caravan-online.png")

    # --- the server becomes unreachable: every request of the context fails, the service
    # worker's fetches too (a context set offline would not cut those). Any request that still
    # reached the server would be counted here.
    reached: list[str] = []

    def count(sender, environ, **kwargs):
        reached.append(environ.get("PATH_INFO", ""))

    request_started.connect(count)
    try:
        context.route(f"{live_server.url}/**", lambda route: route.abort("internetdisconnected"))
        assert page.evaluate("fetch('/healthz').then(() => 'reached', () => 'failed')") == "failed"

        page.get_by_label("山田 太郎").check()
        page.get_by_label("氏名（漢字）").fill("海野 花子")
        page.get_by_label("ふりがな").fill("うみの はなこ")
        page.get_by_label("生年月日（生まれ年だけでも可）").fill("昭和20年5月3日")
        page.get_by_label("地区").fill("小名浜")
        page.get_by_label("個人情報の利用に同意あり").check()
        page.get_by_role("button", name="当日参加を記録").click()
        _wait_status(page, "海野 花子")
        page.get_by_label("氏名（漢字）").fill("川口 一郎")
        page.get_by_label("ふりがな").fill("かわぐち いちろう")
        page.get_by_label("生年月日（生まれ年だけでも可）").fill("昭和18")
        page.get_by_role("button", name="当日参加を記録").click()
        _wait_status(page, "川口 一郎")
        page.get_by_label("相談内容").select_option("line")
        page.get_by_label("メモ（1行）").fill("友だち追加の方法")
        page.get_by_role("button", name="相談を記録").click()
        _wait_status(page, "相談をこの端末に記録しました")
        page.get_by_role("button", name="来場者 +1").click()
        _wait_status(page, "未送信：5件")

        # Reopened while the server is unreachable: the stored copy opens, records and all.
        page.reload()
        page.wait_for_selector("body[data-caravan-ready=true]")
        assert "キャラバンモード" in page.locator("h1").inner_text()
        assert "未送信：5件" in _status(page)
        assert page.get_by_label("山田 太郎").is_checked()
        assert page.locator("#caravan-visitors").inner_text() == "1"
        rows = page.locator("#caravan-records tr")
        assert rows.count() == 5
        assert (
            "川口 一郎 (かわぐち いちろう) 昭和18" in page.locator("#caravan-records").inner_text()
        )
        shot(page, tmp_path, "caravan-offline.png")
        assert reached == [], f"requests reached the server while it was unreachable: {reached}"
    finally:
        request_started.disconnect(count)
        context.unroute(f"{live_server.url}/**")

    # --- back on the network. First send: the server saves, but its answer is lost on the way.
    sync_url = f"{live_server.url}/sessions/caravan/{caravan.pk}/sync/"

    def lose_answer(route):
        route.fetch()
        route.abort("internetdisconnected")

    context.route(sync_url, lose_answer)
    page.get_by_role("button", name="今すぐ送信").click()
    _wait_status(page, "サーバーに接続できません")
    context.unroute(sync_url)
    assert CaravanRecord.objects.filter(session=caravan).count() == 5
    # The device never heard back: all five still wait to be sent.
    assert page.locator("#caravan-records").inner_text().count("未送信") == 5
    assert page.get_by_role("button", name="受付不可の記録を確認しました（消去する）").is_hidden()

    # The login expires meanwhile: the page asks to log in again and keeps every record.
    context.clear_cookies()
    page.get_by_role("button", name="今すぐ送信").click()
    page.get_by_role("link", name="新しいタブでログインし直す").wait_for()
    assert "ログインの有効期限が切れました" in page.locator("#caravan-login").inner_text()
    # The status line follows the login prompt (it said "送信しています…" a moment before).
    _wait_status(page, "未送信：5件")
    assert rows.count() == 5
    shot(page, tmp_path, "caravan-login-expired.png")
    login = context.new_page()
    login.goto(f"{live_server.url}/accounts/login/?next=/sessions/caravan/{caravan.pk}/")
    login.get_by_label("ユーザー名").fill(staff_user.username)
    login.get_by_label("パスワード").fill(PASSWORD)
    login.keyboard.press("Enter")
    login.wait_for_url(url)
    login.close()

    # Second send, with a fresh login and CSRF token: everything answered "already received".
    page.bring_to_front()
    page.get_by_role("button", name="今すぐ送信").click()
    _wait_status(page, "すべて送信しました")
    report = page.locator("#caravan-records").inner_text()
    assert report.count("送信済み") == 5
    assert "二重には保存していません" in report
    assert report.count("重複の可能性がある登録") == 1  # 海野 花子, like a known resident
    assert page.get_by_role("button", name="今すぐ送信").is_hidden()
    shot(page, tmp_path, "caravan-after-sync.png")
    # The device keeps nothing of the caravan any more.
    left = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("caravan");
            open.onsuccess = () => {
                const tx = open.result.transaction(["caravans", "records"]);
                const a = tx.objectStore("caravans").count(), b = tx.objectStore("records").count();
                tx.oncomplete = () => resolve([a.result, b.result]);
            };
        })"""
    )
    assert left == [0, 0]
    assert page.evaluate(
        f"caches.open('caravan-v1').then(c => c.match('/sessions/caravan/{caravan.pk}/'))"
        ".then(r => r === undefined)"
    )

    # Each record once in the database.
    yamada.refresh_from_db()
    assert yamada.attendance == Registration.Attendance.ATTENDED
    hanako = Resident.objects.exclude(pk=known.pk).get(name="海野 花子")
    assert hanako.possible_duplicate_of_id == known.pk  # flagged for review, not merged
    assert hanako.birth_date == date(1945, 5, 3) and hanako.consent_given
    ichiro = Resident.objects.get(name="川口 一郎")
    assert ichiro.birth_date is None and "1943" in ichiro.notes
    assert Registration.objects.filter(session=caravan, is_walk_in=True).count() == 2
    consultation = Consultation.objects.get(session=caravan)
    assert (consultation.category, consultation.note) == ("line", "友だち追加の方法")
    caravan.refresh_from_db()
    assert caravan.walk_in_count == 1
    assert CaravanRecord.objects.filter(session=caravan).count() == 5
