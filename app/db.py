"""The declarative base shared by every domain's models."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, Engine, MetaData, String, TypeDecorator, event, inspect
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Session, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in and out, on SQLite (which stores naive values) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def value_enum(cls, length: int) -> SAEnum:
    """An enum column holding the members' values ('A', 'renewal') as a plain VARCHAR on every
    database, so a new member of the enum needs no change to a native database type."""
    return SAEnum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    # The annotation map sits on the registry, not on Flask-SQLAlchemy's model class (a known crash).
    registry = registry(type_annotation_map={datetime: UTCDateTime(), dict: JSON})
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, and WAL so readers do not block the writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


_TEXT_COLUMNS: dict = {}


def _text_columns(mapper) -> list[tuple[str, int | None]]:
    cached = _TEXT_COLUMNS.get(mapper)
    if cached is None:
        cached = [(attr.key, attr.columns[0].type.length) for attr in mapper.column_attrs
                  if len(attr.columns) == 1 and isinstance(attr.columns[0].type, String)
                  and not isinstance(attr.columns[0].type, SAEnum)]
        _TEXT_COLUMNS[mapper] = cached
    return cached


@event.listens_for(Session, "before_flush")
def _refuse_unstorable_text(session, flush_context, instances):
    """Every database the same: a text longer than its column, or holding a NUL character, is refused
    before any SQL runs (SQLite would store it; PostgreSQL would fail mid-transaction)."""
    from app.errors import TextNotStorable, TextTooLong

    for obj in list(session.new) + list(session.dirty):
        mapper = inspect(obj).mapper
        for key, length in _text_columns(mapper):
            value = obj.__dict__.get(key)
            if not isinstance(value, str):
                continue
            if "\x00" in value:
                raise TextNotStorable(mapper.class_.__name__, key)
            if length is not None and len(value) > length:
                raise TextTooLong(mapper.class_.__name__, key, length)
