"""Writes. Every change to the register, payments and servicing goes through here."""

from notes.services.register import issuer_create, note_create, series_create

__all__ = ["issuer_create", "note_create", "series_create"]
