"""A fresh database migrated to the head revision has exactly the schema tables.py describes,
on SQLite and on PostgreSQL alike: tables, columns with their types (normalised to SQLAlchemy's
generic types), nullability, primary and foreign keys, indexes and unique constraints."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, UniqueConstraint, inspect
from sqlalchemy.types import TypeDecorator, TypeEngine

from bot.storage import migrate
from bot.storage.tables import metadata

Schema = dict[str, dict[str, Any]]


def _type(t: TypeEngine[Any]) -> str:
    if isinstance(t, TypeDecorator):  # UTCDateTime: stored as its impl
        t = t.impl_instance
    generic = t.as_generic()
    length = getattr(generic, "length", None)
    return type(generic).__name__ + (f"({length})" if length else "")


def _of_metadata() -> Schema:
    schema: Schema = {}
    for table in metadata.sorted_tables:
        uniques = {
            (c.name, tuple(col.name for col in c.columns))
            for c in table.constraints
            if isinstance(c, UniqueConstraint)
        }
        # unique=True on a column is a unique constraint named by the naming convention.
        uniques |= {(f"uq_{table.name}_{c.name}", (c.name,)) for c in table.columns if c.unique}
        schema[table.name] = {
            "columns": {c.name: (_type(c.type), c.nullable) for c in table.columns},
            "primary_key": tuple(c.name for c in table.primary_key.columns),
            "foreign_keys": {
                (fk.parent.name, fk.column.table.name, fk.column.name, fk.ondelete)
                for fk in table.foreign_keys
            },
            "indexes": {
                (i.name, tuple(c.name for c in i.columns), bool(i.unique)) for i in table.indexes
            },
            "uniques": uniques,
        }
    return schema


def _of_database(conn: Connection) -> Schema:
    insp = inspect(conn)
    schema: Schema = {}
    for name in insp.get_table_names():
        if name == "alembic_version":
            continue
        schema[name] = {
            "columns": {
                c["name"]: (_type(c["type"]), c["nullable"]) for c in insp.get_columns(name)
            },
            "primary_key": tuple(insp.get_pk_constraint(name)["constrained_columns"]),
            "foreign_keys": {
                (
                    fk["constrained_columns"][0],
                    fk["referred_table"],
                    fk["referred_columns"][0],
                    fk["options"].get("ondelete"),
                )
                for fk in insp.get_foreign_keys(name)
            },
            "indexes": {
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(name)
                if "duplicates_constraint" not in i  # PostgreSQL's index behind a constraint
            },
            "uniques": {
                (u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(name)
            },
        }
    return schema


def test_a_migrated_database_has_the_schema_of_tables_py(db_url: str) -> None:
    # db_url is migrated to head by the fixture, on each backend in turn.
    assert migrate.is_current(db_url)
    found = migrate.with_connection(db_url, _of_database)
    expected = _of_metadata()
    assert sorted(found) == sorted(expected)
    for table in expected:
        assert found[table] == expected[table], table
    # Alembic's own comparison agrees: nothing a new migration would have to add or change.
    diff = migrate.with_connection(
        db_url, lambda conn: compare_metadata(MigrationContext.configure(conn), metadata)
    )
    assert diff == []
