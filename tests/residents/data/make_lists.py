"""Write the resident lists the import tests read, as city offices keep them.

Run from the repository root to make them again (the files are committed, so a reader can open
them in Excel and see what the tests import):

    .venv/bin/python tests/residents/data/make_lists.py

- ``office_workbook.xlsx``: a workbook whose first sheet (集計) is a summary, the second (名簿)
  the list, with a merged title line and a note above the header on row 4, date cells, serial
  numbers, phone numbers stored as numbers, era and combined dates; a third sheet (メモ).
- ``office_cp932_title.csv``: saved from Excel as "CSV (comma delimited)" on a Japanese Windows
  (CP932), a title line above the header, a kanji CP932 cannot hold written as ``?``, a note
  spanning two lines, an empty row and a 合計 footer.
- ``office_utf16.txt``: saved as Excel's "Unicode text" (UTF-16 with BOM, tab-separated).
- ``office_missing_column.csv``: a list without a birth-date column (refused).

What each row becomes is written beside it; the tests check the same.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
CREATED = datetime(2025, 4, 1, 9, 0, 0)


def serial(day: date) -> int:
    """Excel's serial number of a day (1900 date system, after February 1900)."""
    return (day - date(1899, 12, 30)).days


WORKBOOK_LIST = [
    # row 5
    [
        1,
        "山田 太郎",
        "ヤマダ タロウ",
        datetime(1945, 5, 3),
        246990001,
        "平",
        "スマホ",
        None,
        "佐藤",
    ],
    # row 6: a serial number in a plain cell
    [
        2,
        "佐藤 和子",
        "サトウ カズコ",
        serial(date(1942, 11, 23)),
        "090 9999 0002",
        "小名浜",
        "らくらくホン",
        "補聴器使用",
        None,
    ],
    # row 7: both years, agreeing
    [
        3,
        "鈴木 幸子",
        "すずき さちこ",
        "1940年（昭和15年）6月1日",
        "+81 246-99-9003",
        "勿来",
        "iPhone",
        None,
        None,
    ],
    # row 8: full-width letters and digits
    [
        4,
        "高橋 弘",
        "たかはし ひろし",
        "Ｓ１４．７．１",
        "０２４６－９９－０００４",
        "常磐",
        "アンドロイド",
        "車いす",
        None,
    ],
    # row 9: only the running number: an empty row
    [5, None, None, None, None, None, None, None, None],
    # row 10: 平成 ended on 2019-04-30: rejected
    [
        6,
        "田中 節子",
        "タナカ セツコ",
        "平成31年5月1日",
        "080-9999-0005",
        "内郷",
        "なし",
        None,
        None,
    ],
    # row 11: no 30 February: rejected
    [7, "渡辺 清", "ワタナベ キヨシ", "1941/2/30", "0246-99-0006", "四倉", "なし", None, None],
    # row 12: 1941 is 昭和16, not 17: flagged, birth date left empty
    [
        8,
        "伊藤 茂",
        "イトウ シゲル",
        "1941年（昭和17年）4月1日",
        "0246-99-0007",
        "遠野",
        "ガラケー",
        None,
        None,
    ],
    # row 13: age about 30: flagged
    [
        9,
        "中村 千代子",
        "ナカムラ チヨコ",
        datetime(1995, 4, 1),
        "0246-99-0008",
        "小川",
        "なし",
        None,
        None,
    ],
    # row 14: 明治 ended on 1912-07-29: rejected
    [
        10,
        "小林 正男",
        "コバヤシ マサオ",
        "明治45年7月30日",
        "0246-99-0009",
        "好間",
        "なし",
        None,
        None,
    ],
    # row 15: 大正元年 began on 1912-07-30: an age over 110, flagged
    [11, "加藤 トシ", "カトウ トシ", "大正元年7月30日", "0246-99-0010", "三和", "なし", None, None],
    # row 16: a name over 100 characters: rejected, this row only
    [
        12,
        "吉田" + "あ" * 100,
        "ヨシダ",
        "昭和20年1月1日",
        "0246-99-0011",
        "田人",
        "なし",
        None,
        None,
    ],
    # row 17
    [
        13,
        "松本 一郎",
        "マツモト イチロウ",
        "S22.10.10",
        "0246-99-0013",
        "久之浜",
        "ガラケー",
        None,
        None,
    ],
    # row 18: no phone
    [
        14,
        "井上 花子",
        "イノウエ ハナコ",
        "昭和22年2月2日",
        "電話なし",
        "平",
        "スマホ",
        "民生委員経由で連絡",
        None,
    ],
    # row 19: same kana and birth date as row 5: flagged as a possible duplicate
    [15, "山田 太郎", "やまだ たろう", "昭和20年5月3日", "0246-99-0001", "平", "なし", None, None],
    # row 20: no Japanese number: flagged, kept in the notes
    [16, "林 静江", "ハヤシ シズエ", "昭和16年7月7日", "12345", "勿来", "タブレット", None, None],
    # row 21: a device word nobody knows: flagged
    [
        17,
        "清水 実",
        "シミズ ミノル",
        "昭和18年1月1日",
        "0246-99-0017",
        "常磐",
        "ポケベル",
        None,
        None,
    ],
    # row 22: empty
    [None] * 9,
    # row 23: the footer
    ["合計", "17名", None, None, None, None, None, None, None],
]


def write_workbook() -> None:
    workbook = Workbook()
    summary = workbook.active
    summary.title = "集計"
    summary.append(["地区", "人数"])
    summary.append(["平", 3])
    sheet = workbook.create_sheet("名簿")
    sheet.append(["令和7年度 スマホ教室 参加者名簿"])
    sheet.merge_cells("A1:I1")
    sheet.append(["作成：デジタル推進課　※個人情報につき取扱注意"])
    sheet.append([])
    sheet.append(
        [
            "No.",
            "氏名（漢字）",
            "ﾌﾘｶﾞﾅ",
            "生年月日",
            "TEL",
            "地区名",
            "スマホの有無",
            "備考",
            "担当者",
        ]
    )
    for row in WORKBOOK_LIST:
        sheet.append(row)
    for cell in sheet["D"][4:]:
        if isinstance(cell.value, datetime):
            cell.number_format = "yyyy/m/d"
    notes = workbook.create_sheet("メモ")
    notes.append(["電話連絡は平日のみ"])
    workbook.properties.created = workbook.properties.modified = CREATED
    workbook.save(HERE / "office_workbook.xlsx")


CP932_LINES = [
    "スマホ相談会 申込者一覧（令和7年4月）,,,,,,,",  # line 1: title
    ",,,,,,,",  # line 2: nothing
    "番号,氏　名,フリガナ,生年月日,連絡先,地区,端末,備考",  # line 3: header
    "1,鷗山 一郎,オウヤマ イチロウ,昭和12年3月4日,0246-99-1001,平,スマホ,",  # 4: 鷗 -> ?: flagged
    '2,斉藤 花子,サイトウ ハナコ,S15.6.1,0246991002,小名浜,らくらくホン,"大きな文字で\r\n耳が遠い"',
    # lines 5-6 are one record: imported
    "3,岡田 進,オカダ ススム,1938/08/15,246991003,勿来,ガラケー,",  # 7: leading 0 restored
    ",,,,,,,",  # 8: empty
    "4,𠮷田 ハル,ヨシダ ハル,昭和10年1月1日,0246-99-1004,内郷,なし,",  # 9: 𠮷 -> ?: flagged
    "5,森 和夫,モリ カズオ,昭和21年5月5日,0246-99-1005,四倉,iPhone,",  # 10: imported
    "6,木村 進,キムラ ススム,昭和64年1月8日,0246-99-1006,常磐,なし,",  # 11: after 昭和: rejected
    "合計 6 名,,,,,,,",  # 12: footer
]

UTF16_LINES = [
    "令和7年度 名簿",  # line 1
    "※電話番号はハイフンなし",  # line 2
    "名前\tふりがな\t誕生日\t電話\tお住まいの地区\t端末\t備考\tNo.",  # line 3: header
    "佐々木 ヨシ\tささき よし\t昭和9年9月9日\t09099991001\t平\tスマートフォン\t\t1",  # 4: imported
    "今井 久\tいまい ひさし\t平成元年1月7日\t0246-99-2002\t好間\tアンドロイド\t\t2",  # 5: rejected
    "大野 マサ\tおおの まさ\t1930-04-01 00:00:00\t+81 90 9999 2003\t川前\tなし\t\t3",  # 6: imported
    "",  # 7: empty
    "以上",  # 8: footer
]

MISSING_LINES = [
    "参加者名簿",
    "氏名,フリガナ,電話番号,地区",
    "山田 太郎,ヤマダ タロウ,0246-99-0001,平",
]


def main() -> None:
    write_workbook()
    text = "\r\n".join(CP932_LINES) + "\r\n"
    (HERE / "office_cp932_title.csv").write_bytes(text.encode("cp932", errors="replace"))
    text = "\r\n".join(UTF16_LINES) + "\r\n"
    (HERE / "office_utf16.txt").write_bytes(text.encode("utf-16"))
    text = "\r\n".join(MISSING_LINES) + "\r\n"
    (HERE / "office_missing_column.csv").write_bytes(text.encode("utf-8-sig"))


if __name__ == "__main__":
    main()
