"""The standard skills every program starts with.

Kept apart from services so that the data migration can import it without loading other apps.
Names are stored in Japanese, the language the roster is kept in; admins may rename them.
"""

# (code, name)
STANDARD_SKILLS: tuple[tuple[str, str], ...] = (
    ("iphone", "iPhone"),
    ("android", "Android"),
    ("tablet", "タブレット"),
    ("line", "LINE"),
    ("mynumber", "マイナンバー・マイナポータル"),
    ("scam_awareness", "詐欺対策"),
    ("lead", "講師"),
)

# The skill that marks someone able to lead a class (講師).
LEAD_SKILL_CODE = "lead"
