"""Import of households and members from a spreadsheet (导入花名册): .xlsx or .csv, one row per
person, each row carrying a household key (户编号, or the head's ID number, or simply following
its head's row).

Every row is checked before anything is written, with the registry's own rules
(:func:`~assistcase.services.registry.validate_person`, ``validate_household``); problems are
collected into an :class:`ImportReport` (sheet, row, column, value, reason in Chinese and
English). Only a file without errors is written, in one transaction; cancelling rolls it back.
Re-importing the same file changes nothing (persons are matched by ID number, households by
number or by their head); a changed row updates the record, audited with the file as source.
"""

from __future__ import annotations

import json
import time
from operator import itemgetter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db import Database, page_cache
from ..errors import DuplicatePersonError, FieldError, Warning_
from ..rules.idnumber import ResidentId, luhn_ok
from ..models import Area, Household, Income, Person, PropertyItem
from ..models.base import utcnow
from ..models.registry import SINCE_ALWAYS
from ..progress import CancelToken, ProgressFn
from ..services.audit import Auditor, BulkAuditor, resolve_user
from ..services.registry import (HouseholdData, PersonData, next_household_number,
                                 validate_household, validate_person)
from ..services.registry_writer import (HOUSEHOLD_INPUT, PERSON_INPUT, BulkWriter,
                                        drop_indexes, household_values, person_values, refresh_household,
                                        write_keys)
from . import layout as L
from ..gcpause import cyclic_gc_paused
from .tables import ImportFileError, Table, open_table
from ..services.auth import authorize, requires, scope_of

HEADER_SCAN_ROWS = 20
CHUNK = 500  # ids per IN (...) query
MAPPING_FORMAT = "assistcase-import-mapping"

# Columns that validate_household / validate_person name, as layout fields.
_SERVICE_FIELD = {"village_id": "village", "phone": "household_phone", "members": "relation"}
_PERSON_SERVICE_FIELD = {"phone": "phone"}


# --- the report ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in the file. ``row`` is the spreadsheet row number (1-based)."""

    sheet: str
    row: int | None
    column: str
    value: str
    reason_en: str
    reason_zh: str
    severity: str = "error"  # or "warning"

    def line(self, lang: str = "en") -> str:
        where = f"{self.sheet}!{self.row}" if self.row else self.sheet
        col = f" [{self.column}]" if self.column else ""
        val = f" {self.value!r}" if self.value else ""
        reason = self.reason_zh if lang.startswith("zh") else self.reason_en
        return f"{self.severity}: {where}{col}{val}: {reason}"


@dataclass(frozen=True, slots=True)
class Change:
    """A record the import creates or updates; ``fields`` holds (field, old, new)."""

    row: int
    action: str  # create / update
    entity: str  # household / person
    key: str  # household number or ID number
    fields: tuple[tuple[str, Any, Any], ...] = ()


@dataclass
class ImportReport:
    file: str
    sheet: str = ""
    dry_run: bool = False
    written: bool = False
    rows: int = 0
    households_created: int = 0
    households_updated: int = 0
    persons_created: int = 0
    persons_updated: int = 0
    persons_unchanged: int = 0
    seconds: float = 0.0
    issues: list[Issue] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        verb = ("written" if self.written else "dry run, nothing written" if self.dry_run
                else "nothing to write")
        if self.errors:
            return (f"{self.file}: {len(self.errors)} error(s), {len(self.warnings)} warning(s) "
                    f"in {self.rows} row(s); nothing was written")
        return (f"{self.file}: {self.rows} row(s); households created {self.households_created}, "
                f"updated {self.households_updated}; persons created {self.persons_created}, "
                f"updated {self.persons_updated}, unchanged {self.persons_unchanged} ({verb}); "
                f"{len(self.warnings)} warning(s)")

    def summary_zh(self) -> str:
        if self.errors:
            return (f"{self.file}：共 {self.rows} 行，发现 {len(self.errors)} 处错误、"
                    f"{len(self.warnings)} 处提醒，未写入任何数据")
        done = "已写入" if self.written else "试运行，将写入" if self.dry_run else "无需写入"
        return (f"{self.file}：共 {self.rows} 行；{done}：新增 {self.households_created} 户、"
                f"更新 {self.households_updated} 户；新增 {self.persons_created} 人、"
                f"更新 {self.persons_updated} 人，{self.persons_unchanged} 人无变化；"
                f"提醒 {len(self.warnings)} 处")


# --- mappings -----------------------------------------------------------------------------


def auto_mapping(headers: Iterable[Any]) -> dict[str, str]:
    """Header text → field for every header whose name is recognised."""
    return {str(h): L.guess_field(h) for h in headers if not L.is_blank(h)}


def save_mapping(mapping: dict[str, str], path: str | Path) -> Path:
    """Write a column mapping (header → field, "" = ignore) as JSON; atomic replace."""
    path = Path(path)
    unknown = {v for v in mapping.values() if v and v not in L.FIELD_BY_KEY}
    if unknown:
        raise ValueError(f"unknown fields in mapping: {sorted(unknown)}")
    data = {"format": MAPPING_FORMAT, "version": 1,
            "columns": {str(k): v for k, v in mapping.items()}}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def load_mapping(path: str | Path) -> dict[str, str]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        columns = data["columns"] if isinstance(data, dict) and "columns" in data else data
        if not isinstance(columns, dict):
            raise ValueError("columns must be an object")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ImportFileError(f"{path.name}: not a column mapping file: {e}",
                              f"{path.name}：不是有效的列对应关系文件") from None
    unknown = sorted({str(v) for v in columns.values() if v and v not in L.FIELD_BY_KEY})
    if unknown:
        raise ImportFileError(
            f"{path.name}: unknown field(s) {', '.join(unknown)}; known: "
            f"{', '.join(L.FIELD_BY_KEY)}",
            f"{path.name}：对应关系中有未知字段 {', '.join(unknown)}")
    return {str(k): str(v or "") for k, v in columns.items()}


def _field_for(header: Any, mapping: dict[str, str] | None) -> str:
    if mapping:
        if str(header) in mapping:
            return mapping[str(header)]
        norm = L.normalize_header(header)
        for k, v in mapping.items():
            if L.normalize_header(k) == norm:
                return v
    return L.guess_field(header)


# --- the sheet: header row and columns -----------------------------------------------------


@dataclass
class SheetLayout:
    """Where the header is and what each column holds."""

    sheet: str
    header_row: int  # 1-based
    headers: list[str]
    fields: list[str]  # per column, "" = ignored
    issues: list[Issue] = field(default_factory=list)

    def column_label(self, index: int) -> str:
        h = self.headers[index] if index < len(self.headers) else ""
        return f"{get_column_letter(index + 1)} {h}".strip()

    def column_of(self, key: str) -> int | None:
        try:
            return self.fields.index(key)
        except ValueError:
            return None

    def label_of(self, key: str) -> str:
        i = self.column_of(key)
        return self.column_label(i) if i is not None else L.FIELD_BY_KEY[key].header


def _score(row: tuple[Any, ...], mapping: dict[str, str] | None) -> int:
    return len({f for f in (_field_for(c, mapping) for c in row if not L.is_blank(c)) if f})


def find_layout(sheet: str, top: list[tuple[Any, ...]],
                mapping: dict[str, str] | None) -> SheetLayout:
    """Pick the header row among the first rows (the one naming the most known fields), map
    its columns, and check the header for merged or duplicate cells."""
    if not any(not L.is_blank(c) for r in top for c in r):
        raise ImportFileError(f"sheet {sheet!r} is empty", f"工作表“{sheet}”是空的，没有数据")
    scores = [_score(r, mapping) for r in top]
    best = max(range(len(top)), key=lambda i: (scores[i], -i))
    if scores[best] < 2:
        raise ImportFileError(
            f"sheet {sheet!r}: no header row found in the first {len(top)} rows (expected "
            "column names such as 姓名, 公民身份号码, 与户主关系)",
            f"工作表“{sheet}”：前{len(top)}行中找不到表头（应有“姓名”“公民身份号码”“与户主关系”等列名）")
    row = top[best]
    headers = ["" if L.is_blank(c) else L.display(c) for c in row]
    fields = [_field_for(c, mapping) if not L.is_blank(c) else "" for c in row]
    out = SheetLayout(sheet, best + 1, headers, fields)

    def issue(col: int | None, value: str, en: str, zh: str) -> None:
        out.issues.append(Issue(sheet, best + 1, out.column_label(col) if col is not None else "",
                                value, en, zh))

    above = top[best - 1] if best > 0 else ()
    below = top[best + 1] if best + 1 < len(top) else ()
    for i, h in enumerate(headers):
        if h:
            continue
        # A blank header cell with a header-like cell just above or below it: the header
        # spans two rows through merged cells, which a row-per-person import cannot read.
        up = above[i] if i < len(above) else None
        down = below[i] if i < len(below) else None
        from_above = not L.is_blank(up) and any(headers[i + 1:])
        over_below = not L.is_blank(down) and bool(_field_for(down, mapping))
        if from_above or over_below:
            issue(i, L.display(up if from_above else down),
                  "empty header cell next to a header in the row above or below: merged "
                  "header cells are not supported; unmerge them and give every column its own "
                  "name in one row",
                  "表头单元格为空（表头跨两行，单元格被合并）：不支持合并的表头单元格，请取消合并，"
                  "并在同一行中为每一列填写列名")
    seen: dict[str, int] = {}
    for i, f in enumerate(fields):
        if not f:
            continue
        if f in seen:
            issue(i, headers[i],
                  f"two columns are mapped to {L.FIELD_BY_KEY[f].label_en} "
                  f"({out.column_label(seen[f])} and {out.column_label(i)}); map one of them "
                  "to 'ignore'",
                  f"有两列都对应“{L.FIELD_BY_KEY[f].header}”（{out.column_label(seen[f])} 和 "
                  f"{out.column_label(i)}），请把其中一列设为“不导入”")
        seen.setdefault(f, i)
    for f in L.FIELDS:
        if f.required and f.key not in seen:
            issue(None, "", f"required column {f.header} ({f.label_en}) is missing",
                  f"缺少必需的列“{f.header}”")
    if "village" not in seen and "village_code" not in seen:
        issue(None, "", "required column 村(社区) (village) or 村(社区)代码 (village code) is "
              "missing", "缺少必需的列“村(社区)”或“村(社区)代码”")
    return out


@dataclass
class SheetPreview:
    """What the wizard shows before importing: the sheets, the header and the first rows."""

    sheets: list[str]
    layout: SheetLayout
    rows: list[tuple[Any, ...]]


def preview(path: str | Path, sheet: str | None = None, mapping: dict[str, str] | None = None,
            rows: int = 20) -> SheetPreview:
    """Open a file and read only its top: the sheet names, the header and ``rows`` data rows."""
    with open_table(path) as table:
        sheets = table.sheet_names()
        sheet = sheet or sheets[0]
        it = table.rows(sheet)
        top = _take(it, HEADER_SCAN_ROWS)
        layout = find_layout(sheet, top, mapping)
        data = top[layout.header_row:]
        data += _take(it, max(0, rows - len(data)))
        return SheetPreview(sheets, layout, [r for r in data[:rows] if any(
            not L.is_blank(c) for c in r)])


def _take(it: Iterator[tuple[Any, ...]], n: int) -> list[tuple[Any, ...]]:
    out = []
    for row in it:
        out.append(row)
        if len(out) >= n:
            break
    return out


# --- rows and households ------------------------------------------------------------------


class _Row:
    """One person row after reading: converted values, the parsed ID, errors seen."""

    __slots__ = ("line", "person", "parsed", "bad", "incomes")

    def __init__(self, line: int, person: PersonData, parsed: ResidentId | None, bad: bool,
                 incomes: tuple[tuple[str, int, str], ...] = ()):
        self.line = line
        self.person = person
        self.parsed = parsed
        self.bad = bad
        self.incomes = incomes


class _Group:
    """The rows of one household in the file and its household values (merged)."""

    __slots__ = ("key", "rows", "values", "source_line")

    def __init__(self, key: tuple[str, str]):
        self.key = key
        self.rows: list[_Row] = []
        self.values: dict[str, Any] = {}
        self.source_line: dict[str, int] | None = None  # only for values from a later row

    def line_of(self, field: str) -> int:
        """The row a household value came from (for the report)."""
        if self.source_line and field in self.source_line:
            return self.source_line[field]
        return self.rows[0].line

    @property
    def line(self) -> int:
        return self.rows[0].line


class _Reader:
    """Turns data rows into groups, recording every cell problem."""

    def __init__(self, layout: SheetLayout, report: ImportReport):
        self.layout = layout
        self.report = report
        self.sheet = layout.sheet
        self.groups: dict[tuple[str, str], _Group] = {}
        self.seen_ids: dict[str, int] = {}
        self.current: _Group | None = None
        self.seq = 0
        self.cols = [(i, f) for i, f in enumerate(layout.fields) if f]
        self.mapped = {f for _, f in self.cols}
        self.unnamed = [i for i, h in enumerate(layout.headers) if not h]
        self.unnamed_reported: set[int] = set()
        self.error_count = 0
        self.width = len(layout.headers)
        # per mapped column, in column order: its field, the cell's conversion and what it
        # remembers of repeated texts (a file's own, L.cell_memory)
        self.plan = [(i, f, L.CONVERTERS[f], L.cell_memory(f)) for i, f in self.cols]
        self.household_mapped = tuple(f for f in L.HOUSEHOLD_FIELDS if f in self.mapped)

    def issue(self, line: int, col: int | str | None, value: Any, en: str, zh: str,
              severity: str = "error") -> None:
        if isinstance(col, int):
            label = self.layout.column_label(col)
        elif isinstance(col, str):
            label = self.layout.label_of(col) if col in L.FIELD_BY_KEY else col
        else:
            label = ""
        self.report.issues.append(Issue(self.sheet, line, label, L.display(value), en, zh,
                                        severity))
        if severity == "error":
            self.error_count += 1

    def add(self, line: int, cells: tuple[Any, ...]) -> None:
        n = len(cells)
        raw = {}
        values: dict[str, Any] = {}
        failed = None  # the cells that do not convert: reported once the row counts
        # One pass over the row's cells, converting as it goes: this runs for every cell of
        # the file (2 million in a city's register), so L.is_blank and the remembered texts
        # are inlined.
        for i, f, conv, memory in self.plan:
            if i >= n:
                break
            v = cells[i]
            if v is None:
                continue
            if isinstance(v, str):
                if not v or v.isspace():  # blank (as not v.strip(), without the copy)
                    continue
                if memory is not None and type(v) is str:
                    raw[f] = v
                    out = memory.get(v, memory)
                    if out is memory:
                        try:
                            out = memory[v] = conv(f, v)
                        except L.CellError as e:
                            failed = (failed or []) + [(f, v, e)]
                            continue
                    values[f] = out
                    continue
            raw[f] = v
            try:
                values[f] = conv(f, v)
            except L.CellError as e:
                failed = (failed or []) + [(f, v, e)]
        others = self.unnamed if n <= self.width else \
            self.unnamed + list(range(self.width, n))
        if not raw:
            for i in others:
                if i < n and not L.is_blank(cells[i]):
                    break
            else:
                return  # an empty row
        self.report.rows += 1
        for i in others:
            if not L.is_blank(cells[i]) and i not in self.unnamed_reported:
                self.unnamed_reported.add(i)
                self.issue(line, i, cells[i],
                           "this column has values but no header (merged header cells?); give "
                           "it a name or delete it",
                           "该列有数据但没有列名（表头单元格是否合并了？），请填写列名或删除该列")
        if "name" not in raw and "id_number" not in raw:
            self.issue(line, None, "", "row without name and ID number ignored (a total row?)",
                       "该行没有姓名和身份证号，已忽略（是否为合计行？）", "warning")
            return
        bad_fields: set[str] = set()
        for f, v, e in failed or ():
            bad_fields.add(f)
            self.issue(line, f, v, e.en, e.zh)
        person = PersonData(name=values.get("name", ""), id_number=values.get("id_number", ""),
                            **{k: values[k] for k in _PERSON_OPTIONAL if k in values})
        if "relation" not in values:
            person.relation = ""  # not PersonData's default "head": a blank or bad cell
        errors: list[FieldError] = []
        parsed = validate_person(person, "", errors)
        for e in errors:
            f = _PERSON_SERVICE_FIELD.get(e.field, e.field)
            if f in bad_fields:
                continue  # already reported by the cell conversion
            if f == "relation" and "relation" not in values:
                self.issue(line, "relation", "", "relationship to the head is required",
                           "请填写与户主关系")
                continue
            self.issue(line, f, raw.get(f, ""), e.message_en, e.message_zh)
            bad_fields.add(f)
        if parsed is not None:
            if "sex" in values and values["sex"] != parsed.sex:
                bad_fields.add("sex")
                self.issue(line, "sex", raw["sex"], "sex does not match the ID number",
                           f"性别与身份证号不符（身份证号显示为{L.SEX_ZH[parsed.sex]}）")
            if "birth_date" in values and values["birth_date"] != parsed.birth_date:
                bad_fields.add("birth_date")
                self.issue(line, "birth_date", raw["birth_date"],
                           f"birth date does not match the ID number ({parsed.birth_date})",
                           f"出生日期与身份证号不符（身份证号显示为{parsed.birth_date}）")
            first = self.seen_ids.get(parsed.number)
            if first is not None:
                bad_fields.add("id_number")
                self.issue(line, "id_number", raw["id_number"],
                           f"the same person (ID number) is already on row {first}",
                           f"与第{first}行是同一人（身份证号重复）")
            else:
                self.seen_ids[parsed.number] = line
        row = _Row(line, person, parsed, bool(bad_fields), values.get("person_incomes", ()))
        group = self._group_for(line, values, row)
        if group is None:
            return
        group.rows.append(row)
        for f in self.household_mapped:
            if f not in values:
                continue
            v = values[f]
            old = group.values.get(f)
            if old is None:
                group.values[f] = v
                if group.rows[0] is not row:
                    if group.source_line is None:
                        group.source_line = {}
                    group.source_line[f] = line
            elif old != v:
                self.issue(line, f, raw[f],
                           f"differs from row {group.line_of(f)} of the same household "
                           f"({L.display(old)})",
                           f"与同一户第{group.line_of(f)}行的值（{L.display(old)}）不一致")

    def _group_for(self, line: int, values: dict[str, Any], row: _Row) -> _Group | None:
        number = values.get("household_number")
        head_id = values.get("head_id_number")
        if number:
            key = ("number", number)
        elif head_id:
            key = ("head", head_id)
        elif row.person.relation == "head":
            self.seq += 1
            key = ("row", str(self.seq))
        else:
            if self.current is None:
                self.issue(line, "relation", "",
                           "the row has no household key (户编号 or 户主身份证号) and follows no "
                           "head's row",
                           "该行没有户编号或户主身份证号，上方也没有户主行，无法确定属于哪一户")
                return None
            return self.current
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group(key)
        self.current = group
        return group


_PERSON_ARGS = {"relation", "disability_grade", "disability_category", "serious_illness",
                "self_care", "in_school", "able_to_work", "phone", "name", "id_number"}
_PERSON_OPTIONAL = tuple(sorted(_PERSON_ARGS - {"name", "id_number"}))


# --- checks against the database and the plan --------------------------------------------


@dataclass
class _Villages:
    by_code: dict[str, int]
    by_pair: dict[tuple[str, str], int]
    by_name: dict[str, list[int]]
    names: dict[int, tuple[str, str, str]]  # id → (code, township, village)
    by_id: dict[int, Area] = field(default_factory=dict)

    @classmethod
    def load(cls, s: Session) -> "_Villages":
        township = Area.__table__.alias("township")
        rows = s.execute(select(Area.id, Area.code, Area.name, township.c.name)
                         .join(township, township.c.id == Area.parent_id)
                         .where(Area.level == "village")).all()
        v = cls({}, {}, {}, {})
        # The village objects, as validate_household would look each one up.
        v.by_id = {a.id: a for a in s.scalars(select(Area).where(Area.level == "village"))}
        for vid, code, name, tname in rows:
            v.by_code[code] = vid
            v.by_pair[(tname, name)] = vid
            v.by_name.setdefault(name, []).append(vid)
            v.names[vid] = (code, tname, name)
        return v


@dataclass(slots=True)
class _PlannedHousehold:
    group: _Group
    data: HouseholdData
    extra: dict[str, Any]  # status, closed_on, closed_reason
    existing: Any | None  # households row
    changes: dict[str, Any] = field(default_factory=dict)
    new_id: int | None = None
    # Incomes and property items to write (None: not in the file, leave them) and the
    # registry's rows they replace.
    incomes: list[tuple[str, str, int, str]] | None = None  # (ID number or "", source, fen, note)
    old_incomes: list[Any] = field(default_factory=list)
    properties: list[tuple[str, int, str]] | None = None  # (kind, fen, description)
    old_properties: list[Any] = field(default_factory=list)

    @property
    def updated(self) -> bool:
        return self.existing is not None and bool(
            self.changes or self.old_incomes or self.old_properties
            or self.incomes or self.properties)


@dataclass(slots=True)
class _PlannedPerson:
    row: _Row
    household: _PlannedHousehold
    existing: Any | None  # persons row
    changes: dict[str, Any] = field(default_factory=dict)
    new_id: int | None = None


HOUSEHOLD_COMPARED = ("village_id", "residence_class", "category", "address", "phone",
                      "account_type", "account_number", "bank_name", "status", "closed_on",
                      "closed_reason")
# id_number_rev is left out: it follows from the ID number, the key persons are matched by.
PERSON_COMPARED = ("name", "id_number", "birth_date", "sex", "relation", "disability_grade",
                   "disability_category", "serious_illness", "self_care", "in_school",
                   "able_to_work", "phone")
_PERSON_LOADED = ("id", "household_id", *PERSON_COMPARED)


def _chunks(items: list[Any], n: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


class _Planner:
    """Checks the groups against the database and works out what to create and update."""

    def __init__(self, s: Session, reader: _Reader, report: ImportReport,
                 cancel: CancelToken | None):
        self.s = s
        self.reader = reader
        self.layout = reader.layout
        self.report = report
        self.cancel = cancel
        self.mapped = reader.mapped
        self.households: list[_PlannedHousehold] = []
        self.persons: list[_PlannedPerson] = []

    def issue(self, line: int, col: str | None, value: Any, en: str, zh: str,
              severity: str = "error") -> None:
        self.reader.issue(line, col, value, en, zh, severity)

    def _check(self) -> None:
        if self.cancel is not None:
            self.cancel.check()

    def run(self) -> None:
        s = self.s
        groups = list(self.reader.groups.values())
        villages = self.villages = _Villages.load(s)
        ids = [r.parsed.number for g in groups for r in g.rows if r.parsed is not None]
        persons: dict[str, Any] = {}
        ptable = Person.__table__
        for chunk in _chunks(ids):
            for r in s.execute(select(*[ptable.c[k] for k in _PERSON_LOADED])
                               .where(ptable.c.id_number.in_(chunk))):
                persons[r.id_number] = r
        self._check()
        htable = Household.__table__
        hh_by_number: dict[str, Any] = {}
        numbers = [g.key[1] for g in groups if g.key[0] == "number"]
        for chunk in _chunks(numbers):
            for r in s.execute(select(htable).where(htable.c.number.in_(chunk))):
                hh_by_number[r.number] = r
        hh_by_id: dict[int, Any] = {r.id: r for r in hh_by_number.values()}
        wanted = sorted({p.household_id for p in persons.values() if p.household_id}
                        - set(hh_by_id))
        for chunk in _chunks(wanted):
            for r in s.execute(select(htable).where(htable.c.id.in_(chunk))):
                hh_by_id[r.id] = r
        self._check()

        matched: list[tuple[_Group, Any | None]] = []
        for g in groups:
            matched.append((g, self._match(g, persons, hh_by_number, hh_by_id)))
        # What the database holds for the matched households, to check heads and sizes: the
        # member count and the heads and spouses (not every member: memory at 100,000 rows).
        counts: dict[int, int] = {}
        special: dict[int, list[Any]] = {}
        matched_ids = sorted({hh.id for _, hh in matched if hh is not None})
        for chunk in _chunks(matched_ids):
            counts.update((r[0], r[1]) for r in s.execute(
                select(ptable.c.household_id, func.count()).where(
                    ptable.c.household_id.in_(chunk)).group_by(ptable.c.household_id)))
            for r in s.execute(select(ptable.c.id, ptable.c.id_number, ptable.c.name,
                                      ptable.c.relation, ptable.c.household_id)
                               .where(ptable.c.household_id.in_(chunk),
                                      ptable.c.relation.in_(("head", "spouse")))):
                special.setdefault(r.household_id, []).append(r)
        self.incomes: dict[int, list[Any]] = {}
        self.properties: dict[int, list[Any]] = {}
        if self.mapped & {"person_incomes", "household_incomes"}:
            for chunk in _chunks(matched_ids):
                # the rows in force (open): ended rows are the household's history and stay
                for r in s.execute(select(Income.__table__)
                                   .where(Income.household_id.in_(chunk),
                                          Income.valid_until.is_(None))):
                    self.incomes.setdefault(r.household_id, []).append(r)
        if "properties" in self.mapped:
            for chunk in _chunks(matched_ids):
                for r in s.execute(select(PropertyItem.__table__)
                                   .where(PropertyItem.household_id.in_(chunk),
                                          PropertyItem.valid_until.is_(None))):
                    self.properties.setdefault(r.household_id, []).append(r)
        self._check()
        for n, (g, hh) in enumerate(matched):
            if n % 1000 == 0:
                self._check()
            if hh is None:
                self._plan_group(g, None, villages, persons, hh_by_id, 0, [])
            else:
                self._plan_group(g, hh, villages, persons, hh_by_id, counts.get(hh.id, 0),
                                 special.get(hh.id, []))

    def _match(self, g: _Group, persons: dict[str, Any], by_number: dict[str, Any],
               by_id: dict[int, Any]) -> Any | None:
        if g.key[0] == "number":
            return by_number.get(g.key[1])
        heads = [r for r in g.rows if r.person.relation == "head" and r.parsed is not None]
        head_id = g.key[1] if g.key[0] == "head" else (heads[0].parsed.number if heads else "")
        p = persons.get(head_id)
        if p is not None and p.household_id is not None:
            hh = by_id.get(p.household_id)
            if hh is not None and hh.status == "active":
                return hh
        return None

    def _plan_group(self, g: _Group, hh: Any | None, villages: _Villages,
                    persons: dict[str, Any], hh_by_id: dict[int, Any],
                    db_count: int, db_special: list[Any]) -> None:
        v = g.values
        line = g.line
        ok = not any(r.bad for r in g.rows)
        # One head (户主), at most one spouse.
        heads = [r for r in g.rows if r.person.relation == "head"]
        in_file = {r.parsed.number for r in g.rows if r.parsed is not None}
        # Registered members of this household that the file does not list stay in it.
        listed = sum(1 for n in in_file if hh is not None and n in persons
                     and persons[n].household_id == hh.id)
        kept_count = db_count - listed
        kept = [m for m in db_special if m.id_number not in in_file]
        kept_heads = [m for m in kept if m.relation == "head"]
        if len(heads) > 1:
            ok = False
            lines = "、".join(str(r.line) for r in heads)
            for r in heads[1:]:
                self.issue(r.line, "relation", L.RELATION_ZH["head"],
                           f"the household has {len(heads)} heads (rows "
                           f"{lines.replace('、', ', ')}); a household has exactly one head",
                           f"同一户有{len(heads)}名户主（第{lines}行），每户只能有一名户主")
        elif g.key[0] == "head" and heads and heads[0].parsed is not None \
                and heads[0].parsed.number != g.key[1]:
            ok = False
            self.issue(heads[0].line, "head_id_number", g.key[1],
                       f"the head's ID number column says {g.key[1]}, but the head's own row "
                       f"has {heads[0].parsed.number}",
                       f"户主身份证号填写为{g.key[1]}，与户主本人的身份证号"
                       f"{heads[0].parsed.number}不一致")
        elif not heads and not kept_heads:
            ok = False
            self.issue(line, "relation", "", "the household has no head (户主)",
                       "该户没有户主，每户必须有一名户主")
        elif heads and kept_heads:
            ok = False
            m = kept_heads[0]
            self.issue(heads[0].line, "relation", L.RELATION_ZH["head"],
                       f"the registry has {m.name} ({m.id_number}) as head of this household; "
                       "add that person's row with the new relationship to change the head",
                       f"登记库中该户户主为{m.name}（{m.id_number}），如需更换户主，请在表中一并"
                       "填写原户主的行及其新的与户主关系")
        spouses = [r for r in g.rows if r.person.relation == "spouse"]
        spouses += [m for m in kept if m.relation == "spouse"]
        if len(spouses) > 1:
            ok = False
            r = next((r for r in g.rows if r.person.relation == "spouse"), None)
            self.issue(r.line if r else line, "relation", L.RELATION_ZH["spouse"],
                       f"the household has {len(spouses)} spouses of the head",
                       f"同一户有{len(spouses)}名配偶")
        size = len(g.rows) + kept_count
        if "household_size" in v and v["household_size"] != size:
            ok = False
            self.issue(g.line_of("household_size"), "household_size", v["household_size"],
                       f"household size says {v['household_size']} but the household has "
                       f"{size} member(s)" + (f" ({kept_count} of them only in the registry)"
                                              if kept_count else ""),
                       f"家庭人口填写为{v['household_size']}，但该户实际有{size}人"
                       + (f"（其中{kept_count}人仅在登记库中）" if kept_count else ""))

        # The village: by code, or by name within the township, or by a name used once.
        village_id = self._village(g, villages)
        if village_id is None:
            ok = False

        # Household fields: the file's where mapped, else the registry's (or the defaults).
        def pick(key: str, column: str | None = None, default: Any = "") -> Any:
            column = column or key
            if column in self.mapped:
                return v.get(column, default)
            return getattr(hh, key) if hh is not None else default

        account_number = pick("account_number")
        if "account_type" in self.mapped:
            account_type = v.get("account_type") or _infer_account_type(account_number)
        elif hh is not None and account_number == hh.account_number:
            account_type = hh.account_type
        else:
            account_type = _infer_account_type(account_number)
        number = g.key[1] if g.key[0] == "number" else (hh.number if hh is not None else "")
        data = HouseholdData(
            village_id=village_id or 0, residence_class=pick("residence_class", default=None),
            category=pick("category", default="none"), address=pick("address"),
            phone=pick("phone", "household_phone"), account_type=account_type,
            account_number=account_number, bank_name=pick("bank_name"), number=number)
        status = pick("status", default="active")
        extra = {"status": status,
                 "closed_on": pick("closed_on", default=None),
                 "closed_reason": pick("closed_reason", default=None) or None}
        if village_id is not None:
            errors: list[FieldError] = []
            warnings: list[Warning_] = []
            validate_household(self.s, data, errors, warnings, villages.by_id)
            for e in errors:
                f = _SERVICE_FIELD.get(e.field, e.field)
                if f == "residence_class" and data.residence_class is None:
                    self.issue(line, f, "", "urban/rural (城乡类别) is required",
                               "请填写城乡类别（城市或农村）")
                else:
                    src = g.line_of(f)
                    self.issue(src, f, getattr(data, e.field, ""), e.message_en, e.message_zh)
                ok = False
            for w in warnings:
                f = _SERVICE_FIELD.get(w.field, w.field)
                self.issue(g.line_of(f), f, getattr(data, w.field, ""),
                           w.message_en, w.message_zh, "warning")
        if status == "closed" and not (extra["closed_on"] and extra["closed_reason"]):
            ok = False
            self.issue(g.line_of("status"), "status", L.STATUS_ZH["closed"],
                       "a closed household needs the closing date and reason",
                       "已注销的户须填写注销日期和注销原因")
        if status == "active" and (extra["closed_on"] or extra["closed_reason"]):
            ok = False
            self.issue(g.line_of("closed_on" if extra["closed_on"] else "closed_reason"),
                       "closed_on", extra["closed_on"] or extra["closed_reason"],
                       "closing date or reason given for a household that is not closed",
                       "户状态为正常，却填写了注销日期或注销原因")

        planned = _PlannedHousehold(g, data, extra, hh)
        self._plan_money(planned, persons)
        # Persons: new, unchanged, changed; refused when held by another active household.
        person_plans = []
        for r in g.rows:
            if r.parsed is None:
                continue
            ex = persons.get(r.parsed.number)
            if ex is not None and ex.household_id is not None and (
                    hh is None or ex.household_id != hh.id):
                other = hh_by_id.get(ex.household_id)
                if other is not None and other.status == "active":
                    dup = DuplicatePersonError("id_number", r.parsed.number, other.id,
                                               other.number, other.head_name).errors[0]
                    self.issue(r.line, "id_number", r.parsed.number, dup.message_en,
                               dup.message_zh)
                    ok = False
                    continue
            person_plans.append(_PlannedPerson(r, planned, ex))
        if not ok or self.reader.error_count:
            return  # no need to plan writes that will never happen

        if hh is not None:
            new = {**household_values(data, number), **extra}
            planned.changes = {k: new[k] for k in HOUSEHOLD_COMPARED if getattr(hh, k) != new[k]}
        for pp in person_plans:
            if pp.existing is not None:
                ex = pp.existing
                merged = PersonData(**{k: (getattr(pp.row.person, k) if k in self.mapped
                                           else getattr(ex, k))
                                       for k in _PERSON_ARGS})
                pp.row.person = merged
                values = person_values(merged, pp.row.parsed)
                pp.changes = {k: values[k] for k in PERSON_COMPARED
                              if getattr(ex, k) != values[k]}
        self.households.append(planned)
        self.persons.extend(person_plans)

    def _plan_money(self, h: _PlannedHousehold, persons: dict[str, Any]) -> None:
        """Incomes and property: the file's list replaces the registry's when they differ.
        Only what the file can speak for is compared: household-level incomes when that
        column is mapped, a person's incomes when that column is mapped and the person has a
        row in the file."""
        g, mapped = h.group, self.mapped
        by_person = "person_incomes" in mapped
        by_household = "household_incomes" in mapped
        if by_person or by_household:
            in_file = {r.parsed.number for r in g.rows if r.parsed is not None}
            wanted = []
            if by_person:
                wanted += [(r.parsed.number, *item) for r in g.rows if r.parsed is not None
                           for item in r.incomes]
            if by_household:
                wanted += [("", *item) for item in g.values.get("household_incomes", ())]
            numbers = {persons[n].id: n for n in in_file if n in persons}
            old = []
            if h.existing is not None:
                for r in self.incomes.get(h.existing.id, []):
                    who = numbers.get(r.person_id, f"#{r.person_id}") if r.person_id else ""
                    if (who == "" and by_household) or (who in in_file and by_person):
                        old.append((who, r))
            if sorted(wanted) != sorted((w, r.source, r.monthly_fen, r.note) for w, r in old):
                h.incomes = wanted
                h.old_incomes = [r for _, r in old]
        if "properties" in mapped:
            wanted_p = list(g.values.get("properties", ()))
            old_p = self.properties.get(h.existing.id, []) if h.existing is not None else []
            if sorted(wanted_p) != sorted((r.kind, r.value_fen, r.description) for r in old_p):
                h.properties = wanted_p
                h.old_properties = old_p

    def _village(self, g: _Group, villages: _Villages) -> int | None:
        v = g.values
        code, name, township = v.get("village_code"), v.get("village"), v.get("township")
        line_of = g.line_of
        if code:
            vid = villages.by_code.get(code)
            if vid is None:
                self.issue(line_of("village_code"), "village_code", code,
                           f"no village with code {code} in the area list",
                           f"区划中没有代码为 {code} 的村（社区）")
                return None
            _, tname, vname = villages.names[vid]
            if name and name != vname:
                self.issue(line_of("village"), "village", name,
                           f"village code {code} is {tname} {vname}, not {name}",
                           f"区划代码 {code} 对应的是{tname}{vname}，与“{name}”不符")
                return None
            return vid
        if not name:
            self.issue(g.line, "village", "", "the village (村/社区) is required",
                       "请填写所属村（社区）")
            return None
        if township:
            vid = villages.by_pair.get((township, name))
            if vid is None:
                self.issue(line_of("village"), "village", name,
                           f"no village {name} in township {township}",
                           f"乡镇（街道）“{township}”下没有村（社区）“{name}”")
            return vid
        ids = villages.by_name.get(name, [])
        if len(ids) == 1:
            return ids[0]
        if not ids:
            self.issue(line_of("village"), "village", name, f"unknown village {name}",
                       f"区划中没有村（社区）“{name}”")
        else:
            towns = "、".join(sorted(villages.names[i][1] for i in ids))
            self.issue(line_of("village"), "village", name,
                       f"there are {len(ids)} villages named {name}; add the township column",
                       f"有{len(ids)}个名为“{name}”的村（社区）（{towns}），请增加乡镇（街道）列")
        return None


def _infer_account_type(number: str) -> str:
    number = (number or "").replace(" ", "")
    if not number:
        return "none"
    return "card" if 16 <= len(number) <= 19 and number.isdigit() and luhn_ok(number) \
        else "passbook"


# --- writing ------------------------------------------------------------------------------


_REBUILT_TABLES = ("households", "persons", "person_search_keys", "household_memberships",
                   "incomes", "property_items")


def _insert_sql(table: str, cols: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"


def _write(s: Session, actor: str | int, planner: _Planner, source: str,
           report: ImportReport, progress: ProgressFn, cancel: CancelToken | None) -> None:
    """Insert new households and persons in bulk (filling every column the services fill:
    reversed ID, search keys, head and member count), then apply changes to existing records
    through the ORM and the Auditor. Runs inside the caller's transaction."""
    conn = s.connection()
    user = resolve_user(s, actor)
    # every household of the file lies in the importing user's area (a township caseworker
    # imports their township's register only); refused naming the first one outside it
    scope = scope_of(s, actor, "registry.import")
    if not scope.everywhere:
        codes = dict(s.execute(select(Area.id, Area.code).where(
            Area.id.in_({h.data.village_id for h in planner.households}))).all())
        for h in planner.households:
            if not scope.covers(codes.get(h.data.village_id)):
                authorize(s, actor, "registry.import", area_code=codes.get(h.data.village_id))
    bulk = BulkAuditor(s, user, source)
    audit = Auditor(s, user, source)
    stamp = utcnow()

    def check() -> None:
        if cancel is not None:
            cancel.check()

    new_hh = [h for h in planner.households if h.existing is None]
    next_hid = (s.scalar(select(func.max(Household.id))) or 0) + 1
    next_pid = (s.scalar(select(func.max(Person.id))) or 0) + 1
    registered = next_pid - 1  # (persons' ids; the highest stands for their number)
    file_numbers = {h.data.number for h in planner.households if h.data.number}
    counters: dict[int, int] = {}
    for h in new_hh:
        h.new_id = next_hid
        next_hid += 1
        if not h.data.number:
            h.data.number = _next_number(s, h.data.village_id, counters, file_numbers)
    members: dict[int, list[_PlannedPerson]] = {}
    for p in planner.persons:
        if p.existing is None:
            p.new_id = next_pid
            next_pid += 1
        members.setdefault(id(p.household), []).append(p)

    def pid(p: _PlannedPerson) -> int:
        return p.new_id if p.existing is None else p.existing.id

    def hid(h: _PlannedHousehold) -> int:
        return h.new_id if h.existing is None else h.existing.id

    # New households and persons through the registry's bulk writer (derived columns, search
    # keys and memberships written there); a household's head is set once the persons exist.
    new_p = [p for p in planner.persons if p.existing is None]
    # SQLite, a file bringing at least as many persons as are registered (a county's first
    # register): the registry's secondary indexes are dropped and built once the rows are in,
    # as the exchange import does (a built index is a sort; rows inserted one by one seek
    # their pages). Nothing below reads by them before they are back.
    rebuild = (drop_indexes(conn, _REBUILT_TABLES)
               if conn.dialect.name == "sqlite" and len(new_p) >= registered else [])
    # the columns between the id and the two stamps, from a record's values
    household_row = itemgetter(*HOUSEHOLD_INPUT[1:-2])
    person_row = itemgetter(*PERSON_INPUT[1:-2])
    with BulkWriter(conn) as writer:
        for i, h in enumerate(new_hh):
            ms = members.get(id(h), [])
            head = next(p for p in ms if p.row.person.relation == "head")
            values = household_values(h.data, h.data.number)
            values.update(h.extra)
            values["head_person_id"] = None
            writer.add_household((h.new_id, *household_row(values), stamp, stamp),
                                 head.row.person.name.strip(), len(ms))
            del values["head_person_id"]  # (the record audited: the columns given)
            writer.set_head(pid(head), h.new_id)
            bulk.created_record("household", h.new_id, values, h.new_id)
            if i % 5000 == 4999:
                check()
                progress(0.75 + 0.05 * i / max(1, len(new_hh)), "households 户")
        for i, p in enumerate(new_p):
            h = hid(p.household)
            values = person_values(p.row.person, p.row.parsed)  # a new dict
            values["household_id"] = h
            writer.add_person((p.new_id, *person_row(values), stamp, stamp))
            bulk.created_record("person", p.new_id, values, h)
            if i % 5000 == 4999:
                check()
                progress(0.80 + 0.15 * i / max(1, len(new_p)), f"{i + 1:,} persons 人")
    pid_of = {p.row.parsed.number: pid(p) for p in planner.persons}
    _write_money(s, planner, bulk, pid_of, hid)
    bulk.flush()
    check()
    # rebuilding an index sorts its entries and writes its pages in order: it needs no large
    # page cache (measured on the smaller one: the import's peak 471 -> 458 MB, its time
    # unchanged); the changed records below are written on the write cache again
    with page_cache(s, CHECK_CACHE_KIB):
        for n, sql in enumerate(rebuild):
            progress(0.95 + 0.03 * n / len(rebuild), "indexes 索引")
            conn.exec_driver_sql(sql)
    check()

    # Changed records: through the ORM and the Auditor, one field at a time.
    touched: set[int] = set()
    for h in planner.households:
        if h.updated:
            obj = s.get(Household, h.existing.id)
            audit.apply(obj, "household", h.changes, obj.id)
            report.changes.append(Change(h.group.line, "update", "household", obj.number,
                                         _household_changes(h)))
    for n, p in enumerate(planner.persons):
        h = p.household
        if p.existing is None:
            if h.existing is not None:
                touched.add(h.existing.id)  # a new member of a registered household
            continue
        changes = dict(p.changes)
        if p.existing.household_id != hid(h):
            changes["household_id"] = hid(h)
        if changes:
            obj = s.get(Person, p.existing.id)
            audit.apply(obj, "person", changes, hid(h))
            if "name" in changes:
                write_keys(s, obj)
            report.changes.append(Change(p.row.line, "update", "person", obj.id_number,
                                         tuple((k, getattr(p.existing, k), v)
                                               for k, v in changes.items())))
            if h.existing is not None:
                touched.add(h.existing.id)
        if n % 1000 == 0:
            check()
    for h in planner.households:
        if h.existing is None or h.existing.id not in touched:
            continue
        head = next((p for p in members.get(id(h), []) if p.row.person.relation == "head"),
                    None)
        obj = s.get(Household, h.existing.id)
        if head is not None and obj.head_person_id != pid(head):
            audit.apply(obj, "household", {"head_person_id": pid(head)}, obj.id)
        refresh_household(s, obj)
    check()
    audit.note("import", "household", None,
               f"imported {report.file} sheet {report.sheet}: households created "
               f"{report.households_created}, updated {report.households_updated}; persons "
               f"created {report.persons_created}, updated {report.persons_updated}")
    s.flush()


def _household_changes(h: _PlannedHousehold) -> tuple[tuple[str, Any, Any], ...]:
    out = [(k, getattr(h.existing, k), v) for k, v in h.changes.items()]
    if h.incomes is not None:
        out.append(("incomes", L.format_items("incomes", [(r.source, r.monthly_fen, r.note)
                                                           for r in h.old_incomes]),
                     L.format_items("incomes", [i[1:] for i in h.incomes])))
    if h.properties is not None:
        out.append(("properties",
                    L.format_items("properties", [(r.kind, r.value_fen, r.description)
                                                  for r in h.old_properties]),
                    L.format_items("properties", h.properties)))
    return tuple(out)


def _write_money(s: Session, planner: _Planner, bulk: BulkAuditor,
                 pid_of: dict[str, int], hid: Any) -> None:
    """Delete replaced incomes/property items and insert the file's, audited as the
    registry's add/delete services audit them."""
    conn = s.connection()
    next_income = (s.scalar(select(func.max(Income.id))) or 0) + 1
    next_item = (s.scalar(select(func.max(PropertyItem.id))) or 0) + 1
    income_rows, item_rows, gone_incomes, gone_items = [], [], [], []

    def since(table: Any, old: list[Any], household_id: Any) -> Any:
        """The file corrects the rows in force: its rows hold from where the replaced rows
        held (or from the end of the household's last ended row), so past months keep the
        rows that were in force then and nothing is counted twice."""
        if old:
            return min(r.valid_from for r in old).isoformat()
        ended = s.scalar(select(func.max(table.valid_until))
                         .where(table.household_id == household_id)) if household_id else None
        return (ended or SINCE_ALWAYS).isoformat()

    for h in planner.households:
        household_id = hid(h)
        if h.existing is None:  # a household created by this import has no earlier rows
            income_from = item_from = SINCE_ALWAYS.isoformat()
        else:
            income_from = since(Income, h.old_incomes, household_id) if h.incomes else None
            item_from = since(PropertyItem, h.old_properties, household_id) if h.properties \
                else None
        # Rows of a household the file creates: one audit row per record, as the household's
        # own; rows replacing a registered household's: field by field, as the services do.
        created = bulk.created_record if h.existing is None else bulk.created
        for r in h.old_incomes:
            bulk.deleted("income", r.id, {"source": r.source, "monthly_fen": r.monthly_fen,
                                          "person_id": r.person_id, "note": r.note},
                         household_id)
            gone_incomes.append((r.id,))
        for who, source, fen, note in h.incomes or ():
            person_id = pid_of[who] if who else None
            income_rows.append((next_income, household_id, person_id, source, fen, note,
                                income_from))
            created("income", next_income, {"source": source, "monthly_fen": fen,
                                            "person_id": person_id, "note": note}, household_id)
            next_income += 1
        for r in h.old_properties:
            bulk.deleted("property", r.id, {"kind": r.kind, "value_fen": r.value_fen,
                                            "description": r.description}, household_id)
            gone_items.append((r.id,))
        for kind, fen, description in h.properties or ():
            item_rows.append((next_item, household_id, kind, description, fen, item_from))
            created("property", next_item, {"kind": kind, "value_fen": fen,
                                            "description": description}, household_id)
            next_item += 1
    if gone_incomes:
        conn.exec_driver_sql("DELETE FROM incomes WHERE id = ?", gone_incomes)
    if gone_items:
        conn.exec_driver_sql("DELETE FROM property_items WHERE id = ?", gone_items)
    if income_rows:
        conn.exec_driver_sql(_insert_sql("incomes", ("id", "household_id", "person_id", "source",
                                                     "monthly_fen", "note", "valid_from")),
                             income_rows)
    if item_rows:
        conn.exec_driver_sql(_insert_sql("property_items", ("id", "household_id", "kind",
                                                            "description", "value_fen",
                                                            "valid_from")),
                             item_rows)


def _next_number(s: Session, village_id: int, counters: dict[int, int],
                 taken: set[str]) -> str:
    """The next free household number in a village (the registry's numbering), skipping
    numbers the file itself assigns."""
    village = s.get(Area, village_id)
    if village_id not in counters:
        first = next_household_number(s, village)
        counters[village_id] = int(first.rsplit("-", 1)[1])
    while True:
        number = f"{village.code}-{counters[village_id]:04d}"
        counters[village_id] += 1
        if number not in taken:
            taken.add(number)
            return number


# --- the entry point ----------------------------------------------------------------------


@requires("registry.import")
@cyclic_gc_paused()  # 100,000 rows' objects, no cycles: collections walked them all (2.4 CPU s)
def import_registry(db: Database, actor: str | int, path: str | Path, *,
                    sheet: str | None = None, mapping: dict[str, str] | None = None,
                    dry_run: bool = False, progress: ProgressFn | None = None,
                    cancel: CancelToken | None = None) -> ImportReport:
    """Check a registry spreadsheet and, when it has no errors and ``dry_run`` is false,
    write it in one transaction.

    Returns the :class:`ImportReport`; ``report.written`` tells whether anything was
    written. Raises :class:`ImportFileError` when the file as a whole cannot be read and
    :class:`~assistcase.errors.Cancelled` when ``cancel`` is set (nothing is written)."""
    t0 = time.perf_counter()
    path = Path(path)
    report_progress = progress or (lambda _f, _m: None)
    report = ImportReport(file=path.name, dry_run=dry_run)
    with open_table(path) as table:
        report.sheet = sheet = sheet or table.sheet_names()[0]
        reader = _read(table, sheet, mapping, report, report_progress, cancel)
    if cancel is not None:
        cancel.check()
    if report.errors and not reader.groups:
        report.seconds = time.perf_counter() - t0
        return report
    report_progress(0.6, "checking against the registry 核对登记库")
    source = f"import: {path.name}"
    if dry_run:
        with db.read() as s, page_cache(s, CHECK_CACHE_KIB):
            planner = _Planner(s, reader, report, cancel)
            planner.run()
            _count(planner, report)
            if report.ok:
                _describe(planner, report)
    else:
        from ..services.backups import backup_before

        backup_before(db, "before-import")  # the state before the file, to go back to
        # db.begin() takes the write lock first (BEGIN IMMEDIATE), so nothing changes between
        # the checks and the write.
        with db.begin() as s, page_cache(s, CHECK_CACHE_KIB):
            planner = _Planner(s, reader, report, cancel)
            planner.run()
            _count(planner, report)
            if report.ok and (report.households_created or report.households_updated
                              or report.persons_created or report.persons_updated):
                report_progress(0.75, "writing 写入")
                with page_cache(s, WRITE_CACHE_KIB):
                    _write(s, actor, planner, source, report, report_progress, cancel)
                report.written = True
            report_progress(0.99, "committing 提交")
    report.seconds = time.perf_counter() - t0
    report_progress(1.0, report.summary_zh())
    return report


# SQLite page cache of the import's connection (KiB). The checks read by index and need
# little: the smaller cache keeps their phase, which holds the file's rows, within the memory
# budget. The write needs more: with 16 MiB, pages of the persons' and search keys' indexes
# and of the audit log were spilled and re-read while 100,000 persons were inserted (the
# search keys' INSERT … SELECT alone took 4.4 CPU s instead of 3.0); by then the file itself
# is closed. 32 MiB: the 100,000-person import's peak RSS 430 MB against 441-446 MB with
# 48 MiB (and 64 MiB came within 10 MB of the 500 MB budget), for about 1 CPU second more
# (16.1-16.9 against 15.2-15.5 s; 2026-12-01, with slotted persons and IDs).
CHECK_CACHE_KIB = 16_384
WRITE_CACHE_KIB = 32_768


def _count(planner: _Planner, report: ImportReport) -> None:
    report.households_created = sum(1 for h in planner.households if h.existing is None)
    report.households_updated = sum(1 for h in planner.households if h.updated)
    report.persons_created = sum(1 for p in planner.persons if p.existing is None)
    moved = [p for p in planner.persons if p.existing is not None
             and (p.changes or p.household.existing is None
                  or p.existing.household_id != p.household.existing.id)]
    report.persons_updated = len(moved)
    existing = sum(1 for p in planner.persons if p.existing is not None)
    report.persons_unchanged = existing - len(moved)


def _describe(planner: _Planner, report: ImportReport) -> None:
    """The changes a dry run would make, for the report."""
    for h in planner.households:
        if h.existing is None:
            report.changes.append(Change(h.group.line, "create", "household",
                                         h.data.number or "(new)"))
        elif h.updated:
            report.changes.append(Change(h.group.line, "update", "household", h.existing.number,
                                         _household_changes(h)))
    for p in planner.persons:
        if p.existing is None:
            report.changes.append(Change(p.row.line, "create", "person", p.row.parsed.number))
        else:
            changes = [(k, getattr(p.existing, k), v) for k, v in p.changes.items()]
            if p.household.existing is None or p.existing.household_id != p.household.existing.id:
                changes.append(("household_id", p.existing.household_id,
                                p.household.data.number or "(new)"))
            if changes:
                report.changes.append(Change(p.row.line, "update", "person",
                                             p.row.parsed.number, tuple(changes)))
    report.changes.sort(key=lambda c: c.row)


def _read(table: Table, sheet: str, mapping: dict[str, str] | None, report: ImportReport,
          progress: ProgressFn, cancel: CancelToken | None) -> _Reader:
    rows = table.rows(sheet)
    top = _take(rows, HEADER_SCAN_ROWS)
    layout = find_layout(sheet, top, mapping)
    report.issues.extend(layout.issues)
    reader = _Reader(layout, report)
    if layout.issues:
        return reader  # a wrong header makes every row wrong: report the header only
    estimate = table.row_estimate(sheet) or 0
    line = layout.header_row
    for cells in top[layout.header_row:]:
        line += 1
        reader.add(line, cells)
    for cells in rows:
        line += 1
        reader.add(line, cells)
        if line % 2000 == 0:
            if cancel is not None:
                cancel.check()
            frac = min(line / estimate, 1.0) if estimate else 0.3
            progress(0.6 * frac, f"{line:,} rows read 已读取{line:,}行")
    # the remembered cell texts and ID numbers are not needed after the reading
    reader.plan = []
    reader.seen_ids = {}
    if not reader.groups and not report.errors:
        report.issues.append(Issue(sheet, layout.header_row, "", "",
                                   "the sheet has a header but no data rows",
                                   "工作表只有表头，没有数据行"))
    return reader


# --- the report as a workbook -------------------------------------------------------------


def write_report_xlsx(report: ImportReport, path: str | Path) -> Path:
    """The report as .xlsx: the problems (sheet, row, column, value, reason 中文 / English),
    the changes, and a summary. Written to a temporary file and renamed."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    path = Path(path)
    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(ws: Any, names: list[str]) -> None:
        cells = []
        for n in names:
            c = WriteOnlyCell(ws, value=n)
            c.font = bold
            cells.append(c)
        ws.append(cells)

    ws = wb.create_sheet("问题 Issues")
    header(ws, ["工作表 Sheet", "行 Row", "列 Column", "值 Value", "级别 Severity",
                "原因", "Reason"])
    for i in report.issues:
        ws.append([i.sheet, i.row, i.column, i.value,
                   "错误 error" if i.severity == "error" else "提醒 warning",
                   i.reason_zh, i.reason_en])
    ws = wb.create_sheet("变更 Changes")
    header(ws, ["行 Row", "操作 Action", "对象 Entity", "编号 Key", "字段 Field", "原值 Old",
                "新值 New"])
    action_zh = {"create": "新增 create", "update": "修改 update"}
    entity_zh = {"household": "户 household", "person": "人 person"}
    for c in report.changes:
        if not c.fields:
            ws.append([c.row, action_zh[c.action], entity_zh[c.entity], c.key])
        for f, old, new in c.fields:
            ws.append([c.row, action_zh[c.action], entity_zh[c.entity], c.key, f,
                       L.display(old), L.display(new)])
    ws = wb.create_sheet("汇总 Summary")
    ws.append(["文件 File", report.file])
    ws.append(["工作表 Sheet", report.sheet])
    ws.append(["结果", report.summary_zh()])
    ws.append(["Result", report.summary()])
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
    return path

