"""Makes the test fixtures registry-twin.xlsx and registry-twin.xls (the same registry, the
.xls converted by a real spreadsheet program, LibreOffice Calc) for tests/core/test_import_xls.py.

    .venv/bin/python tests/data/make_registry_xls.py     # needs soffice (libreoffice-calc-nogui)

Both files are committed, so the tests need no LibreOffice; run this again only to change
them."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
XLSX = HERE / "registry-twin.xlsx"
XLS = HERE / "registry-twin.xls"

HEADER = ["序号", "乡镇", "村(社区)", "城乡类别", "救助类别", "家庭人口", "姓名", "身份证号",
          "性别", "出生日期", "与户主关系", "残疾等级", "联系电话", "家庭住址", "银行卡号",
          "开户银行", "本人月收入"]
CARD = "6228480402564890018"  # passes Luhn


def check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def make_id(birth: dt.date, seq: int) -> str:
    first17 = f"411402{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def rows() -> list[list]:
    people = [  # (name, birth, seq, relation, village, size, grade, income)
        ("王建国", dt.date(1950, 3, 1), 11, "户主", "汤后堂村", 3, None, "养老金 150.00元"),
        ("李秀英", dt.date(1952, 6, 2), 12, "配偶", "汤后堂村", 3, 2, None),
        ("王小明", dt.date(2012, 9, 30), 13, "孙子女", "汤后堂村", 3, None, None),
        ("赵明", dt.date(1970, 1, 5), 15, "户主", "石西岗村", 1, 4, "工资性收入 1200.50元"),
        ("孙桂兰", dt.date(1944, 12, 31), 16, "户主", "汤后堂村", 2, None, None),
        ("周强", dt.date(1968, 7, 7), 17, "子女", "汤后堂村", 2, 1, None),
    ]
    out = [["庙颜乡低保对象花名册"], list(HEADER)]
    household = 0
    for n, (name, birth, seq, rel, village, size, grade, income) in enumerate(people, 1):
        head = rel == "户主"
        household += head
        out.append([n, "庙颜乡", village, "农村", "低保", size, name, make_id(birth, seq),
                    "男" if seq % 2 else "女", birth, rel, grade, "13900000000",
                    f"庙颜乡{village}1组{household}号", CARD if head else None,
                    "中国农业银行" if head else None, income])
    return out


def main() -> int:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    for r in rows():
        ws.append(r)
    for cell in ws["J"][2:]:
        cell.number_format = "yyyy-mm-dd"
    wb.save(XLSX)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("soffice not found: apt-get install libreoffice-calc-nogui", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        "--convert-to", "xls", "--outdir", tmp, str(XLSX)], check=True,
                       capture_output=True)
        shutil.copyfile(Path(tmp) / "registry-twin.xls", XLS)
    print(f"wrote {XLSX.name} and {XLS.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
