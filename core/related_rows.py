"""Which tables hold rows pointing at one record: asked once, so a page skips empty reads.

A note's page reads a dozen tables that point at the note — transfers, stop-transfer
instructions, events of default, elections, the conversion, notices — and for most
notes most of them hold nothing. Each read costs the ORM the same whether it finds
rows or not. An app registers the relations its page reads
(`related_rows_register`, from its ``AppConfig.ready``); a page loads them all for
its record in one query of ``EXISTS`` tests (`related_rows_load`), and each reader
asks `related_rows_may_exist` before its query: ``False`` only when the load found
no row, so a record that was not loaded is read as before.

The answer is the database's at the moment of the load: a page loads it first,
before it reads anything else, and only read-only pages load it (a page that
writes and then reads again would see the load's answer, not its own write).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Model

_RELATIONS: dict[type[Model], list[tuple[type[Model], str]]] = {}
_LOADED = "_related_rows"


def related_rows_register(model: type[Model], field: str) -> None:
    """Register `model`'s foreign key `field`: pages of the record it points at may ask."""
    foreign_key = model._meta.get_field(field)
    relations = _RELATIONS.setdefault(foreign_key.related_model, [])
    if (model, foreign_key.column) not in relations:
        relations.append((model, foreign_key.column))


def related_rows_load(record: Model) -> None:
    """Whether each registered table holds a row pointing at `record` (one query)."""
    relations = _RELATIONS.get(type(record), [])
    if not relations:
        setattr(record, _LOADED, {})
        return
    # Table and column names come from the models, quoted; the record's key is a parameter.
    quote = connection.ops.quote_name
    tests = ", ".join(
        f"EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} WHERE {quote(column)} = %s)"  # noqa: S608
        for model, column in relations
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {tests}", [record.pk] * len(relations))
        found = cursor.fetchone()
    setattr(
        record, _LOADED,
        {model: bool(exists) for (model, _), exists in zip(relations, found, strict=True)},
    )


def related_rows_may_exist(record: Model, model: type[Model]) -> bool:
    """False only when `related_rows_load` found no row of `model` pointing at `record`."""
    loaded = vars(record).get(_LOADED)
    if loaded is None or model not in loaded:
        return True
    return loaded[model]
