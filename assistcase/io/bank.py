"""The bank file of a roster (代发文件) and the bank's result file (回盘).

**Bank file** (:func:`write_bank_xlsx`): what the bank loads to pay an *approved* roster (a
draft never reaches a bank). Sheets, in this order:

- ``代发明细``: one row per line paid into an account, row 1 the column header (a bank's
  loader reads the first sheet from its first row, so nothing but payees is put below it, no
  totals row that could be loaded as a payment): 业务编号, 姓名, 身份证号, 账号, 开户行,
  金额(元), 备注. ID numbers and accounts are text cells formatted ``@`` (an 18-digit ID or
  a 19-digit account stored as a number would lose its last digits); the amount is a number
  with two decimals, written as an exact decimal so reading it back gives the fen.
  Persons in institutional care (集中供养, DOMAIN §10) are paid to their institution, not to
  a household account: the institution is the payee, so it gets **one row** per roster (业务
  编号 ``R{roster id}-J{institution id:05d}``, 姓名 the institution's account name, no ID
  number, its account and 开户行, the sum of its residents' lines, 备注 how many persons),
  after the persons' rows; the printed roster groups the same lines under the institution
  with the same account (:mod:`assistcase.services.care`).
- ``无账户（现金发放）``: lines whose household has no account (account type ``none`` or no
  number), and lines of an institution with no registered account: they cannot be paid by
  the bank and are paid in cash by the township, so they are kept out of the bank's sheet
  and counted apart; they carry the same 业务编号 so their handover can be recorded with the
  same result file if the office wishes.
- ``集中供养明细`` (only when a roster pays an institution): each institution row's lines
  (业务编号 of the institution and of the line, name, ID number, amount), for the
  institution's statement and the office's check; the bank does not load it.
- ``汇总``: the roster's title, number, month, issuing office and approver, and the totals
  check: 笔数 and 合计金额 of each sheet and in all, which equal the roster's total. The
  title, month and office are also the printed page header of every sheet.

Lines with a zero amount (a deduction that took the whole month) pay nothing and are left
out; the summary counts them.

The 业务编号 is ``R{roster id}-{sequence number:06d}``: it names the roster and the line's
sequence number on the printed roster (frozen once approved), so a returned row is matched
back without doubt, and a row from another roster's file is recognised as such. An
institution's row (``R{roster id}-J{institution id:05d}``) stands for all its residents'
lines: its result (paid, or failed with the reason) is recorded on each of them.

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
import dataclasses
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..db import STREAM_CACHE_KIB, Database, page_cache
from ..gcpause import cyclic_gc_paused
from ..errors import FieldError, StateError, ValidationError
from ..files import replaced_on_success
from ..progress import CancelToken, ProgressFn
from ..services import rosters as R
from ..services.care import (CASH_SQL, INSTITUTION_JOIN, InstitutionPayment,
                             institution_cash_lines, institution_payments)
from ..services.rosters import PaymentOutcome, ReturnsResult
from ..rules.money import parse_yuan, yuan, yuan_decimal
from .tables import ImportFileError, open_table
from ..services.auth import audit_export, requires

__all__ = ["BANK_COLUMNS", "BANK_SHEET", "CASH_SHEET", "INSTITUTION_SHEET", "SUMMARY_SHEET",
           "BankFileSummary", "ReturnsResult", "bank_reference", "fen_from_cell",
           "import_bank_returns", "institution_reference", "parse_institution_reference",
           "parse_reference", "write_bank_return_template", "write_bank_xlsx"]

BANK_SHEET = "代发明细"
CASH_SHEET = "无账户（现金发放）"
SUMMARY_SHEET = "汇总"
INSTITUTION_SHEET = "集中供养明细"
INSTITUTION_COLUMNS = ("机构业务编号", "供养机构", "业务编号", "姓名", "身份证号", "金额(元)")
INSTITUTION_WIDTHS = (16, 24, 16, 10, 21, 12)
BANK_COLUMNS = ("业务编号", "姓名", "身份证号", "账号", "开户行", "金额(元)", "备注")
CASH_COLUMNS = ("业务编号", "姓名", "身份证号", "乡镇（街道）", "村（社区）", "金额(元)", "备注")
BANK_WIDTHS = (16, 10, 21, 23, 20, 12, 40)
CASH_WIDTHS = (16, 10, 21, 16, 16, 12, 40)
TEXT = "@"
MONEY = "0.00"
_REFERENCE = re.compile(r"^R(\d+)-(\d+)$")
_INSTITUTION_REFERENCE = re.compile(r"^R(\d+)-J(\d+)$")
MAX_LISTED_PROBLEMS = 500


def bank_reference(roster_id: int, seq: int) -> str:
    """The 业务编号 of a line: ``R12-000345`` for line 345 of roster 12."""
    return f"R{roster_id}-{seq:06d}"


def parse_reference(text: str) -> tuple[int, int] | None:
    """(roster id, sequence number) of a 业务编号, or None if it is not one."""
    m = _REFERENCE.match(text.strip().upper())
    return (int(m.group(1)), int(m.group(2))) if m else None


def institution_reference(roster_id: int, institution_id: int) -> str:
    """The 业务编号 of a care institution's row: ``R12-J00003``."""
    return f"R{roster_id}-J{institution_id:05d}"


def parse_institution_reference(text: str) -> tuple[int, int] | None:
    """(roster id, institution id) of an institution's 业务编号, or None."""
    m = _INSTITUTION_REFERENCE.match(text.strip().upper())
    return (int(m.group(1)), int(m.group(2))) if m else None


def fen_from_cell(value: Any) -> int | None:
    """An amount in yuan as a spreadsheet gives it (a number, or text such as '1,234.50')
    in fen; None if it is not an amount with at most two decimals."""
    return parse_yuan(value, allow_negative=True)


# --- the bank file ------------------------------------------------------------------------


@dataclass(frozen=True)
class BankFileSummary:
    """What a bank file holds: ``rows`` / ``total_fen`` over both detail sheets (``total_fen``
    equals the roster's total), split into the bank's and the cash sheet; ``zero_lines``
    lines paid nothing and are not in the file. Of the bank's rows, ``institution_rows`` pay
    care institutions ``institution_fen`` for ``institution_lines`` lines of their
    residents (one row per institution, so ``rows`` counts an institution once)."""

    rows: int
    total_fen: int
    bank_rows: int
    bank_fen: int
    cash_rows: int
    cash_fen: int
    zero_lines: int
    path: Path
    institution_rows: int = 0
    institution_lines: int = 0
    institution_fen: int = 0


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


def _institution_remark(memo: str, p: InstitutionPayment) -> str:
    return f"{memo}；集中供养{len(p.lines)}人（明细见“{INSTITUTION_SHEET}”）"


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


class _BankBook:
    """The bank file's workbook through XlsxWriter in constant-memory mode: each row is
    written out as it is made (a city's 179,224 rows in constant memory, about twice as fast
    as openpyxl's write-only mode, which styles cell objects). Every sheet has its columns'
    widths, the roster's office, title and period as the printed page header, page numbers in
    the footer, and a frozen bold header row. IDs and accounts are text cells (``@``),
    amounts numbers with two decimals (``0.00``); every text is written as text (a value
    starting with ``=`` is never a formula)."""

    def __init__(self, path: Path, view: R.RosterView,
                 sheets: list[tuple[str, tuple[str, ...], tuple[int, ...]]]):
        import xlsxwriter

        self._book = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                                     "strings_to_numbers": False,
                                                     "strings_to_formulas": False,
                                                     "strings_to_urls": False})
        b = self._book
        self.text = b.add_format({"num_format": TEXT})
        self.money = b.add_format({"num_format": MONEY})
        self.bold = b.add_format({"bold": True})
        self.title = b.add_format({"bold": True, "font_size": 14})
        self.head = b.add_format({"bold": True, "bg_color": "#DCE6F1", "pattern": 1,
                                  "align": "center", "valign": "vcenter"})
        esc = [t.replace("&", "&&") for t in (view.issuing_office, view.title,
                                               "：".join(_period(view)))]
        header = f"&L{esc[0]}&C{esc[1]}&R{esc[2]}"
        if len(header) > 255:              # Excel's limit: keep the title
            header = f"&C{esc[1]}"[:255]
        self._sheets = {}
        for title, columns, widths in sheets:
            ws = b.add_worksheet(title)
            for i, width in enumerate(widths):
                ws.set_column(i, i, width)
            ws.set_header(header)
            if columns:
                ws.set_footer("&C第 &P 页 / 共 &N 页")
                ws.freeze_panes(1, 0)
                for i, name in enumerate(columns):
                    ws.write_string(0, i, name, self.head)
            self._sheets[title] = ws

    def sheet(self, title: str):
        return self._sheets[title]

    def row(self, ws, r: int, cells: list) -> None:
        """A row of values; a ``(value, format)`` pair for a formatted cell. Strings are text,
        ints and Decimals numbers."""
        for c, cell in enumerate(cells):
            value, fmt = cell if isinstance(cell, tuple) else (cell, None)
            if isinstance(value, str):
                if value or fmt is not None:
                    ws.write_string(r, c, value, fmt)
            elif value is not None:
                ws.write_number(r, c, value, fmt)

    def close(self) -> None:
        self._book.close()

    def discard(self) -> None:
        """Let go of an unfinished workbook: its sheets' temporary files (anonymous: nothing
        is left on disk) are closed; the half-written file is removed by the caller."""
        for ws in self._book.worksheets():
            fh = getattr(ws, "row_data_fh", None)
            if fh is not None:
                fh.close()


def write_bank_xlsx(db: Database, roster_id: int, path: str | os.PathLike[str],
                    progress: ProgressFn | None = None,
                    cancel: CancelToken | None = None) -> BankFileSummary:
    """Write the bank file of an approved roster (see the module's description), streaming
    the lines from the database into an XlsxWriter workbook (constant memory). The file is written
    beside ``path`` and renamed into place at the end: a cancelled or failed export leaves
    no file behind."""
    path = Path(path)
    audit_export(db, "bank_xlsx", "roster", roster_id, path, record="roster")
    report = progress or (lambda _f, _m: None)
    with db.read() as s, page_cache(s, STREAM_CACHE_KIB):  # the counts read every line once
        view = R.roster_view(s, roster_id)
        if view.status != "approved":
            raise StateError(
                f"roster {roster_id} is {view.status}: only an approved roster can be sent to "
                "the bank",
                f"花名册 {roster_id} 状态为{R.STATUS_ZH[view.status]}，只有已审批的花名册才能生成银行代发文件")
        # The institutions' rows and their residents' lines; lines of an institution with no
        # account are paid in cash (as the printed roster has them).
        payments = institution_payments(s, roster_id)
        cash_institution = institution_cash_lines(s, roster_id)
        bank_n, cash_n = s.connection().exec_driver_sql(
            f"SELECT COALESCE(SUM(CASE WHEN NOT ({CASH_SQL}) AND c.id IS NULL THEN 1 ELSE 0 END), 0),"
            f" COALESCE(SUM(CASE WHEN {CASH_SQL} THEN 1 ELSE 0 END), 0)"
            f" FROM roster_lines AS l {INSTITUTION_JOIN}"
            " WHERE l.roster_id = ? AND l.amount_fen > 0", (roster_id,)).one()
    payments = {k: dataclasses.replace(p, lines={q: ln for q, ln in p.lines.items()
                                                 if ln.amount_fen > 0})
                for k, p in payments.items()}
    payments = {k: p for k, p in payments.items() if p.lines}
    bank_n += len(payments)
    institution_of = {seq: p for p in payments.values() for seq in p.lines}

    sheets: list[tuple[str, tuple[str, ...], tuple[int, ...]]] = [
        (BANK_SHEET, BANK_COLUMNS, BANK_WIDTHS), (CASH_SHEET, CASH_COLUMNS, CASH_WIDTHS)]
    if payments:
        sheets.append((INSTITUTION_SHEET, INSTITUTION_COLUMNS, INSTITUTION_WIDTHS))
    sheets.append((SUMMARY_SHEET, (), (26, 12, 18)))
    memo = _memo(view)
    bank_rows = bank_fen = cash_rows = cash_fen = zero = done = 0
    institution_lines = 0
    total_lines = max(1, view.line_count)
    # the rows' objects are freed as they go: no cyclic collection (assistcase.gcpause)
    with cyclic_gc_paused(), replaced_on_success(path) as tmp:
        book = _BankBook(tmp, view, sheets)
        try:
            bank_ws, cash_ws = book.sheet(BANK_SHEET), book.sheet(CASH_SHEET)
            bank_row = cash_row = 1     # below the header row
            text, money = book.text, book.money
            with db.read() as s, page_cache(s, STREAM_CACHE_KIB):  # each page read once
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
                    if line.seq in institution_of:
                        institution_lines += 1   # on its institution's row, below
                        continue
                    if line.seq not in cash_institution and _pays_by_bank(line):
                        r = bank_row
                        w = bank_ws.write_string
                        w(r, 0, ref), w(r, 1, line.payee_name), w(r, 2, line.id_number, text)
                        w(r, 3, line.account_number.strip(), text), w(r, 4, line.bank_name)
                        bank_ws.write_number(r, 5, yuan_decimal(line.amount_fen), money)
                        w(r, 6, remark)
                        bank_row, bank_rows = bank_row + 1, bank_rows + 1
                        bank_fen += line.amount_fen
                        continue
                    if line.seq in cash_institution:
                        remark = (f"{remark}；集中供养：{cash_institution[line.seq]}"
                                  "（未登记机构账户）")
                    r = cash_row
                    w = cash_ws.write_string
                    w(r, 0, ref), w(r, 1, line.payee_name), w(r, 2, line.id_number, text)
                    w(r, 3, line.township_name), w(r, 4, line.village_name)
                    cash_ws.write_number(r, 5, yuan_decimal(line.amount_fen), money)
                    w(r, 6, remark)
                    cash_row, cash_rows = cash_row + 1, cash_rows + 1
                    cash_fen += line.amount_fen
            # One row per care institution: the institution is the payee of its residents.
            institution_fen = 0
            for p in sorted(payments.values(), key=lambda p: p.name):
                book.row(bank_ws, bank_row, [
                    institution_reference(roster_id, p.institution_id), p.account_name,
                    ("", text), (p.account_number.strip(), text), p.bank_name,
                    (yuan_decimal(p.amount_fen), money), _institution_remark(memo, p)])
                bank_row, bank_rows = bank_row + 1, bank_rows + 1
                bank_fen += p.amount_fen
                institution_fen += p.amount_fen
            if payments:
                ws, r = book.sheet(INSTITUTION_SHEET), 1
                for p in sorted(payments.values(), key=lambda p: p.name):
                    for seq, line in sorted(p.lines.items()):
                        book.row(ws, r, [institution_reference(roster_id, p.institution_id),
                                         p.name, bank_reference(roster_id, seq),
                                         line.payee_name, (line.id_number, text),
                                         (yuan_decimal(line.amount_fen), money)])
                        r += 1
            if cancel is not None:
                cancel.check()
            if bank_fen + cash_fen != view.total_fen or (bank_rows, cash_rows) != (bank_n, cash_n):
                raise StateError(  # the lines changed under us: cannot happen to a frozen roster
                    f"roster {roster_id}: the lines add up to {yuan(bank_fen + cash_fen)} yuan but "
                    f"the roster's total is {yuan(view.total_fen)} yuan",
                    f"花名册 {roster_id} 明细合计 {yuan(bank_fen + cash_fen)} 元与总额 "
                    f"{yuan(view.total_fen)} 元不符")

            ws = book.sheet(SUMMARY_SHEET)
            ws.write_string(0, 0, view.title, book.title)
            approved = (f"{view.approved_by or ''} {view.approved_at:%Y-%m-%d}"
                        if view.approved_at else "")
            r = 1
            for label, value in (("花名册编号", f"R{roster_id}"), ("发放单位", view.issuing_office),
                                 ("区划", f"{view.area_name}（{view.area_code}）"), _period(view),
                                 ("审批", approved)):
                book.row(ws, r, [label, value])
                r += 1
            r += 1                                   # an empty row
            book.row(ws, r, [(name, book.head) for name in ("项目", "笔数", "合计金额(元)")])
            r += 1
            rows_ = [(f"银行代发（{BANK_SHEET}）", bank_rows, bank_fen, False)]
            if payments:
                rows_.append((f"其中：供养机构代收（集中供养{institution_lines}人）",
                              len(payments), institution_fen, False))
            rows_ += [(f"现金发放（{CASH_SHEET}）", cash_rows, cash_fen, False),
                      ("合计", bank_rows + cash_rows, bank_fen + cash_fen, True)]
            for label, n, fen, strong in rows_:
                book.row(ws, r, [(label, book.bold) if strong else label, n,
                                 (yuan_decimal(fen), money)])
                r += 1
            r += 1
            book.row(ws, r, ["花名册总额(元)", view.line_count,
                             (yuan_decimal(view.total_fen), money)])
            book.row(ws, r + 1, [f"金额为零、不需发放的明细 {zero} 笔，未列入。"])
            book.row(ws, r + 2, ["金额以元为单位，保留两位小数；身份证号和账号为文本。"])
            report(0.97, "saving 保存")
            book.close()
        except BaseException:
            book.discard()
            raise
    report(1.0, "done 完成")
    return BankFileSummary(bank_rows + cash_rows, bank_fen + cash_fen, bank_rows, bank_fen,
                           cash_rows, cash_fen, zero, path, len(payments), institution_lines,
                           institution_fen)


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


_NO_MATCH = object()  # equal to no cell


def _expected_cells(roster_id: int,
                    lines: dict[int, tuple]) -> dict[str, tuple[int, int, Any, Any, Any, int]]:
    """For the fast path of :func:`import_bank_returns`: each line's 业务编号 as the bank
    file writes it (:func:`bank_reference`) → (seq, line id, name, ID number, account, amount
    in fen) as cells that pass the row's checks when equal to them. A value the checks would
    not accept as read (surrounding spaces, lower-case letters, empty) is :data:`_NO_MATCH`,
    so such a row always takes the full path. (Written out, not through small functions: it
    runs once per line of a city's roster.)"""
    prefix = f"R{roster_id}-"
    return {f"{prefix}{seq:06d}": (
                seq, line_id, payee if payee and payee == payee.strip() else _NO_MATCH,
                id_number if id_number and id_number == id_number.strip().upper() else _NO_MATCH,
                account if account and account == account.strip().upper() else _NO_MATCH,
                amount_fen)
            for seq, line_id, payee, id_number, account, amount_fen in lines.values()}


def _row_target(ref_text: str, roster_id: int, lines: dict[int, tuple],
                institutions: dict[int, InstitutionPayment], seen: dict[tuple[str, int], int],
                number: int,
                problem) -> tuple[list[int], str, str, str, int] | None:
    """What a result row with the 业务编号 ``ref_text`` pays: (line ids, name, ID number,
    account, amount in fen) — one line, or a care institution's row standing for its
    residents' lines (no ID number) — or None after reporting the problem."""
    ref = parse_reference(ref_text)
    iref = parse_institution_reference(ref_text) if ref is None else None
    if ref is None and iref is None:
        problem(f"{ref_text!r} is not a reference of this system (R<roster>-<number>)",
                f"“{ref_text}”不是本系统的业务编号（应为 R花名册号-序号）")
        return None
    owner = (ref or iref)[0]
    if owner != roster_id:
        problem(f"{ref_text} belongs to roster {owner}, not roster {roster_id}",
                f"{ref_text} 属于花名册 {owner}，不是花名册 {roster_id}")
        return None
    if ref is not None:
        found = lines.get(ref[1])
        if found is None:
            problem(f"roster {roster_id} has no line {ref[1]}",
                    f"花名册 {roster_id} 中没有序号为 {ref[1]} 的明细")
            return None
        _seq, line_id, payee, id_number, account, amount_fen = found
        target = ([line_id], payee, id_number, account, amount_fen)
    else:
        p = institutions.get(iref[1])
        if p is None:
            problem(f"roster {roster_id} pays no care institution {iref[1]}",
                    f"花名册 {roster_id} 中没有编号为 {iref[1]} 的供养机构")
            return None
        paid = [ln for ln in p.lines.values() if ln.amount_fen > 0]
        target = ([ln.line_id for ln in paid], p.account_name, "", p.account_number,
                  sum(ln.amount_fen for ln in paid))
    key = ref[1] if ref is not None else ("institution", iref[1])
    if key in seen:
        problem(f"{ref_text} appears again (first in row {seen[key]})",
                f"{ref_text} 重复出现（首次在第 {seen[key]} 行）")
        return None
    seen[key] = number
    return target


@requires("roster.build", roster="roster_id")
@cyclic_gc_paused()
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
    seen: dict[Any, int] = {}  # line (seq) or ("institution", id) → file row
    with open_table(path) as table:
        # the rows as read; ``cells`` converts one as table.rows() would (the full path)
        rows, cells = table.raw_rows(table.sheet_names()[0])
        header = _find_header(cells(r) for r in rows)
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
            # The roster's lines by sequence number (seq, id, name, ID number, account,
            # amount), read once: one query instead of one per row of the file (179,224 for a
            # city), through the driver's cursor (no row objects for 179,224 rows).
            lines = {r[0]: tuple(r) for r in s.connection().exec_driver_sql(
                "SELECT seq, id, payee_name, id_number, account_number, amount_fen"
                " FROM roster_lines WHERE roster_id = ?", (roster_id,)).fetchall()}
            institutions = institution_payments(s, roster_id)
        by_reference = _expected_cells(roster_id, lines)
        # Amounts and results repeat from row to row: each distinct cell is parsed once.
        fen_of: dict[Any, int | None] = {}
        result_of: dict[str, str] = {}
        outcome_of: dict[str, str] = {}  # a result cell as read → paid / failed
        width = max(cols.values()) + 1
        pad = (None,) * width
        i_ref, i_name, i_amount, i_result = (cols["reference"], cols["name"], cols["amount"],
                                             cols["result"])
        i_id, i_account, i_reason = cols.get("id_number"), cols.get("account"), cols.get("reason")
        for number, raw in enumerate(rows, start=header_row + 1):
            if number % 1000 == 0:
                if cancel is not None:
                    cancel.check()
                report(0.8 * min(1.0, number / max(1, view.line_count + header_row)),
                       f"row {number:,} 第 {number:,} 行")
            # Most rows are exactly as the bank file was written: their cells, as read, equal
            # the line's expected values, so every check below passes and is not run cell by
            # cell (nor is the row converted). Any other row (and every first-seen amount or
            # result text) takes the full path, which gives the messages.
            exp = by_reference.get(raw[i_ref]) if len(raw) >= width else None
            if exp is not None:
                seq, line_id, payee, id_number, account, amount_fen = exp
                if (seq not in seen and raw[i_name] == payee
                        and (i_id is None or raw[i_id] == id_number)
                        and (i_account is None or raw[i_account] == account)
                        and fen_of.get(raw[i_amount], _NO_MATCH) == amount_fen):
                    outcome = outcome_of.get(raw[i_result])
                    if outcome is not None:
                        reason = "" if i_reason is None else _cell_text(raw[i_reason])
                        if reason or outcome == "paid":
                            seen[seq] = number
                            outcomes.append(PaymentOutcome(line_id, outcome, reason,
                                                           f"{name} row {number}"))
                            continue
            row = cells(raw)
            if len(row) < width:
                row = row + pad[:width - len(row)]
            ref_text = _cell_text(row[i_ref])
            if ref_text == "" and all(_cell_text(row[i]) == "" for i in cols.values()):
                continue
            target = _row_target(ref_text, roster_id, lines, institutions, seen, number,
                                 lambda en, zh: problem(number, heading["reference"], en, zh))
            if target is None:
                continue
            line_ids, payee, id_number, account, amount_fen = target
            got = row[i_name]
            got = got.strip() if type(got) is str else _cell_text(got)
            if got != payee:
                problem(number, heading["name"], f"expected {payee!r}, found {got!r}",
                        f"应为“{payee}”，实为“{got}”")
            for key, i, expected in ((k, i, e) for k, i, e in (
                    ("id_number", i_id, id_number), ("account", i_account, account))
                    if i is not None):
                raw = row[i]
                got = (raw.strip() if type(raw) is str else _cell_text(raw)).upper()
                if got != expected.strip().upper():
                    hint = (" (the cell is a number, which loses the last digits of a"
                            " long number: the column must be text)"
                            if isinstance(raw, float) else "")
                    problem(number, heading[key], f"expected {expected}, found {got}{hint}",
                            f"应为 {expected}，实为 {got}")
            raw_amount = row[i_amount]
            try:
                fen = fen_of[raw_amount]
            except (KeyError, TypeError):
                fen = fen_from_cell(raw_amount)
                if type(raw_amount) in (str, int, float):
                    fen_of[raw_amount] = fen
            if fen is None:
                problem(number, heading["amount"],
                        f"{_cell_text(raw_amount)!r} is not an amount in yuan",
                        f"“{_cell_text(raw_amount)}”不是金额（元）")
            elif fen != amount_fen:
                problem(number, heading["amount"],
                        f"expected {yuan(amount_fen)} yuan, found {yuan(fen)} yuan",
                        f"应为 {yuan(amount_fen)} 元，实为 {yuan(fen)} 元")
            result_text = row[i_result]
            result_text = (result_text.strip() if type(result_text) is str
                           else _cell_text(result_text))
            result = result_of.get(result_text)
            if result is None:
                result = result_of[result_text] = _norm_header(result_text)
            outcome = ("paid" if result in _PAID else
                       "failed" if result in _FAILED else None)
            if outcome is not None and type(row[i_result]) is str:
                outcome_of[row[i_result]] = outcome
            if outcome is None:
                problem(number, heading["result"],
                        f"{result_text!r} is not a result: use 成功 or 失败",
                        f"“{result_text}”不是发放结果，应为“成功”或“失败”")
                continue
            reason = _cell_text(row[i_reason]) if i_reason is not None else ""
            if outcome == "failed" and not reason:
                problem(number, heading.get("reason", "失败原因"),
                        "a failed payment needs its reason", "发放失败须注明失败原因")
            outcomes += [PaymentOutcome(line_id, outcome, reason, where=f"{name} row {number}")
                         for line_id in line_ids]
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
