"""The one clock: instants are aware UTC; calendar days are those of the cooperative, in Brussels."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


def utcnow() -> datetime:
    """Now, timezone-aware UTC: what the database stores."""
    return datetime.now(timezone.utc)


def today() -> date:
    """Today's date in Brussels, whatever the server's own time zone."""
    return datetime.now(BRUSSELS).date()


def brussels_day(instant: datetime) -> date:
    """The Brussels calendar day of an aware instant."""
    return instant.astimezone(BRUSSELS).date()
