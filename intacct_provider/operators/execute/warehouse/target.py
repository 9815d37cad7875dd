"""The database side of a warehouse load or tie-out, through the connection's common-sql hook.

Everything database-specific comes from a library rather than from this module: quoting from
the common-sql dialect's ``escape_word_format``, upserts from the dialect's
``generate_replace_sql`` (``INSERT ... ON CONFLICT`` in PostgreSQL, ``REPLACE INTO`` in
SQLite), placeholders from the hook, connections from ``hook.get_conn()``, and column type names
from SQLAlchemy's compiler for the hook's dialect. What is written here by hand is the plain
SQL every database shares (``CREATE TABLE``, ``ALTER TABLE ... ADD COLUMN``, ``SELECT``,
``UPDATE``, ``DELETE``, ``ALTER TABLE ... RENAME TO``), with every value a bound parameter and
every name a checked, quoted identifier.

Exact money: PostgreSQL gets an unconstrained ``NUMERIC`` (it stores exactly the digits Intacct
sent; a fixed ``NUMERIC(28, 2)`` would silently round a rate or a custom field with more
decimals). SQLite has no exact decimal type — a ``NUMERIC`` column would turn ``"10.50"`` into the
float 10.5 — so decimals are ``TEXT`` holding the exact decimal text. Other databases get
``NUMERIC(38, 10)`` and a value that does not fit is refused, never rounded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from intacct_provider.core.columns import (
    DELETED,
    DELETED_AT,
    ENTITY,
    SYNCED_AT,
    Column,
    ColumnError,
    Kind,
    decimal_text,
)

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

#: Dialects whose column types are chosen here and tested; others get the generic mapping below.
TESTED_DIALECTS = ("sqlite", "postgresql")
#: Precision and scale of the generic exact decimal (databases other than PostgreSQL and SQLite).
GENERIC_PRECISION, GENERIC_SCALE = 38, 10
#: Keys bound in one ``IN (...)`` list (SQLite's oldest limit on bound parameters is 999).
KEYS_PER_STATEMENT = 500


def sql_hook(conn_id: str) -> DbApiHook:
    """The common-sql hook of an Airflow connection (``SqliteHook``, ``PostgresHook``, ...)."""
    from airflow.providers.common.compat.sdk import AirflowNotFoundException
    from airflow.providers.common.sql.hooks.sql import DbApiHook
    from airflow.sdk import BaseHook

    from intacct_provider.exceptions import IntacctConfigError

    try:
        connection = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException as exc:
        raise IntacctConfigError(
            f"Airflow connection {conn_id!r} (sql_conn_id) does not exist; for SQLite create one like "
            '{"conn_type": "sqlite", "host": "/abs/path/warehouse.db"}'
        ) from exc
    try:
        hook = connection.get_hook()
    except Exception as exc:  # the provider of that connection type is not installed
        raise IntacctConfigError(
            f"sql_conn_id {conn_id!r}: no hook for connection type {connection.conn_type!r} ({exc}); install its "
            "provider, e.g. pip install 'airflow-provider-sage-intacct[sql]' (SQLite) or '[postgres]'"
        ) from exc
    if not isinstance(hook, DbApiHook):
        raise IntacctConfigError(
            f"sql_conn_id {conn_id!r}: a {connection.conn_type!r} connection has no SQL (common-sql) hook; "
            "use a database connection such as sqlite or postgres"
        )
    return hook


class SqlTarget:
    """One table of one database: names, types, DDL and one transaction per run.

    :param hook: the connection's common-sql hook.
    :param table: the table (a checked lower-case name).
    :param schema: its schema (PostgreSQL) or attached database (SQLite); ``None``: the default.
    """

    def __init__(self, hook: DbApiHook, table: str, schema: str | None = None) -> None:
        self.hook = hook
        self.table = table
        self.schema = schema

    # ---------------------------------------------------------------- names
    @cached_property
    def dialect_name(self) -> str:
        return str(self.hook.dialect_name)

    def quote(self, name: str) -> str:
        """A checked identifier, quoted as the hook's dialect quotes (always: ``order`` is reserved somewhere)."""
        return str(self.hook.dialect.escape_word_format).format(name)

    def qualified(self, table: str | None = None) -> str:
        """``"schema"."table"`` (or ``"table"``) for ``table`` (default: this target's)."""
        name = self.quote(table or self.table)
        return f"{self.quote(self.schema)}.{name}" if self.schema else name

    @property
    def placeholder(self) -> str:
        return str(self.hook.placeholder)

    def marks(self, count: int) -> str:
        return ", ".join([self.placeholder] * count)

    # ---------------------------------------------------------------- types
    @cached_property
    def _sa_dialect(self) -> Any:
        from sqlalchemy.dialects import registry
        from sqlalchemy.engine.default import DefaultDialect

        try:
            return registry.load(self.dialect_name)()
        except Exception:  # a dialect SQLAlchemy does not know: ANSI type names
            return DefaultDialect()

    def sql_type(self, kind: Kind, *, key: bool = False) -> str:
        """The column type of ``kind`` in this database (``key``: a primary-key text column)."""
        import sqlalchemy as sa

        generic = self.dialect_name not in TESTED_DIALECTS
        types: dict[str, Any] = {
            "decimal": sa.Numeric(GENERIC_PRECISION, GENERIC_SCALE) if generic else sa.Numeric(),
            "integer": sa.BigInteger(),
            "date": sa.Date(),
            "timestamp": sa.DateTime(timezone=True),
            "boolean": sa.Boolean(),
            "json": sa.Text(),
            "text": sa.String(255) if key and generic else sa.Text(),
        }
        if self.dialect_name == "sqlite" and kind == "decimal":
            return "TEXT"  # exact decimal text: a NUMERIC column would make "10.50" the float 10.5
        return str(types[kind].compile(dialect=self._sa_dialect))

    def bind(self, kind: Kind, value: Any, field: str = "") -> Any:
        """A Python value of ``kind`` as this database's driver takes it (never a float)."""
        binder = self.binder(kind, field)
        return value if binder is None or value is None else binder(value)

    def binder(self, kind: Kind, field: str = "") -> Callable[[Any], Any] | None:
        """How a non-null value of ``kind`` is bound here; ``None``: as it is (looked up once per column)."""
        if kind == "decimal":
            if self.dialect_name == "sqlite":
                return decimal_text
            if self.dialect_name not in TESTED_DIALECTS:
                return lambda value: _check_fits(value, field)
            return None
        if self.dialect_name == "sqlite":
            if kind == "date":
                return _isoformat
            if kind == "timestamp":
                return timestamp_text
        return None

    # ---------------------------------------------------------- transactions
    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """One connection in one transaction: committed when the block ends, rolled back if it raises.

        A process killed inside the block commits nothing: the database rolls the transaction
        back, so the table is as the previous run left it.
        """
        conn = self.hook.get_conn()
        try:
            self._begin(conn)
            yield conn
            conn.commit()
        except BaseException:
            with suppress(Exception):
                conn.rollback()
            raise
        finally:
            with suppress(Exception):
                conn.close()

    @staticmethod
    def _begin(conn: Any) -> None:
        """Open the transaction explicitly where the driver would run DDL outside one (Python's sqlite3)."""
        import sqlite3

        if isinstance(conn, sqlite3.Connection) and not conn.in_transaction:
            conn.execute("BEGIN")

    def columns_of(self, conn: Any, table: str | None = None) -> list[str] | None:
        """The columns of ``table`` (default: this target's) in order, ``None`` when it does not exist."""
        cursor = conn.cursor()
        try:
            cursor.execute(f"SELECT * FROM {self.qualified(table)} WHERE 1 = 0")  # noqa: S608 - checked names
            return [str(description[0]).lower() for description in cursor.description]
        except Exception:  # the driver's "no such table"; a table we cannot read fails the CREATE after it
            conn.rollback()
            self._begin(conn)
            return None
        finally:
            with suppress(Exception):
                cursor.close()

    @staticmethod
    def execute(conn: Any, sql: str, parameters: Sequence[Any] = ()) -> Any:
        cursor = conn.cursor()
        try:
            cursor.execute(sql, tuple(parameters))
            return cursor.fetchall() if cursor.description else None
        finally:
            cursor.close()

    @staticmethod
    def execute_many(conn: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        cursor = conn.cursor()
        try:
            cursor.executemany(sql, [tuple(row) for row in rows])
        finally:
            cursor.close()

    # ------------------------------------------------------------------ DDL
    def create_table_sql(
        self, table: str, columns: Sequence[Column], *, entity: bool, primary_key: Sequence[str]
    ) -> str:
        """``CREATE TABLE`` with the field columns, ``_entity`` (when scoped), the system columns and the key."""
        definitions = [f"{self.quote('key')} {self.sql_type('text', key=True)} NOT NULL"]
        definitions += [f"{self.quote(c.name)} {self.sql_type(c.kind)}" for c in columns if c.name != "key"]
        if entity:
            definitions.append(f"{self.quote(ENTITY)} {self.sql_type('text', key=True)} NOT NULL")
        definitions += [
            f"{self.quote(SYNCED_AT)} {self.sql_type('timestamp')} NOT NULL",
            f"{self.quote(DELETED)} {self.sql_type('boolean')} NOT NULL",
            f"{self.quote(DELETED_AT)} {self.sql_type('timestamp')}",
            f"PRIMARY KEY ({', '.join(self.quote(name) for name in primary_key)})",
        ]
        return f"CREATE TABLE {self.qualified(table)} (\n  " + ",\n  ".join(definitions) + "\n)"

    def add_column_sql(self, column: Column) -> str:
        return f"ALTER TABLE {self.qualified()} ADD COLUMN {self.quote(column.name)} {self.sql_type(column.kind)}"

    def rename_sql(self, table: str, new_name: str) -> str:
        return f"ALTER TABLE {self.qualified(table)} RENAME TO {self.quote(new_name)}"

    def drop_sql(self, table: str) -> str:
        return f"DROP TABLE {self.qualified(table)}"

    # ------------------------------------------------------------------ DML
    def insert_sql(self, table: str, names: Sequence[str]) -> str:
        """The dialect's ``INSERT`` of one row of ``names`` (executed many times)."""
        quoted = [self.quote(name) for name in names]
        return str(self.hook.dialect.generate_insert_sql(self.qualified(table), quoted, quoted))

    def upsert_sql(self, table: str, names: Sequence[str], key_names: Sequence[str]) -> str:
        """The dialect's upsert of one row by ``key_names`` (``ON CONFLICT``, ``REPLACE INTO``, ``MERGE``...)."""
        quoted = [self.quote(name) for name in names]
        index = [self.quote(name) for name in key_names]
        return str(self.hook.dialect.generate_replace_sql(self.qualified(table), quoted, quoted, replace_index=index))


def timestamp_text(value: dt.datetime) -> str:
    """A UTC instant as Intacct writes one (``2026-01-05T10:00:00Z``; microseconds only when present)."""
    text = value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{value.microsecond:06d}Z" if value.microsecond else f"{text}Z"


def _isoformat(value: dt.date) -> str:
    return value.isoformat()


def _check_fits(value: Decimal, field: str) -> Decimal:
    exponent = value.as_tuple().exponent
    scale = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    digits = len(value.as_tuple().digits) - scale
    if scale > GENERIC_SCALE or digits > GENERIC_PRECISION - GENERIC_SCALE:
        raise ColumnError(
            f"field {field!r}: {value} does not fit NUMERIC({GENERIC_PRECISION}, {GENERIC_SCALE}) exactly; "
            "it is refused rather than rounded"
        )
    return value
