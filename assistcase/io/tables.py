"""Reading spreadsheet files row by row: .xlsx, .xls and .ods (python-calamine) and .csv
(UTF-8 or GBK/GB18030, detected). The file's kind is judged from its content, not its name."""

from __future__ import annotations

import codecs
import contextlib
import csv
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from ..errors import AssistCaseError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .et / .wps
ZIP_MAGIC = b"PK\x03\x04"


class ImportFileError(AssistCaseError):
    """The file as a whole cannot be read (not a spreadsheet, damaged, empty sheet, …)."""


def _damaged(path: Path, detail: str) -> ImportFileError:
    return ImportFileError(
        f"{path.name}: the file is damaged or incomplete (perhaps truncated while copying): "
        f"{detail}",
        f"{path.name}：文件已损坏或不完整（可能复制时被截断），无法读取")


class Table:
    """An opened spreadsheet: its sheet names and a row iterator per sheet."""

    kind: str = ""
    path: Path

    def sheet_names(self) -> list[str]:
        raise NotImplementedError

    def rows(self, sheet: str) -> Iterator[tuple[Any, ...]]:
        raise NotImplementedError

    def row_estimate(self, sheet: str) -> int | None:
        return None

    def raw_rows(self, sheet: str) -> tuple[Iterator[Sequence[Any]],
                                            Callable[[Sequence[Any]], tuple[Any, ...]]]:
        """The sheet's rows as the reader gives them, and the function that makes one of them
        the row :meth:`rows` gives. For a caller that compares most rows with the values it
        expects (a raw cell equals its converted value whenever that value is one the checks
        accept) and converts only the rows that differ: the bank's returns file (issue 20)."""
        return self.rows(sheet), _as_is

    def close(self) -> None:
        pass

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Excel keeps 15 significant digits: a whole number below this is exact, so it is given as an
# int (as openpyxl gives a cell written "12"); at or above it stays a float, which the ID and
# account checks refuse as a number that has lost its last digits.
_EXACT_INT = 1e15


def _cells(row: list[Any], lead: tuple[None, ...]) -> tuple[Any, ...]:
    """A calamine row as the checks expect it: an empty cell is None, a whole number below
    10^15 an int, and the row ends at its last non-empty cell (as openpyxl streams a row)."""
    out = [None if v == "" else
           (int(v) if type(v) is float and v.is_integer() and -_EXACT_INT < v < _EXACT_INT
            else v)
           for v in row]
    while out and out[-1] is None:
        out.pop()
    return lead + tuple(out) if out else ()


def _as_is(row: Sequence[Any]) -> tuple[Any, ...]:
    return row  # type: ignore[return-value] - rows() and raw_rows() give the same rows


def _unpadded_cells(row: list[Any]) -> tuple[Any, ...]:
    return _cells(row, ())


class WorkbookTable(Table):
    """.xlsx, .xls (Excel 97-2003, also WPS .et) and .ods through python-calamine (Rust's
    calamine): a 100,000-row sheet reads about 15 times faster than through openpyxl. The
    values come back as openpyxl gave them (see :func:`_cells`), so every check is the same."""

    def __init__(self, path: Path, kind: str):
        from python_calamine import CalamineWorkbook

        self.path = path
        self.kind = kind
        self._sheets: dict[str, Any] = {}
        try:
            self.book = CalamineWorkbook.from_path(str(path))
            self._names = [m.name for m in self.book.sheets_metadata
                           if getattr(m.typ, "name", "WorkSheet") == "WorkSheet"]
        except Exception as e:  # CalamineError, ZipError, XmlError, … on a bad file
            raise self._unreadable(e) from None

    def _unreadable(self, e: Exception) -> ImportFileError:
        if self.kind == "xls":
            # An OLE2 file that is not a readable worksheet: a Word .doc, an encrypted or
            # damaged workbook, a WPS file calamine cannot read.
            return ImportFileError(
                f"{self.path.name}: cannot read this old-format Excel (.xls) or WPS file "
                f"({type(e).__name__}: {e}); open it and save it as .xlsx, then import that",
                f"{self.path.name}：无法读取这个旧版 Excel（.xls）或 WPS 文件，请打开后另存为 .xlsx "
                "再导入")
        return _damaged(self.path, f"{type(e).__name__}: {e}")

    def sheet_names(self) -> list[str]:
        return list(self._names)

    def _sheet(self, sheet: str):
        if sheet not in self._names:
            raise ImportFileError(f"{self.path.name}: there is no sheet named {sheet!r}",
                                  f"{self.path.name}：没有名为“{sheet}”的工作表")
        if sheet not in self._sheets:
            try:
                self._sheets[sheet] = self.book.get_sheet_by_name(sheet)
            except Exception as e:
                raise self._unreadable(e) from None
        return self._sheets[sheet]

    def row_estimate(self, sheet: str) -> int | None:
        try:
            ws = self._sheet(sheet)
        except ImportFileError:
            return None
        return ws.total_height if ws.start is not None else 0

    def rows(self, sheet: str) -> Iterator[tuple[Any, ...]]:
        ws = self._sheet(sheet)
        if ws.start is None:
            return  # an empty sheet
        # iter_rows() starts at row 1 but at the sheet's first used column: pad the columns
        # before it, so column letters stay the sheet's own.
        lead = (None,) * ws.start[1]
        try:
            for row in ws.iter_rows():
                yield _cells(row, lead)
        except Exception as e:
            raise self._unreadable(e) from None

    def raw_rows(self, sheet: str):
        ws = self._sheet(sheet)
        if ws.start is None or ws.start[1]:
            # an empty sheet, or columns before the first used one to pad: rows as rows() gives
            return self.rows(sheet), _as_is
        return self._iter_raw(ws), _unpadded_cells

    def _iter_raw(self, ws) -> Iterator[list[Any]]:
        try:
            yield from ws.iter_rows()
        except Exception as e:
            raise self._unreadable(e) from None

    def close(self) -> None:
        self._sheets.clear()
        with contextlib.suppress(Exception):
            self.book.close()


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8, else ``gb18030`` (a superset of the
    GBK that Excel and WPS write on Chinese Windows)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        try:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            pass
    decoder = codecs.getincrementaldecoder("gb18030")()
    with path.open("rb") as f:
        try:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "gb18030"
        except UnicodeDecodeError:
            raise ImportFileError(
                f"{path.name}: not a spreadsheet: the text is neither UTF-8 nor GBK",
                f"{path.name}：不是表格文件（既不是 UTF-8 也不是 GBK 编码的文本）") from None


class CsvTable(Table):
    kind = "csv"

    def __init__(self, path: Path):
        self.path = path
        self.encoding = detect_encoding(path)
        with path.open(encoding=self.encoding, newline="") as f:
            sample = f.read(64 * 1024)
        try:
            self.dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        except csv.Error:
            self.dialect = csv.excel
        self.size = path.stat().st_size

    def sheet_names(self) -> list[str]:
        return [self.path.stem]

    def rows(self, sheet: str) -> Iterator[tuple[Any, ...]]:
        with self.path.open(encoding=self.encoding, newline="") as f:
            try:
                for row in csv.reader(f, self.dialect):
                    yield tuple(row)
            except csv.Error as e:
                raise ImportFileError(f"{self.path.name}: cannot read the CSV text: {e}",
                                      f"{self.path.name}：CSV 文件格式错误，无法读取") from None


def open_table(path: str | Path) -> Table:
    """Open a spreadsheet file, judging its kind by its first bytes.

    Raises :class:`ImportFileError` with a clear message for anything else (a Word file, a
    picture, a truncated .xlsx, an .xls that cannot be read)."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            head = f.read(8192)
    except OSError as e:
        raise ImportFileError(f"{path}: cannot open the file: {e.strerror}",
                              f"{path}：无法打开文件（{e.strerror}）") from None
    if not head:
        raise ImportFileError(f"{path.name}: the file is empty", f"{path.name}：文件是空的")
    if head.startswith(ZIP_MAGIC):
        if not zipfile.is_zipfile(path):
            raise _damaged(path, "the zip directory at the end of the file is missing")
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            mimetype = z.read("mimetype")[:100] if "mimetype" in names else b""
        if mimetype == b"application/vnd.oasis.opendocument.spreadsheet":
            return WorkbookTable(path, "ods")
        if "xl/workbook.xml" not in names:
            raise ImportFileError(
                f"{path.name}: not an Excel workbook (a zip file without xl/workbook.xml; "
                "perhaps a Word or WPS document)",
                f"{path.name}：不是 Excel 工作簿（可能是 Word 或其他文档），请另存为 .xlsx 后再导入")
        return WorkbookTable(path, "xlsx")
    if head.startswith(OLE2_MAGIC):
        return WorkbookTable(path, "xls")
    if b"\x00" in head:
        raise ImportFileError(f"{path.name}: not a spreadsheet (binary content)",
                              f"{path.name}：不是表格文件（.xlsx、.xls 或 .csv）")
    return CsvTable(path)

