"""Registry export → import round trip at a few thousand households (the run that used to sit
in the test suite): generate a demo registry, export it to .xlsx, import that file into an
empty database, export again and compare the two workbooks cell by cell.

    .venv/bin/python benchmarks/bench_export.py [--households 5000] [--seed 11]

Writes ``benchmarks/results-export.json`` and the export section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistcase.db import open_database  # noqa: E402
from assistcase.demo import generate_demo  # noqa: E402
from assistcase.io import export_registry, import_registry  # noqa: E402
from assistcase.services.areas import load_areas_csv  # noqa: E402

from common import machine, replace_section  # noqa: E402

HERE = Path(__file__).resolve().parent
START, END = "<!-- export:start -->", "<!-- export:end -->"


def cells(path: Path) -> list[tuple]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [row for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--households", type=int, default=5000)
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = open_database(tmp / "source.sqlite3")
        load_areas_csv(db, "bench")
        t0 = time.perf_counter()
        generate_demo(db, "bench", households=args.households, seed=args.seed)
        t_gen = time.perf_counter() - t0
        first = tmp / "export.xlsx"
        t0 = time.perf_counter()
        exported = export_registry(db, first)
        t_export = time.perf_counter() - t0
        fresh = open_database(tmp / "fresh.sqlite3")
        load_areas_csv(fresh, "bench")
        t0 = time.perf_counter()
        report = import_registry(fresh, "bench", first)
        t_import = time.perf_counter() - t0
        if not report.written:
            print("import refused:", *[i.line() for i in report.issues[:5]], sep="\n")
            return 1
        second = tmp / "again.xlsx"
        export_registry(fresh, second)
        same = cells(first) == cells(second)
        db.dispose()
        fresh.dispose()
    result = {"households": exported, "persons": report.persons_created,
              "generate_s": round(t_gen, 2), "export_s": round(t_export, 2),
              "import_s": round(t_import, 2), "round_trip_identical": same,
              "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
              "machine": machine()}
    (HERE / "results-export.json").write_text(json.dumps(result, indent=2) + "\n")
    m = result["machine"]
    section = (f"{START}\n## Registry export → import round trip\n\n"
               f"{m['nproc']} cores, Python {m['python']}, SQLite {m['sqlite']}. "
               f"{exported:,} households / {report.persons_created:,} persons.\n\n"
               "| step | seconds |\n|---|---|\n"
               f"| demo generation | {t_gen:.1f} |\n| export to .xlsx | {t_export:.1f} |\n"
               f"| import into an empty database | {t_import:.1f} |\n\n"
               f"Re-export identical to the first export, cell by cell: "
               f"**{'yes' if same else 'NO'}**. Peak memory {result['peak_mb']} MB.\n{END}")
    replace_section(START, END, section)
    print(json.dumps(result, indent=2))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
