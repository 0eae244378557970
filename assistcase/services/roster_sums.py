"""What an approved roster pays per township and class (``roster_sums``), summed once when it
is approved.

An approved roster's lines are frozen (database triggers), so their sums never go stale: the
statistics of a year (issue 17: ≤ 5 s at 300,000 households) read some 2,400 rows of sums
instead of aggregating 2.5 million lines. A roster whose sums are missing or incomplete (its
``line_count`` is not the sum of their ``lines``: approved by a path that did not record
them) is summed from its lines at read time, so the figures are right either way.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

# A payee without an account (services/rosters.py pays_in_cash); trim() only for the rare
# number below '0' (blank or spaces), which keeps a pass over a city's lines quick.
CASH_LINE = ("(l.account_type = 'none' OR l.account_number < '0'"
             " AND trim(l.account_number) = '')")

# Per roster, township and class: lines, paid (fen), of it in cash, grants (lines covering
# persons), their persons and entitlements. Used by record_sums and by the statistics for
# rosters without sums; migration 0020 has its own copy (a migration never changes).
SUMS_SELECT = f"""
    SELECT l.roster_id, l.township_code, l.residence_class, COUNT(*), SUM(l.amount_fen),
           SUM(CASE WHEN {CASH_LINE} THEN l.amount_fen ELSE 0 END),
           COUNT(CASE WHEN l.persons > 0 THEN 1 END), SUM(l.persons),
           SUM(CASE WHEN l.persons > 0 THEN l.base_fen ELSE 0 END)
    FROM roster_lines AS l"""
SUMS_GROUP = " GROUP BY l.roster_id, l.township_code, l.residence_class"
_COLUMNS = ("roster_id, township_code, residence_class, lines, amount_fen, cash_fen, grants,"
            " persons, base_fen")


def record_sums(s: Session, roster_id: int) -> None:
    """Sum the roster's lines into ``roster_sums`` (in the approval's transaction)."""
    s.execute(text("DELETE FROM roster_sums WHERE roster_id = :r"), {"r": roster_id})
    s.execute(text(f"INSERT INTO roster_sums ({_COLUMNS})"
                   f"{SUMS_SELECT} WHERE l.roster_id = :r{SUMS_GROUP}"), {"r": roster_id})


def summed(s: Session, roster_ids: list[int]) -> set[int]:
    """Those of ``roster_ids`` whose recorded sums cover all their lines."""
    if not roster_ids:
        return set()
    return set(s.execute(text(
        "SELECT r.id FROM rosters AS r JOIN (SELECT roster_id, SUM(lines) AS n FROM roster_sums"
        " WHERE roster_id IN :ids GROUP BY roster_id) AS x ON x.roster_id = r.id"
        " WHERE x.n = r.line_count").bindparams(bindparam("ids", expanding=True)),
        {"ids": roster_ids}).scalars())
