"""Outside lists (外部比对名单, DOMAIN §9): import and match by ID number.

The lists a bureau receives from other offices: 三类户 from the rural revitalisation office
(``sanlei``), deaths from funeral and household registration (``death``), large medical
expenses from medical insurance (``medical``), disability registrations (``disability``), and
the comparison lists audits use (``vehicle``, ``business``, ``public_employee``).

A list is read like the registry import (:mod:`assistcase.io.importing`): any spreadsheet
python-calamine opens (.xlsx, .xls, .ods, .csv), the header row found among the first rows by
its column names (with the usual variants, or an explicit header → field mapping), values
read by the same converters (ID numbers as text, dates, yuan to fen, disability grades).

Each row is matched to the registry by its ID number, and the :class:`MatchReport` lists:

- matched: the registry holds the ID number under the same name;
- unmatched: the ID number is valid and not in the registry (kept: a later registration
  matches it);
- same ID with another name (同号不同名): refused, nothing written for the row;
- refused: an ID number that is not valid (wrong check character, impossible date, …) or a
  value that cannot be read; nothing written for the row.

Everything the file holds that is not refused is written in one transaction, with the list's
record and an audit note; the same file (by SHA-256) is refused a second time. A 三类户 list
enters each matched household in the register as ``monitored`` from the row's date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..db import Database
from ..errors import StateError, ValidationError
from ..rules.idnumber import normalize_id, parse_resident_id
from ..models import Person
from ..models.monitoring import LIST_KINDS, OutsideList, OutsideListRow
from ..progress import CancelToken, ProgressFn
from ..services.audit import Auditor, resolve_user
from ..services.register import open_membership
from . import layout as L
from .importing import HEADER_SCAN_ROWS, Issue
from .tables import ImportFileError, open_table
from ..services.auth import requires

KIND_LABELS = {
    "sanlei": ("三类户 list (rural revitalisation office)", "三类户名单（乡村振兴局）"),
    "death": ("deaths (funeral / household registration)", "死亡人员名单（殡葬、户籍）"),
    "medical": ("large medical expenses (medical insurance)", "大额医疗支出名单（医保）"),
    "disability": ("disability registrations", "残疾人登记名单（残联）"),
    "vehicle": ("vehicles", "车辆登记名单"),
    "business": ("business registrations", "工商登记名单"),
    "public_employee": ("public employees", "财政供养人员名单"),
}


@dataclass(frozen=True)
class ListField:
    key: str
    header: str
    aliases: tuple[str, ...]


FIELDS = (
    ListField("name", "姓名", ("人员姓名", "死者姓名", "参保人姓名", "车主姓名", "法定代表人",
                              "经营者姓名", "户主姓名", "名字")),
    ListField("id_number", "公民身份号码", ("身份证号", "身份证号码", "证件号码", "身份证",
                                          "公民身份证号码", "死者身份证号", "参保人身份证号",
                                          "车主身份证号", "法定代表人身份证号")),
    ListField("event_on", "日期", ("死亡日期", "死亡时间", "火化日期", "注销日期", "就诊日期",
                                  "结算日期", "出院日期", "发证日期", "登记日期", "办证日期",
                                  "纳入日期", "识别日期", "注册日期", "成立日期", "入职日期",
                                  "登记时间")),
    ListField("amount", "金额", ("医疗费用", "医疗总费用", "总费用", "自付金额", "个人自付",
                                "个人负担", "自付费用", "费用金额", "金额(元)")),
    ListField("grade", "残疾等级", ("残疾级别", "等级")),
    ListField("detail", "说明", ("车牌号", "车牌号码", "号牌号码", "企业名称", "单位名称",
                                "工作单位", "字号名称", "市场主体名称", "监测类型", "户类型",
                                "备注")),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
_ALIASES = {L.normalize_header(n): f.key for f in FIELDS for n in (f.header, *f.aliases)}
# What a row of each list must carry besides name and ID number.
REQUIRED = {"death": ("event_on",), "medical": ("amount",), "disability": ("grade",)}


def guess_field(header: Any) -> str:
    return _ALIASES.get(L.normalize_header(header), "")


@dataclass(frozen=True)
class MatchRow:
    row: int
    id_number: str
    name: str
    person_id: int | None = None
    registry_name: str = ""
    household_id: int | None = None


@dataclass
class MatchReport:
    """What an import found, row by row (spreadsheet row numbers, 1-based)."""

    file: str
    kind: str
    rows: int = 0
    matched: list[MatchRow] = field(default_factory=list)
    unmatched: list[MatchRow] = field(default_factory=list)
    name_mismatch: list[MatchRow] = field(default_factory=list)
    refused: list[Issue] = field(default_factory=list)
    written: bool = False
    list_id: int | None = None
    register_added: int = 0

    def summary(self) -> str:
        verb = "written" if self.written else "nothing written"
        return (f"{self.file} ({self.kind}): {self.rows} row(s); matched {len(self.matched)}, "
                f"not in the registry {len(self.unmatched)}, same ID with another name "
                f"{len(self.name_mismatch)}, refused {len(self.refused)} ({verb})")

    def summary_zh(self) -> str:
        verb = "已写入" if self.written else "未写入"
        return (f"{self.file}（{KIND_LABELS[self.kind][1]}）：共 {self.rows} 行；比中 "
                f"{len(self.matched)} 人，库外 {len(self.unmatched)} 人，同号不同名 "
                f"{len(self.name_mismatch)} 人，拒收 {len(self.refused)} 行（{verb}）")


@dataclass
class _Parsed:
    row: int
    id_number: str
    name: str
    event_on: dt.date | None = None
    amount_fen: int | None = None
    grade: int | None = None
    detail: str = ""


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


def _header(sheet: str, top: list[tuple[Any, ...]],
            mapping: dict[str, str] | None) -> tuple[int, list[str]]:
    def field_of(cell: Any) -> str:
        if L.is_blank(cell):
            return ""
        if mapping:
            for k, v in mapping.items():
                if L.normalize_header(k) == L.normalize_header(cell):
                    return v
        return guess_field(cell)

    best, fields = -1, []
    for i, row in enumerate(top):
        f = [field_of(c) for c in row]
        if "id_number" in f and "name" in f:
            best, fields = i, f
            break
    if best < 0:
        raise ImportFileError(
            f"sheet {sheet!r}: no header row with 姓名 (name) and 公民身份号码 (ID number) in "
            f"the first {len(top)} rows",
            f"工作表“{sheet}”：前{len(top)}行中找不到含“姓名”“公民身份号码”的表头")
    return best + 1, fields


def read_list(path: str | Path, kind: str, mapping: dict[str, str] | None = None,
              sheet: str | None = None, today: dt.date | None = None,
              cancel: CancelToken | None = None) -> tuple[MatchReport, list[_Parsed]]:
    """Read and check a list (nothing is matched or written)."""
    if kind not in LIST_KINDS:
        raise ValidationError.single("kind", f"unknown list kind {kind!r}: "
                                     + ", ".join(LIST_KINDS), f"未知的名单类型：{kind}")
    path = Path(path)
    report = MatchReport(path.name, kind)
    parsed: list[_Parsed] = []
    today = today or dt.date.today()
    with open_table(path) as table:
        sheet = sheet or table.sheet_names()[0]
        it = table.rows(sheet)
        top = []
        for row in it:
            top.append(row)
            if len(top) >= HEADER_SCAN_ROWS:
                break
        header_row, fields = _header(sheet, top, mapping)
        cols = {f: i for i, f in reversed(list(enumerate(fields))) if f}
        missing = [k for k in REQUIRED.get(kind, ()) if k not in cols]
        if missing:
            f = FIELD_BY_KEY[missing[0]]
            raise ImportFileError(f"sheet {sheet!r}: the {kind} list needs a column "
                                  f"{f.header} ({missing[0]})",
                                  f"工作表“{sheet}”：{KIND_LABELS[kind][1]}须有“{f.header}”列")

        def rows():
            yield from enumerate(top[header_row:], start=header_row + 1)
            yield from enumerate(it, start=len(top) + 1)

        for number, cells in rows():
            if cancel is not None and number % 5000 == 0:
                cancel.check()
            if all(L.is_blank(c) for c in cells):
                continue
            report.rows += 1

            def cell(key: str) -> Any:
                i = cols.get(key)
                return cells[i] if i is not None and i < len(cells) else None

            def refuse(key: str, value: Any, en: str, zh: str) -> None:
                report.refused.append(Issue(sheet, number, FIELD_BY_KEY[key].header,
                                            "" if value is None else L.display(value), en, zh))

            name = "" if L.is_blank(cell("name")) else L.display(cell("name")).strip()
            raw_id = cell("id_number")
            if not name:
                refuse("name", None, "the name is missing", "姓名为空")
                continue
            try:
                number_text = normalize_id(L.convert("id_number", raw_id)) \
                    if not L.is_blank(raw_id) else ""
                parse_resident_id(number_text, today=today)
            except L.CellError as e:
                refuse("id_number", raw_id, e.en, e.zh)
                continue
            except ValidationError as e:
                refuse("id_number", raw_id, e.errors[0].message_en, e.errors[0].message_zh)
                continue
            p = _Parsed(number, number_text, name)
            try:
                for key in ("event_on", "amount", "grade"):
                    value = cell(key)
                    if L.is_blank(value):
                        if key in REQUIRED.get(kind, ()):
                            raise L.CellError(f"{FIELD_BY_KEY[key].header} is missing",
                                              f"{FIELD_BY_KEY[key].header}为空")
                        continue
                    if key == "event_on":
                        p.event_on = L.convert("closed_on", value)
                        if p.event_on > today:
                            raise L.CellError(f"the date {p.event_on} is after today",
                                              f"日期 {p.event_on} 晚于今天")
                    elif key == "amount":
                        p.amount_fen = _fen(value)
                    else:
                        p.grade = L._grade("disability_grade", value)
            except L.CellError as e:
                refuse(key, cell(key), e.en, e.zh)
                continue
            if not L.is_blank(cell("detail")):
                p.detail = L.display(cell("detail")).strip()[:200]
            parsed.append(p)
    return report, parsed


def _fen(value: Any) -> int:
    from decimal import Decimal, InvalidOperation

    try:
        fen = Decimal(str(value).replace(",", "").replace("元", "").strip()) * 100
    except InvalidOperation:
        fen = Decimal("NaN")
    if not fen.is_finite() or fen != fen.to_integral_value() or fen < 0:
        raise L.CellError(f"{value!r} is not an amount in yuan", f"“{value}”不是有效金额（元）")
    return int(fen)


def _match(s: Session, report: MatchReport, parsed: list[_Parsed]) -> list[tuple[_Parsed, int | None]]:
    """Match rows by ID number; rows whose name differs go to ``name_mismatch`` and out."""
    numbers = sorted({p.id_number for p in parsed})
    found: dict[str, tuple[int, str, int | None]] = {}
    for i in range(0, len(numbers), 500):
        chunk = numbers[i:i + 500]
        for pid, num, name, hid in s.execute(select(Person.id, Person.id_number, Person.name,
                                                    Person.household_id)
                                             .where(Person.id_number.in_(chunk))):
            found[num] = (pid, name, hid)
    keep = []
    for p in parsed:
        hit = found.get(p.id_number)
        if hit is None:
            report.unmatched.append(MatchRow(p.row, p.id_number, p.name))
            keep.append((p, None))
        elif not _same_name(hit[1], p.name):
            report.name_mismatch.append(MatchRow(p.row, p.id_number, p.name, hit[0], hit[1],
                                                 hit[2]))
        else:
            report.matched.append(MatchRow(p.row, p.id_number, p.name, hit[0], hit[1], hit[2]))
            keep.append((p, hit[0]))
    return keep


@requires("registry.import")
def import_outside_list(db: Database, actor: str | int, path: str | Path, kind: str, *,
                        received_on: dt.date | None = None,
                        mapping: dict[str, str] | None = None, sheet: str | None = None,
                        dry_run: bool = False, progress: ProgressFn | None = None,
                        cancel: CancelToken | None = None) -> MatchReport:
    """Read, check and match an outside list; unless ``dry_run``, write every row not refused
    in one transaction (see the module's description). Returns the match report."""
    report_progress = progress or (lambda _f, _m: None)
    path = Path(path)
    received_on = received_on or dt.date.today()
    report_progress(0.0, "reading 读取")
    report, parsed = read_list(path, kind, mapping, sheet, cancel=cancel)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    report_progress(0.5, "matching 比对")
    if dry_run:
        with db.read() as s:
            _match(s, report, parsed)
        return report
    with db.begin() as s:
        user = resolve_user(s, actor)
        if s.scalar(select(OutsideList.id).where(OutsideList.sha256 == digest)) is not None:
            raise StateError(f"{path.name}: this file has already been imported",
                             f"{path.name}：该文件已导入过，不能重复导入")
        keep = _match(s, report, parsed)
        rec = OutsideList(kind=kind, file_name=path.name[:260], sha256=digest,
                          received_on=received_on, rows=report.rows,
                          matched=len(report.matched), unmatched=len(report.unmatched),
                          refused=len(report.refused) + len(report.name_mismatch),
                          imported_by=user.id)
        s.add(rec)
        s.flush()
        report_progress(0.7, "writing 写入")
        batch = [{"list_id": rec.id, "kind": kind, "row_number": p.row,
                  "id_number": p.id_number, "name": p.name, "person_id": pid,
                  "event_on": p.event_on, "amount_fen": p.amount_fen, "grade": p.grade,
                  "detail": p.detail} for p, pid in keep]
        for i in range(0, len(batch), 5000):
            if cancel is not None:
                cancel.check()
            s.execute(insert(OutsideListRow), batch[i:i + 5000])
        audit = Auditor(s, user, source=path.name)
        if kind == "sanlei":
            households = {}
            for m, (p, pid) in zip(report.matched, [k for k in keep if k[1] is not None]):
                if m.household_id is not None and m.household_id not in households:
                    households[m.household_id] = p.event_on or received_on
            for hid, since in sorted(households.items()):
                if open_membership(s, audit, hid, "monitored", since, f"list {rec.id}"):
                    report.register_added += 1
        audit.note("import", "outside_list", rec.id, report.summary())
        report.written = True
        report.list_id = rec.id
    report_progress(1.0, "done 完成")
    return report


def write_match_report_xlsx(report: MatchReport, path: str | Path) -> Path:
    """The match report as .xlsx: one sheet per finding, and a summary."""
    from openpyxl import Workbook

    from ..files import replaced_on_success

    wb = Workbook(write_only=True)
    for title, rows in (("比中 Matched", report.matched),
                        ("库外 Not in registry", report.unmatched),
                        ("同号不同名 Other name", report.name_mismatch)):
        ws = wb.create_sheet(title)
        ws.append(["行 Row", "公民身份号码", "名单姓名", "系统姓名", "人员编号"])
        for r in rows:
            ws.append([r.row, r.id_number, r.name, r.registry_name, r.person_id])
    ws = wb.create_sheet("拒收 Refused")
    ws.append(["行 Row", "列 Column", "值 Value", "原因", "Reason"])
    for i in report.refused:
        ws.append([i.row, i.column, i.value, i.reason_zh, i.reason_en])
    ws = wb.create_sheet("汇总 Summary")
    ws.append(["结果", report.summary_zh()])
    ws.append(["Result", report.summary()])
    with replaced_on_success(path) as tmp:
        wb.save(tmp)
    return Path(path)


__all__ = ["FIELDS", "KIND_LABELS", "MatchReport", "MatchRow", "import_outside_list",
           "read_list", "write_match_report_xlsx"]
