"""Quoted table and column names of the models, for the few queries written as plain SQL.

Those queries sit on hot paths (ingest, QIDO, WADO lookups) where compiling the ORM's query
cost more than running it. Only these names are put into their SQL text; values are always
parameters.
"""

from django.db import connection, models


def table_name(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column_name(model: type[models.Model], field: str) -> str:
    """The quoted column of a concrete field (a foreign key's is its ``_id`` column)."""
    concrete = model._meta.get_field(field)
    assert isinstance(concrete, models.Field) and concrete.column, (model, field)
    return connection.ops.quote_name(concrete.column)
