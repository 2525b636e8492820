"""The scale bench's own reading of worker logs and memory (the bench itself runs on demand)."""

import os
import subprocess
import sys

from bench.scale import chunk_seconds, peak_rss

LOG = """\
[2025-07-01 01:00:00,001: INFO/MainProcess] celery@w1 ready.
[2025-07-01 01:00:01,500: INFO/ForkPoolWorker-1] Task notes.tasks.servicing_chunk_task[6f1c2a]\
 succeeded in 1.25s: 5000
[2025-07-01 01:00:02,900: INFO/ForkPoolWorker-1] Task notes.tasks.notice_chunk_task[77aa]\
 succeeded in 9.5s: 200
[2025-07-01 01:00:04,100: INFO/ForkPoolWorker-1] Task notes.tasks.servicing_chunk_task[8d2e]\
 succeeded in 0.875s: 4999
"""


def test_only_servicing_chunks_are_counted_with_their_times():
    assert chunk_seconds(LOG) == [1.25, 0.875]
    assert chunk_seconds("") == []


def test_peak_memory_is_read_for_a_live_process_and_none_once_it_has_gone():
    ours = peak_rss(os.getpid())
    assert ours is not None and ours > 1024 * 1024
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert peak_rss(child.pid) is None


def test_chunks_are_counted_from_the_projects_json_log_lines_too():
    log = (
        '{"level": "INFO", "logger": "celery.apps.worker", "message": "w1@vm ready."}\n'
        '{"level": "INFO", "logger": "celery.app.trace", "message": "Task'
        ' notes.tasks.servicing_chunk_task[6f1c2a] succeeded in 0.59s: 5000"}\n'
        '{"level": "INFO", "logger": "celery.app.trace", "message": "Task'
        ' notes.tasks.notice_chunk_task[77aa] succeeded in 9.5s: 200"}\n'
    )
    assert chunk_seconds(log) == [0.59]
