"""Demo and benchmark data: a believable small program (``seed_demo``) and a city-scale data set
(``generate_city``).

Both build on the program data (venues, topics from ``load_program_data``) and write rows with
``bulk_create``, so they fill by hand what ``save()`` would: the residents' search keys
(``Resident.set_search_keys``). They keep the invariants the services keep: a device is never on
two active loans, registered residents never exceed a session's seats (the rest are waitlisted),
a supporter is never on two sessions at the same time.

Everything is deterministic for a given seed and ``today``. Times are aware, Asia/Tokyo (JST).
"""

from __future__ import annotations

import random
import time as time_module
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from faker import Faker
from faker.providers.person.ja_JP import Provider as JaPersonProvider

from classes.models import Organiser, Registration, Session, Topic, Venue
from kernel.models import Profile, Role
from loans.models import Device, Loan, LoanApplication, LoanLottery, LoanPolicy
from residents.models import Household, OwnDevice, Resident
from volunteers.models import Assignment, Skill, Supporter

JST = ZoneInfo("Asia/Tokyo")
DEMO_PASSWORD = "demo-pass-2026"
DEMO_SEED = 2026
CITY_SEED = 42
BATCH_SIZE = 5000

# The two daily slots every generated session uses. Sessions in different slots never overlap,
# so "same day and slot" is the whole overlap test.
SLOTS: tuple[tuple[time, time], ...] = ((time(10, 0), time(11, 30)), (time(13, 30), time(15, 0)))


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    venue_codes: tuple[str, ...]
    description: str
    superuser: bool = False


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", Role.ADMINISTRATOR, (), "program administrator (city DX office)", True),
    DemoUser("staff", Role.STAFF, ("iwaki-chuo",), "center staff"),
    DemoUser("staff2", Role.STAFF, ("onahama",), "center staff"),
    DemoUser("coordinator", Role.COORDINATOR, (), "volunteer coordinator"),
    DemoUser("supporter", Role.SUPPORTER, (), "supporter (student), linked to a supporter"),
)
DEMO_USERNAMES = tuple(u.username for u in DEMO_USERS)


class DemoDataError(Exception):
    """The data cannot be generated (for example: no venues or topics loaded)."""


# --- Name pools --------------------------------------------------------------------------------


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """``"草野:クサノ 猪狩:イガリ"`` -> ``(("草野", "クサノ"), ("猪狩", "イガリ"))``."""
    return tuple(tuple(item.split(":")) for item in text.split())  # type: ignore[misc]


# Family names common around Iwaki that Faker's list lacks, with their kana.
_EXTRA_FAMILY_NAMES = _pairs(
    "草野:クサノ 猪狩:イガリ 吉田:ヨシダ 蛭田:ヒルタ 坂本:サカモト 根本:ネモト "
    "渡部:ワタナベ 緑川:ミドリカワ 菅野:カンノ 大平:オオヒラ 赤津:アカツ "
    "新妻:ニイツマ 松本:マツモト 芳賀:ハガ 白土:シラド 国井:クニイ 舘:タチ "
    "馬目:マノメ 鈴木:スズキ 佐藤:サトウ 遠藤:エンドウ 小野:オノ 阿部:アベ "
    "新田:ニッタ 志賀:シガ 作山:サクヤマ 箱崎:ハコザキ 高木:タカギ "
    "先崎:センザキ 四家:シケ "
)
# Given names of people now in their 70s and 80s, which Faker's modern lists lack.
_SENIOR_FEMALE = _pairs(
    "和子:カズコ 幸子:サチコ 節子:セツコ 洋子:ヨウコ 恵子:ケイコ 京子:キョウコ "
    "弘子:ヒロコ 悦子:エツコ ミツ:ミツ トシ:トシ キヨ:キヨ 美代子:ミヨコ "
    "信子:ノブコ 久子:ヒサコ 昭子:アキコ 富子:トミコ "
)
_SENIOR_MALE = _pairs(
    "清:キヨシ 茂:シゲル 勇:イサム 正雄:マサオ 博:ヒロシ 進:ススム 勝:マサル "
    "實:ミノル 武:タケシ 和夫:カズオ 昭二:ショウジ 幸一:コウイチ 義男:ヨシオ "
    "善一:ゼンイチ "
)


@dataclass(frozen=True)
class NamePool:
    """Kanji and kana name parts that go together (鈴木/スズキ), to combine without Faker calls."""

    family: tuple[tuple[str, str], ...]
    female: tuple[tuple[str, str], ...]
    male: tuple[tuple[str, str], ...]
    senior_female: tuple[tuple[str, str], ...]
    senior_male: tuple[tuple[str, str], ...]

    @classmethod
    def build(cls) -> NamePool:
        """Pools of (kanji, kana) names: Faker's ja_JP pairs plus this city's extra family names."""

        def pairs(items) -> tuple[tuple[str, str], ...]:
            return tuple((kanji, kana) for kanji, kana, *_ in items)

        family = dict(pairs(JaPersonProvider.last_name_pairs))
        family.update(dict(_EXTRA_FAMILY_NAMES))
        return cls(
            family=tuple(family.items()),
            female=pairs(JaPersonProvider.first_name_female_pairs),
            male=pairs(JaPersonProvider.first_name_male_pairs),
            senior_female=_SENIOR_FEMALE,
            senior_male=_SENIOR_MALE,
        )

    def person(self, rng: random.Random, *, female: bool, senior: bool) -> tuple[str, str]:
        """Return (kanji name, katakana name), family name first, parts separated by one space."""
        last, last_kana = rng.choice(self.family)
        if senior and rng.random() < 0.7:
            first, first_kana = rng.choice(self.senior_female if female else self.senior_male)
        else:
            first, first_kana = rng.choice(self.female if female else self.male)
        return f"{last} {first}", f"{last_kana} {first_kana}"


NAMES = NamePool.build()

# Exchange numbers (市内局番) of Iwaki's 0246 area code.
_IWAKI_EXCHANGES = tuple(
    int(n)
    for n in (
        "21 22 23 24 25 26 27 28 29 32 34 35 36 37 38 39 42 43 44 45 46 52 53 "
        "54 55 56 57 58 62 63 64 65 68 69 73 76 77 82 83 84 85 86 87 88 89"
    ).split()
)


def landline_number(n: int) -> str:
    """The ``n``-th Iwaki landline number (0 <= n < 450,000), ``0246-xx-xxxx``."""
    exchange = _IWAKI_EXCHANGES[(n // 10000) % len(_IWAKI_EXCHANGES)]
    return f"0246-{exchange}-{n % 10000:04d}"


def mobile_number(n: int) -> str:
    """The ``n``-th mobile number, ``080-xxxx-xxxx`` / ``090-xxxx-xxxx``."""
    prefix = "090" if n % 2 else "080"
    n //= 2
    return f"{prefix}-{(n // 10000) % 10000:04d}-{n % 10000:04d}"


def imei_number(n: int) -> str:
    """A 15-digit IMEI (TAC 35xxxxxx, serial ``n``) with a valid Luhn check digit."""
    body = f"35{(n * 7919) % 1_000_000:06d}{n % 1_000_000:06d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return body + str((10 - total % 10) % 10)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(rows: list[tuple], *, right: Iterable[int] = ()) -> list[str]:
    """Lay out ``rows`` (the first is the header) as aligned text lines, a rule under the header.
    ``right``: indexes of columns aligned right (numbers)."""
    right = set(right)
    texts = [[str(v) for v in row] for row in rows]
    widths = [max(display_width(r[i]) for r in texts) for i in range(len(texts[0]))]
    lines = []
    for n, row in enumerate(texts):
        cells = []
        for i, value in enumerate(row):
            pad = " " * (widths[i] - display_width(value))
            cells.append(pad + value if i in right else value + pad)
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def is_session_day(day: date) -> bool:
    """True on a weekday that is not a Japanese public holiday nor in the year-end closure of
    public facilities (年末年始, 29 December to 3 January)."""
    if day.weekday() > 4:
        return False
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return False
    return not jpholiday.is_holiday(day)


def slot_bounds(day: date, slot: int) -> tuple[datetime, datetime]:
    """Aware JST start and end of daily slot ``slot`` (0: 10:00-11:30, 1: 13:30-15:00)."""
    start, end = SLOTS[slot]
    return datetime.combine(day, start, JST), datetime.combine(day, end, JST)


def birth_date_for_age(rng: random.Random, today: date, age: int) -> date:
    """A birth date giving ``age`` whole years on ``today``."""
    return today - timedelta(days=age * 365 + age // 4 + rng.randint(1, 364))


def program_data_ensure(*, stdout=None) -> tuple[list[Venue], list[Topic]]:
    """Return the active venues and topics, loading them with ``load_program_data`` when the Venue
    table is empty. Raises DemoDataError when there are still none."""
    if not Venue.objects.exists():
        from django.core.management import call_command

        call_command("load_program_data", stdout=stdout)
    venues = list(Venue.objects.filter(is_active=True).order_by("id"))
    topics = list(Topic.objects.order_by("code"))
    if not venues or not topics:
        raise DemoDataError(
            "No venues or curriculum topics found: run `manage.py load_program_data` first."
        )
    return venues, topics


def _active_policy() -> LoanPolicy:
    policy = LoanPolicy.objects.filter(is_active=True).order_by("id").first()
    if policy is None:
        policy = LoanPolicy.objects.create(
            name="6か月貸与", term_days=182, max_renewals=1, min_age=65, max_active_loans=1
        )
    return policy


def _skills() -> dict[str, Skill]:
    from volunteers.skills import STANDARD_SKILLS

    for code, name in STANDARD_SKILLS:
        Skill.objects.get_or_create(code=code, defaults={"name": name})
    return {s.code: s for s in Skill.objects.all()}


@contextmanager
def _explicit_created_at(*models):
    """Let bulk_create keep the ``created_at`` we set (auto_now_add would stamp "now"), so the
    demo's registrations look made in the weeks before their session."""
    fields = [m._meta.get_field("created_at") for m in models]
    saved = [f.auto_now_add for f in fields]
    try:
        for f in fields:
            f.auto_now_add = False
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


_AGE_BANDS = ((50, 64), (65, 74), (75, 84), (85, 95), None)  # None: birth date not known
_OWN_DEVICES = (
    OwnDevice.NONE,
    OwnDevice.FEATURE_PHONE,
    OwnDevice.ANDROID,
    OwnDevice.IPHONE,
    OwnDevice.TABLET,
)
_HOUSEHOLDS = (Household.ALONE, Household.SENIORS_ONLY, Household.WITH_FAMILY, Household.UNKNOWN)
_SALON_TITLE = "スマホサロン"
_CONSULTATION_TITLE = "スマホ相談窓口"
_CLASS_BRING = "スマートフォン（お持ちでない方は貸出機があります）、筆記用具、老眼鏡"
_CONSULTATION_BRING = "スマートフォン、充電器、ID・パスワードのメモ"
_CARAVAN_PLACES = (
    "小名浜 復興公営住宅 集会所（いわき市小名浜）",
    "平 北白土 地区集会所（いわき市平北白土）",
    "いわき駅前 商業施設 1階イベントスペース（いわき市平）",
    "四倉 ふれあい市民会館（いわき市四倉町）",
    "常磐 湯本温泉 観光案内所 多目的室（いわき市常磐湯本町）",
)
_SCHOOLS = ("いわき明星大学", "東日本国際大学", "福島工業高等専門学校")
_ACCESSIBILITY = (
    "補聴器を使用（大きな声でゆっくり）",
    "大きな文字の資料が必要",
    "車いすを利用",
    "杖を使用、段差に注意",
    "右手が不自由",
)
_PROXY_RELATIONS = ("長男", "長女", "次男", "次女", "息子の妻", "民生委員")
_RESIDENT_NOTES = (
    "電話は午前中がつながりやすい",
    "留守番電話には吹き込まない（折り返しがない）",
    "娘さんが送迎",
    "らくらくホン利用中、スマホへの買い替えを検討",
    "",
)


# --- seed_demo ---------------------------------------------------------------------------------


@dataclass
class DemoResult:
    """What seed_demo made: counts by kind, the demo logins and notable facts for the demo."""

    counts: dict[str, int] = field(default_factory=dict)
    users: list[tuple[str, str, str, str]] = field(default_factory=list)  # user, role, venues, pw
    facts: list[str] = field(default_factory=list)


def demo_data_exists() -> bool:
    """True when the demo logins exist (seed_demo ran on this database)."""
    return get_user_model().objects.filter(username__in=DEMO_USERNAMES).exists()


def demo_data_delete() -> dict[str, int]:
    """Delete every resident, session, registration, device, loan, supporter and assignment, and
    the demo logins. Venues, topics, skills, organisers and loan policies stay. Returns the
    deleted row counts by model label. For a demo database only."""
    deleted: Counter[str] = Counter()
    with transaction.atomic():
        # Order matters: registrations, loans and assignments protect what they point to.
        for qs in (
            Assignment.objects.all(),
            Registration.objects.all(),
            Loan.objects.all(),
            LoanApplication.objects.all(),
            LoanLottery.objects.all(),
            Session.objects.all(),
            Device.objects.all(),
            Supporter.objects.all(),
            Resident.objects.all(),
            get_user_model().objects.filter(username__in=DEMO_USERNAMES),
        ):
            _, per_model = qs.delete()
            deleted.update(per_model)
    return dict(deleted)


def seed_demo(*, today: date | None = None, seed: int = DEMO_SEED, stdout=None) -> DemoResult:
    """Build the demo program on top of the program data, in one transaction.

    ``today``: the local (JST) date the data is centred on, default today. Sessions run from a
    month before to two months after it. Raises DemoDataError when venues/topics are missing.
    """
    today = today or timezone.localdate()
    venues, topics = program_data_ensure(stdout=stdout)
    with transaction.atomic():
        return _DemoBuilder(today=today, seed=seed, venues=venues, topics=topics).build()


class _DemoBuilder:
    def __init__(self, *, today: date, seed: int, venues: list[Venue], topics: list[Topic]):
        self.today = today
        self.rng = random.Random(seed)
        self.fake = Faker("ja_JP")
        self.fake.seed_instance(seed)
        self.venues = venues
        self.topics = topics
        self.result = DemoResult()

    def build(self) -> DemoResult:
        self._users()
        self._residents()
        self._sessions()
        self._registrations()
        self._devices_and_loans()
        self._supporters()
        self._assignments()
        self._kpi_targets()
        self._facts()
        return self.result

    def _kpi_targets(self) -> None:
        """This fiscal year's targets, as the administrator would set them: the plan's target."""
        from reports.figures import fiscal_year_of
        from reports.models import Kpi, KpiTarget

        year = fiscal_year_of(self.today)
        made = 0
        for kpi in Kpi.objects.filter(target_value__isnull=False):
            _, created = KpiTarget.objects.get_or_create(
                kpi=kpi, fiscal_year=year, defaults={"target_value": kpi.target_value}
            )
            made += created
        self.result.counts["KPI targets"] = made

    # Users ------------------------------------------------------------------------------------
    def _users(self) -> None:
        User = get_user_model()
        by_code = {v.code: v for v in self.venues}
        self.users = {}
        for spec in DEMO_USERS:
            venues = [by_code[c] for c in spec.venue_codes if c in by_code]
            if spec.venue_codes and not venues:
                # Program data without Iwaki's venues: give the login the first venues instead.
                venues = [self.venues[min(len(self.users) % 2, len(self.venues) - 1)]]
            if spec.superuser:
                user = User.objects.create_superuser(spec.username, "", DEMO_PASSWORD)
            else:
                user = User.objects.create_user(spec.username, "", DEMO_PASSWORD)
            profile, _ = Profile.objects.update_or_create(user=user, defaults={"role": spec.role})
            if venues:
                profile.venues.set(venues)
            self.users[spec.username] = user
            self.result.users.append(
                (
                    spec.username,
                    spec.description,
                    ", ".join(v.name for v in venues),
                    DEMO_PASSWORD,
                )
            )
        self.staff_by_venue = {}
        for spec in DEMO_USERS:
            if spec.role == Role.STAFF:
                for venue in self.users[spec.username].profile.venues.all():
                    self.staff_by_venue[venue.pk] = self.users[spec.username]

    # Residents --------------------------------------------------------------------------------
    def _residents(self, count: int = 300) -> None:
        rng, today = self.rng, self.today
        districts = [v.district or v.name for v in self.venues]
        weights = [v.default_seats for v in self.venues]
        phones = rng.sample(range(450_000), count)
        mobiles = rng.sample(range(10_000_000), count)
        residents = []
        for i in range(count):
            band = rng.choices(_AGE_BANDS, (7, 40, 38, 13, 2))[0]
            age = rng.randint(*band) if band else None
            female = rng.random() < 0.58
            name, kana = NAMES.person(rng, female=female, senior=bool(age and age >= 70))
            own = rng.choices(_OWN_DEVICES, (30, 30, 20, 15, 5))[0]
            has_smartphone = own in (OwnDevice.ANDROID, OwnDevice.IPHONE)
            phone = (
                mobile_number(mobiles[i])
                if has_smartphone and rng.random() < 0.4
                else landline_number(phones[i])
            )
            consent = rng.random() < 0.94
            relation = rng.choice(_PROXY_RELATIONS) if rng.random() < 0.15 else ""
            resident = Resident(
                name=name,
                name_kana=kana,
                birth_date=birth_date_for_age(rng, today, age) if age else None,
                phone=phone,
                district=rng.choices(districts, weights)[0],
                household=rng.choices(_HOUSEHOLDS, (25, 35, 30, 10))[0],
                own_device=own,
                accessibility_needs=rng.choice(_ACCESSIBILITY) if rng.random() < 0.12 else "",
                proxy_name=self._proxy_name(name, relation),
                proxy_phone=mobile_number(mobiles[(i + 1) % count]) if relation else "",
                proxy_relation=relation,
                consent_given=consent,
                consent_date=today - timedelta(days=rng.randint(0, 365)) if consent else None,
                notes=rng.choice(_RESIDENT_NOTES) if rng.random() < 0.1 else "",
                email=(
                    f"{self.fake.user_name()}@example.jp"
                    if has_smartphone and rng.random() < 0.2
                    else ""
                ),
                created_by=self.users["staff"],
            )
            resident.set_search_keys()
            residents.append(resident)
        for r in residents:
            r.created_at = datetime.combine(
                r.consent_date or today - timedelta(days=200), time(10, 15), JST
            )
        with _explicit_created_at(Resident):
            self.residents = Resident.objects.bulk_create(residents)
        self.by_district: dict[str, list[Resident]] = defaultdict(list)
        for r in self.residents:
            self.by_district[r.district].append(r)
        self.result.counts["residents"] = len(self.residents)

    def _proxy_name(self, resident_name: str, relation: str) -> str:
        """A family member shares the family name; a welfare commissioner (民生委員) does not."""
        if not relation:
            return ""
        other = NAMES.person(
            self.rng, female=relation in ("長女", "次女", "息子の妻"), senior=False
        )
        if relation == "民生委員":
            return other[0]
        return f"{resident_name.split(' ')[0]} {other[0].split(' ')[1]}"

    # Sessions ---------------------------------------------------------------------------------
    def _sessions(self) -> None:
        today = self.today
        city = Organiser.objects.get_or_create(name="いわき市", defaults={"kind": "city"})[0]
        partner = Organiser.objects.get_or_create(
            name="いわき明星大学 学生ボランティア", defaults={"kind": Organiser.Kind.PARTNER}
        )[0]
        start_day, end_day = today - timedelta(days=30), today + timedelta(days=60)
        sessions: list[Session] = []
        skipped_holidays = 0
        # (kind, weekday, slot, every n weeks) per venue; bigger centers run more.
        for index, venue in enumerate(self.venues):
            big, medium = venue.default_seats >= 20, venue.default_seats >= 14
            rules = [(Session.Kind.CLASS, index % 5, index % 2, 1 if medium else 2)]
            if big:
                rules += [
                    (Session.Kind.CLASS, (index + 2) % 5, 1, 1),
                    (Session.Kind.SALON, (index + 1) % 5, 1, 1),
                    (Session.Kind.CONSULTATION, (index + 3) % 5, 0, 1),
                ]
            elif medium:
                rules += [
                    (Session.Kind.SALON, (index + 2) % 5, 1, 2),
                    (Session.Kind.CONSULTATION, (index + 4) % 5, 0, 2),
                ]
            else:
                rules += [(Session.Kind.SALON, (index + 3) % 5, 1, 4)]
            topic_cursor = index * 3
            day = start_day
            while day <= end_day:
                for kind, weekday, slot, every in rules:
                    if day.weekday() != weekday or day.isocalendar().week % every:
                        continue
                    if not is_session_day(day):
                        skipped_holidays += 1
                        continue
                    starts_at, ends_at = slot_bounds(day, slot)
                    session = Session(
                        kind=kind,
                        venue=venue,
                        organiser=city,
                        starts_at=starts_at,
                        ends_at=ends_at,
                    )
                    if kind == Session.Kind.CLASS:
                        topic = self.topics[topic_cursor % len(self.topics)]
                        topic_cursor += 1
                        session.topic = topic
                        session.seats = venue.default_seats
                        session.supporters_needed = 3 if big else 2
                        session.what_to_bring = topic.what_to_bring or _CLASS_BRING
                    elif kind == Session.Kind.SALON:
                        session.title = _SALON_TITLE
                        session.seats = None
                        session.supporters_needed = 1
                        session.notes = "お茶とお菓子を用意。予約なしで参加できます。"
                    else:
                        session.title = _CONSULTATION_TITLE
                        session.seats = 6
                        session.supporters_needed = 1
                        session.what_to_bring = _CONSULTATION_BRING
                        session.notes = "1人15分の予約制（空きがあれば当日も可）。"
                    sessions.append(session)
                day += timedelta(days=1)
        # Caravans: out to where people are, staffed by students.
        for offset, place in zip((-12, 10, 33), _CARAVAN_PLACES, strict=False):
            day = today + timedelta(days=offset)
            while not is_session_day(day):
                day += timedelta(days=1)
            starts_at, ends_at = slot_bounds(day, 1)
            sessions.append(
                Session(
                    kind=Session.Kind.CARAVAN,
                    title="お助けキャラバン",
                    place=place,
                    organiser=partner,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    seats=None,
                    supporters_needed=4,
                    notes="学生ボランティアが伺います。スマホをお持ちください。",
                )
            )
        sessions.sort(key=lambda s: (s.starts_at, s.venue_id or 0))
        # One class called off in the past, one salon in the coming weeks: both happen.
        past_classes = [
            s for s in sessions if s.kind == Session.Kind.CLASS and s.starts_at.date() < today
        ]
        future_salons = [
            s
            for s in sessions
            if s.kind == Session.Kind.SALON and s.starts_at.date() > today + timedelta(days=7)
        ]
        for s, note in (
            (
                past_classes[len(past_classes) // 2] if past_classes else None,
                "講師の体調不良のため中止",
            ),
            (future_salons[0] if future_salons else None, "会場の設備点検のため休止"),
        ):
            if s is not None:
                s.status = Session.Status.CANCELLED
                s.notes = note
        self.sessions = Session.objects.bulk_create(sessions)
        self.result.counts["sessions"] = len(self.sessions)
        self.result.counts["sessions skipped (holidays, year-end)"] = skipped_holidays

    # Registrations ----------------------------------------------------------------------------
    def _registrations(self) -> None:
        rng, today = self.rng, self.today
        busy: set[tuple[int, datetime]] = set()  # (resident id, starts_at)
        registrations: list[Registration] = []
        # At least these classes end up full with a waitlist, whatever the dice say.
        classes = [
            s for s in self.sessions if s.kind == Session.Kind.CLASS and s.status == "scheduled"
        ]
        upcoming = [s for s in classes if s.starts_at.date() >= today]
        past = [s for s in classes if s.starts_at.date() < today]
        forced_full = {s.pk for s in upcoming[:6:2] + past[-3:-1]}
        chuo_upcoming = [s for s in upcoming if s.venue.code == "iwaki-chuo"]
        if chuo_upcoming:
            forced_full.add(chuo_upcoming[0].pk)

        def pick(session: Session, k: int) -> list[Resident]:
            local = self.by_district.get(session.venue.district, []) if session.venue else []
            chosen: list[Resident] = []
            seen: set[int] = set()
            attempts = 0
            while len(chosen) < k and attempts < k * 20:
                attempts += 1
                pool = local if local and rng.random() < 0.7 else self.residents
                r = rng.choice(pool)
                if r.pk in seen or (r.pk, session.starts_at) in busy:
                    continue
                seen.add(r.pk)
                chosen.append(r)
            for r in chosen:
                busy.add((r.pk, session.starts_at))
            return chosen

        for session in self.sessions:
            is_past = session.starts_at.date() < today
            days_ahead = (session.starts_at.date() - today).days
            by = self.staff_by_venue.get(session.venue_id)
            rows: list[tuple[Resident, str, bool]] = []  # resident, status, walk-in
            if session.status == Session.Status.CANCELLED:
                rows = [(r, Registration.Status.CANCELLED, False) for r in pick(session, 4)]
            elif session.seats is not None:
                seats = session.seats
                if session.pk in forced_full or rng.random() < 0.1:
                    registered, waitlisted = seats, rng.randint(1, 4)
                else:
                    fill = rng.uniform(0.45, 0.9)
                    if days_ahead > 21:
                        fill *= 0.5  # registrations for later weeks are still coming in
                    registered, waitlisted = max(1, round(seats * fill)), 0
                people = pick(session, registered + waitlisted + rng.randint(0, 1))
                for n, r in enumerate(people):
                    if n < registered:
                        rows.append((r, Registration.Status.REGISTERED, False))
                    elif n < registered + waitlisted:
                        rows.append((r, Registration.Status.WAITLISTED, False))
                    else:
                        rows.append((r, Registration.Status.CANCELLED, False))
            elif session.kind == Session.Kind.SALON:
                if is_past:
                    people = pick(session, rng.randint(6, 14))
                    rows = [
                        (r, Registration.Status.REGISTERED, n >= 3) for n, r in enumerate(people)
                    ]
                else:
                    rows = [
                        (r, Registration.Status.REGISTERED, False)
                        for r in pick(session, rng.randint(0, 4))
                    ]
            elif session.kind == Session.Kind.CARAVAN and is_past:
                rows = [
                    (r, Registration.Status.REGISTERED, True)
                    for r in pick(session, rng.randint(12, 22))
                ]
            for n, (resident, status, walk_in) in enumerate(rows):
                attendance = ""
                if is_past and status == Registration.Status.REGISTERED:
                    attendance = (
                        Registration.Attendance.ATTENDED
                        if walk_in or rng.random() < 0.86
                        else Registration.Attendance.ABSENT
                    )
                if walk_in:
                    created_at = session.starts_at + timedelta(minutes=rng.randint(0, 40))
                else:
                    # Phone registrations arrive in the weeks before; order = arrival order.
                    created_at = datetime.combine(
                        session.starts_at.date() - timedelta(days=28 - n // 2),
                        time(9 + (n % 2) * 4, (n * 7) % 60),
                        JST,
                    )
                registrations.append(
                    Registration(
                        created_at=created_at,
                        session=session,
                        resident=resident,
                        status=status,
                        attendance=attendance,
                        is_walk_in=walk_in,
                        companion=rng.choice(("長女", "夫", "妻")) if rng.random() < 0.04 else "",
                        created_by=None if walk_in else by,
                        cancelled_at=(
                            created_at + timedelta(days=3)
                            if status == Registration.Status.CANCELLED
                            else None
                        ),
                    )
                )
        with _explicit_created_at(Registration):
            self.registrations = Registration.objects.bulk_create(registrations)
        self.result.counts["registrations"] = len(self.registrations)

    # Devices and loans ------------------------------------------------------------------------
    def _devices_and_loans(self) -> None:
        rng, today = self.rng, self.today
        policy = _active_policy()
        by_code = {v.code: v for v in self.venues}
        homes = [
            by_code.get(c) for c in ("iwaki-chuo", "iwaki-plaza", "onahama", "nakoso", "joban")
        ]
        homes = [v for v in homes if v] or self.venues[:3]
        home_weights = [16, 8, 8, 4, 4][: len(homes)]
        carriers = ("NTTドコモ", "au", "ソフトバンク", "楽天モバイル")
        models_by_kind = {
            Device.Kind.SMARTPHONE: (
                ("シャープ", "AQUOS wish3", "Android 14"),
                ("京セラ", "かんたんスマホ3", "Android 12"),
                ("Apple", "iPhone SE（第3世代）", "iOS 17"),
            ),
            Device.Kind.TABLET: (
                ("Apple", "iPad（第9世代）", "iPadOS 17"),
                ("Lenovo", "Tab M10", "Android 13"),
            ),
            Device.Kind.ROUTER: (("NEC", "Speed Wi-Fi 5G X12", ""),),
        }
        plan = {
            Device.Kind.SMARTPHONE: "月5GB・国際電話不可・有害サイトフィルタあり",
            Device.Kind.TABLET: "Wi-Fiのみ",
            Device.Kind.ROUTER: "月20GB",
        }
        kit = {
            Device.Kind.SMARTPHONE: "充電器,ケーブル,ケース,説明書,SIMカード",
            Device.Kind.TABLET: "充電器,ケーブル,カバー,説明書",
            Device.Kind.ROUTER: "充電器,ケーブル,説明書,SIMカード",
        }
        devices = []
        counters: Counter[str] = Counter()
        kinds = [Device.Kind.SMARTPHONE] * 24 + [Device.Kind.TABLET] * 10 + [Device.Kind.ROUTER] * 6
        prefix = {Device.Kind.SMARTPHONE: "SP", Device.Kind.TABLET: "TB", Device.Kind.ROUTER: "WR"}
        for i, kind in enumerate(kinds):
            counters[kind] += 1
            maker, model_name, os_name = models_by_kind[kind][
                counters[kind] % len(models_by_kind[kind])
            ]
            cellular = kind != Device.Kind.TABLET
            devices.append(
                Device(
                    asset_tag=f"IWK-{prefix[kind]}-{counters[kind]:03d}",
                    kind=kind,
                    maker=maker,
                    model_name=model_name,
                    os=os_name,
                    serial=f"{prefix[kind]}{2026_0000 + i * 37:08d}",
                    imei=imei_number(1000 + i) if cellular else "",
                    sim_phone_number=(
                        f"070-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}"
                        if kind == Device.Kind.SMARTPHONE
                        else ""
                    ),
                    carrier=rng.choice(carriers) if cellular else "",
                    data_plan=plan[kind],
                    accessories=kit[kind],
                    condition=Device.Condition.WORN
                    if rng.random() < 0.2
                    else Device.Condition.GOOD,
                    home_venue=rng.choices(homes, home_weights)[0],
                )
            )
        self.devices = Device.objects.bulk_create(devices)

        # Borrowers: 65+, no smartphone of their own, consent given; alone/senior-only first.
        eligible = [
            r
            for r in self.residents
            if r.consent_given
            and r.age_on(today) is not None
            and r.age_on(today) >= policy.min_age
            and r.own_device in (OwnDevice.NONE, OwnDevice.FEATURE_PHONE)
        ]
        rng.shuffle(eligible)
        eligible.sort(key=lambda r: r.household not in (Household.ALONE, Household.SENIORS_ONLY))
        borrowers = iter(eligible)
        term = policy.term_days
        chuo_first = sorted(self.devices, key=lambda d: (d.home_venue.code != "iwaki-chuo", d.pk))
        # Due dates (days from today) of the 20 active loans: 4 due this week, 3 overdue, one
        # renewed once, the rest later in the term.
        due_offsets = [0, 2, 4, 6, -3, -9, -20] + [rng.randint(10, 170) for _ in range(13)]
        active_devices = chuo_first[:4] + chuo_first[8:11] + chuo_first[14:27]
        loans: list[Loan] = []
        self.active_loan_devices: set[int] = set()
        for n, (device, offset) in enumerate(zip(active_devices, due_offsets, strict=True)):
            renewed = n == 10
            due = today + timedelta(days=offset)
            while not is_session_day(due):  # devices come back on days the center is open
                due += timedelta(days=1)
            start = due - timedelta(days=term * (2 if renewed else 1))
            loans.append(
                self._loan(device, next(borrowers), policy, start, due, renewals=int(renewed))
            )
            self.active_loan_devices.add(device.pk)
        # Finished loans: most ended before the device's current loan began.
        outcomes = (
            [Loan.Outcome.OWN_DEVICE] * 7
            + [Loan.Outcome.RETURNED_WITHOUT] * 3
            + [Loan.Outcome.OTHER_PROGRAM]
        )
        current_start = {ln.device_id: ln.start_date for ln in loans}
        returned_devices = [d for d in self.devices if d.kind != Device.Kind.ROUTER][:12]
        for device, outcome in zip(returned_devices, outcomes, strict=False):
            returned_on = current_start.get(device.pk, today) - timedelta(days=rng.randint(3, 40))
            start = returned_on - timedelta(days=rng.randint(150, 200))
            loan = self._loan(device, next(borrowers), policy, start, start + timedelta(days=term))
            loan.status = Loan.Status.RETURNED
            loan.returned_on = returned_on
            loan.outcome = outcome
            loan.kit_returned = device.accessories
            loan.return_condition = device.condition
            loan.data_wiped_at = datetime.combine(returned_on, time(14, 0), JST)
            loan.returned_by = loan.created_by
            loans.append(loan)
        # One device lost, one back from repair after the last borrower dropped it.
        spare = [d for d in self.devices if d.pk not in self.active_loan_devices]
        lost_device = spare[-1]
        repair_device = [d for d in spare if d.kind == Device.Kind.SMARTPHONE][-1]
        start = today - timedelta(days=120)
        lost = self._loan(lost_device, next(borrowers), policy, start, start + timedelta(days=term))
        lost.status = Loan.Status.LOST
        lost.outcome = Loan.Outcome.LOST
        lost.notes = "外出先で紛失。遠隔ロック済み、警察に遺失届提出。"
        loans.append(lost)
        self.loans = Loan.objects.bulk_create(loans)
        for device in self.devices:
            if device.pk in self.active_loan_devices:
                device.status = Device.Status.ON_LOAN
            elif device is lost_device:
                device.status = Device.Status.LOST
            elif device is repair_device:
                device.status = Device.Status.IN_REPAIR
                device.condition = Device.Condition.DAMAGED
                device.notes = "画面割れ。修理見積中。"
        Device.objects.bulk_update(self.devices, ["status", "condition", "notes"])
        self._applications(policy, borrowers)
        self.result.counts["devices"] = len(self.devices)
        self.result.counts["loans"] = len(self.loans)
        self.result.counts["active loans"] = len(self.active_loan_devices)

    def _applications(self, policy, borrowers) -> None:
        """Ten applications at the three busiest venues, a drawn lottery of three places and one
        device reserved for the first selected applicant (through the services, like staff)."""
        from loans.services import device_reserve, loan_application_create, loan_lottery_draw

        admin = self.users["admin"]
        homes = [d.home_venue for d in self.devices[:3]]
        applicants = [r for r, _ in zip(borrowers, range(10), strict=False)]
        for n, resident in enumerate(applicants):
            venue = homes[n % len(homes)]
            loan_application_create(
                resident=resident,
                policy=policy,
                venue=venue,
                by=self.staff_by_venue.get(venue.pk, admin),
            )
        if not applicants:
            return
        lottery = loan_lottery_draw(policy=policy, places=3, by=admin, seed=20261101)
        first = (
            LoanApplication.objects.filter(lottery=lottery, status=LoanApplication.Status.SELECTED)
            .order_by("draw_position")
            .first()
        )
        spare = next(
            (
                d
                for d in self.devices
                if d.status == Device.Status.AVAILABLE and d.kind == Device.Kind.SMARTPHONE
            ),
            None,
        )
        if first is not None and spare is not None:
            device_reserve(
                device=spare,
                resident=first.resident,
                by=self.staff_by_venue.get(spare.home_venue_id, admin),
            )
        self.result.counts["loan applications"] = len(applicants)

    def _loan(self, device, resident, policy, start, due, *, renewals: int = 0) -> Loan:
        return Loan(
            device=device,
            resident=resident,
            policy=policy,
            venue=device.home_venue,
            status=Loan.Status.ACTIVE,
            holding_slot=1,
            allowed_loans=policy.max_active_loans,
            start_date=start,
            due_date=due,
            renewals=renewals,
            kit_handed_over=device.accessories,
            agreement_signed=True,
            notes="LINE・防災アプリ設定済み" if self.rng.random() < 0.5 else "",
            created_by=self.staff_by_venue.get(device.home_venue_id, self.users["admin"]),
        )

    # Supporters -------------------------------------------------------------------------------
    def _supporters(self) -> None:
        rng, today = self.rng, self.today
        skills = _skills()
        districts = sorted({v.district for v in self.venues if v.district})
        plan = (
            [(Supporter.Kind.STUDENT, _SCHOOLS[0])] * 12
            + [(Supporter.Kind.STUDENT, _SCHOOLS[1])] * 8
            + [(Supporter.Kind.STUDENT, _SCHOOLS[2])] * 6
            + [(Supporter.Kind.VOLUNTEER, "いわき市社会福祉協議会 ボランティアセンター")] * 5
            + [(Supporter.Kind.VOLUNTEER, "")] * 3
            + [(Supporter.Kind.DIGITAL_SUPPORTER, "デジタル活用支援員（いわき市）")] * 6
        )
        has_training = _has_field(Supporter, "training_completed_on")
        has_insurance = _has_field(Supporter, "insurance_valid_until")
        has_languages = _has_field(Supporter, "languages")
        fiscal_end = date(today.year + (today.month >= 4), 3, 31)
        supporters = []
        skill_sets: list[list[str]] = []
        for i, (kind, organisation) in enumerate(plan):
            female = rng.random() < 0.5
            name, kana = NAMES.person(rng, female=female, senior=kind == Supporter.Kind.VOLUNTEER)
            supporter = Supporter(
                name=name,
                name_kana=kana,
                kind=kind,
                organisation=organisation,
                email=(
                    f"{self.fake.user_name()}@example.ac.jp"
                    if kind == Supporter.Kind.STUDENT
                    else ""
                ),
                phone=mobile_number(5_000_000 + i * 7),
                home_district=rng.choice(districts) if districts else "",
                max_sessions_per_month={"student": 6, "volunteer": 8}.get(kind, 16),
            )
            if has_training:
                # Most have done the supporter training; a few new students have not yet.
                supporter.training_completed_on = (
                    None
                    if kind == Supporter.Kind.STUDENT and i % 7 == 3
                    else today - timedelta(days=rng.randint(20, 400))
                )
            if has_insurance:
                supporter.insurance_valid_until = None if i % 11 == 5 else fiscal_end
            if has_languages and rng.random() < 0.15:
                supporter.languages = rng.choice(("英語", "英語、中国語", "ベトナム語", "手話"))
            supporters.append(supporter)
            if kind == Supporter.Kind.DIGITAL_SUPPORTER:
                codes = ["iphone", "android", "line", "mynumber", "scam_awareness", "lead"]
            elif kind == Supporter.Kind.STUDENT:
                codes = rng.sample(["iphone", "android", "tablet", "line"], rng.randint(2, 3))
            else:
                codes = rng.sample(["android", "line", "scam_awareness", "tablet"], 2)
            skill_sets.append([c for c in codes if c in skills])
        self.supporters = Supporter.objects.bulk_create(supporters)
        through = Supporter.skills.through
        through.objects.bulk_create(
            [
                through(supporter_id=s.pk, skill_id=skills[code].pk)
                for s, codes in zip(self.supporters, skill_sets, strict=True)
                for code in codes
            ]
        )
        self.supporter_skills = {
            s.pk: set(c) for s, c in zip(self.supporters, skill_sets, strict=True)
        }
        # The demo supporter login is the first student of いわき明星大学.
        demo = self.supporters[0]
        demo.user = self.users["supporter"]
        demo.save(update_fields=["user"])
        self.demo_supporter = demo
        self._availabilities()
        self.result.counts["supporters"] = len(self.supporters)

    def _availabilities(self) -> None:
        """Weekly windows: students mostly afternoons after lectures, volunteers a few days,
        support workers most days. Assignments below stay inside them."""
        self.windows: dict[int, list[tuple[int, time, time]]] = {}
        for s in self.supporters:
            if s.kind == Supporter.Kind.STUDENT:
                days = sorted(self.rng.sample(range(5), 3))
                windows = [(d, time(13, 0), time(17, 0)) for d in days[:2]]
                windows.append((days[2], time(9, 30), time(17, 0)))
            elif s.kind == Supporter.Kind.VOLUNTEER:
                days = sorted(self.rng.sample(range(5), 3))
                windows = [(d, time(9, 30), time(15, 30)) for d in days]
            else:
                windows = [(d, time(9, 0), time(17, 0)) for d in range(5)]
            self.windows[s.pk] = sorted(windows)
        try:
            from volunteers.models import Availability
        except ImportError:  # the model is optional: the windows still guide the assignments
            return
        rows = [
            Availability(supporter_id=pk, weekday=d, start_time=start, end_time=end)
            for pk, windows in self.windows.items()
            for d, start, end in windows
        ]
        Availability.objects.bulk_create(rows)
        self.result.counts["availability windows"] = len(rows)

    # Assignments ------------------------------------------------------------------------------
    def _assignments(self) -> None:
        rng, today = self.rng, self.today
        coordinator = self.users["coordinator"]
        busy: dict[int, set[datetime]] = defaultdict(set)  # supporter id -> session starts
        monthly: Counter[tuple[int, int, int]] = Counter()
        assignments: list[Assignment] = []
        has_responded = _has_field(Assignment, "responded_at")
        week_end = today + timedelta(days=6)
        scheduled = [s for s in self.sessions if s.status == Session.Status.SCHEDULED]
        # Sessions in the coming week left short of supporters, so the dashboard has work to show.
        this_week = [s for s in scheduled if today <= s.starts_at.date() <= week_end]
        short = {s.pk for s in this_week[1::5]}
        chuo_week = [s for s in this_week if s.venue and s.venue.code == "iwaki-chuo"]
        if chuo_week:
            short.add(chuo_week[-1].pk)

        def ready(supporter: Supporter) -> bool:
            # Only trained and insured supporters are placed (when the roster records that).
            return (
                getattr(supporter, "training_completed_on", True) is not None
                and getattr(supporter, "insurance_valid_until", True) is not None
            )

        def free(supporter: Supporter, session: Session) -> bool:
            key = (supporter.pk, session.starts_at.year, session.starts_at.month)
            start, end = session.starts_at.astimezone(JST), session.ends_at.astimezone(JST)
            return (
                ready(supporter)
                and session.starts_at not in busy[supporter.pk]
                and monthly[key] < supporter.max_sessions_per_month
                and any(
                    d == start.weekday() and w_start <= start.time() and end.time() <= w_end
                    for d, w_start, w_end in self.windows[supporter.pk]
                )
            )

        staffed: Counter[int] = Counter()  # session id -> active assignments
        led: set[int] = set()  # sessions that have their lead (講師)

        def add(supporter: Supporter, session: Session, status: str, lead: bool = False) -> None:
            if status in (Assignment.Status.PROPOSED, Assignment.Status.CONFIRMED):
                # Only a standing assignment holds the supporter's time.
                staffed[session.pk] += 1
                busy[supporter.pk].add(session.starts_at)
                monthly[(supporter.pk, session.starts_at.year, session.starts_at.month)] += 1
            if lead:
                led.add(session.pk)
            a = Assignment(
                session=session,
                supporter=supporter,
                status=status,
                is_lead=lead,
                created_by=coordinator,
            )
            if session.starts_at.date() < today and status == Assignment.Status.CONFIRMED:
                a.checked_in_at = session.starts_at - timedelta(minutes=20)
                a.checked_out_at = session.ends_at + timedelta(minutes=rng.choice((10, 15, 30)))
            if has_responded and status in (
                Assignment.Status.CONFIRMED,
                Assignment.Status.DECLINED,
            ):
                a.responded_at = session.starts_at - timedelta(days=rng.randint(3, 14))
            assignments.append(a)

        # The demo supporter first: a few confirmed, one waiting for an answer.
        upcoming = [s for s in scheduled if s.starts_at.date() >= today and s.pk not in short]
        placed = 0
        for s in upcoming[2:]:
            if placed < 4 and free(self.demo_supporter, s):
                add(self.demo_supporter, s, "proposed" if placed == 3 else "confirmed")
                placed += 1
        for session in scheduled:
            days_ahead = (session.starts_at.date() - today).days
            if session.pk in short:
                target = max(0, session.supporters_needed - rng.randint(1, 2))
            elif days_ahead < 0:
                target = session.supporters_needed
            elif days_ahead <= 14:
                target = session.supporters_needed - (rng.random() < 0.1)
            else:
                target = round(session.supporters_needed * rng.choice((0, 0.5, 1)))
            wanted = _topic_skill(session)
            while staffed[session.pk] < target:
                want_lead = session.kind == Session.Kind.CLASS and session.pk not in led
                skills = self.supporter_skills
                candidates = sorted(
                    self.supporters,
                    key=lambda s, want_lead=want_lead, wanted=wanted: (
                        # A class needs one lead (講師); the other places go to students and
                        # volunteers, keeping the few support workers free to lead elsewhere.
                        want_lead and "lead" not in skills[s.pk],
                        not want_lead and s.kind == Supporter.Kind.DIGITAL_SUPPORTER,
                        bool(wanted) and wanted not in skills[s.pk],
                        rng.random(),
                    ),
                )
                supporter = next(
                    (c for c in candidates if c is not self.demo_supporter and free(c, session)),
                    None,
                )
                if supporter is None:
                    break
                status = Assignment.Status.CONFIRMED
                if days_ahead > 7 and rng.random() < 0.35:
                    status = Assignment.Status.PROPOSED
                add(supporter, session, status, lead=want_lead and "lead" in skills[supporter.pk])
            if 0 <= days_ahead <= 30 and rng.random() < 0.08:
                # Someone said no: the coordinator will look for a replacement.
                for supporter in rng.sample(self.supporters, 5):
                    if free(supporter, session) and supporter is not self.demo_supporter:
                        add(supporter, session, Assignment.Status.DECLINED)
                        break
        Assignment.objects.bulk_create(assignments)
        self.result.counts["assignments"] = len(assignments)

    # Summary ----------------------------------------------------------------------------------
    def _facts(self) -> None:
        from classes.selectors import local_day_bounds
        from loans.selectors import loans_due_soon, loans_overdue
        from volunteers.selectors import sessions_understaffed

        today = self.today
        start = local_day_bounds(today)[0]
        end = local_day_bounds(today + timedelta(days=6))[1]
        waitlisted = (
            Registration.objects.filter(status=Registration.Status.WAITLISTED)
            .values("session")
            .distinct()
            .count()
        )
        self.result.facts = [
            f"sessions with a waitlist: {waitlisted}",
            f"loans overdue: {loans_overdue(today=today).count()}",
            f"loans due within 7 days: {loans_due_soon(today=today, days=7).count()}",
            "sessions in the next 7 days short of supporters: "
            f"{sessions_understaffed(start=start, end=end).count()}",
        ]


def _topic_skill(session: Session) -> str | None:
    code = session.topic.code if session.topic_id else ""
    if code in ("A01", "A02", "A05"):
        return "mynumber"
    if code == "B07":
        return "line"
    if code == "B09":
        return "scam_awareness"
    return None


# --- generate_city -----------------------------------------------------------------------------

CITY_DEFAULTS = {
    "residents": 100_000,
    "sessions": 20_000,
    "registrations": 300_000,
    "devices": 3_000,
    "loans": 15_000,
    "supporters": 1_000,
}


@dataclass
class CityResult:
    """Row counts written by generate_city and the seconds it took."""

    counts: dict[str, int]
    seconds: float


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def generate_city(
    *,
    residents: int = CITY_DEFAULTS["residents"],
    sessions: int = CITY_DEFAULTS["sessions"],
    registrations: int = CITY_DEFAULTS["registrations"],
    devices: int = CITY_DEFAULTS["devices"],
    loans: int = CITY_DEFAULTS["loans"],
    supporters: int = CITY_DEFAULTS["supporters"],
    seed: int = CITY_SEED,
    today: date | None = None,
    batch_size: int = BATCH_SIZE,
    log: Callable[[str], None] | None = None,
) -> CityResult:
    """Add a city-scale data set in one transaction and return its row counts and duration.

    Counts are exact except: registrations are capped at ``sessions x residents``, and loans
    become at most one active per device (most are returned). Registrations are unique per
    (session, resident); registered never exceed seats (the rest are waitlisted); a supporter is
    never on two sessions at the same time. ``today`` (local date) anchors the dates; sessions
    run up to 90 days ahead and back as far as the count needs. Raises DemoDataError without
    venues/topics.
    """
    started = time_module.monotonic()
    log = log or (lambda message: None)
    today = today or timezone.localdate()
    venues, topics = program_data_ensure()
    with transaction.atomic():
        builder = _CityBuilder(
            today=today, seed=seed, venues=venues, topics=topics, batch_size=batch_size, log=log
        )
        builder.residents(residents)
        builder.sessions(sessions)
        builder.registrations(registrations)
        builder.devices_and_loans(devices, loans)
        builder.supporters_and_assignments(supporters)
    return CityResult(counts=builder.counts, seconds=time_module.monotonic() - started)


class _CityBuilder:
    def __init__(self, *, today, seed, venues, topics, batch_size, log):
        self.today = today
        self.rng = random.Random(seed)
        self.venues = venues
        self.topics = topics
        self.batch_size = batch_size
        self.log = log
        self.counts: dict[str, int] = {}
        # A label unique to this run, so a second run never collides on unique asset tags.
        run = 1
        while Device.objects.filter(asset_tag__startswith=f"C{run}-").exists():
            run += 1
        self.run = run

    def _insert(self, model, rows: list) -> list:
        created = []
        for chunk in _chunks(rows, self.batch_size):
            created.extend(model.objects.bulk_create(chunk))
        return created

    def residents(self, count: int) -> None:
        rng, today = self.rng, self.today
        t0 = time_module.monotonic()
        districts = [v.district or v.name for v in self.venues]
        weights = [v.default_seats for v in self.venues]
        consent_day = today - timedelta(days=30)
        phones = rng.sample(range(450_000), min(count, 450_000))
        self.resident_ids: list[int] = []
        self.borrower_ids: list[int] = []  # 65+, no smartphone: who may borrow a device
        for start in range(0, count, self.batch_size):
            batch = []
            for i in range(start, min(count, start + self.batch_size)):
                age = rng.choices((rng.randint(40, 64), rng.randint(65, 95)), (15, 85))[0]
                female = rng.random() < 0.56
                name, kana = NAMES.person(rng, female=female, senior=age >= 70)
                own = rng.choices(_OWN_DEVICES, (28, 30, 22, 15, 5))[0]
                phone = (
                    landline_number(phones[i])
                    if i < len(phones) and rng.random() < 0.8
                    else mobile_number(i * 7 + 3)
                )
                r = Resident(
                    name=name,
                    name_kana=kana,
                    birth_date=birth_date_for_age(rng, today, age),
                    phone=phone,
                    district=rng.choices(districts, weights)[0],
                    household=rng.choices(_HOUSEHOLDS, (25, 35, 30, 10))[0],
                    own_device=own,
                    consent_given=True,
                    consent_date=consent_day - timedelta(days=i % 700),
                )
                # bulk_create does not call save(): fill the search keys it would.
                r.set_search_keys()
                r._city_borrower = age >= 65 and own in (OwnDevice.NONE, OwnDevice.FEATURE_PHONE)
                batch.append(r)
            for r in Resident.objects.bulk_create(batch):
                self.resident_ids.append(r.pk)
                if r._city_borrower:
                    self.borrower_ids.append(r.pk)
        self.counts["residents"] = len(self.resident_ids)
        self.log(f"residents: {count} in {time_module.monotonic() - t0:.1f}s")

    def sessions(self, count: int) -> None:
        rng, today = self.rng, self.today
        t0 = time_module.monotonic()
        city = Organiser.objects.get_or_create(name="いわき市", defaults={"kind": "city"})[0]
        # Cells: (day, slot, venue, room); big centers have two rooms. Walk back from 90 days
        # ahead until there are a fifth more cells than sessions, so the calendar has gaps.
        rooms = [
            (v, room) for v in self.venues for room in range(2 if v.default_seats >= 20 else 1)
        ]
        cells: list[tuple[date, int, Venue]] = []
        day = today + timedelta(days=90)
        earliest = today - timedelta(days=30)
        while len(cells) < count * 1.2 or day > earliest:
            if is_session_day(day):
                cells.extend((day, slot, venue) for slot in (0, 1) for venue, _ in rooms)
            day -= timedelta(days=1)
        chosen = sorted(rng.sample(range(len(cells)), count))
        kinds = (
            Session.Kind.CLASS,
            Session.Kind.SALON,
            Session.Kind.CONSULTATION,
            Session.Kind.CARAVAN,
        )
        rows = []
        for index in chosen:
            day, slot, venue = cells[index]
            kind = rng.choices(kinds, (60, 20, 15, 5))[0]
            starts_at, ends_at = slot_bounds(day, slot)
            s = Session(
                kind=kind,
                organiser=city,
                starts_at=starts_at,
                ends_at=ends_at,
                venue=venue,
                supporters_needed=1,
            )
            if kind == Session.Kind.CLASS:
                s.topic = rng.choice(self.topics)
                s.seats = venue.default_seats
                s.supporters_needed = 2
            elif kind == Session.Kind.SALON:
                s.title = _SALON_TITLE
            elif kind == Session.Kind.CONSULTATION:
                s.title = _CONSULTATION_TITLE
                s.seats = 6
            else:
                s.title = "お助けキャラバン"
                s.venue = None
                s.place = rng.choice(_CARAVAN_PLACES)
                s.supporters_needed = 3
            if rng.random() < 0.02:
                s.status = Session.Status.CANCELLED
            rows.append(s)
        created = self._insert(Session, rows)
        # Only what later steps need, as plain tuples (not 20,000 model instances).
        self.session_info = [
            (s.pk, s.starts_at, s.kind, s.seats, s.status, s.supporters_needed) for s in created
        ]
        self.counts["sessions"] = len(created)
        self.log(f"sessions: {len(created)} in {time_module.monotonic() - t0:.1f}s")

    def registrations(self, total: int) -> None:
        rng, today = self.rng, self.today
        t0 = time_module.monotonic()
        n_res = len(self.resident_ids)
        now = timezone.now()
        weights = []
        for _, starts_at, kind, seats, status, _ in self.session_info:
            if status == Session.Status.CANCELLED:
                w = 1.0
            elif kind == Session.Kind.CLASS:
                w = seats * rng.uniform(0.6, 1.3)  # above 1: a waitlist
            elif kind == Session.Kind.CONSULTATION:
                w = rng.uniform(2, 7)
            elif kind == Session.Kind.SALON:
                w = rng.uniform(5, 20)
            else:
                w = rng.uniform(10, 30)
            if (starts_at.date() - today).days > 14:
                w *= 0.5
            weights.append(w)
        # Share ``total`` in proportion to the weights, at most one row per resident and session.
        total = min(total, n_res * len(weights))
        scale = total / sum(weights) if weights else 0
        sizes = [min(n_res, int(w * scale)) for w in weights]
        order = sorted(range(len(sizes)), key=lambda i: -weights[i])
        short = total - sum(sizes)
        while short > 0:
            progressed = False
            for i in order:
                if short == 0:
                    break
                if sizes[i] < n_res:
                    sizes[i] += 1
                    short -= 1
                    progressed = True
            if not progressed:
                break
        batch: list[Registration] = []
        written = 0
        for (pk, starts_at, _kind, seats, status, _), k in zip(
            self.session_info, sizes, strict=True
        ):
            past = starts_at < now
            registered = 0
            for idx in rng.sample(range(n_res), k):
                if status == Session.Status.CANCELLED or rng.random() < 0.04:
                    st = Registration.Status.CANCELLED
                elif seats is None or registered < seats:
                    st = Registration.Status.REGISTERED
                    registered += 1
                else:
                    st = Registration.Status.WAITLISTED
                attendance = ""
                if past and st == Registration.Status.REGISTERED:
                    attendance = "attended" if rng.random() < 0.88 else "absent"
                batch.append(
                    Registration(
                        session_id=pk,
                        resident_id=self.resident_ids[idx],
                        status=st,
                        attendance=attendance,
                        is_walk_in=past and seats is None and rng.random() < 0.7,
                        cancelled_at=now if st == Registration.Status.CANCELLED else None,
                    )
                )
            if len(batch) >= self.batch_size:
                Registration.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        if batch:
            Registration.objects.bulk_create(batch)
            written += len(batch)
        self.counts["registrations"] = written
        self.log(f"registrations: {written} in {time_module.monotonic() - t0:.1f}s")

    def devices_and_loans(self, n_devices: int, n_loans: int) -> None:
        rng, today = self.rng, self.today
        t0 = time_module.monotonic()
        policy = _active_policy()
        term = policy.term_days
        kinds = (Device.Kind.SMARTPHONE, Device.Kind.TABLET, Device.Kind.ROUTER)
        prefix = {Device.Kind.SMARTPHONE: "SP", Device.Kind.TABLET: "TB", Device.Kind.ROUTER: "WR"}
        rows = []
        for i in range(n_devices):
            kind = rng.choices(kinds, (60, 25, 15))[0]
            rows.append(
                Device(
                    asset_tag=f"C{self.run}-{prefix[kind]}-{i:05d}",
                    kind=kind,
                    maker="シャープ" if kind == Device.Kind.SMARTPHONE else "Apple",
                    model_name="AQUOS wish3" if kind == Device.Kind.SMARTPHONE else "iPad",
                    serial=f"C{self.run}SN{i:07d}",
                    imei=imei_number(self.run * 1_000_000 + i)
                    if kind != Device.Kind.TABLET
                    else "",
                    home_venue=rng.choice(self.venues),
                )
            )
        created = self._insert(Device, rows)
        # Spread the loans over the devices; each device's loans follow one another in time and
        # only the newest may still be active.
        per_device = [n_loans // max(1, n_devices)] * n_devices
        for i in range(n_loans - sum(per_device)):
            per_device[i % n_devices] += 1
        borrowers = self.borrower_ids[:] or self.resident_ids[:]
        rng.shuffle(borrowers)
        next_borrower = 0  # active loans take distinct residents: one device per resident
        loans = []
        statuses = {}
        outcomes = (
            Loan.Outcome.OWN_DEVICE,
            Loan.Outcome.RETURNED_WITHOUT,
            Loan.Outcome.OTHER_PROGRAM,
        )
        for device, k in zip(created, per_device, strict=True):
            if k == 0:
                continue
            active = rng.random() < 0.6 and next_borrower < len(borrowers)
            if active:
                start = today - timedelta(days=rng.randint(1, 200))
                returned_on = None
            else:
                returned_on = today - timedelta(days=rng.randint(1, 60))
                start = returned_on - timedelta(days=rng.randint(120, 200))
            for n in range(k):
                due = start + timedelta(days=term)
                loan = Loan(
                    device_id=device.pk,
                    policy=policy,
                    venue_id=device.home_venue_id,
                    start_date=start,
                    due_date=due,
                    kit_handed_over=device.accessories,
                    agreement_signed=True,
                )
                if n == 0 and active:
                    loan.holding_slot, loan.allowed_loans = 1, policy.max_active_loans
                    loan.resident_id = borrowers[next_borrower]
                    next_borrower += 1
                    statuses[device.pk] = Device.Status.ON_LOAN
                else:
                    loan.resident_id = rng.choice(borrowers)
                    loan.status = Loan.Status.RETURNED
                    loan.returned_on = returned_on
                    loan.outcome = rng.choices(outcomes, (50, 40, 10))[0]
                    loan.kit_returned = device.accessories
                    loan.return_condition = Device.Condition.GOOD
                    loan.data_wiped_at = datetime.combine(returned_on, time(14, 0), JST)
                loans.append(loan)
                # The loan before this one ended a little before this one started.
                returned_on = start - timedelta(days=rng.randint(2, 30))
                start = returned_on - timedelta(days=rng.randint(120, 200))
        self._insert(Loan, loans)
        on_loan = [d for d in created if d.pk in statuses]
        for d in on_loan:
            d.status = Device.Status.ON_LOAN
        Device.objects.bulk_update(on_loan, ["status"], batch_size=self.batch_size)
        self.counts["devices"] = len(created)
        self.counts["loans"] = len(loans)
        self.counts["active loans"] = len(on_loan)
        self.log(f"devices and loans: {len(loans)} in {time_module.monotonic() - t0:.1f}s")

    def supporters_and_assignments(self, count: int) -> None:
        rng, today = self.rng, self.today
        t0 = time_module.monotonic()
        skills = _skills()
        skill_ids = [s.pk for s in skills.values()]
        kinds = (Supporter.Kind.STUDENT, Supporter.Kind.VOLUNTEER, Supporter.Kind.DIGITAL_SUPPORTER)
        rows = []
        for i in range(count):
            kind = rng.choices(kinds, (60, 30, 10))[0]
            name, kana = NAMES.person(rng, female=rng.random() < 0.5, senior=False)
            rows.append(
                Supporter(
                    name=name,
                    name_kana=kana,
                    kind=kind,
                    organisation=rng.choice(_SCHOOLS) if kind == Supporter.Kind.STUDENT else "",
                    phone=mobile_number(8_000_000 + i),
                    max_sessions_per_month=8,
                )
            )
        created = self._insert(Supporter, rows)
        through = Supporter.skills.through
        self._insert(
            through,
            [
                through(supporter_id=s.pk, skill_id=skill_id)
                for s in created
                for skill_id in rng.sample(skill_ids, min(len(skill_ids), rng.randint(1, 3)))
            ],
        )
        ids = [s.pk for s in created]
        busy: set[tuple[int, datetime]] = set()
        monthly: Counter[tuple[int, int, int]] = Counter()
        assignments = []
        now = timezone.now()
        for pk, starts_at, _, _, status, needed in self.session_info:
            if status == Session.Status.CANCELLED or not ids:
                continue
            days_ahead = (starts_at.date() - today).days
            fill = 0.95 if days_ahead < 0 else 0.7 if days_ahead <= 7 else 0.4
            taken: set[int] = set()
            for _ in range(needed):
                if rng.random() > fill:
                    continue
                for _attempt in range(10):
                    sid = rng.choice(ids)
                    month = (sid, starts_at.year, starts_at.month)
                    if sid in taken or (sid, starts_at) in busy or monthly[month] >= 8:
                        continue
                    taken.add(sid)
                    busy.add((sid, starts_at))
                    monthly[month] += 1
                    past = starts_at < now
                    assignments.append(
                        Assignment(
                            session_id=pk,
                            supporter_id=sid,
                            status=Assignment.Status.CONFIRMED,
                            checked_in_at=starts_at if past else None,
                            checked_out_at=starts_at + timedelta(minutes=100) if past else None,
                        )
                    )
                    break
        self._insert(Assignment, assignments)
        self.counts["supporters"] = len(created)
        self.counts["assignments"] = len(assignments)
        self.log(
            f"supporters and assignments: {len(assignments)} in {time_module.monotonic() - t0:.1f}s"
        )
