"""Signals the register sends, so apps built on it take part without it importing them.

``payment_reversing`` is sent by ``payment_reverse`` under the note's lock,
before anything is written: a receiver that finds the reversal would
contradict a later fact it owns (the offerings app: an automatic conversion
of the series after the payment's value date, §5.2) raises
``NoteStateConflict`` with the reason, and nothing is recorded.

``servicing_cycle_starting`` is sent by ``servicing_cycle_start`` before the
statement run, in the caller's process: the offerings app carries out the
conversion triggers still pending, so statements stop at any conversion date
(§5.2). A receiver that raises stops the cycle; one that cannot do its work
should record why and return.
"""

from django.dispatch import Signal

# kwargs: as_of (date)
servicing_cycle_starting = Signal()

# kwargs: payment (the Payment to be reversed), note (locked)
payment_reversing = Signal()

# kwargs: note, for_holder (the holder portal asks: leave out what only staff may see,
# such as letters not yet sent). Each receiver returns a list of
# `notes.selectors.TimelineEntry`: the facts it owns about the note (conversion, cash
# in lieu, notices…), merged by date into the note's timeline. Receivers only read.
note_timeline_collecting = Signal()

# kwargs: run (the ServicingRun that has just finished, all its chunks done). The
# notices app makes the letters now due (the statements the run issued, §2) —
# `servicing/runs/` covers "statements … and notices".
servicing_run_finished = Signal()
