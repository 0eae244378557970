"""Reading spreadsheet files row by row: .xlsx (openpyxl, read-only streaming) and .csv
(UTF-8 or GBK/GB18030, detected). The file's kind is judged from its content, not its name."""

from __future__ import annotations

import codecs
import csv
import zipfile
from pathlib import Path
from typing import Any, Iterator

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

    def close(self) -> None:
        pass

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class XlsxTable(Table):
    kind = "xlsx"

    def __init__(self, path: Path):
        import openpyxl

        self.path = path
        try:
            self.book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except zipfile.BadZipFile as e:
            raise _damaged(path, str(e)) from None
        except Exception as e:  # openpyxl raises KeyError, ValueError, ParseError … on bad parts
            raise _damaged(path, f"{type(e).__name__}: {e}") from None

    def sheet_names(self) -> list[str]:
        return list(self.book.sheetnames)

    def _sheet(self, sheet: str):
        if sheet not in self.book.sheetnames:
            raise ImportFileError(f"{self.path.name}: there is no sheet named {sheet!r}",
                                  f"{self.path.name}：没有名为“{sheet}”的工作表")
        return self.book[sheet]

    def row_estimate(self, sheet: str) -> int | None:
        try:
            return self._sheet(sheet).max_row
        except Exception:
            return None

    def rows(self, sheet: str) -> Iterator[tuple[Any, ...]]:
        ws = self._sheet(sheet)
        try:
            # Some writers store a wrong <dimension>; read what is really there.
            ws.reset_dimensions()
            yield from ws.iter_rows(values_only=True)
        except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, SyntaxError) as e:
            raise _damaged(self.path, f"{type(e).__name__}: {e}") from None

    def close(self) -> None:
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

    Raises :class:`ImportFileError` with a clear message for anything else (a legacy .xls, a
    Word file, a picture, a truncated .xlsx)."""
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
        if "xl/workbook.xml" not in names:
            raise ImportFileError(
                f"{path.name}: not an Excel workbook (a zip file without xl/workbook.xml; "
                "perhaps a Word or WPS document)",
                f"{path.name}：不是 Excel 工作簿（可能是 Word 或其他文档），请另存为 .xlsx 后再导入")
        return XlsxTable(path)
    if head.startswith(OLE2_MAGIC):
        raise ImportFileError(
            f"{path.name}: this is an old-format Excel (.xls) or WPS file; open it and save it "
            "as .xlsx, then import that",
            f"{path.name}：这是旧版 Excel（.xls）或 WPS 文件，请打开后另存为 .xlsx 再导入")
    if b"\x00" in head:
        raise ImportFileError(f"{path.name}: not a spreadsheet (binary content)",
                              f"{path.name}：不是表格文件（.xlsx 或 .csv）")
    return CsvTable(path)

