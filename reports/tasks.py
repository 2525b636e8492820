"""Celery tasks: thin — they take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from reports.services import report_export_process, totals_snapshot_process


# An export is written once (a redelivered task finds it no longer queued).
@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=900, time_limit=960)
def report_export_task(export_id: int) -> str:
    return report_export_process(export_id=export_id).status


# Totals are added up once (a redelivered task finds the snapshot no longer queued; one
# left running by a lost worker is queued again when the dashboard is next asked for).
@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=900, time_limit=960)
def totals_snapshot_task(snapshot_id: int) -> str:
    return totals_snapshot_process(snapshot_id=snapshot_id).status
