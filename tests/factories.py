"""Factories that build records through the real services, as staff would."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory

from holders.models import Holder
from holders.services import holder_create
from notes.models import Issuer, Note, NoteSeries
from notes.services import issuer_create, note_create, series_create


class ServiceFactory(factory.Factory):
    """A factory whose `create` calls the named service with keyword arguments."""

    class Meta:
        abstract = True

    _service = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return cls._service(**kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        return model_class(**kwargs)


class IssuerFactory(ServiceFactory):
    class Meta:
        model = Issuer

    _service = staticmethod(issuer_create)
    name = factory.Sequence(lambda n: f"Issuer {n} Corp.")
    principal_office_address = "475 Aviation Blvd, Suite 100\nSanta Rosa, CA 95403"
    copy_to_address = "600 Bicentennial Way, Ste 300\nSanta Rosa, CA 95403"
    state_of_incorporation = "Delaware"


class SeriesFactory(ServiceFactory):
    class Meta:
        model = NoteSeries

    _service = staticmethod(series_create)
    issuer = factory.SubFactory(IssuerFactory)
    name = factory.Sequence(lambda n: f"Series {n}")
    agreement_date = date(2006, 7, 14)


class HolderFactory(ServiceFactory):
    class Meta:
        model = Holder

    _service = staticmethod(holder_create)
    name = factory.Sequence(lambda n: f"Holder {n}")
    kind = "person"
    email = factory.Sequence(lambda n: f"holder{n}@example.com")
    tax_id = "123-45-6789"
    address = factory.LazyFunction(
        lambda: {"line1": "1 Main St", "city": "Santa Rosa", "region": "CA",
                 "postal_code": "95403", "country": "US"}
    )
    address_effective_from = date(2006, 1, 1)


class NoteFactory(ServiceFactory):
    class Meta:
        model = Note

    _service = staticmethod(note_create)
    series = factory.SubFactory(SeriesFactory)
    holder = factory.SubFactory(HolderFactory)
    principal = Decimal("250000.00")
    issue_date = date(2006, 7, 20)
