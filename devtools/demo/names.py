"""Name pools and numbers for generated people: kanji and kana names that go together, Iwaki
landline and mobile numbers, device IMEIs. Deterministic for a given ``random.Random``."""

from __future__ import annotations

import random
from dataclasses import dataclass

from faker.providers.person.ja_JP import Provider as JaPersonProvider


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
