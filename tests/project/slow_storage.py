"""A test file storage for worker processes: saving a file first waits SLOW_STORAGE_SECONDS.

A report being made stays at 90 % (rendered, not yet saved) long enough for a test to kill its
worker there.
"""

import os
import time

from django.core.files.storage import FileSystemStorage


class SlowFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        time.sleep(float(os.environ.get("SLOW_STORAGE_SECONDS", "0")))
        return super()._save(name, content)
