"""Facts about the database itself (app_meta): whether it holds generated demo data."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..db import Database
from ..models import AppMeta

DEMO = "demo"


def mark_demo(s: Session) -> None:
    """Mark the database as demo data (inside the generator's transaction)."""
    row = s.get(AppMeta, DEMO)
    if row is None:
        s.add(AppMeta(key=DEMO, value="1"))
    else:
        row.value = "1"


def is_demo(db: Database) -> bool:
    """True for a database the demo generator filled: the window title and every printout
    say 演示数据, so nobody mistakes it for, or adds real households to, real data."""
    try:
        with db.read() as s:
            return s.scalar(select(AppMeta.value).where(AppMeta.key == DEMO)) == "1"
    except OperationalError:  # a database not upgraded yet
        return False
