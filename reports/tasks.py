"""Celery tasks: thin — they take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from reports.services import report_export_process


@shared_task(acks_late=True)
def report_export_task(export_id: int) -> str:
    return report_export_process(export_id=export_id).status
