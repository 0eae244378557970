"""The caseworker's to-do list (待办, DOMAIN §8, §9): everything due in an area on a day.

One list from every source that asks a caseworker for something by a date:

- ``task``: open monitoring tasks (入户排查, eligibility checks, payment reviews);
- ``review``: periodic reviews (定期核查) overdue or due within 30 days;
- ``exit_review``: dibao cases flagged for exit review (退出核查) in the month computed;
- ``publicity``: publicity periods (公示) ending within 2 days or ended, waiting for
  confirmation;
- ``application``: applications still before confirmation after the township's time limit
  (``application_days`` working days, policy, default 15);
- ``aid_paperwork``: temporary aid paid first whose file is overdue (先行救助补齐材料).

Each item names the record it opens (``record`` + ``record_id``; ``household_id`` for the
household). Overdue items come first, then by due date. :func:`load_todo` opens its own read
session and returns plain frozen dataclasses for the UI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Date, bindparam, text
from sqlalchemy.orm import Session

from ..rules.aid import add_working_days
from ..db import Database
from ..errors import NotFoundError
from ..models import Area
from ..rules.areas import code_range
from ..rules.standards import first_of_month
from .areas import AreaChoice, scoped_areas
from .auth import reader
from .register import area_prefix
from .standards import policy_for

KINDS = ("task", "review", "exit_review", "publicity", "application", "aid_paperwork")
KIND_LABELS = {"task": ("monitoring task", "核查任务"),
               "review": ("periodic review", "定期核查"),
               "exit_review": ("exit review", "退出核查"),
               "publicity": ("publicity ending", "公示期满待确认"),
               "application": ("application past its time limit", "申请超期未办结"),
               "aid_paperwork": ("temporary aid: paperwork overdue", "临时救助补齐材料逾期")}
PUBLICITY_NOTICE_DAYS = 2
REVIEW_WITHIN_DAYS = 30


@dataclass(frozen=True)
class TodoItem:
    kind: str
    record: str            # task / case / aid: what opening the item shows
    record_id: int
    household_id: int | None
    who: str               # household number and head (or the aid payee)
    village: str
    what: str              # one line in Chinese
    due_on: dt.date | None
    overdue: bool

    def kind_label(self, lang: str = "zh") -> str:
        return KIND_LABELS[self.kind][1 if lang.startswith("zh") else 0]


@dataclass(frozen=True)
class TodoList:
    area_id: int
    area_name: str
    as_of: dt.date
    items: tuple[TodoItem, ...]

    def count(self, kind: str | None = None) -> int:
        return sum(1 for i in self.items if kind is None or i.kind == kind)

    @property
    def overdue(self) -> int:
        return sum(1 for i in self.items if i.overdue)

    def counts(self) -> dict[str, int]:
        return {k: self.count(k) for k in KINDS}


def todo_list(s: Session, area_id: int, as_of: dt.date, limit: int = 1000) -> TodoList:
    """Everything due under ``area_id`` (a township, usually) on ``as_of``; at most ``limit``
    items of each kind."""
    from .aid import overdue_paperwork
    from .case_review import exit_reviews_due
    from .monitoring import TASK_KIND_LABELS, open_tasks

    area = s.get(Area, area_id)
    if area is None:
        raise NotFoundError("area", area_id, "区划")
    reader(s, area_id=area_id)  # another area's list is refused, naming the area
    prefix = area_prefix(area)
    items: list[TodoItem] = []
    for t in open_tasks(s, area_id, limit=limit):
        items.append(TodoItem("task", "task", t.id, t.household_id,
                              f"{t.household_number} {t.head_name}", t.village,
                              f"{TASK_KIND_LABELS[t.kind][1]}：{t.rule_label_zh}"
                              + (f"（{t.person_name}）" if t.person_name else "")
                              + ("，暂停发放" if t.hold_payment else ""),
                              t.due_on, t.due_on < as_of))
    # Periodic reviews (as cases.reviews_due lists them), driven by the area's households:
    # a township's list reads its own cases only, whatever the size of the city. SQLite keeps
    # the CROSS JOIN order (areas by code range, households by village, cases by household);
    # ``status || ''`` keeps it off the city-wide (status, next_review_on) index, which it
    # would otherwise pick and scan for every household. The whole city reads that index.
    horizon = as_of + dt.timedelta(days=REVIEW_WITHIN_DAYS)
    low, high = code_range(area.code, area.level)
    if area.level in ("province", "city"):
        review_sql = ("SELECT c.id, c.program, h.id, h.number, h.head_name, v.name,"
                      " c.next_review_on FROM assistance_cases AS c"
                      " JOIN households AS h ON h.id = c.household_id"
                      " JOIN areas AS v ON v.id = h.village_id"
                      " WHERE c.status IN ('active', 'suspended')")
    else:
        review_sql = ("SELECT c.id, c.program, h.id, h.number, h.head_name, v.name,"
                      " c.next_review_on FROM areas AS v CROSS JOIN households AS h"
                      " CROSS JOIN assistance_cases AS c"
                      " WHERE h.village_id = v.id AND c.household_id = h.id"
                      " AND c.status || '' IN ('active', 'suspended')")
    for cid, program, hid, number, head, village, due in s.execute(text(
            review_sql + " AND v.level = 'village' AND v.code >= :low AND v.code < :high"
            " AND c.next_review_on <= :horizon ORDER BY c.next_review_on, c.id"
            + f" LIMIT {int(limit)}").bindparams(bindparam("horizon", type_=Date)),
            {"low": low, "high": high, "horizon": horizon}):
        due = _day(due)
        items.append(TodoItem("review", "case", cid, hid, f"{number} {head}", village,
                              f"{'低保' if program == 'dibao' else '特困'}案件 {cid} "
                              f"定期核查{'已逾期' if due < as_of else '将到期'}",
                              due, due < as_of))
    for r in exit_reviews_due(s, area_id, first_of_month(as_of), limit=limit):
        items.append(TodoItem("exit_review", "case", r.case_id, r.household_id,
                              f"{r.household_number} {r.head_name}", r.village,
                              f"低保案件 {r.case_id} 人均收入达到标准，待退出核查",
                              None, False))
    for cid, hid, number, head, village, end in s.execute(text(
            "SELECT c.id, h.id, h.number, h.head_name, v.name, c.publicity_end"
            " FROM assistance_cases AS c JOIN households AS h ON h.id = c.household_id"
            " JOIN areas AS v ON v.id = h.village_id WHERE c.status = 'publicity'"
            " AND c.publicity_end <= :horizon AND v.code LIKE :prefix"
            " ORDER BY c.publicity_end, c.id" + f" LIMIT {int(limit)}").bindparams(
                bindparam("horizon", type_=Date)),
            {"horizon": as_of + dt.timedelta(days=PUBLICITY_NOTICE_DAYS), "prefix": prefix}):
        end = _day(end)
        ready = end + dt.timedelta(days=1)
        items.append(TodoItem("publicity", "case", cid, hid, f"{number} {head}", village,
                              f"案件 {cid} 公示期至 {end}，" +
                              ("可审核确认" if ready <= as_of else f"{ready} 起可审核确认"),
                              ready, ready < as_of))
    limits: dict[tuple[int, dt.date], int] = {}
    for cid, hid, number, head, village, township, applied, status in s.execute(text(
            "SELECT c.id, h.id, h.number, h.head_name, v.name, v.parent_id, c.applied_on,"
            " c.status FROM assistance_cases AS c JOIN households AS h ON h.id = c.household_id"
            " JOIN areas AS v ON v.id = h.village_id"
            " WHERE c.status IN ('applied', 'checked', 'investigated')"
            " AND v.code LIKE :prefix ORDER BY c.applied_on, c.id"), {"prefix": prefix}):
        applied = _day(applied)
        key = (township, applied)
        if key not in limits:
            limits[key] = policy_for(s, township, applied).application_days
        deadline = add_working_days(applied, limits[key])
        if deadline < as_of:
            items.append(TodoItem("application", "case", cid, hid, f"{number} {head}", village,
                                  f"案件 {cid} 于 {applied} 申请，{limits[key]}个工作日时限已过"
                                  f"（{deadline}）", deadline, True))
    for f in overdue_paperwork(s, as_of, area_id)[:limit]:
        a = f.aid
        who = f"{a.household_number} {a.name}" if a.household_number else a.name
        items.append(TodoItem("aid_paperwork", "aid", a.id, a.household_id, who,
                              a.village_name, f"临时救助 {a.id} 已先行发放，材料应于 "
                              f"{f.deadline} 前补齐", f.deadline, True))
    far = dt.date.max
    items.sort(key=lambda i: (not i.overdue, i.due_on or far, KINDS.index(i.kind), i.record_id))
    return TodoList(area.id, area.name, as_of, tuple(items))


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def load_todo(db: Database, area_id: int, as_of: dt.date | None = None,
              limit: int = 1000) -> TodoList:
    """:func:`todo_list` in a read session of its own (for the UI and the command line)."""
    with db.read() as s:
        return todo_list(s, area_id, as_of or dt.date.today(), limit)


def todo_areas(db: Database) -> list[AreaChoice]:
    """The areas a to-do list is shown for, within the signed-in user's area: townships
    (and the counties and city above them), by code."""
    with db.read() as s:
        return scoped_areas(s)

