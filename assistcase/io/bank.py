"""The bank file of a roster (代发文件) and the bank's result file (回盘).

**Bank file** (:func:`write_bank_xlsx`): what the bank loads to pay an *approved* roster (a
draft never reaches a bank). Sheets, in this order:

- ``代发明细``: one row per line paid into an account, row 1 the column header (a bank's
  loader reads the first sheet from its first row, so nothing but payees is put below it, no
  totals row that could be loaded as a payment): 业务编号, 姓名, 身份证号, 账号, 开户行,
  金额(元), 备注. ID numbers and accounts are text cells formatted ``@`` (an 18-digit ID or
  a 19-digit account stored as a number would lose its last digits); the amount is a number
  with two decimals, written as an exact decimal so reading it back gives the fen.
- ``无账户（现金发放）``: lines whose household has no account (account type ``none`` or no
  number): they cannot be paid by the bank and are paid in cash by the township, so they are
  kept out of the bank's sheet and counted apart; they carry the same 业务编号 so their
  handover can be recorded with the same result file if the office wishes.
- ``汇总``: the roster's title, number, month, issuing office and approver, and the totals
  check: 笔数 and 合计金额 of each sheet and in all, which equal the roster's total. The
  title, month and office are also the printed page header of every sheet.

Lines with a zero amount (a deduction that took the whole month) pay nothing and are left
out; the summary counts them.

The 业务编号 is ``R{roster id}-{sequence number:06d}``: it names the roster and the line's
sequence number on the printed roster (frozen once approved), so a returned row is matched
back without doubt, and a row from another roster's file is recognised as such.

**Bank returns** (:func:`import_bank_returns`): the bank's result file (.xlsx, or .csv in
UTF-8 or GBK) with the columns 业务编号, 姓名, 身份证号 and/or 账号, 金额, 结果 (成功 /
失败, also 已发放, paid, failed …) and 失败原因. Every row is checked against its line (name,
number, amount); any problem refuses the whole file, listing each problem with the file, row
and column, and nothing is recorded. A file may cover part of a roster (banks send results in
batches); a file imported before (same SHA-256) is refused. The outcomes are recorded by
:func:`assistcase.services.rosters.record_bank_returns`; the failed ones are reissued by the
next roster of the program.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..db import Database
from ..errors import FieldError, StateError, ValidationError
from ..files import replaced_on_success
from ..progress import CancelToken, ProgressFn
from ..services import rosters as R
from ..services.rosters import PaymentOutcome, ReturnsResult
from ..rules.money import parse_yuan, yuan, yuan_decimal
from .tables import ImportFileError, open_table

__all__ = ["BANK_COLUMNS", "BANK_SHEET", "CASH_SHEET", "SUMMARY_SHEET", "BankFileSummary",
           "ReturnsResult", "bank_reference", "fen_from_cell", "import_bank_returns",
           "parse_reference", "write_bank_return_template", "write_bank_xlsx"]

BANK_SHEET = "代发明细"
CASH_SHEET = "无账户（现金发放）"
SUMMARY_SHEET = "汇总"
BANK_COLUMNS = ("业务编号", "姓名", "身份证号", "账号", "开户行", "金额(元)", "备注")
CASH_COLUMNS = ("业务编号", "姓名", "身份证号", "乡镇（街道）", "村（社区）", "金额(元)", "备注")
BANK_WIDTHS = (16, 10, 21, 23, 20, 12, 40)
CASH_WIDTHS = (16, 10, 21, 16, 16, 12, 40)
TEXT = "@"
MONEY = "0.00"
_REFERENCE = re.compile(r"^R(\d+)-(\d+)$")
MAX_LISTED_PROBLEMS = 500


def bank_reference(roster_id: int, seq: int) -> str:
    """The 业务编号 of a line: ``R12-000345`` for line 345 of roster 12."""
    return f"R{roster_id}-{seq:06d}"


def parse_reference(text: str) -> tuple[int, int] | None:
    """(roster id, sequence number) of a 业务编号, or None if it is not one."""
    m = _REFERENCE.match(text.strip().upper())
    return (int(m.group(1)), int(m.group(2))) if m else None


def fen_from_cell(value: Any) -> int | None:
    """An amount in yuan as a spreadsheet gives it (a number, or text such as '1,234.50')
    in fen; None if it is not an amount with at most two decimals."""
    return parse_yuan(value, allow_negative=True)


# --- the bank file ------------------------------------------------------------------------


@dataclass(frozen=True)
class BankFileSummary:
    """What a bank file holds: ``rows`` / ``total_fen`` over both detail sheets (equal to the
    roster's lines with an amount and its total), split into the bank's and the cash sheet;
    ``zero_lines`` lines paid nothing and are not in the file."""

    rows: int
    total_fen: int
    bank_rows: int
    bank_fen: int
    cash_rows: int
    cash_fen: int
    zero_lines: int
    path: Path


def _discard(wb) -> None:
    """Close the sheets of an unsaved write-only workbook and delete their temporary files
    (openpyxl streams each sheet to a file of its own until the workbook is saved)."""
    for ws in wb.worksheets:
        try:
            ws.close()
        except Exception:  # noqa: BLE001 - best effort on the way out of a failure
            pass
        writer = getattr(ws, "_writer", None)
        if writer is not None and isinstance(writer.out, str) and os.path.exists(writer.out):
            writer.cleanup()


def _pays_by_bank(line: R.LineRow) -> bool:
    return not R.pays_in_cash(line.account_type, line.account_number)


MEMO_MAX = 20  # characters of a 摘要 that a bank's loader takes whole


def _memo(view: R.RosterView) -> str:
    """The bank's 摘要 for the payee: what the money is, shortly."""
    short = {"dibao": "低保金", "tekun": "特困供养金", "one_time": "一次性生活补贴",
             "temp_aid": "临时救助金"}[view.program]
    if view.kind == "monthly":
        return f"{view.month.year}年{view.month.month}月{short}"
    if view.kind == "one_time" and view.purpose and len(view.purpose) <= MEMO_MAX:
        return view.purpose  # what the payee sees on the statement: 2022年一次性生活补贴
    return short


def _period(view: R.RosterView) -> tuple[str, str]:
    if view.pay_date is not None:
        return "发放日期", f"{view.pay_date:%Y-%m-%d}"
    return "发放月份", f"{view.month.year}年{view.month.month}月"


def write_bank_xlsx(db: Database, roster_id: int, path: str | os.PathLike[str],
                    progress: ProgressFn | None = None,
                    cancel: CancelToken | None = None) -> BankFileSummary:
    """Write the bank file of an approved roster (see the module's description), streaming
    the lines from the database into an openpyxl write-only workbook. The file is written
    beside ``path`` and renamed into place at the end: a cancelled or failed export leaves
    no file behind."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    report = progress or (lambda _f, _m: None)
    with db.read() as s:
        view = R.roster_view(s, roster_id)
        if view.status != "approved":
            raise StateError(
                f"roster {roster_id} is {view.status}: only an approved roster can be sent to "
                "the bank",
                f"花名册 {roster_id} 状态为{R.STATUS_ZH[view.status]}，只有已审批的花名册才能生成银行代发文件")
        bank_n, cash_n = s.connection().exec_driver_sql(
            "SELECT COALESCE(SUM(account_type <> 'none' AND TRIM(account_number) <> ''), 0),"
            " COALESCE(SUM(account_type = 'none' OR TRIM(account_number) = ''), 0)"
            " FROM roster_lines WHERE roster_id = ? AND amount_fen > 0", (roster_id,)).one()

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DCE6F1")
    center = Alignment(horizontal="center", vertical="center")
    header_text = (view.issuing_office, view.title, "：".join(_period(view)))

    def sheet(title: str, columns: tuple[str, ...], widths: tuple[int, ...], rows: int):
        ws = wb.create_sheet(title)
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        # A <dimension> up front spares readers a scan of the whole sheet to open it.
        ref = f"A1:{get_column_letter(len(columns))}{rows + 1}"
        ws.calculate_dimension = lambda: ref
        ws.oddHeader.left.text, ws.oddHeader.center.text, ws.oddHeader.right.text = header_text
        ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"
        ws.freeze_panes = "A2"
        cells = []
        for name in columns:
            c = WriteOnlyCell(ws, value=name)
            c.font, c.fill, c.alignment = bold, head_fill, center
            cells.append(c)
        ws.append(cells)
        return ws

    def text_cell(ws, value: str):
        c = WriteOnlyCell(ws, value=value)
        c.number_format = TEXT
        return c

    def money_cell(ws, fen: int):
        c = WriteOnlyCell(ws, value=yuan_decimal(fen))
        c.number_format = MONEY
        return c

    bank_ws = sheet(BANK_SHEET, BANK_COLUMNS, BANK_WIDTHS, bank_n)
    cash_ws = sheet(CASH_SHEET, CASH_COLUMNS, CASH_WIDTHS, cash_n)
    # One styled cell per formatted column, refilled for each row: openpyxl writes a row the
    # moment it is appended, and styling a new cell for every row costs a good part of the
    # time at city scale.
    b_id, b_account = text_cell(bank_ws, ""), text_cell(bank_ws, "")
    b_money = money_cell(bank_ws, 0)
    c_id, c_money = text_cell(cash_ws, ""), money_cell(cash_ws, 0)
    memo = _memo(view)
    bank_rows = bank_fen = cash_rows = cash_fen = zero = done = 0
    total_lines = max(1, view.line_count)
    try:
        with replaced_on_success(path) as tmp:
            with db.read() as s:
                for line in R.iter_lines(s, roster_id):
                    done += 1
                    if done % 1000 == 0:
                        if cancel is not None:
                            cancel.check()
                        report(0.95 * done / total_lines, f"{done:,}/{view.line_count:,} lines 明细")
                    if line.amount_fen <= 0:
                        zero += 1
                        continue
                    ref = bank_reference(roster_id, line.seq)
                    remark = f"{memo}；{line.remark}" if line.remark else memo
                    if _pays_by_bank(line):
                        b_id.value, b_account.value = line.id_number, line.account_number.strip()
                        b_money.value = yuan_decimal(line.amount_fen)
                        bank_ws.append([ref, line.payee_name, b_id, b_account, line.bank_name,
                                        b_money, remark])
                        bank_rows, bank_fen = bank_rows + 1, bank_fen + line.amount_fen
                    else:
                        c_id.value, c_money.value = line.id_number, yuan_decimal(line.amount_fen)
                        cash_ws.append([ref, line.payee_name, c_id, line.township_name,
                                        line.village_name, c_money, remark])
                        cash_rows, cash_fen = cash_rows + 1, cash_fen + line.amount_fen
            if cancel is not None:
                cancel.check()
            if bank_fen + cash_fen != view.total_fen or (bank_rows, cash_rows) != (bank_n, cash_n):
                raise StateError(  # the lines changed under us: cannot happen to a frozen roster
                    f"roster {roster_id}: the lines add up to {yuan(bank_fen + cash_fen)} yuan but "
                    f"the roster's total is {yuan(view.total_fen)} yuan",
                    f"花名册 {roster_id} 明细合计 {yuan(bank_fen + cash_fen)} 元与总额 "
                    f"{yuan(view.total_fen)} 元不符")

            ws = wb.create_sheet(SUMMARY_SHEET)
            for col, width in zip("ABC", (26, 12, 18)):
                ws.column_dimensions[col].width = width
            ws.oddHeader.left.text, ws.oddHeader.center.text, ws.oddHeader.right.text = header_text
            title = WriteOnlyCell(ws, value=view.title)
            title.font = Font(bold=True, size=14)
            ws.append([title])
            approved = (f"{view.approved_by or ''} {view.approved_at:%Y-%m-%d}"
                        if view.approved_at else "")
            for label, value in (("花名册编号", f"R{roster_id}"), ("发放单位", view.issuing_office),
                                 ("区划", f"{view.area_name}（{view.area_code}）"), _period(view),
                                 ("审批", approved)):
                ws.append([label, value])
            ws.append([])
            head = []
            for name in ("项目", "笔数", "合计金额(元)"):
                c = WriteOnlyCell(ws, value=name)
                c.font, c.fill, c.alignment = bold, head_fill, center
                head.append(c)
            ws.append(head)
            for label, n, fen, strong in ((f"银行代发（{BANK_SHEET}）", bank_rows, bank_fen, False),
                                          (f"现金发放（{CASH_SHEET}）", cash_rows, cash_fen, False),
                                          ("合计", bank_rows + cash_rows, bank_fen + cash_fen, True)):
                first = WriteOnlyCell(ws, value=label)
                if strong:
                    first.font = bold
                ws.append([first, n, money_cell(ws, fen)])
            ws.append([])
            ws.append(["花名册总额(元)", view.line_count, money_cell(ws, view.total_fen)])
            ws.append([f"金额为零、不需发放的明细 {zero} 笔，未列入。"])
            ws.append(["金额以元为单位，保留两位小数；身份证号和账号为文本。"])
            report(0.97, "saving 保存")
            wb.save(tmp)
    except BaseException:
        _discard(wb)
        raise
    report(1.0, "done 完成")
    return BankFileSummary(bank_rows + cash_rows, bank_fen + cash_fen, bank_rows, bank_fen,
                           cash_rows, cash_fen, zero, path)


# --- the bank's result file ---------------------------------------------------------------

# Header aliases, normalised (no spaces, no unit in brackets, lower case).
_HEADERS = {
    "reference": ("业务编号", "业务参考号", "编号", "reference", "ref"),
    "name": ("姓名", "户名", "收款人", "收款人姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "证件号", "id", "idnumber"),
    "account": ("账号", "银行账号", "卡号", "收款账号", "account"),
    "amount": ("金额", "发放金额", "交易金额", "amount"),
    "result": ("结果", "发放结果", "处理结果", "状态", "result", "status"),
    "reason": ("失败原因", "原因", "备注", "reason"),
}
_COLUMN_ZH = {"reference": "业务编号", "name": "姓名", "id_number": "身份证号",
              "account": "账号", "amount": "金额", "result": "结果", "reason": "失败原因"}
_PAID = {"成功", "已发放", "发放成功", "已入账", "入账成功", "paid", "success", "succeeded", "ok"}
_FAILED = {"失败", "发放失败", "未发放", "入账失败", "退回", "failed", "failure", "fail"}


def _norm_header(value: Any) -> str:
    text = re.sub(r"[(（][^)）]*[)）]", "", str(value or ""))
    return re.sub(r"\s+", "", text).lower()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _find_header(rows: Iterator[tuple[Any, ...]]) -> tuple[int, dict[str, int]] | None:
    """The header row (within the first 20 rows) and the column of each field."""
    aliases = {alias: key for key, names in _HEADERS.items() for alias in names}
    for number, row in enumerate(rows, start=1):
        found: dict[str, int] = {}
        for i, value in enumerate(row):
            key = aliases.get(_norm_header(value))
            if key is not None and key not in found:
                found[key] = i
        if "reference" in found:
            return number, found
        if number >= 20:
            return None
    return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def import_bank_returns(db: Database, actor: str | int, roster_id: int,
                        path: str | os.PathLike[str], progress: ProgressFn | None = None,
                        cancel: CancelToken | None = None) -> ReturnsResult:
    """Read the bank's result file for an approved roster and record the outcomes, all or
    nothing (see the module's description). Raises :class:`ValidationError` listing every
    problem (each names the file, the row and the column; the first
    :data:`MAX_LISTED_PROBLEMS` are listed, then how many more), and
    :class:`~assistcase.errors.StateError` for a draft roster or a file imported before."""
    path = Path(path)
    report = progress or (lambda _f, _m: None)
    name = path.name
    with db.read() as s:
        view = R.roster_view(s, roster_id)
    if view.status != "approved":
        raise StateError(f"roster {roster_id} is not approved: the bank cannot have paid it",
                         f"花名册 {roster_id} 尚未审批，不能导入银行回盘")
    sha = _sha256(path) if path.is_file() else ""
    problems: list[FieldError] = []
    more = 0

    def problem(row: int | None, column: str | None, en: str, zh: str) -> None:
        nonlocal more
        if len(problems) >= MAX_LISTED_PROBLEMS:
            more += 1
            return
        where = name + (f" row {row}" if row else "") + (f" column {column}" if column else "")
        where_zh = name + (f" 第 {row} 行" if row else "") + (f"“{column}”列" if column else "")
        problems.append(FieldError(where, f"{where}: {en}", f"{where_zh}：{zh}"))

    outcomes: list[PaymentOutcome] = []
    seen: dict[int, int] = {}  # seq → file row
    with open_table(path) as table:
        rows = table.rows(table.sheet_names()[0])
        header = _find_header(rows)
        if header is None:
            raise ValidationError([FieldError(
                name, f"{name}: no header row with the column 业务编号 in the first 20 rows",
                f"{name}：前 20 行中没有包含“业务编号”列的表头")])
        header_row, cols = header
        missing = [_COLUMN_ZH[k] for k in ("name", "amount", "result") if k not in cols]
        if "id_number" not in cols and "account" not in cols:
            missing.append("身份证号/账号")
        if missing:
            raise ValidationError([FieldError(
                name, f"{name} row {header_row}: missing column(s) {', '.join(missing)}",
                f"{name} 第 {header_row} 行表头缺少列：{'、'.join(missing)}")])
        heading = {k: _COLUMN_ZH[k] for k in cols}
        with db.read() as s:
            conn = s.connection()
            # The roster's lines by sequence number, read once: one query instead of one per
            # row of the file (179,224 for a city).
            lines = {r[0]: r[1:] for r in conn.exec_driver_sql(
                "SELECT seq, id, payee_name, id_number, account_number, amount_fen"
                " FROM roster_lines WHERE roster_id = ?", (roster_id,))}
            for number, row in enumerate(rows, start=header_row + 1):
                if number % 1000 == 0:
                    if cancel is not None:
                        cancel.check()
                    report(0.8 * min(1.0, number / max(1, view.line_count + header_row)),
                           f"row {number:,} 第 {number:,} 行")
                cell = {k: (row[i] if i < len(row) else None) for k, i in cols.items()}
                if all(_cell_text(v) == "" for v in cell.values()):
                    continue
                ref_text = _cell_text(cell["reference"])
                ref = parse_reference(ref_text)
                if ref is None:
                    problem(number, heading["reference"],
                            f"{ref_text!r} is not a reference of this system (R<roster>-<number>)",
                            f"“{ref_text}”不是本系统的业务编号（应为 R花名册号-序号）")
                    continue
                if ref[0] != roster_id:
                    problem(number, heading["reference"],
                            f"{ref_text} belongs to roster {ref[0]}, not roster {roster_id}",
                            f"{ref_text} 属于花名册 {ref[0]}，不是花名册 {roster_id}")
                    continue
                found = lines.get(ref[1])
                if found is None:
                    problem(number, heading["reference"],
                            f"roster {roster_id} has no line {ref[1]}",
                            f"花名册 {roster_id} 中没有序号为 {ref[1]} 的明细")
                    continue
                line_id, payee, id_number, account, amount_fen = found
                if ref[1] in seen:
                    problem(number, heading["reference"],
                            f"{ref_text} appears again (first in row {seen[ref[1]]})",
                            f"{ref_text} 重复出现（首次在第 {seen[ref[1]]} 行）")
                    continue
                seen[ref[1]] = number
                got = _cell_text(cell["name"])
                if got != payee:
                    problem(number, heading["name"], f"expected {payee!r}, found {got!r}",
                            f"应为“{payee}”，实为“{got}”")
                for key, expected in (("id_number", id_number), ("account", account)):
                    if key not in cols:
                        continue
                    raw = cell[key]
                    got = _cell_text(raw).upper()
                    if got != expected.strip().upper():
                        hint = (" (the cell is a number, which loses the last digits of a"
                                " long number: the column must be text)"
                                if isinstance(raw, float) else "")
                        problem(number, heading[key], f"expected {expected}, found {got}{hint}",
                                f"应为 {expected}，实为 {got}")
                fen = fen_from_cell(cell["amount"])
                if fen is None:
                    problem(number, heading["amount"],
                            f"{_cell_text(cell['amount'])!r} is not an amount in yuan",
                            f"“{_cell_text(cell['amount'])}”不是金额（元）")
                elif fen != amount_fen:
                    problem(number, heading["amount"],
                            f"expected {yuan(amount_fen)} yuan, found {yuan(fen)} yuan",
                            f"应为 {yuan(amount_fen)} 元，实为 {yuan(fen)} 元")
                result_text = _cell_text(cell["result"])
                result = _norm_header(result_text)
                outcome = ("paid" if result in _PAID else
                           "failed" if result in _FAILED else None)
                if outcome is None:
                    problem(number, heading["result"],
                            f"{result_text!r} is not a result: use 成功 or 失败",
                            f"“{result_text}”不是发放结果，应为“成功”或“失败”")
                    continue
                reason = _cell_text(cell.get("reason")) if "reason" in cols else ""
                if outcome == "failed" and not reason:
                    problem(number, heading.get("reason", "失败原因"),
                            "a failed payment needs its reason", "发放失败须注明失败原因")
                outcomes.append(PaymentOutcome(line_id, outcome, reason,
                                               where=f"{name} row {number}"))
    if not outcomes and not problems:
        problems.append(FieldError(name, f"{name}: the file has no result rows",
                                   f"{name}：文件中没有回盘记录"))
    if problems:
        if more:
            problems.append(FieldError(name, f"{name}: … and {more} more problem(s)",
                                       f"{name}：另有 {more} 处问题未列出"))
        raise ValidationError(problems)
    report(0.85, "recording 记录结果")
    result = R.record_bank_returns(db, actor, roster_id, name, sha, outcomes)
    report(1.0, "done 完成")
    return result


def write_bank_return_template(bank_file: str | os.PathLike[str],
                               path: str | os.PathLike[str],
                               failed: Mapping[str, str] | None = None,
                               others: str = "", encoding: str = "utf-8-sig") -> int:
    """A result file in the layout :func:`import_bank_returns` reads, made from a bank file:
    one row per row of its ``代发明细`` sheet with 结果 ``失败`` and the reason for the
    references in ``failed`` and ``others`` for the rest ('' leaves it for the bank to fill,
    '成功' marks them paid). ``path`` ending in .csv gives a CSV in ``encoding`` (e.g. 'gbk'),
    else an .xlsx. Streams row by row; returns the number of rows."""
    failed = dict(failed or {})
    out = Path(path)
    head = ["业务编号", "姓名", "身份证号", "账号", "金额", "结果", "失败原因"]

    def returned(table) -> Iterator[list[Any]]:
        if BANK_SHEET not in table.sheet_names():
            raise ImportFileError(f"{Path(bank_file).name}: no sheet {BANK_SHEET}",
                                  f"{Path(bank_file).name}：没有“{BANK_SHEET}”工作表")
        it = table.rows(BANK_SHEET)
        next(it, None)
        for row in it:
            if not row or row[0] is None:
                continue
            ref = str(row[0])
            fen = fen_from_cell(row[5])
            money = yuan_decimal(fen) if fen is not None else row[5]
            if ref in failed:
                yield [ref, row[1], row[2], row[3], money, "失败", failed.pop(ref)]
            else:
                yield [ref, row[1], row[2], row[3], money, others, ""]

    n = 0
    wb = None
    try:
        with replaced_on_success(out) as tmp:
            with open_table(bank_file) as table:
                if out.suffix.lower() == ".csv":
                    with tmp.open("w", encoding=encoding, newline="") as f:
                        w = csv.writer(f)
                        w.writerow(head)
                        for r in returned(table):
                            w.writerow(["" if v is None else v for v in r])
                            n += 1
                else:
                    from openpyxl import Workbook
                    from openpyxl.cell import WriteOnlyCell

                    wb = Workbook(write_only=True)
                    ws = wb.create_sheet("回盘")
                    ws.append(head)
                    idn, account, money = (WriteOnlyCell(ws), WriteOnlyCell(ws), WriteOnlyCell(ws))
                    idn.number_format = account.number_format = TEXT
                    money.number_format = MONEY
                    for r in returned(table):
                        idn.value, account.value, money.value = r[2], r[3], r[4]
                        ws.append([r[0], r[1], idn, account, money, r[5], r[6]])
                        n += 1
                    if failed:
                        raise ValueError(f"not in the bank file: {', '.join(sorted(failed))}")
                    wb.save(tmp)
            if failed:
                raise ValueError(f"not in the bank file: {', '.join(sorted(failed))}")
    except BaseException:
        if wb is not None:
            _discard(wb)
        raise
    return n
