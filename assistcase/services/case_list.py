"""The list of cases by state (救助审批), for the cases page: counts and ordered ids at city
scale (hundreds of thousands of cases), display rows fetched by id on demand.

Each case is in exactly one state, so the counts add up to the cases under the filter:

- ``application`` (申请中): applied, economic check or home investigation recorded;
- ``publicity`` (公示中): publicity recorded, its last day not yet past;
- ``awaiting_confirmation`` (待审核确认): publicity completed, not yet confirmed;
- ``review_due`` (待核查): active or suspended, review date reached (``as_of``);
- ``active`` (在保) and ``suspended`` (暂停): the others;
- ``ended`` (已终止): terminated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from ..errors import NotFoundError, ValidationError
from ..models import Area, AssistanceCase, Household, Person
from ..models.assistance import PROGRAMS
from .queries import _scalar_ints
from .sync_state import case_sync_states
from ..rules.areas import code_like
from .auth import reader, village_ids_in

CASE_STATES = ("application", "publicity", "awaiting_confirmation", "review_due", "active",
               "suspended", "ended")
STATE_LABELS = {
    "application": ("in application", "申请中"),
    "publicity": ("in publicity", "公示中"),
    "awaiting_confirmation": ("awaiting confirmation", "待审核确认"),
    "review_due": ("review due", "待核查"),
    "active": ("active", "在保"),
    "suspended": ("suspended", "暂停"),
    "ended": ("ended", "已终止"),
}


@dataclass(frozen=True)
class CaseFilter:
    area_id: int | None = None  # any level: the cases of households under it
    program: str | None = None  # 'dibao' or 'tekun'
    state: str | None = None  # one of CASE_STATES


def state_expression(as_of: dt.date):
    """The SQL expression of a case's state on ``as_of`` (see the module docstring)."""
    c = AssistanceCase
    return case(
        (c.status == "terminated", literal("ended")),
        (c.status.in_(("applied", "checked", "investigated")), literal("application")),
        (c.status == "publicity",
         case((c.publicity_end >= as_of, literal("publicity")),
              else_=literal("awaiting_confirmation"))),
        (c.next_review_on <= as_of, literal("review_due")),
        (c.status == "suspended", literal("suspended")),
        else_=literal("active"))


def _where(s: Session, stmt, flt: CaseFilter):
    scope = reader(s)   # the signed-in user's area only
    if not scope.everywhere:
        stmt = stmt.where(AssistanceCase.household_id.in_(
            select(Household.id).where(Household.village_id.in_(village_ids_in(s, scope)))))
    if flt.program is not None:
        if flt.program not in PROGRAMS:
            raise ValidationError.single("program", "the program is dibao or tekun",
                                         "救助项目应为低保或特困供养")
        stmt = stmt.where(AssistanceCase.program == flt.program)
    if flt.area_id is not None:
        area = s.get(Area, flt.area_id)
        if area is None:
            raise NotFoundError("area", flt.area_id, "区划")
        prefix = code_like(area.code, area.level)
        villages = select(Area.id).where(Area.level == "village", Area.code.like(prefix))
        outside = s.scalar(select(Area.id).where(Area.level == "village",
                                                 Area.code.not_like(prefix)).limit(1))
        if outside is not None:  # an area over every village (the city) needs no filter
            stmt = stmt.where(AssistanceCase.household_id.in_(
                select(Household.id).where(Household.village_id.in_(villages))))
    return stmt


def state_condition(state: str, as_of: dt.date):
    """The WHERE condition of one state on ``as_of``: the same partition as
    :func:`state_expression`, written so that SQLite can use the (status, next_review_on)
    index."""
    c = AssistanceCase
    not_due = or_(c.next_review_on.is_(None), c.next_review_on > as_of)
    return {
        "application": c.status.in_(("applied", "checked", "investigated")),
        "publicity": and_(c.status == "publicity", c.publicity_end >= as_of),
        "awaiting_confirmation": and_(c.status == "publicity",
                                      or_(c.publicity_end.is_(None), c.publicity_end < as_of)),
        "review_due": and_(c.status.in_(("active", "suspended")), c.next_review_on <= as_of),
        "active": and_(c.status == "active", not_due),
        "suspended": and_(c.status == "suspended", not_due),
        "ended": c.status == "terminated",
    }[state]


def case_counts(s: Session, flt: CaseFilter = CaseFilter(),
                as_of: dt.date | None = None) -> dict[str, int]:
    """The number of cases in each state under the area and program of ``flt`` (its state
    is ignored); every state is a key, zero included. Three index-backed counts (by status,
    review due, publicity still running) rather than one pass over every case."""
    as_of = as_of or dt.date.today()
    c = AssistanceCase
    base = CaseFilter(flt.area_id, flt.program)

    def by_status(*conds) -> dict[str, int]:
        stmt = _where(s, select(c.status, func.count()).select_from(c), base)
        return dict(s.execute(stmt.where(*conds).group_by(c.status)).all())

    status = by_status()
    due = by_status(state_condition("review_due", as_of))
    running = sum(by_status(state_condition("publicity", as_of)).values())
    return {
        "application": sum(status.get(k, 0) for k in ("applied", "checked", "investigated")),
        "publicity": running,
        "awaiting_confirmation": status.get("publicity", 0) - running,
        "review_due": sum(due.values()),
        "active": status.get("active", 0) - due.get("active", 0),
        "suspended": status.get("suspended", 0) - due.get("suspended", 0),
        "ended": status.get("terminated", 0),
    }


def case_ids(s: Session, flt: CaseFilter = CaseFilter(), as_of: dt.date | None = None,
             limit: int | None = None) -> list[int]:
    """Ids of the cases under ``flt``, newest first (ids only: rows are fetched lazily)."""
    stmt = _where(s, select(AssistanceCase.id), flt)
    if flt.state is not None:
        if flt.state not in CASE_STATES:
            raise ValidationError.single("state", f"the state is one of {', '.join(CASE_STATES)}",
                                         "请选择案件状态")
        stmt = stmt.where(state_condition(flt.state, as_of or dt.date.today()))
    stmt = stmt.order_by(AssistanceCase.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return _scalar_ints(s, stmt)


@dataclass(frozen=True)
class CaseRow:
    id: int
    program: str
    status: str
    state: str
    household_id: int
    household_number: str
    head_name: str
    person_name: str
    village: str
    applied_on: dt.date
    paid_from: dt.date | None
    next_review_on: dt.date | None
    sync: str = ""      # synced / pending / conflict; "" where no exchange is set up


def case_rows(s: Session, ids: list[int], as_of: dt.date | None = None) -> dict[int, CaseRow]:
    """Display rows of the given cases, by id."""
    if not ids:
        return {}
    c = AssistanceCase
    stmt = (select(c.id, c.program, c.status, state_expression(as_of or dt.date.today()),
                   Household.id, Household.number, Household.head_name,
                   func.coalesce(Person.name, ""), Area.name, c.applied_on, c.paid_from,
                   c.next_review_on)
            .join(Household, Household.id == c.household_id)
            .join(Area, Area.id == Household.village_id)
            .join(Person, Person.id == c.person_id, isouter=True)
            .where(c.id.in_(ids)))
    sync = case_sync_states(s, ids)
    return {r[0]: CaseRow(*r, sync.get(r[0], "")) for r in s.execute(stmt)}
