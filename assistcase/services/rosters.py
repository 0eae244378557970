"""Payment rosters (发放花名册, DOMAIN §10): build, review, approve (freeze), adjust.

A roster is built in one write transaction: the month's entitlements of the area are
recomputed (:func:`assistcase.recalc.recalculate_in`), one line per payee is inserted from
them by a single ``INSERT … SELECT`` (rows never pass through Python; on SQLite the lines'
order is written first, see :data:`_MONTHLY_ORDER_SQL`), then what earlier
rosters left to pay is carried in: pending adjustments (补发 / 扣减) and the reissue of
payments the bank returned as failed. Either everything is written or nothing is.

Approval freezes a roster: the core refuses to change it (:class:`~assistcase.errors.StateError`)
and the database's triggers refuse any SQL that tries. A correction after approval is an
:class:`~assistcase.models.Adjustment` that the next roster of the same program pays.

Money is integer fen throughout.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Iterator, NamedTuple

from sqlalchemy import insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..db import Database
from ..errors import (Cancelled, DuplicateRosterError, FieldError, NotFoundError, StateError,
                      ValidationError)
from ..models import Area, User
from ..models.rosters import Adjustment, Roster, RosterLine, RosterLineItem
from ..progress import CancelToken, ProgressFn
from ..rules.areas import code_prefix
from .recalc import city_scale, current_entitlements, no_nested_loops, recalculate_in
from .registry_writer import triggers_bypassed
from .roster_sums import record_sums
from ..rules.standards import CLASS_ZH, first_of_month
from ..rules.money import yuan
from .audit import Auditor, resolve_user
from .auth import (area_ids_in, full_personal_data, mask_account, mask_id, reader, requires,
                   separate)

ROSTER_AREA_LEVELS = ("city", "county", "township")
STATUS_ZH = {"draft": "草稿", "reviewed": "已审核", "approved": "已审批"}
PROGRAM_ZH = {"dibao": "最低生活保障金", "tekun": "特困人员救助供养金",
              "one_time": "一次性生活补贴", "temp_aid": "临时救助金"}
PROGRAM_EN = {"dibao": "subsistence allowance", "tekun": "extreme-hardship support",
              "one_time": "one-time subsidy", "temp_aid": "temporary aid"}
CATEGORY_ZH = {"dibao": "低保", "tekun": "特困", "temp_aid": "临时救助"}
ITEM_ZH = {"supplement": "补发", "deduction": "扣减", "reissue": "重发"}


# --- views --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterView:
    id: int
    kind: str
    program: str
    residence_class: str | None
    month: dt.date
    area_id: int
    area_code: str
    area_name: str
    area_level: str
    title: str
    issuing_office: str
    status: str
    line_count: int
    household_count: int
    person_count: int
    total_fen: int
    pay_date: dt.date | None
    amount_per_person_fen: int | None
    categories: str
    note: str
    built_by: str
    built_at: dt.datetime
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    approved_by: str | None
    approved_at: dt.datetime | None
    purpose: str = ""     # a one-time subsidy's 用途; '' for other kinds

    @property
    def frozen(self) -> bool:
        return self.status == "approved"

    def program_label(self) -> str:
        cls = CLASS_ZH.get(self.residence_class or "", "")
        return f"{cls}{PROGRAM_ZH[self.program]}"


@dataclass(frozen=True)
class BuildResult:
    roster_id: int
    lines: int
    total_fen: int
    reissues: int
    adjustments: int
    deferred_deductions: int
    skipped_no_standard: int


LINE_COLUMNS = ("id", "seq", "category", "residence_class", "case_id", "aid_case_id",
                "household_id", "person_id", "household_number", "township_code",
                "township_name", "village_code", "village_name", "payee_name", "id_number",
                "account_type", "account_number", "bank_name", "household_size", "persons",
                "standard_fen", "income_fen", "base_fen", "adjust_fen", "amount_fen", "remark")


@dataclass(frozen=True, slots=True)
class LineRow:
    id: int
    seq: int
    category: str
    residence_class: str
    case_id: int | None
    aid_case_id: int | None
    household_id: int | None
    person_id: int | None
    household_number: str
    township_code: str
    township_name: str
    village_code: str
    village_name: str
    payee_name: str
    id_number: str
    account_type: str
    account_number: str
    bank_name: str
    household_size: int
    persons: int
    standard_fen: int
    income_fen: int
    base_fen: int
    adjust_fen: int
    amount_fen: int
    remark: str


def pays_in_cash(account_type: str, account_number: str) -> bool:
    """A payee with no account (type ``none`` or no number) is paid in cash by the township
    (现金发放), not by the bank: the bank file and the printed roster total them apart."""
    return account_type == "none" or not account_number.strip()


def _user_name(s: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    u = s.get(User, user_id)
    return (u.display_name or u.username) if u else None


def roster_view(s: Session, roster_id: int) -> RosterView:
    r = s.get(Roster, roster_id)
    if r is None:
        raise NotFoundError("roster", roster_id, "花名册")
    area = s.get(Area, r.area_id)
    reader(s, area_code=area.code)
    return RosterView(r.id, r.kind, r.program, r.residence_class, r.month, area.id, area.code,
                      area.name, area.level, r.title, r.issuing_office, r.status, r.line_count,
                      r.household_count, r.person_count, r.total_fen, r.pay_date,
                      r.amount_per_person_fen, r.categories, r.note,
                      r.built_by_name or _user_name(s, r.built_by) or "", r.built_at,
                      _signed(s, r.reviewed_by_name, r.reviewed_by), r.reviewed_at,
                      _signed(s, r.approved_by_name, r.approved_by), r.approved_at, r.purpose)


def _signed(s: Session, name: str, user_id: int | None) -> str | None:
    """The name signed at a step, as taken then (issue 13); the user's name for a row from
    before names were kept."""
    if user_id is None:
        return None
    return name or _user_name(s, user_id)


def list_rosters(s: Session, month: dt.date | None = None, status: str | None = None,
                 limit: int = 500) -> list[RosterView]:
    """Rosters, newest month first."""
    stmt = select(Roster.id).order_by(Roster.month.desc(), Roster.id.desc()).limit(limit)
    scope = reader(s)   # the rosters of the signed-in user's area
    if not scope.everywhere:
        stmt = stmt.where(Roster.area_id.in_(area_ids_in(s, scope)))
    if month is not None:
        stmt = stmt.where(Roster.month == first_of_month(month))
    if status is not None:
        stmt = stmt.where(Roster.status == status)
    return [roster_view(s, rid) for rid in s.scalars(stmt)]


def iter_lines(s: Session, roster_id: int, batch: int = 2000) -> Iterator[LineRow]:
    """The roster's lines in printing order (sequence number), streamed from the database in
    batches of ``batch`` rows: a city-wide roster is never held in memory."""
    cursor = s.connection().exec_driver_sql(
        f"SELECT {', '.join(LINE_COLUMNS)} FROM roster_lines WHERE roster_id = ? ORDER BY seq",
        (roster_id,))
    while True:
        rows = cursor.fetchmany(batch)
        if not rows:
            return
        for row in rows:
            yield LineRow(*row)


def line_row(s: Session, line_id: int) -> LineRow:
    row = s.connection().exec_driver_sql(
        f"SELECT {', '.join(LINE_COLUMNS)} FROM roster_lines WHERE id = ?", (line_id,)).first()
    if row is None:
        raise NotFoundError("roster line", line_id, "花名册明细")
    return _shown(s, [LineRow(*row)])[0]


def _shown(s: Session, rows: list[LineRow]) -> list[LineRow]:
    """Lines as the signed-in user sees them: ID numbers and accounts masked for a role that
    does not need them (DOMAIN §12)."""
    if full_personal_data(s):
        return rows
    return [dataclasses.replace(r, id_number=mask_id(r.id_number),
                                account_number=mask_account(r.account_number)) for r in rows]


def lines_by_seq(s: Session, roster_id: int, first: int, last: int) -> list[LineRow]:
    """The lines numbered ``first`` to ``last`` (inclusive) of a roster, in order: one block
    of a lazy table (sequence numbers run 1…line_count without gaps)."""
    rows = s.connection().exec_driver_sql(
        f"SELECT {', '.join(LINE_COLUMNS)} FROM roster_lines"
        " WHERE roster_id = ? AND seq BETWEEN ? AND ? ORDER BY seq", (roster_id, first, last))
    return _shown(s, [LineRow(*row) for row in rows])


def roster_areas(s: Session) -> list[tuple[int, str, str]]:
    """(id, name, level) of the areas a roster may be built for (city, counties, townships),
    in code order: each county follows the city, each township its county."""
    stmt = (select(Area.id, Area.name, Area.level).where(Area.level.in_(ROSTER_AREA_LEVELS))
            .order_by(Area.code))
    return [tuple(r) for r in s.execute(stmt)]


@dataclass(frozen=True)
class GroupTotal:
    township_code: str
    township_name: str
    village_code: str
    village_name: str
    lines: int
    households: int
    persons: int
    amount_fen: int


def village_totals(s: Session, roster_id: int) -> list[GroupTotal]:
    """Lines, households, persons and amount per village, in printing order (the subtotals
    of the PDF; the page count is known from them before any page is drawn)."""
    rows = s.connection().exec_driver_sql(
        "SELECT township_code, township_name, village_code, village_name, COUNT(*),"
        " COUNT(DISTINCT household_id), SUM(persons), SUM(amount_fen) FROM roster_lines"
        " WHERE roster_id = ? GROUP BY township_code, township_name, village_code, village_name ORDER BY MIN(seq)",
        (roster_id,))
    return [GroupTotal(*r) for r in rows]


@dataclass(frozen=True)
class LineItemView:
    kind: str
    amount_fen: int
    ref_line_id: int
    ref_roster_id: int
    ref_month: dt.date
    note: str


def line_items(s: Session, line_id: int) -> list[LineItemView]:
    rows = s.execute(text(
        "SELECT i.kind, i.amount_fen, i.ref_line_id, r.id, r.month, i.note"
        " FROM roster_line_items AS i JOIN roster_lines AS l ON l.id = i.ref_line_id"
        " JOIN rosters AS r ON r.id = l.roster_id WHERE i.line_id = :line ORDER BY i.id"),
        {"line": line_id})
    return [LineItemView(k, a, ref, rid, dt.date.fromisoformat(str(m)[:10]), n)
            for k, a, ref, rid, m, n in rows]


# --- helpers ------------------------------------------------------------------------------


def _roster(s: Session, roster_id: int) -> Roster:
    r = s.get(Roster, roster_id)
    if r is None:
        raise NotFoundError("roster", roster_id, "花名册")
    return r


def _refuse_frozen(r: Roster, action_en: str, action_zh: str) -> None:
    if r.status == "approved":
        raise StateError(
            f"roster {r.id} is approved and frozen: cannot {action_en}; record an adjustment, "
            "which the next roster pays",
            f"花名册 {r.id} 已审批并锁定，不能{action_zh}；请登记调整（补发/扣减），在下期花名册中发放")


def _area_code_prefix(area: Area) -> str:
    return code_prefix(area.code, area.level)


def default_title(area: Area, kind: str, program: str, month: dt.date,
                  residence_class: str | None, purpose: str = "",
                  pay_date: dt.date | None = None) -> str:
    cls = CLASS_ZH.get(residence_class or "", "")
    if kind == "one_time":
        # "商丘市2022年一次性生活补贴发放花名册（2022年11月5日发放）": two one-time rosters
        # of an area differ by what they pay for and when.
        day = pay_date or month
        return (f"{area.name}{cls}{purpose.strip() or PROGRAM_ZH['one_time']}发放花名册"
                f"（{day.year}年{day.month}月{day.day}日发放）")
    return f"{area.name}{month.year}年{month.month}月{cls}{PROGRAM_ZH[program]}发放花名册"


def default_office(area: Area) -> str:
    return f"{area.name}人民政府" if area.level == "township" else f"{area.name}民政局"


@contextlib.contextmanager
def interruptible(s: Session, cancel: CancelToken | None) -> Iterator[None]:
    """Let ``cancel`` interrupt a long SQL statement (SQLite's progress handler), turning
    the interruption into :class:`~assistcase.errors.Cancelled`."""
    if cancel is None:
        yield
        return
    if s.connection().dialect.name == "postgresql":
        with pg_interruptible(s, cancel):
            yield
        cancel.check()
        return
    raw = s.connection().connection.dbapi_connection
    raw.set_progress_handler(lambda: 1 if cancel.cancelled else 0, 20_000)
    try:
        yield
    except OperationalError as exc:
        if cancel.cancelled and isinstance(exc.orig, sqlite3.OperationalError):
            raise Cancelled() from exc
        raise
    finally:
        raw.set_progress_handler(None, 0)
    cancel.check()


@contextlib.contextmanager
def pg_interruptible(s: Session, cancel: CancelToken) -> Iterator[None]:
    """PostgreSQL: a watcher thread cancels the running statement on the server (libpq's
    cancel request) as soon as ``cancel`` is set; the statement fails with QueryCanceled and
    the caller's transaction is rolled back (:class:`~assistcase.errors.Cancelled`)."""
    import threading

    raw = s.connection().connection.dbapi_connection
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            if cancel.cancelled:
                raw.cancel()
                return

    watcher = threading.Thread(target=watch, name="cancel-watcher", daemon=True)
    watcher.start()
    try:
        yield
    except OperationalError as exc:
        if cancel.cancelled and getattr(exc.orig, "sqlstate", None) == "57014":
            raise Cancelled() from exc
        raise
    finally:
        done.set()
        watcher.join()


def _pg_failed(conn) -> bool:
    """PostgreSQL: the transaction already failed (a statement in it raised): nothing more
    can run in it until the rollback, which also empties what it wrote."""
    from psycopg.pq import TransactionStatus

    return conn.connection.dbapi_connection.info.transaction_status == TransactionStatus.INERROR


def check_roster_area(s: Session, area_id: object, errors: list[FieldError]) -> Area | None:
    area = s.get(Area, area_id) if isinstance(area_id, int) else None
    if area is None:
        errors.append(FieldError("area_id", "choose the area of the roster", "请选择花名册的区划"))
        return None
    if area.level not in ROSTER_AREA_LEVELS:
        errors.append(FieldError("area_id",
                                 f"a roster is for a township, county or city, not {area.level}",
                                 f"花名册的范围应为乡镇、县（区）或市，不能是{area.name}"))
    return area


def _overlapping(s: Session, kind: str, program: str, month: dt.date, area: Area,
                 residence_class: str | None, exclude: int | None = None) -> Roster | None:
    """An existing roster of the same kind, program and month whose area and class overlap."""
    mine = code_prefix(area.code, area.level)
    for r in s.scalars(select(Roster).where(Roster.kind == kind, Roster.program == program,
                                            Roster.month == month)):
        if r.id == exclude:
            continue
        if residence_class and r.residence_class and residence_class != r.residence_class:
            continue
        theirs = _area_code_prefix(s.get(Area, r.area_id))
        if theirs.startswith(mine) or mine.startswith(theirs):
            return r
    return None


# --- building -----------------------------------------------------------------------------

_INSERT_COLUMNS = ("roster_id, seq, category, residence_class, case_id, household_id, person_id,"
                   " household_number, township_code, township_name, village_code, village_name,"
                   " payee_name, id_number, account_type, account_number, bank_name,"
                   " household_size, persons, standard_fen, income_fen, base_fen, adjust_fen,"
                   " amount_fen, remark")

# One line per paying case of the month: the household head is the dibao payee, the person
# the extreme-hardship payee; the household's account is paid. ``{order}`` numbers the lines
# (the sequence number, in printing order): a window function on PostgreSQL; on SQLite the
# lines' order is written first into a small temporary table (_MONTHLY_ORDER_SQL, whose rowid
# is the sequence number) and the lines are inserted in that order. SQLite's window function
# sorted and copied the wide rows of a city's 179,224 lines (issue 20: about a quarter of the
# statement's CPU time); the temporary table sorts only the keys.
_MONTHLY_FROM = """
JOIN households AS h ON h.id = e.household_id
JOIN areas AS v ON v.id = h.village_id
JOIN areas AS t ON t.id = v.parent_id"""
_MONTHLY_WHERE = """
WHERE e.month = :month AND e.program = :program AND v.code LIKE :prefix AND e.amount_fen > 0
  AND (:cls IS NULL OR h.residence_class = :cls)"""
_MONTHLY_LINES_SQL = f"""
INSERT INTO roster_lines ({_INSERT_COLUMNS})
SELECT :roster_id, {{seq}},
       e.program, h.residence_class, e.case_id, h.id, pe.id, h.number, t.code, t.name, v.code,
       v.name, COALESCE(pe.name, h.head_name), COALESCE(pe.id_number, ''), h.account_type,
       h.account_number, h.bank_name, e.household_size, e.covered_members, e.standard_fen,
       e.household_income_fen, e.amount_fen, 0, e.amount_fen, ''
FROM {{source}}{_MONTHLY_FROM}
JOIN assistance_cases AS c ON c.id = e.case_id
LEFT JOIN persons AS pe ON pe.id = CASE WHEN e.program = 'tekun' THEN c.person_id
                                        ELSE h.head_person_id END{_MONTHLY_WHERE}
"""
_MONTHLY_ORDER = "ORDER BY t.code, v.code, h.number, e.case_id"
# PostgreSQL: the entitlements just recomputed, copied by the recalculation's own INSERT
# (recalc.recalculate_in, keep_paid_in) and analysed: the table's statistics do not know the
# month's rows yet (it took 179,224 for 3 and probed households, villages, cases and persons
# once a line; issue 14), the copy's do; and the month's rows are not looked up again.
_MONTHLY_LINES_PG = _MONTHLY_LINES_SQL.format(seq=f"ROW_NUMBER() OVER ({_MONTHLY_ORDER})",
                                              source="roster_entitlements AS e")
_MONTHLY_ORDER_SQL = f"""
INSERT INTO temp.roster_order (case_id)
SELECT e.case_id FROM entitlements AS e{_MONTHLY_FROM}{_MONTHLY_WHERE}
{_MONTHLY_ORDER}"""
# the cases in their order (CROSS JOIN: SQLite keeps the order written), each its entitlement
_MONTHLY_LINES_SQLITE = _MONTHLY_LINES_SQL.format(
    seq="k.seq", source="temp.roster_order AS k CROSS JOIN entitlements AS e"
    ).replace("WHERE e.month = :month", "WHERE e.case_id = k.case_id AND e.month = :month")

# One line per paying case of the month for a one-time subsidy: the amount per person times
# the persons covered (a dibao case's covered members, an extreme-hardship case's person).
_ONE_TIME_LINES_SQL = f"""
INSERT INTO roster_lines ({_INSERT_COLUMNS})
SELECT :roster_id, ROW_NUMBER() OVER (ORDER BY t.code, v.code, h.number, c.id),
       c.program, h.residence_class, c.id, h.id, pe.id, h.number, t.code, t.name, v.code, v.name,
       COALESCE(pe.name, h.head_name), COALESCE(pe.id_number, ''), h.account_type,
       h.account_number, h.bank_name, CASE WHEN h.member_count > 1 THEN h.member_count ELSE 1 END, n.persons, :per_person, 0,
       :per_person * n.persons, 0, :per_person * n.persons, ''
FROM assistance_cases AS c
JOIN households AS h ON h.id = c.household_id
JOIN areas AS v ON v.id = h.village_id
JOIN areas AS t ON t.id = v.parent_id
JOIN (SELECT c2.id AS case_id,
             CASE WHEN c2.program = 'tekun' THEN 1
                  ELSE (SELECT COUNT(*) FROM case_members AS cm WHERE cm.case_id = c2.id
                          AND cm.covered_from <= :month
                          AND (cm.covered_until IS NULL OR cm.covered_until > :month)) END
             AS persons
      FROM assistance_cases AS c2
      WHERE c2.paid_from <= :month AND (c2.paid_until IS NULL OR c2.paid_until > :month)) AS n
  ON n.case_id = c.id
LEFT JOIN persons AS pe ON pe.id = CASE WHEN c.program = 'tekun' THEN c.person_id
                                        ELSE h.head_person_id END
WHERE c.program IN ({{programs}}) AND v.code LIKE :prefix AND n.persons > 0
  AND (:cls IS NULL OR h.residence_class = :cls)
"""

_RENUMBER_SQL = """
UPDATE roster_lines SET seq = x.rn
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY township_code, village_code, household_number,
                                             COALESCE(case_id, 0), id) AS rn
      FROM roster_lines WHERE roster_id = :roster_id) AS x
WHERE roster_lines.id = x.id AND roster_lines.seq <> x.rn
"""

TOTALS_SQL = """
UPDATE rosters SET (line_count, household_count, person_count, total_fen) = (
    SELECT COUNT(*), COUNT(DISTINCT household_id) + COUNT(*) - COUNT(household_id),
           COALESCE(SUM(persons), 0), COALESCE(SUM(amount_fen), 0)
    FROM roster_lines WHERE roster_id = :roster_id)
WHERE id = :roster_id
"""


@dataclass(frozen=True)
class _Carry:
    kind: str           # supplement / deduction / reissue
    amount_fen: int
    ref_line_id: int
    adjustment_id: int | None
    note: str


def _pending_carryovers(s: Session, roster: Roster, prefix: str,
                        categories: tuple[str, ...]) -> list[tuple[_Carry, LineRow]]:
    """Failed payments not yet reissued and adjustments not yet paid, of lines of the same
    categories, area and class as ``roster``, oldest first."""
    params = {"prefix": prefix + "%", "cls": roster.residence_class, "roster_id": roster.id}
    cats = ", ".join(f"'{c}'" for c in categories)
    where = (f"l.category IN ({cats}) AND (l.village_code LIKE :prefix OR"
             " (l.village_code = '' AND l.township_code LIKE :prefix))"
             " AND (:cls IS NULL OR l.residence_class = :cls) AND l.roster_id <> :roster_id")
    cols = ", ".join(f"l.{c}" for c in LINE_COLUMNS)
    out: list[tuple[_Carry, LineRow]] = []
    for row in s.execute(text(
            f"SELECT r.month, {cols} FROM payment_results AS pr"
            " JOIN roster_lines AS l ON l.id = pr.line_id JOIN rosters AS r ON r.id = l.roster_id"
            f" WHERE pr.outcome = 'failed' AND {where} AND NOT EXISTS"
            " (SELECT 1 FROM roster_line_items AS i WHERE i.kind = 'reissue'"
            "  AND i.ref_line_id = l.id) ORDER BY l.id"), params):
        line = LineRow(*row[1:])
        out.append((_Carry("reissue", line.amount_fen, line.id, None,
                           f"重发{_month_zh(row[0])}"), line))
    for row in s.execute(text(
            f"SELECT a.id, a.amount_fen, a.reason, r.month, {cols} FROM roster_adjustments AS a"
            " JOIN roster_lines AS l ON l.id = a.original_line_id"
            " JOIN rosters AS r ON r.id = l.roster_id"
            f" WHERE {where} AND NOT EXISTS"
            " (SELECT 1 FROM roster_line_items AS i WHERE i.adjustment_id = a.id)"
            " ORDER BY a.id"), params):
        adj_id, amount, reason, month = row[:4]
        line = LineRow(*row[4:])
        kind = "supplement" if amount > 0 else "deduction"
        out.append((_Carry(kind, amount, line.id, adj_id,
                           f"{ITEM_ZH[kind]}{_month_zh(month)}"), line))
    return out


def _month_zh(value: object) -> str:
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{day.year}年{day.month}月"


def _payee_key(line: LineRow) -> tuple[str, int] | None:
    """What identifies the payee of ``line`` across rosters: its case, aid case or person."""
    if line.case_id is not None:
        return ("case_id", line.case_id)
    if line.aid_case_id is not None:
        return ("aid_case_id", line.aid_case_id)
    if line.person_id is not None:
        return ("person_id", line.person_id)
    return None


def _targets(s: Session, roster_id: int,
             keys: set[tuple[str, int]]) -> dict[tuple[str, int], list[int]]:
    """This roster's line (id, amount) for each payee key, in one query per kind of key."""
    import json

    out: dict[tuple[str, int], list[int]] = {}
    for column in ("case_id", "aid_case_id", "person_id"):
        values = sorted(v for k, v in keys if k == column)
        if not values:
            continue
        if s.get_bind().dialect.name == "postgresql":  # an array parameter
            wanted, param = f"{column} = ANY(:values)", values
        else:  # one JSON parameter: a city's keys exceed SQLite's parameter limit
            wanted, param = f"{column} IN (SELECT value FROM json_each(:values))", \
                json.dumps(values)
        rows = s.execute(text(
            f"SELECT l.{column}, l.id, l.amount_fen FROM roster_lines AS l WHERE l.id IN ("
            f"SELECT MIN(id) FROM roster_lines WHERE roster_id = :r AND {wanted}"
            f" GROUP BY {column})"),
            {"r": roster_id, "values": param})
        for value, line_id, amount in rows:
            out[(column, value)] = [line_id, amount]
    return out


def carry_in(s: Session, roster: Roster, prefix: str,
             categories: tuple[str, ...]) -> tuple[int, int, int]:
    """Add pending reissues and adjustments to the roster, each on this roster's line for the
    same payee (a new line of its own when there is none). Returns (reissues, adjustments,
    deferred deductions). A deduction larger than what the payee is paid in this roster
    stays pending for a later one. A handful of statements whatever the number of items."""
    reissues = adjustments = deferred = 0
    carries = _pending_carryovers(s, roster, prefix, categories)
    if not carries:
        return 0, 0, 0
    targets = _targets(s, roster.id, {k for _, line in carries
                                      if (k := _payee_key(line)) is not None})
    items: list[dict] = []
    delta: dict[int, int] = {}
    notes: dict[int, list[str]] = {}
    added = False
    for carry, line in carries:
        key = _payee_key(line)
        target = targets.get(key) if key is not None else None
        if target is None:
            if carry.amount_fen < 0:
                deferred += 1
                continue
            target = [_new_line_from(s, roster, line), 0]
            if key is not None:
                targets[key] = target
            added = True
        elif target[1] + carry.amount_fen < 0:
            deferred += 1
            continue
        line_id = target[0]
        target[1] += carry.amount_fen
        items.append({"line_id": line_id, "kind": carry.kind, "amount_fen": carry.amount_fen,
                      "ref_line_id": carry.ref_line_id, "adjustment_id": carry.adjustment_id,
                      "note": carry.note})
        delta[line_id] = delta.get(line_id, 0) + carry.amount_fen
        notes.setdefault(line_id, []).append(f"{carry.note}{yuan(abs(carry.amount_fen))}元")
        if carry.kind == "reissue":
            reissues += 1
        else:
            adjustments += 1
    if items:
        s.execute(insert(RosterLineItem), items)
        s.execute(text("UPDATE roster_lines SET adjust_fen = adjust_fen + :a,"
                       " amount_fen = amount_fen + :a, remark = :r WHERE id = :id"),
                  [{"a": a, "r": "；".join(notes[i])[:200], "id": i} for i, a in delta.items()])
    if added:
        s.execute(text(_RENUMBER_SQL), {"roster_id": roster.id})
    return reissues, adjustments, deferred


def _new_line_from(s: Session, roster: Roster, line: LineRow) -> int:
    """A line in ``roster`` for the payee of an earlier ``line`` that has no line of its own
    this time (the case ended, or a one-time subsidy): base 0, paid only its items. The
    account is taken afresh from the household (a failed payment is usually a wrong
    account, corrected since), else the earlier line's."""
    account = (line.account_type, line.account_number, line.bank_name)
    if line.household_id is not None:
        row = s.execute(text("SELECT account_type, account_number, bank_name FROM households"
                             " WHERE id = :id"), {"id": line.household_id}).first()
        if row is not None and row[1]:
            account = tuple(row)
    new = RosterLine(roster_id=roster.id, seq=0, category=line.category,
                     residence_class=line.residence_class, case_id=line.case_id,
                     aid_case_id=line.aid_case_id, household_id=line.household_id,
                     person_id=line.person_id, household_number=line.household_number,
                     township_code=line.township_code, township_name=line.township_name,
                     village_code=line.village_code, village_name=line.village_name,
                     payee_name=line.payee_name, id_number=line.id_number,
                     account_type=account[0], account_number=account[1], bank_name=account[2],
                     household_size=line.household_size, persons=0,
                     standard_fen=0, income_fen=0, base_fen=0, adjust_fen=0, amount_fen=0,
                     remark="")
    s.add(new)
    s.flush()
    return new.id


@dataclass
class MonthlyRosterInput:
    """A month's roster of one program for an area. ``residence_class`` None: urban and rural
    together."""

    area_id: int
    month: dt.date
    program: str = "dibao"
    residence_class: str | None = None
    title: str = ""
    issuing_office: str = ""
    note: str = ""


def _validate_monthly(s: Session, data: MonthlyRosterInput) -> Area:
    errors: list[FieldError] = []
    area = check_roster_area(s, data.area_id, errors)
    if not isinstance(data.month, dt.date):
        errors.append(FieldError("month", "choose the month", "请选择发放月份"))
    if data.program not in ("dibao", "tekun"):
        errors.append(FieldError("program", "the program must be dibao or tekun",
                                 "救助项目应为低保或特困"))
    if data.residence_class not in (None, "urban", "rural"):
        errors.append(FieldError("residence_class", "the class must be urban, rural or both",
                                 "城乡类别应为城市、农村或全部"))
    if errors:
        raise ValidationError(errors)
    return area


@requires("roster.build", area="data.area_id")
def build_monthly_roster(db: Database, actor: str | int, data: MonthlyRosterInput,
                         progress: ProgressFn | None = None,
                         cancel: CancelToken | None = None) -> BuildResult:
    """Build a draft roster for a month, a program and an area, all or nothing. Refused if a
    roster of the same month and program already covers part of the area (rebuild or
    discard that one instead)."""
    report = progress or (lambda _f, _m: None)
    with db.begin() as s:
        user = resolve_user(s, actor)
        area = _validate_monthly(s, data)
        month = first_of_month(data.month)
        other = _overlapping(s, "monthly", data.program, month, area, data.residence_class)
        if other is not None:
            raise StateError(
                f"a {PROGRAM_EN[data.program]} roster for {month:%Y-%m} already covers this "
                f"area: roster {other.id} ({other.title}); rebuild or discard it instead",
                f"{month.year}年{month.month}月已有覆盖该区划的花名册：{other.id}（{other.title}），"
                "请重新生成或作废该花名册")
        roster = Roster(kind="monthly", program=data.program,
                        residence_class=data.residence_class, month=month, area_id=area.id,
                        title=data.title.strip() or default_title(area, "monthly", data.program,
                                                                  month, data.residence_class),
                        issuing_office=data.issuing_office.strip() or default_office(area),
                        categories=data.program, note=data.note, status="draft",
                        built_by=user.id, built_by_name=user.display_name or user.username)
        s.add(roster)
        s.flush()
        result = _fill(s, user, roster, area, report, cancel)
        Auditor(s, user).note("build", "roster", roster.id,
                              f"built {roster.title}: {result.lines} lines, {result.total_fen} fen")
    report(1.0, "done 完成")
    return result


# --- the build engine: one skeleton, a line source per kind ---------------------------------


@dataclass(frozen=True)
class LinesWritten:
    """What a line source reports after writing a roster's base lines."""

    cases: int = 0     # lines written from the source (cases paid)
    skipped: int = 0   # what it could not pay (no standard in force; an incomplete file)


class LineSource:
    """What one kind of roster pays (发放对象): writes the roster's base lines with one
    set-based ``INSERT … SELECT`` and names the categories whose reissues and adjustments the
    roster carries in (none for a one-time subsidy). The engine (:func:`fill_roster`) does the
    rest, the same for every kind."""

    carry_categories: tuple[str, ...] = ()

    def write_lines(self, s: Session, user: User, roster: Roster, area: Area, prefix: str,
                    report: ProgressFn, cancel: CancelToken | None) -> LinesWritten:
        raise NotImplementedError


class MonthlyLines(LineSource):
    """A month of a monthly program (低保 / 特困): the area's entitlements of the month are
    recomputed, then one line per paying case."""

    def __init__(self, program: str):
        self.program = program
        self.carry_categories = (program,)

    def write_lines(self, s, user, roster, area, prefix, report, cancel) -> LinesWritten:
        pg = s.get_bind().dialect.name == "postgresql"
        params = {"roster_id": roster.id, "month": roster.month.isoformat(),
                  "program": self.program, "prefix": prefix + "%",
                  "cls": roster.residence_class}
        if pg:   # the recalculation copies the rows that pay into it (see below)
            conn = s.connection()
            conn.exec_driver_sql("DROP TABLE IF EXISTS pg_temp.roster_entitlements")
            conn.exec_driver_sql("CREATE TEMP TABLE roster_entitlements (LIKE entitlements)"
                                 " ON COMMIT DROP")
        # Nothing the computation reads has changed since the month's entitlements of this
        # area and program were computed (migration 0030): they are paid as they are. Else
        # they are computed again, here, with the lines.
        current = current_entitlements(s, roster.month, area.id, self.program)
        if current is not None:
            if pg and current.cases:
                city_scale(s)
                with no_nested_loops(s):
                    s.execute(text(_CURRENT_PG), params)
            Auditor(s, user).note(
                "reuse", "entitlement", area.id,
                f"{self.program} entitlements of {area.name} for {roster.month:%Y-%m} paid as"
                f" computed: {current.cases} cases, nothing they are computed from has"
                " changed since")
            computed, skipped = current.cases, current.skipped
            report(0.4, "entitlements unchanged since computed 保障金计算后无变动，直接使用")
        else:
            rec = recalculate_in(s, user, area, roster.month, lambda f, m: report(f * 0.5, m),
                                 cancel, program=self.program,
                                 keep_paid_in="roster_entitlements" if pg else None)
            computed, skipped = rec.cases, rec.skipped_no_standard
        report(0.5, "lines 生成明细")
        if pg:
            cases = _insert_monthly_lines_pg(s, params) if computed else 0
        else:
            cases = _insert_monthly_lines_sqlite(s, params)
        # DOMAIN §9: payments held by an open payment review (暂停发放), and held payments
        # released since, as supplements the engine carries in
        from .monitoring import hold_lines, release_held

        hold_lines(s, roster)
        release_held(s, user)
        return LinesWritten(cases, skipped)


# PostgreSQL: the month's current entitlements that pay, of the roster's area and program,
# copied as the recalculation would have copied them (keep_paid_in). Without nested loops:
# the table's statistics may not know the month's rows yet, and on an estimate of a few
# PostgreSQL rescanned the area's listed households once a row (minutes at city scale).
_CURRENT_PG = """
INSERT INTO roster_entitlements
SELECT e.* FROM entitlements AS e
WHERE e.month = CAST(:month AS DATE) AND e.program = :program AND e.amount_fen > 0
  AND e.household_id IN (SELECT h.id FROM households AS h JOIN areas AS v ON v.id = h.village_id
                         WHERE v.code LIKE :prefix OFFSET 0)
"""


def _insert_monthly_lines_pg(s: Session, params: dict) -> int:
    """PostgreSQL: the month's lines from the copy of the entitlements that pay which the
    recalculation wrote beside them (``roster_entitlements``), analysed first."""
    s.connection().exec_driver_sql("ANALYZE roster_entitlements")
    return s.execute(text(_MONTHLY_LINES_PG), params).rowcount


# SQLite: the trigger that keeps an approved roster's lines frozen on INSERT (migration 0005)
FROZEN_INSERT_TRIGGER = "trg_roster_lines_frozen_insert"


def _insert_monthly_lines_sqlite(s: Session, params: dict) -> int:
    """SQLite: the month's lines numbered through a temporary table of the cases in printing
    order (its rowid, 1, 2, …, is the sequence number: an empty table's rowids start at 1
    and follow the order rows are inserted in, here the SELECT's ORDER BY).

    The roster's state is checked once for the statement, and the frozen-roster trigger is
    bypassed while it runs (dropped and re-created from its stored SQL inside this
    transaction, as the registry's bulk writer does: no other connection ever sees it
    missing, and a rollback restores it). A row trigger ran once a line and made SQLite copy
    the whole SELECT into a temporary table before inserting (issue 20: 0.45 of the city
    roster's 1.9 CPU seconds for its 179,224 lines)."""
    conn = s.connection()
    conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS roster_order"
                         " (seq INTEGER PRIMARY KEY, case_id INTEGER NOT NULL)")
    conn.exec_driver_sql("DELETE FROM temp.roster_order")
    try:
        s.execute(text(_MONTHLY_ORDER_SQL), params)
        # what the trigger checks for each line, once: the write lock is held, nobody
        # approves the roster before the lines are in
        _refuse_frozen(_roster(s, params["roster_id"]), "change its lines", "更改明细")
        with triggers_bypassed(conn, (FROZEN_INSERT_TRIGGER,)):
            return s.execute(text(_MONTHLY_LINES_SQLITE), params).rowcount
    finally:
        if conn.in_transaction():
            conn.exec_driver_sql("DELETE FROM temp.roster_order")


class OneTimeLines(LineSource):
    """A one-time subsidy: the amount per person times the persons covered, for every case
    of ``categories`` paid in the roster's month. Pays no carry-overs."""

    def __init__(self, categories: tuple[str, ...]):
        self.categories = categories

    def write_lines(self, s, user, roster, area, prefix, report, cancel) -> LinesWritten:
        programs = ", ".join(f"'{c}'" for c in self.categories)
        cases = s.execute(text(_ONE_TIME_LINES_SQL.format(programs=programs)),
                          {"roster_id": roster.id, "month": roster.month.isoformat(),
                           "per_person": roster.amount_per_person_fen, "prefix": prefix + "%",
                           "cls": roster.residence_class}).rowcount
        return LinesWritten(cases)


def line_source(roster: Roster) -> LineSource:
    """The line source of a monthly or one-time roster (the temporary-aid roster's is
    :class:`assistcase.services.aid_roster.TempAidLines`)."""
    if roster.kind == "monthly":
        return MonthlyLines(roster.program)
    if roster.kind == "one_time":
        return OneTimeLines(tuple(roster.categories.split(",")))
    raise StateError(f"roster kind {roster.kind} is built by its own service",
                     "该类花名册由其专门功能生成")


@dataclass(frozen=True)
class EngineResult:
    lines: int
    total_fen: int
    cases: int
    reissues: int
    adjustments: int
    deferred_deductions: int
    skipped: int


def fill_roster(s: Session, user: User, roster: Roster, area: Area, source: LineSource,
                report: ProgressFn, cancel: CancelToken | None) -> EngineResult:
    """The build engine, inside the caller's write transaction: the source writes the base
    lines, pending reissues and adjustments of its categories are carried in, the roster's
    totals are counted. Long statements can be cancelled (:func:`interruptible`)."""
    prefix = code_prefix(area.code, area.level)
    # The connection's own page cache (db.py, 64 MiB). A 256 MiB one for these statements
    # (once measured halving the lines' INSERT … SELECT) is no faster since the month is
    # computed and the lines copied by set-based statements, at twice the peak memory (the
    # city's dibao roster, alternating runs: 3.30-3.56 s against 3.52-4.06 s, peak 150
    # against 350 MB; a 2 MB cache 3.27-3.37 s, 69 MB)
    with interruptible(s, cancel):
        written = source.write_lines(s, user, roster, area, prefix, report, cancel)
        report(0.8, "carry-overs 补发与重发")
        if cancel is not None:
            cancel.check()
        categories = source.carry_categories
        reissues, adjustments, deferred = (carry_in(s, roster, prefix, categories)
                                           if categories else (0, 0, 0))
        s.execute(text(TOTALS_SQL), {"roster_id": roster.id})
    s.refresh(roster)
    return EngineResult(roster.line_count, roster.total_fen, written.cases, reissues,
                        adjustments, deferred, written.skipped)


def _fill(s: Session, user: User, roster: Roster, area: Area, report: ProgressFn,
          cancel: CancelToken | None) -> BuildResult:
    """Build a monthly or one-time roster's lines through the engine."""
    r = fill_roster(s, user, roster, area, line_source(roster), report, cancel)
    return BuildResult(roster.id, r.lines, r.total_fen, r.reissues, r.adjustments,
                       r.deferred_deductions, r.skipped)


@dataclass
class OneTimeInput:
    """A one-time subsidy (一次性生活补贴): ``amount_per_person_fen`` to every person covered
    by a case of ``categories`` paid in the month of ``pay_date`` (seed 002: 210 yuan to each
    dibao and extreme-hardship person). ``purpose`` (用途, e.g. 2022年一次性生活补贴 or
    春节慰问金) is required: a purpose is paid to a person once."""

    area_id: int
    pay_date: dt.date
    amount_per_person_fen: int
    categories: tuple[str, ...] = ("dibao", "tekun")
    residence_class: str | None = None
    title: str = ""
    issuing_office: str = ""
    note: str = ""
    purpose: str = ""


PURPOSE_MAX = 60


def purpose_key(purpose: str) -> str:
    """A purpose as two rosters' purposes are compared: without any spaces."""
    return "".join(purpose.split())


def one_time_duplicate(s: Session, area: Area, purpose: str, categories: tuple[str, ...],
                       residence_class: str | None,
                       exclude: int | None = None) -> Roster | None:
    """An existing one-time roster that pays ``purpose`` to some of the same persons: the
    same purpose (spaces aside), its area the same as ``area`` or above or below it, a
    category and a residence class in common (None: both classes). A discarded roster is
    deleted, so it never counts; ``exclude`` is the roster itself when it is rebuilt."""
    key = purpose_key(purpose)
    mine = code_prefix(area.code, area.level)
    for r in s.scalars(select(Roster).where(Roster.kind == "one_time").order_by(Roster.id)):
        if r.id == exclude or purpose_key(r.purpose) != key:
            continue
        if residence_class and r.residence_class and residence_class != r.residence_class:
            continue
        if not set(categories) & set(r.categories.split(",")):
            continue
        theirs = _area_code_prefix(s.get(Area, r.area_id))
        if theirs.startswith(mine) or mine.startswith(theirs):
            return r
    return None


def refuse_duplicate_one_time(s: Session, data: OneTimeInput) -> None:
    """Raise :class:`~assistcase.errors.DuplicateRosterError` (on the field ``purpose``) when
    a one-time roster already pays ``data.purpose`` to some of the persons ``data`` would
    cover. The build calls it inside its write transaction; the dialog calls it first to
    show the refusal next to the purpose."""
    area = s.get(Area, data.area_id) if isinstance(data.area_id, int) else None
    purpose = (data.purpose or "").strip()
    if area is None or not purpose_key(purpose):
        return
    cats = tuple(dict.fromkeys(data.categories))
    other = one_time_duplicate(s, area, purpose, cats, data.residence_class)
    if other is not None:
        raise DuplicateRosterError("purpose", purpose, other.id, other.title, other.status,
                                   STATUS_ZH[other.status])


@requires("roster.build", area="data.area_id")
def build_one_time_roster(db: Database, actor: str | int, data: OneTimeInput,
                          progress: ProgressFn | None = None,
                          cancel: CancelToken | None = None) -> BuildResult:
    """Build a draft one-time subsidy roster, all or nothing. Refused when a one-time roster
    of the same purpose already covers some of the same persons (same or overlapping area,
    a category and a class in common), naming it: a purpose is paid once."""
    report = progress or (lambda _f, _m: None)
    with db.begin() as s:
        user = resolve_user(s, actor)
        errors: list[FieldError] = []
        area = check_roster_area(s, data.area_id, errors)
        if not isinstance(data.pay_date, dt.date):
            errors.append(FieldError("pay_date", "give the payment date", "请填写发放日期"))
        purpose = data.purpose.strip() if isinstance(data.purpose, str) else ""
        if not purpose_key(purpose):
            errors.append(FieldError("purpose", "give the purpose of the subsidy (e.g. "
                                     "2022年一次性生活补贴)",
                                     "请填写补贴用途（如：2022年一次性生活补贴）"))
        elif len(purpose) > PURPOSE_MAX:
            errors.append(FieldError("purpose",
                                     f"the purpose is at most {PURPOSE_MAX} characters",
                                     f"补贴用途不能超过{PURPOSE_MAX}个字"))
        amount = data.amount_per_person_fen
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= 10_000_00:
            errors.append(FieldError("amount_per_person_fen",
                                     "the amount per person must be from 0.01 to 10,000 yuan",
                                     "每人补贴金额应在0.01元至10000元之间"))
        cats = tuple(dict.fromkeys(data.categories))
        if not cats or any(c not in ("dibao", "tekun") for c in cats):
            errors.append(FieldError("categories", "choose dibao and/or tekun",
                                     "请选择低保和/或特困对象"))
        if data.residence_class not in (None, "urban", "rural"):
            errors.append(FieldError("residence_class", "the class must be urban, rural or both",
                                     "城乡类别应为城市、农村或全部"))
        if errors:
            raise ValidationError(errors)
        # Inside the write transaction (BEGIN IMMEDIATE): two builds cannot both pass.
        refuse_duplicate_one_time(s, data)
        month = first_of_month(data.pay_date)
        roster = Roster(kind="one_time", program="one_time",
                        residence_class=data.residence_class, month=month, area_id=area.id,
                        title=data.title.strip() or default_title(
                            area, "one_time", "one_time", month, data.residence_class,
                            purpose=purpose, pay_date=data.pay_date),
                        issuing_office=data.issuing_office.strip() or default_office(area),
                        pay_date=data.pay_date, amount_per_person_fen=amount,
                        categories=",".join(cats), purpose=purpose, note=data.note,
                        status="draft", built_by=user.id, built_by_name=user.display_name or user.username)
        s.add(roster)
        s.flush()
        result = _fill(s, user, roster, area, report, cancel)
        Auditor(s, user).note("build", "roster", roster.id,
                              f"built {roster.title}: {result.lines} lines, {result.total_fen} fen")
    report(1.0, "done 完成")
    return result


@requires("roster.build", roster="roster_id")
def rebuild_roster(db: Database, actor: str | int, roster_id: int,
                   progress: ProgressFn | None = None,
                   cancel: CancelToken | None = None) -> BuildResult:
    """Build a draft (or reviewed) roster again from the registry as it is now; a reviewed
    roster goes back to draft."""
    report = progress or (lambda _f, _m: None)
    with db.begin() as s:
        user = resolve_user(s, actor)
        roster = _roster(s, roster_id)
        _refuse_frozen(roster, "rebuild it", "重新生成")
        if roster.kind not in ("monthly", "one_time"):
            raise StateError(f"roster kind {roster.kind} is rebuilt by its own service",
                             "该类花名册由其专门功能重新生成")
        area = s.get(Area, roster.area_id)
        s.execute(text("DELETE FROM roster_lines WHERE roster_id = :r"), {"r": roster.id})
        roster.status, roster.reviewed_by, roster.reviewed_at = "draft", None, None
        roster.built_by, roster.built_at = user.id, dt.datetime.now()
        roster.built_by_name, roster.reviewed_by_name = user.display_name or user.username, ""
        s.flush()
        result = _fill(s, user, roster, area, report, cancel)
        Auditor(s, user).note("rebuild", "roster", roster.id,
                              f"rebuilt {roster.title}: {result.lines} lines, "
                              f"{result.total_fen} fen")
    report(1.0, "done 完成")
    return result


# --- review, approval, discard -----------------------------------------------------------


@requires("roster.review", roster="roster_id")
def review_roster(db: Database, actor: str | int, roster_id: int) -> RosterView:
    """draft → reviewed (审核)."""
    with db.begin() as s:
        user = resolve_user(s, actor)
        r = _roster(s, roster_id)
        _refuse_frozen(r, "review it again", "再次审核")
        if r.status != "draft":
            raise StateError(f"roster {r.id} is {r.status}, not a draft",
                             f"花名册 {r.id} 状态为{STATUS_ZH[r.status]}，不是草稿")
        if r.line_count == 0:
            raise StateError(f"roster {r.id} has no lines", f"花名册 {r.id} 没有发放明细")
        separate(s, user, "sod_roster_review", r.area_id, {"builder": r.built_by}, "roster", r.id)
        r.status, r.reviewed_by, r.reviewed_at = "reviewed", user.id, dt.datetime.now()
        r.reviewed_by_name = user.display_name or user.username
        Auditor(s, user).updated("roster", r.id, "status", "draft", "reviewed")
        s.flush()
        return roster_view(s, r.id)


@requires(("roster.review", "roster.approve"), roster="roster_id")
def reopen_roster(db: Database, actor: str | int, roster_id: int, reason: str) -> RosterView:
    """reviewed → draft, with the reason (退回)."""
    if not reason or not reason.strip():
        raise ValidationError.single("reason", "give the reason for sending it back",
                                     "请填写退回原因")
    with db.begin() as s:
        user = resolve_user(s, actor)
        r = _roster(s, roster_id)
        _refuse_frozen(r, "send it back", "退回")
        if r.status != "reviewed":
            raise StateError(f"roster {r.id} is {r.status}, not reviewed",
                             f"花名册 {r.id} 状态为{STATUS_ZH[r.status]}，不是已审核")
        r.status, r.reviewed_by, r.reviewed_at = "draft", None, None
        r.reviewed_by_name = ""
        Auditor(s, user).updated("roster", r.id, "status", "reviewed", "draft")
        Auditor(s, user).note("reopen", "roster", r.id, reason.strip())
        s.flush()
        return roster_view(s, r.id)


@requires("roster.approve", roster="roster_id")
def approve_roster(db: Database, actor: str | int, roster_id: int) -> RosterView:
    """reviewed → approved (审批): the roster is frozen from now on. The database is backed
    up first (services/backups.py)."""
    from .backups import backup_before

    backup_before(db, "before-approval")
    with db.begin() as s:
        user = resolve_user(s, actor)
        r = _roster(s, roster_id)
        _refuse_frozen(r, "approve it again", "再次审批")
        if r.status != "reviewed":
            raise StateError(f"roster {r.id} must be reviewed before it is approved",
                             f"花名册 {r.id} 须先审核后审批")
        if r.kind == "one_time":
            # Two rosters of one purpose built before purposes were checked (migration 0009)
            # are not both paid: the second to be approved is refused.
            other = one_time_duplicate(s, s.get(Area, r.area_id), r.purpose,
                                       tuple(r.categories.split(",")), r.residence_class,
                                       exclude=r.id)
            if other is not None:
                raise DuplicateRosterError("purpose", r.purpose, other.id, other.title,
                                           other.status, STATUS_ZH[other.status])
        separate(s, user, "sod_roster_approve", r.area_id,
                 {"builder": r.built_by, "reviewer": r.reviewed_by}, "roster", r.id)
        r.status, r.approved_by, r.approved_at = "approved", user.id, dt.datetime.now()
        r.approved_by_name = user.display_name or user.username
        Auditor(s, user).updated("roster", r.id, "status", "reviewed", "approved")
        record_sums(s, r.id)  # frozen from now on: the statistics read these sums
        s.flush()
        return roster_view(s, r.id)


@requires("roster.build", roster="roster_id")
def discard_roster(db: Database, actor: str | int, roster_id: int, reason: str) -> None:
    """Delete a roster that is not approved (its lines with it); pending adjustments and
    reissues it had taken become pending again."""
    if not reason or not reason.strip():
        raise ValidationError.single("reason", "give the reason for discarding it",
                                     "请填写作废原因")
    with db.begin() as s:
        user = resolve_user(s, actor)
        r = _roster(s, roster_id)
        _refuse_frozen(r, "discard it", "作废")
        Auditor(s, user).note("discard", "roster", r.id,
                              f"discarded {r.title} ({r.line_count} lines, {r.total_fen} fen):"
                              f" {reason.strip()}")
        s.execute(text("DELETE FROM roster_lines WHERE roster_id = :r"), {"r": r.id})
        s.delete(r)


# --- changing lines -----------------------------------------------------------------------


@requires("roster.review", line="line_id")
def amend_line(db: Database, actor: str | int, line_id: int, base_fen: int,
               reason: str) -> LineRow:
    """Change the amount of a line of a draft roster (a reviewer's correction), with the
    reason. Refused once the roster is reviewed or approved."""
    errors = []
    if not isinstance(base_fen, int) or isinstance(base_fen, bool) or base_fen < 0:
        errors.append(FieldError("base_fen", "the amount must be zero or more (fen)",
                                 "金额不能为负数"))
    if not reason or not reason.strip():
        errors.append(FieldError("reason", "give the reason", "请填写原因"))
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        line = s.get(RosterLine, line_id)
        if line is None:
            raise NotFoundError("roster line", line_id, "花名册明细")
        r = _roster(s, line.roster_id)
        _refuse_frozen(r, "change its lines", "修改明细")
        if r.status != "draft":
            raise StateError(f"roster {r.id} is reviewed: send it back to draft first",
                             f"花名册 {r.id} 已审核，请先退回草稿再修改")
        if line.adjust_fen + base_fen < 0:
            raise ValidationError.single("base_fen", "the line would become negative",
                                         "调整后金额为负数")
        audit = Auditor(s, user)
        audit.updated("roster_line", line.id, "base_fen", line.base_fen, base_fen,
                      household_id=line.household_id)
        audit.note("amend", "roster_line", line.id, reason.strip(),
                   household_id=line.household_id)
        line.base_fen = base_fen
        line.amount_fen = base_fen + line.adjust_fen
        s.flush()
        s.execute(text(TOTALS_SQL), {"roster_id": r.id})
        return line_row(s, line.id)


@requires("roster.build", line="line_id")
def record_adjustment(db: Database, actor: str | int, line_id: int, amount_fen: int,
                      reason: str) -> int:
    """A correction of a line of an approved roster: ``amount_fen`` > 0 is paid in addition
    (补发), < 0 is withheld (扣减) by the next roster of the same program. A deduction cannot
    take back more than the line paid. Returns the adjustment's id."""
    errors = []
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen == 0:
        errors.append(FieldError("amount_fen",
                                 "the adjustment must be a non-zero amount in fen",
                                 "调整金额不能为零"))
    if not reason or not reason.strip():
        errors.append(FieldError("reason", "give the reason for the adjustment",
                                 "请填写调整原因"))
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        line = s.get(RosterLine, line_id)
        if line is None:
            raise NotFoundError("roster line", line_id, "花名册明细")
        r = _roster(s, line.roster_id)
        if r.status != "approved":
            raise StateError(
                f"roster {r.id} is not approved yet: change the line itself (or rebuild)",
                f"花名册 {r.id} 尚未审批，请直接修改明细或重新生成")
        if amount_fen < 0:
            taken = s.execute(text(
                "SELECT COALESCE(SUM(amount_fen), 0) FROM roster_adjustments"
                " WHERE original_line_id = :l AND amount_fen < 0"), {"l": line.id}).scalar_one()
            given = s.execute(text(
                "SELECT COALESCE(SUM(amount_fen), 0) FROM roster_adjustments"
                " WHERE original_line_id = :l AND amount_fen > 0"), {"l": line.id}).scalar_one()
            if line.amount_fen + given + taken + amount_fen < 0:
                most = line.amount_fen + given + taken
                raise ValidationError.single(
                    "amount_fen",
                    f"a deduction cannot exceed what the line paid: at most {yuan(most)} yuan",
                    f"扣减金额不能超过该明细已发金额，最多 {yuan(most)} 元")
        adj = Adjustment(original_line_id=line.id, amount_fen=amount_fen, reason=reason.strip(),
                         created_by=user.id)
        s.add(adj)
        s.flush()
        Auditor(s, user).created("roster_adjustment", adj.id,
                                 {"original_line_id": line.id, "amount_fen": amount_fen,
                                  "reason": adj.reason}, household_id=line.household_id)
        return adj.id


@dataclass(frozen=True)
class PendingItem:
    kind: str
    adjustment_id: int | None
    line_id: int
    roster_id: int
    month: dt.date
    payee_name: str
    village_name: str
    amount_fen: int
    reason: str


def pending_carryovers(s: Session, category: str | None = None) -> list[PendingItem]:
    """Failed payments not yet reissued and adjustments not yet paid, oldest first."""
    cat = "" if category is None else " AND l.category = :cat"
    out = []
    for row in s.execute(text(
            "SELECT 'reissue', NULL, l.id, r.id, r.month, l.payee_name, l.village_name,"
            " l.amount_fen, pr.reason FROM payment_results AS pr"
            " JOIN roster_lines AS l ON l.id = pr.line_id JOIN rosters AS r ON r.id = l.roster_id"
            f" WHERE pr.outcome = 'failed'{cat} AND NOT EXISTS (SELECT 1 FROM roster_line_items"
            " AS i WHERE i.kind = 'reissue' AND i.ref_line_id = l.id)"
            " UNION ALL"
            " SELECT CASE WHEN a.amount_fen > 0 THEN 'supplement' ELSE 'deduction' END, a.id,"
            " l.id, r.id, r.month, l.payee_name, l.village_name, a.amount_fen, a.reason"
            " FROM roster_adjustments AS a JOIN roster_lines AS l ON l.id = a.original_line_id"
            f" JOIN rosters AS r ON r.id = l.roster_id WHERE 1 = 1{cat} AND NOT EXISTS"
            " (SELECT 1 FROM roster_line_items AS i WHERE i.adjustment_id = a.id)"
            " ORDER BY 5, 3"), {"cat": category}):
        out.append(PendingItem(row[0], row[1], row[2], row[3],
                               dt.date.fromisoformat(str(row[4])[:10]), row[5], row[6], row[7],
                               row[8] or ""))
    return out


# --- bank results -------------------------------------------------------------------------


class PaymentOutcome(NamedTuple):
    """The bank's result for one line, as read from its return file (``where`` names the
    file and row for messages). A named tuple: a city's file makes 179,224 of them."""

    line_id: int
    outcome: str          # paid / failed
    reason: str = ""
    where: str = ""


@dataclass(frozen=True)
class ReturnsResult:
    bank_return_id: int
    paid: int
    failed: int
    paid_fen: int
    failed_fen: int
    unchanged: int


@requires("roster.build", roster="roster_id")
def record_bank_returns(db: Database, actor: str | int, roster_id: int, file_name: str,
                        sha256: str, outcomes: list[PaymentOutcome]) -> ReturnsResult:
    """Record the bank's outcomes for lines of an approved roster, all or nothing.

    A file already imported (same SHA-256) is refused. A line may get a result once; the
    same result again is ignored (a bank resending part of a file), a different one is
    refused unless the earlier one was 'failed' and the failed payment has not been
    reissued yet (the bank's late success): a payment is never both paid and reissued."""
    from ..models.rosters import BankReturn

    errors: list[FieldError] = []
    seen: dict[int, str] = {}
    for o in outcomes:
        where = o.where or f"line {o.line_id}"
        if o.outcome not in ("paid", "failed"):
            errors.append(FieldError(where, f"{where}: the result must be paid or failed",
                                     f"{where}：结果应为成功或失败"))
        if o.outcome == "failed" and not o.reason.strip():
            errors.append(FieldError(where, f"{where}: a failed payment needs its reason",
                                     f"{where}：失败记录须有失败原因"))
        if o.line_id in seen:
            errors.append(FieldError(where, f"{where}: the line appears twice in the file",
                                     f"{where}：同一明细在文件中出现两次"))
        seen[o.line_id] = o.outcome
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        r = _roster(s, roster_id)
        if r.status != "approved":
            raise StateError(f"roster {r.id} is not approved: the bank cannot have paid it",
                             f"花名册 {r.id} 尚未审批，不能导入银行回盘")
        if s.scalar(select(BankReturn.id).where(BankReturn.sha256 == sha256)) is not None:
            raise StateError(f"{file_name} has already been imported",
                             f"{file_name} 已导入过，不能重复导入")
        batch = BankReturn(roster_id=r.id, file_name=file_name, sha256=sha256,
                           imported_by=user.id)
        s.add(batch)
        s.flush()
        # Set-based: a city's return file has ~180,000 rows.
        conn = s.connection()
        # the outcomes by line; ``ord`` is the outcome's place in ``outcomes``, whose ``where``
        # names the file and row in a message (not written for each of a city's lines)
        conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS bank_outcomes (line_id INTEGER"
                             " PRIMARY KEY, outcome TEXT, reason TEXT, ord INTEGER)")
        conn.exec_driver_sql("DELETE FROM temp.bank_outcomes")
        try:
            if outcomes:
                conn.exec_driver_sql(
                    "INSERT INTO temp.bank_outcomes VALUES (?, ?, ?, ?)",
                    [(o.line_id, o.outcome, o.reason.strip(), n)
                     for n, o in enumerate(outcomes)])

            def place(n: int) -> str:
                return outcomes[n].where or f"line {outcomes[n].line_id}"

            for (n,) in conn.exec_driver_sql(
                    "SELECT o.ord FROM temp.bank_outcomes AS o LEFT JOIN roster_lines AS l"
                    " ON l.id = o.line_id AND l.roster_id = ? WHERE l.id IS NULL ORDER BY o.ord",
                    (r.id,)):
                where = place(n)
                errors.append(FieldError(where, f"{where}: no such line in roster {r.id}",
                                         f"{where}：花名册 {r.id} 中没有该明细"))
            for n, before, after, reissued in conn.exec_driver_sql(
                    "SELECT o.ord, pr.outcome, o.outcome, EXISTS (SELECT 1 FROM"
                    " roster_line_items AS i WHERE i.kind = 'reissue' AND i.ref_line_id ="
                    " o.line_id) FROM temp.bank_outcomes AS o JOIN payment_results AS pr"
                    " ON pr.line_id = o.line_id WHERE pr.outcome <> o.outcome"
                    " ORDER BY o.ord"):
                if before == "paid" or reissued:
                    where = place(n)
                    errors.append(FieldError(
                        where, f"{where}: already recorded as {before}"
                        + (" and reissued" if reissued else ""),
                        f"{where}：该明细已记录为{'成功' if before == 'paid' else '失败'}"
                        + ("并已重发" if reissued else "") + "，不能改为"
                        + ("成功" if after == "paid" else "失败")))
            if errors:
                raise ValidationError(errors)
            unchanged = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM temp.bank_outcomes AS o JOIN payment_results AS pr"
                " ON pr.line_id = o.line_id AND pr.outcome = o.outcome").scalar_one()
            conn.exec_driver_sql("DELETE FROM temp.bank_outcomes WHERE line_id IN (SELECT"
                                 " pr.line_id FROM payment_results AS pr JOIN"
                                 " temp.bank_outcomes AS o ON o.line_id = pr.line_id"
                                 " AND o.outcome = pr.outcome)")
            # a late success of a failed payment not yet reissued
            conn.exec_driver_sql(
                "UPDATE payment_results SET outcome = o.outcome, reason = o.reason,"
                " bank_return_id = ? FROM temp.bank_outcomes AS o"
                " WHERE payment_results.line_id = o.line_id", (batch.id,))
            conn.exec_driver_sql(
                "INSERT INTO payment_results (line_id, bank_return_id, outcome, reason)"
                " SELECT o.line_id, ?, o.outcome, o.reason FROM temp.bank_outcomes AS o"
                " WHERE NOT EXISTS (SELECT 1 FROM payment_results AS pr"
                " WHERE pr.line_id = o.line_id)", (batch.id,))
            counts = {outcome: (n, fen) for outcome, n, fen in conn.exec_driver_sql(
                "SELECT o.outcome, COUNT(*), SUM(l.amount_fen) FROM temp.bank_outcomes AS o"
                " JOIN roster_lines AS l ON l.id = o.line_id GROUP BY o.outcome")}
        finally:
            if conn.in_transaction() and not (conn.dialect.name == "postgresql"
                                              and _pg_failed(conn)):
                conn.exec_driver_sql("DELETE FROM temp.bank_outcomes")
        paid, paid_fen = counts.get("paid", (0, 0))
        failed, failed_fen = counts.get("failed", (0, 0))
        batch.paid_count, batch.failed_count = paid, failed
        batch.paid_fen, batch.failed_fen = paid_fen, failed_fen
        Auditor(s, user).note("bank_return", "roster", r.id,
                              f"{file_name}: {paid} paid ({paid_fen} fen), {failed} failed "
                              f"({failed_fen} fen), {unchanged} unchanged")
        s.flush()
        return ReturnsResult(batch.id, paid, failed, paid_fen, failed_fen, unchanged)
