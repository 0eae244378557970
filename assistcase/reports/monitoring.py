"""The monitoring report (低收入人口动态监测情况, DOMAIN §9; seed 002's four figures).

For an area and a period ``[start, end)``:

- the register's size on the period's last day, by category (persons, households; a person
  in two categories counts in each, once in the total);
- person-times monitored (监测人次): the persons checked by every run of the rules in the
  period (a run checks each township's register on its day);
- warnings raised by rule;
- home checks (入户排查) closed in the period, on time (closed on or before the due day) and
  late, and those still open past their due day at the end;
- newly included (新纳入救助): tasks closed in the period with that outcome.

:func:`monitoring_report` computes it; :func:`write_monitoring_pdf` and
:func:`write_monitoring_xlsx` write it.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Date, bindparam, text
from sqlalchemy.orm import Session

from ..errors import NotFoundError, ValidationError
from ..models import Area
from ..models.monitoring import REGISTER_CATEGORIES
from ..services.register import (CATEGORY_LABELS, RegisterCounts, RegisterFilter, area_prefix,
                                 register_counts)

TITLE = "低收入人口动态监测情况表"


@dataclass(frozen=True)
class RuleCount:
    code: str
    label_zh: str
    warnings: int


@dataclass(frozen=True)
class MonitoringReport:
    area_id: int
    area_code: str
    area_name: str
    start: dt.date
    end: dt.date                     # exclusive
    register: RegisterCounts
    person_times: int
    by_rule: tuple[RuleCount, ...]
    home_checks_on_time: int
    home_checks_late: int
    home_checks_open_overdue: int
    newly_included: int
    generated_at: dt.datetime

    @property
    def warnings(self) -> int:
        return sum(r.warnings for r in self.by_rule)

    @property
    def home_checks(self) -> int:
        return self.home_checks_on_time + self.home_checks_late

    def period_zh(self) -> str:
        return f"{self.start:%Y-%m-%d} 至 {self.end - dt.timedelta(days=1):%Y-%m-%d}"

    def summary_zh(self) -> str:
        """Seed 002's sentence, from the data."""
        return (f"{self.area_name}{self.period_zh()}：低收入人口信息库录入 {self.register.persons:,}"
                f" 人，监测 {self.person_times:,} 人次，预警 {self.warnings:,} 条，入户排查"
                f" {self.home_checks:,} 户次（按期 {self.home_checks_on_time:,}，逾期"
                f" {self.home_checks_late:,}），新纳入救助 {self.newly_included:,} 户")


def _typed(sql: str):
    return text(sql).bindparams(*(bindparam(k, type_=Date) for k in ("start", "end")
                                  if f":{k}" in sql))


def monitoring_report(s: Session, area_id: int, start: dt.date, end: dt.date) -> MonitoringReport:
    """The figures for ``area_id`` and ``[start, end)``."""
    if not (isinstance(start, dt.date) and isinstance(end, dt.date)) or end <= start:
        raise ValidationError.single("end", "the period ends after it starts",
                                     "统计期间的结束日期应晚于开始日期")
    area = s.get(Area, area_id)
    if area is None:
        raise NotFoundError("area", area_id, "区划")
    p = {"start": start, "end": end, "prefix": area_prefix(area)}
    register = register_counts(s, RegisterFilter(end - dt.timedelta(days=1), area.id))
    person_times = s.execute(_typed(
        "SELECT COALESCE(SUM(r.persons_checked), 0) FROM monitoring_runs AS r"
        " JOIN areas AS t ON t.id = r.township_id WHERE r.run_on >= :start AND r.run_on < :end"
        " AND t.code LIKE :prefix"), p).scalar_one()
    counts = dict(s.execute(_typed(
        "SELECT w.rule_id, COUNT(*) FROM monitoring_warnings AS w"
        " JOIN areas AS t ON t.id = w.township_id WHERE w.raised_on >= :start"
        " AND w.raised_on < :end AND t.code LIKE :prefix GROUP BY w.rule_id"), p).all())
    by_rule = tuple(RuleCount(code, label, counts.get(rid, 0)) for rid, code, label in s.execute(
        text("SELECT id, code, label_zh FROM warning_rules ORDER BY id")))
    on_time, late, included = s.execute(_typed(
        "SELECT COALESCE(SUM(CASE WHEN k.kind = 'home_check' AND k.closed_on <= k.due_on"
        "  THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN k.kind = 'home_check' AND k.closed_on > k.due_on"
        "  THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN k.outcome = 'included' THEN 1 ELSE 0 END), 0)"
        " FROM monitoring_tasks AS k JOIN areas AS t ON t.id = k.township_id"
        " WHERE k.status = 'closed' AND k.closed_on >= :start AND k.closed_on < :end"
        " AND t.code LIKE :prefix"), p).one()
    open_overdue = s.execute(_typed(
        "SELECT COUNT(*) FROM monitoring_tasks AS k JOIN areas AS t ON t.id = k.township_id"
        " WHERE k.kind = 'home_check' AND k.raised_on < :end AND k.due_on < :end"
        " AND (k.status = 'open' OR k.closed_on >= :end) AND t.code LIKE :prefix"),
        p).scalar_one()
    return MonitoringReport(area.id, area.code, area.name, start, end, register, person_times,
                            by_rule, on_time, late, open_overdue, included, dt.datetime.now())


def _register_rows(rep: MonitoringReport) -> list[list[str]]:
    rows = [[CATEGORY_LABELS[c][1], f"{rep.register.by_category[c][0]:,}",
             f"{rep.register.by_category[c][1]:,}"] for c in REGISTER_CATEGORIES]
    rows.append(["合计（不重复计）", f"{rep.register.persons:,}", f"{rep.register.households:,}"])
    return rows


def _figure_rows(rep: MonitoringReport) -> list[list[str]]:
    return [["低收入人口信息库录入（人）", f"{rep.register.persons:,}"],
            ["监测人次", f"{rep.person_times:,}"],
            ["预警（条）", f"{rep.warnings:,}"],
            ["入户排查按期办结（户次）", f"{rep.home_checks_on_time:,}"],
            ["入户排查逾期办结（户次）", f"{rep.home_checks_late:,}"],
            ["期末入户排查逾期未办结（户次）", f"{rep.home_checks_open_overdue:,}"],
            ["新纳入救助（户）", f"{rep.newly_included:,}"]]


def write_monitoring_pdf(rep: MonitoringReport, path: str | os.PathLike[str]) -> Path:
    from .layout import build_pdf, grid_table, para, styles

    st = styles()
    story = [para(TITLE, st.title),
             para(f"统计区划：{rep.area_name}（{rep.area_code}）；统计期间：{rep.period_zh()}", st.sub),
             para("一、概况", st.h2), para(rep.summary_zh(), st.left),
             grid_table(st, [["项目", "数量"]], _figure_rows(rep), [90, 40], [st.left, st.right]),
             para("二、低收入人口信息库（期末，按类别）", st.h2),
             grid_table(st, [["类别", "人数", "户数"]], _register_rows(rep), [60, 40, 40],
                        [st.left, st.right, st.right]),
             para("三、预警（按指标）", st.h2),
             grid_table(st, [["指标", "预警（条）"]],
                        [[r.label_zh, f"{r.warnings:,}"] for r in rep.by_rule]
                        + [["合计", f"{rep.warnings:,}"]], [90, 40], [st.left, st.right]),
             para("一人同时属于多个类别的，在各类别中分别计数，合计中只计一次。监测人次为统计期间"
                  "每次运行预警规则时所核对的信息库人数之和。", st.note)]
    return build_pdf(path, story, TITLE, rep.period_zh(),
                     f"{TITLE} · 生成于 {rep.generated_at:%Y-%m-%d %H:%M}")


def write_monitoring_xlsx(rep: MonitoringReport, path: str | os.PathLike[str]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..files import replaced_on_success

    wb = Workbook()
    ws = wb.active
    ws.title = "概况"
    ws.append([TITLE])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"统计区划：{rep.area_name}（{rep.area_code}）", f"统计期间：{rep.period_zh()}"])
    ws.append(["项目", "数量"])
    for label, value in _figure_rows(rep):
        ws.append([label, int(value.replace(",", ""))])
    ws.column_dimensions["A"].width = 36
    ws = wb.create_sheet("信息库")
    ws.append(["类别", "人数", "户数"])
    for label, persons, households in _register_rows(rep):
        ws.append([label, int(persons.replace(",", "")), int(households.replace(",", ""))])
    ws = wb.create_sheet("预警")
    ws.append(["指标代码", "指标", "预警（条）"])
    for r in rep.by_rule:
        ws.append([r.code, r.label_zh, r.warnings])
    path = Path(path)
    with replaced_on_success(path) as tmp:
        wb.save(tmp)
    return path
