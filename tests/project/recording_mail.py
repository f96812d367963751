"""A test email backend for worker processes: appends each delivered message to a file.

RECORDING_MAIL_FILE: the JSON-lines file of delivered messages (one line per message).
RECORDING_MAIL_SLEEP: seconds to wait inside the send before delivering (a slow mail server),
after writing the recipient to ``<file>.started`` so a test knows the worker is mid-send.
"""

import json
import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        path = Path(os.environ["RECORDING_MAIL_FILE"])
        delay = float(os.environ.get("RECORDING_MAIL_SLEEP", "0"))
        for message in email_messages:
            line = json.dumps({"to": message.to, "subject": message.subject}, ensure_ascii=False)
            with open(f"{path}.started", "a", encoding="utf-8") as started:
                started.write(line + "\n")
            time.sleep(delay)
            with open(path, "a", encoding="utf-8") as delivered:
                delivered.write(line + "\n")
        return len(email_messages)
