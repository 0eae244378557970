"""Export of the registry (a filtered household list) to .xlsx in the layout the import reads
(:mod:`assistcase.io.layout`): one row per person, household columns repeated on each row, so
exporting and importing the file again reproduces every household and person field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from ..db import Database
from ..models import Area, Household, Income, Person, PropertyItem
from ..progress import CancelToken, ProgressFn
from ..services.queries import HouseholdFilter, household_query
from . import layout as L

EXPORT_FIELDS = tuple(f for f in L.FIELDS if f.key != "head_id_number")
TEXT_FIELDS = {"household_number", "village_code", "id_number", "account_number", "phone",
               "household_phone"}
CHUNK = 1000


def export_registry(db: Database, path: str | Path, flt: HouseholdFilter | None = None,
                    sort: str = "number", progress: ProgressFn | None = None,
                    cancel: CancelToken | None = None) -> int:
    """Write the households matching ``flt`` (all households when None) and their members to
    ``path``; returns the number of households. Streams (openpyxl write-only) and writes to a
    temporary file renamed at the end, so a cancelled export leaves no partial file."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    path = Path(path)
    report = progress or (lambda _f, _m: None)
    flt = flt or HouseholdFilter(status=None)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    bold = Font(bold=True)
    with db.read() as s:
        persons = s.scalar(select(func.count()).select_from(Person).where(
            Person.household_id.in_(household_query(s, flt).order_by(None)))) or 0
    # openpyxl writes a <dimension> only when the sheet can say its size up front; without
    # it, openpyxl (and so our own import) scans the whole sheet just to open the workbook.
    ref = f"A1:{get_column_letter(len(EXPORT_FIELDS))}{persons + 1}"
    ws.calculate_dimension = lambda: ref
    header = []
    for f in EXPORT_FIELDS:
        c = WriteOnlyCell(ws, value=f.header)
        c.font = bold
        header.append(c)
    ws.append(header)
    township = Area.__table__.alias("township")
    village = Area.__table__.alias("village")
    tmp = path.with_name(path.name + ".part")
    count = 0
    try:
        with db.read() as s:
            ids = list(s.scalars(household_query(s, flt, sort)))
            for start in range(0, len(ids), CHUNK):
                if cancel is not None:
                    cancel.check()
                block = ids[start:start + CHUNK]
                hh_rows = {r.id: r for r in s.execute(
                    select(Household.__table__, village.c.code.label("village_code"),
                           village.c.name.label("village_name"),
                           township.c.name.label("township_name"))
                    .join(village, village.c.id == Household.village_id)
                    .join(township, township.c.id == village.c.parent_id)
                    .where(Household.id.in_(block)))}
                members: dict[int, list[Any]] = {}
                for p in s.execute(select(Person.__table__).where(Person.household_id.in_(block))
                                   .order_by(Person.household_id, Person.relation != "head",
                                             Person.id)):
                    members.setdefault(p.household_id, []).append(p)
                incomes: dict[tuple[int, int | None], list[tuple[str, int, str]]] = {}
                for i in s.execute(select(Income.household_id, Income.person_id, Income.source,
                                          Income.monthly_fen, Income.note)
                                   .where(Income.household_id.in_(block),
                                          Income.valid_until.is_(None))  # the rows in force
                                   .order_by(Income.id)):
                    incomes.setdefault((i[0], i[1]), []).append((i[2], i[3], i[4]))
                items: dict[int, list[tuple[str, int, str]]] = {}
                for i in s.execute(select(PropertyItem.household_id, PropertyItem.kind,
                                          PropertyItem.value_fen, PropertyItem.description)
                                   .where(PropertyItem.household_id.in_(block),
                                          PropertyItem.valid_until.is_(None))
                                   .order_by(PropertyItem.id)):
                    items.setdefault(i[0], []).append((i[1], i[2], i[3]))
                for hid in block:
                    h = hh_rows[hid]
                    money = {
                        "household_incomes": L.format_items(
                            "household_incomes", incomes.get((hid, None), [])),
                        "properties": L.format_items("properties", items.get(hid, []))}
                    for p in members.get(hid, []):
                        money["person_incomes"] = L.format_items(
                            "person_incomes", incomes.get((hid, p.id), []))
                        ws.append(_row(h, p, len(members[hid]), money))
                    count += 1
                report(count / max(1, len(ids)), f"{count:,}/{len(ids):,} households 户")
        wb.save(tmp)
        tmp.replace(path)
    except BaseException:
        _discard(ws)
        raise
    finally:
        tmp.unlink(missing_ok=True)
    return count


def _discard(ws: Any) -> None:
    """Finish and delete a write-only sheet's temporary file after a cancel or an error."""
    try:
        ws.close()
        ws._writer.cleanup()  # openpyxl keeps the sheet in a temp file until saved
    except Exception:  # the sheet may already be closed by a failed save
        pass


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _row(h: Any, p: Any, size: int, money: dict[str, str]) -> list[Any]:
    values = {**money,
        "household_number": h.number, "township": h.township_name, "village": h.village_name,
        "village_code": h.village_code, "residence_class": L.RESIDENCE_ZH[h.residence_class],
        "category": L.CATEGORY_ZH[h.category], "household_size": size, "name": p.name,
        "id_number": p.id_number, "sex": L.SEX_ZH[p.sex], "birth_date": p.birth_date,
        "relation": L.RELATION_ZH[p.relation], "disability_grade": p.disability_grade,
        "disability_category": p.disability_category,
        "serious_illness": _yes_no(p.serious_illness), "self_care": L.SELF_CARE_ZH[p.self_care],
        "in_school": _yes_no(p.in_school), "able_to_work": _yes_no(p.able_to_work),
        "phone": p.phone, "address": h.address, "household_phone": h.phone,
        "account_type": L.ACCOUNT_ZH[h.account_type], "bank_name": h.bank_name,
        "account_number": h.account_number, "status": L.STATUS_ZH[h.status],
        "closed_on": h.closed_on, "closed_reason": h.closed_reason,
    }
    return [values[f.key] if values[f.key] != "" else None for f in EXPORT_FIELDS]
