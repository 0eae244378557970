"""The temporary-aid roster (临时救助金发放花名册, DOMAIN §7): every approved, unpaid case
paid by bank of an area on one roster, built by the roster engine (:mod:`.rosters`) with its
own line source. Recording, approving and paying the cases is :mod:`.aid`'s.

Kept apart from :mod:`.aid` so that what reads temporary aid (the to-do list the window opens
on, the aid page) does not load the roster engine and the recalculation behind it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text

from ..db import Database
from ..errors import FieldError, StateError, ValidationError
from ..models.rosters import Roster
from ..progress import CancelToken, ProgressFn
from ..rules.standards import first_of_month
from ..sqldialect import sql_bool
from . import rosters as R
from .aid import _check_date
from .audit import Auditor, resolve_user
from .auth import requires

__all__ = ["AidRosterResult", "TempAidLines", "build_temp_aid_roster"]


@dataclass(frozen=True)
class AidRosterResult:
    roster_id: int
    lines: int
    total_fen: int
    cases: int                   # cases whose grant the roster pays
    reissues: int                # failed payments of earlier rosters paid again
    adjustments: int
    deferred_deductions: int
    skipped_incomplete: int      # approved expenditure cases waiting for a complete file


_AID_LINES_SQL = """
INSERT INTO roster_lines (roster_id, seq, category, residence_class, case_id, aid_case_id,
    household_id, person_id, household_number, township_code, township_name, village_code,
    village_name, payee_name, id_number, account_type, account_number, bank_name,
    household_size, persons, standard_fen, income_fen, base_fen, adjust_fen, amount_fen, remark)
SELECT :roster_id,
       ROW_NUMBER() OVER (ORDER BY t.code, COALESCE(v.code, ''), COALESCE(h.number, ''), a.id),
       'temp_aid', a.residence_class, NULL, a.id, a.household_id, a.person_id,
       COALESCE(h.number, ''), t.code, t.name, COALESCE(v.code, ''),
       COALESCE(v.name, '非在册人员'),
       a.name, a.id_number, a.account_type, a.account_number, a.bank_name,
       CASE WHEN h.member_count > 1 THEN h.member_count ELSE 1 END, 1, COALESCE(a.standard_fen, 0), 0,
       a.amount_granted_fen, 0, a.amount_granted_fen,
       CASE a.aid_type WHEN 'urgent' THEN '急难型' ELSE '支出型' END || '·'
           || COALESCE(c.label_zh, a.cause)
FROM aid_cases AS a
JOIN areas AS t ON t.id = a.township_id
LEFT JOIN areas AS v ON v.id = a.village_id
LEFT JOIN households AS h ON h.id = a.household_id
LEFT JOIN aid_causes AS c ON c.code = a.cause
WHERE {ready}
"""

_READY = ("a.status = 'approved' AND a.payment_method = 'bank' AND t.code LIKE :prefix"
          " AND (:until IS NULL OR a.approved_on <= :until)"
          " AND NOT EXISTS (SELECT 1 FROM roster_lines AS l"
          "                 WHERE l.aid_case_id = a.id AND l.persons > 0)")


class TempAidLines(R.LineSource):
    """The temporary-aid roster's line source: one line per approved, unpaid case paid by
    bank whose township lies in the area (urgent cases even with an incomplete file,
    expenditure cases once complete), approved on or before ``cutoff`` when given; the
    expenditure cases still waiting for their file are counted as skipped."""

    carry_categories = ("temp_aid",)

    def __init__(self, cutoff: dt.date | None):
        self.cutoff = cutoff

    def write_lines(self, s, user, roster, area, prefix, report, cancel) -> R.LinesWritten:
        params = {"roster_id": roster.id, "prefix": prefix + "%",
                  "until": self.cutoff.isoformat() if self.cutoff else None}
        ready = _READY + (" AND (a.aid_type = 'urgent' OR a.paperwork_complete = "
                          f"{sql_bool(s, True)})")
        report(0.1, "lines 生成明细")
        skipped = s.execute(text(
            "SELECT COUNT(*) FROM aid_cases AS a JOIN areas AS t ON t.id = a.township_id"
            f" WHERE {_READY} AND a.aid_type = 'expenditure' AND a.paperwork_complete ="
            f" {sql_bool(s, False)}"),
            params).scalar_one()
        cases = s.execute(text(_AID_LINES_SQL.format(ready=ready)), params).rowcount
        return R.LinesWritten(cases, skipped)


@requires("roster.build", area="area_id")
def build_temp_aid_roster(db: Database, actor: str | int, area_id: int, month: dt.date,
                          pay_date: dt.date | None = None, approved_until: dt.date | None = None,
                          title: str = "", issuing_office: str = "", note: str = "",
                          progress: ProgressFn | None = None,
                          cancel: CancelToken | None = None) -> AidRosterResult:
    """Build a draft temporary-aid roster (临时救助金发放花名册) for a township, county or
    city: one line per approved, unpaid case paid by bank whose township lies in the area and
    that no other roster pays (urgent cases even with an incomplete file; expenditure cases
    once complete), approved on or before ``approved_until`` and ``pay_date`` when given;
    plus the reissue of failed temporary-aid payments and pending adjustments of the area.

    Each line copies the payee's name, ID number, account and village from the case (a person
    outside the registry: no village code, 非在册人员 in the village column, the township
    responsible). Refused when there is
    nothing to pay. Review, approve, discard, print and export it with :mod:`.rosters`;
    approving it marks its cases paid."""
    report = progress or (lambda _f, _m: None)
    errors: list[FieldError] = []
    _check_date(errors, "month", month, "发放月份")
    _check_date(errors, "pay_date", pay_date, "发放日期", optional=True)
    _check_date(errors, "approved_until", approved_until, "审批截止日期", optional=True)
    if errors:
        raise ValidationError(errors)
    cutoff = min((d for d in (pay_date, approved_until) if d is not None), default=None)
    with db.begin() as s:
        user = resolve_user(s, actor)
        area = R.check_roster_area(s, area_id, errors)
        if errors:
            raise ValidationError(errors)
        month = first_of_month(month)
        roster = Roster(kind="temp_aid", program="temp_aid", residence_class=None, month=month,
                        area_id=area.id,
                        title=title.strip() or R.default_title(area, "temp_aid", "temp_aid",
                                                               month, None),
                        issuing_office=issuing_office.strip() or R.default_office(area),
                        pay_date=pay_date, categories="temp_aid", note=note, status="draft",
                        built_by=user.id, built_by_name=user.display_name or user.username)
        s.add(roster)
        s.flush()
        built = R.fill_roster(s, user, roster, area, TempAidLines(cutoff), report, cancel)
        cases, skipped = built.cases, built.skipped
        reissues, adjustments, deferred = (built.reissues, built.adjustments,
                                           built.deferred_deductions)
        if roster.line_count == 0:
            raise StateError(
                f"no approved temporary aid is waiting for payment by bank in {area.name}",
                f"{area.name}没有待通过银行发放的已审批临时救助")
        Auditor(s, user).note("build", "roster", roster.id,
                              f"built {roster.title}: {roster.line_count} lines, "
                              f"{roster.total_fen} fen ({cases} aid cases)")
        result = AidRosterResult(roster.id, roster.line_count, roster.total_fen, cases, reissues,
                                 adjustments, deferred, skipped)
    report(1.0, "done 完成")
    return result
