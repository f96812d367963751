"""Seed the ten default self-assessment items (kept when the administrator changed them)."""

from django.db import migrations

ITEMS = (
    ("power_buttons", "電源を入れ・切りし、ボタンや画面を操作できる",
     "Turn the phone on and off and use its buttons and screen"),
    ("calls", "電話をかける・受けることができる", "Make and answer a phone call"),
    ("camera", "カメラで写真を撮り、見返すことができる", "Take a photo and look at it again"),
    ("wifi", "Wi-Fiにつなぐことができる", "Connect to Wi-Fi"),
    ("web_search", "インターネットで調べたいページを探せる", "Find a web page about something"),
    ("line", "LINEでメッセージを送る・読むことができる", "Send and read a LINE message"),
    ("maps", "地図アプリで行きたい場所を調べられる", "Look up a place in a maps app"),
    ("my_number", "マイナンバーカードのアプリ（マイナポータル）を使える",
     "Use the My Number Card app (Mynaportal)"),
    ("scam", "詐欺のメッセージや電話に気づくことができる",
     "Recognise a scam message or call"),
    ("ask_help", "困ったときに誰に・どこに相談すればよいか分かる",
     "Know whom to ask for help when stuck"),
)  # fmt: skip


def seed(apps, schema_editor):
    SkillItem = apps.get_model("residents", "SkillItem")
    for position, (code, text, text_en) in enumerate(ITEMS, start=1):
        SkillItem.objects.get_or_create(
            code=code, defaults={"position": position * 10, "text": text, "text_en": text_en}
        )


class Migration(migrations.Migration):
    dependencies = [("residents", "0007_skill_self_assessment")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
