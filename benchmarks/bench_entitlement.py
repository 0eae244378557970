"""Monthly entitlements at city scale: one set-based recalculation for 300,000 households.

    .venv/bin/python benchmarks/bench_entitlement.py [--month 2023-05]

Copies ``benchmarks/work/city.sqlite3`` (the registry benchmark's demo city; generated here if
missing) to ``benchmarks/work/city-entitlement.sqlite3``, upgrades it, sets up standards and
active cases (BENCHMARK SET-UP, set-based SQL, not the services), then times
:func:`assistcase.recalc.recalculate_area` for the whole city and one month. Writes
``benchmarks/results-entitlement.json`` and the entitlement section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import bench_user, peak_rss_mb, replace_section  # noqa: E402 (benchmarks/ is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from assistcase.db import open_database  # noqa: E402
from assistcase.models import Area  # noqa: E402
from assistcase.services.recalc import recalculate_area  # noqa: E402
from assistcase.services import standards as S  # noqa: E402

from common import WORK  # noqa: E402 (ASSISTCASE_BENCH_WORK moves it)
SOURCE = WORK / "city.sqlite3"
TARGET = WORK / "city-entitlement.sqlite3"
RESULTS_JSON = ROOT / "benchmarks" / "results-entitlement.json"
RESULTS_MD = ROOT / "benchmarks" / "RESULTS.md"
MD_START, MD_END = "<!-- entitlement:start -->", "<!-- entitlement:end -->"
ACTOR = "bench"
TARGET_S = 5.0


def prepare() -> None:
    if not SOURCE.exists():
        from assistcase.demo import generate_demo
        db = open_database(SOURCE)
        generate_demo(db, ACTOR, households=300_000, seed=1)
        db.dispose()
    for old in WORK.glob(TARGET.name + "*"):
        old.unlink()
    for old in WORK.glob(TARGET.stem + ".backup-*"):
        old.unlink()
    shutil.copyfile(SOURCE, TARGET)


def set_up(db, applied: dt.date) -> dict:
    """BENCHMARK SET-UP: standards and policy through the services, then one active case per
    dibao household (all members covered) and per tekun household (its head), written with
    INSERT … SELECT. Cases are confirmed the month before ``applied`` so they are paid."""
    with db.read() as s:
        city = s.scalars(select(Area.id).where(Area.level == "city").order_by(Area.code)).first()
    since = dt.date(2022, 1, 1)
    for cls, dibao, basic in (("urban", 630_00, 819_00), ("rural", 420_00, 546_00)):
        S.save_standard(db, ACTOR, S.StandardInput(city, cls, "dibao", since, dibao))
        S.save_standard(db, ACTOR, S.StandardInput(city, cls, "tekun_basic", since, basic))
        S.save_standard(db, ACTOR, S.StandardInput(city, cls, "care_partial", since, 300_00))
        S.save_standard(db, ACTOR, S.StandardInput(city, cls, "care_none", since, 900_00))
    S.set_policy(db, ACTOR, city, {"increment_elderly_pct": 10, "increment_minor_pct": 5,
                                   "increment_severe_disability_pct": 20}, effective_from=since)
    d = {"applied": applied.isoformat(), "confirmed": (applied + dt.timedelta(days=20)).isoformat(),
         "paid": dt.date(applied.year + (applied.month == 12), applied.month % 12 + 1, 1).isoformat()}
    with db.begin() as s:
        s.execute(text("DELETE FROM case_members"))
        s.execute(text("DELETE FROM assistance_cases"))
        common = ("status, applied_on, checked_on, investigated_on, investigators,"
                  " publicity_start, publicity_end, confirmed_on, paid_from, stable_income,"
                  " next_review_on, application_reason, check_findings, investigation_findings,"
                  " institution_name, created_at, updated_at")
        values = ("'active', :applied, :applied, :applied, 'bench', :applied, :applied,"
                  " :confirmed, :paid, 0, :applied, 'benchmark set-up', '', '', '',"
                  " :applied, :applied")
        s.execute(text(f"INSERT INTO assistance_cases (program, household_id, person_id, {common})"
                       f" SELECT 'dibao', h.id, NULL, {values} FROM households AS h"
                       " WHERE h.status = 'active' AND h.category = 'dibao'"), d)
        s.execute(text("INSERT INTO case_members (case_id, person_id, program, covered_from)"
                       " SELECT c.id, p.id, 'dibao', c.paid_from FROM assistance_cases AS c"
                       " JOIN persons AS p ON p.household_id = c.household_id"
                       " WHERE c.program = 'dibao'"))
        s.execute(text(f"INSERT INTO assistance_cases (program, household_id, person_id,"
                       f" support_mode, self_care, {common})"
                       f" SELECT 'tekun', h.id, p.id, 'dispersed', p.self_care, {values}"
                       " FROM households AS h JOIN persons AS p ON p.household_id = h.id"
                       "  AND p.relation = 'head'"
                       " WHERE h.status = 'active' AND h.category = 'tekun'"), d)
        s.execute(text("INSERT INTO case_members (case_id, person_id, program, covered_from)"
                       " SELECT id, person_id, 'tekun', paid_from"
                       " FROM assistance_cases WHERE program = 'tekun'"))
        counts = dict(s.execute(text("SELECT program, COUNT(*) FROM assistance_cases"
                                     " GROUP BY program")).all())
        households = s.execute(text("SELECT COUNT(*) FROM households")).scalar_one()
    db.engine.dispose()
    return {"city_id": city, "households": households, "cases": counts}


def write_results(results: dict) -> None:
    RESULTS_JSON.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n",
                            encoding="utf-8")
    r = results
    lines = [MD_START, "## Monthly entitlements (低保 / 特困)", "",
             f"Run {r['run_at']} on {r['machine']}. Database: {r['households']:,} households, "
             f"{r['cases'].get('dibao', 0):,} dibao and {r['cases'].get('tekun', 0):,} "
             f"extreme-hardship cases (benchmark set-up, `benchmarks/bench_entitlement.py`).", "",
             "| figure | value | target | pass |", "|---|---|---|---|",
             f"| recalculate one month for the whole city (one INSERT … SELECT) "
             f"| {r['recalc_s']:.2f} s | ≤ {TARGET_S:.0f} s | {'yes' if r['pass'] else 'NO'} |",
             f"| — its CPU seconds | {r['recalc_cpu_s']:.2f} s | — | |",
             f"| — its process's peak RSS | {r['recalc_peak_rss_mb']:.1f} MB | — | |",
             f"| second run (replaces the month's rows) | {r['recalc_again_s']:.2f} s | "
             f"informational | |",
             f"| — its CPU seconds | {r['recalc_again_cpu_s']:.2f} s | — | |",
             f"| — its process's peak RSS | {r['recalc_again_peak_rss_mb']:.1f} MB | — | |", "",
             "Each run is a fresh process (`--child`): its wall time, CPU seconds "
             "(`time.process_time`) and peak RSS (VmHWM) are its own. Load average at the end "
             f"of each run {r['load_average'][0]} and {r['load_average'][1]} on "
             f"{os.cpu_count()} cores (a shared machine stretches wall times; CPU seconds "
             "much less).", "",
             f"Rows written: {r['rows']:,}; total {r['amount_fen'] / 100:,.2f} yuan; "
             f"{r['exit_review']:,} flagged for exit review.", MD_END]
    section = "\n".join(lines)
    replace_section(MD_START, MD_END, section)


def _child(city_id: int, month: str) -> None:
    """Runs in a fresh process: one recalculation, printed as JSON with the process's own
    wall time, CPU seconds and peak RSS (VmHWM), so no figure is another step's."""
    db = open_database(TARGET)
    t0, c0 = time.perf_counter(), time.process_time()
    r = recalculate_area(db, ACTOR, city_id, dt.date.fromisoformat(month))
    out = {"seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
           "peak_rss_mb": peak_rss_mb(), "load_average": os.getloadavg()[0],
           "cases": r.cases, "amount_fen": r.amount_fen, "exit_review": r.exit_review,
           "skipped_no_standard": r.skipped_no_standard}
    db.dispose()
    print(json.dumps(out))


def _recalc(city_id: int, month: dt.date) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(city_id), month.isoformat()],
                         cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"recalculation child failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(int(sys.argv[2]), sys.argv[3])
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("--month", default="2023-05")
    args = ap.parse_args()
    year, mon = map(int, args.month.split("-"))
    month = dt.date(year, mon, 1)
    t0 = time.perf_counter()
    prepare()
    db = open_database(TARGET)
    bench_user(db, ACTOR)
    setup = set_up(db, dt.date(year - 1, 3, 1))
    db.dispose()
    setup_s = time.perf_counter() - t0
    print(f"set-up {setup_s:.1f} s: {setup}", flush=True)
    first = _recalc(setup["city_id"], month)
    second = _recalc(setup["city_id"], month)
    assert (first["cases"], first["amount_fen"]) == (second["cases"], second["amount_fen"])
    results = {"run_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
                          f"{platform.python_version()}",
               "month": month.isoformat(), "households": setup["households"],
               "cases": setup["cases"], "rows": first["cases"],
               "amount_fen": first["amount_fen"], "exit_review": first["exit_review"],
               "skipped_no_standard": first["skipped_no_standard"],
               "recalc_s": round(first["seconds"], 3), "recalc_cpu_s": round(first["cpu_s"], 2),
               "recalc_peak_rss_mb": round(first["peak_rss_mb"], 1),
               "recalc_again_s": round(second["seconds"], 3),
               "recalc_again_cpu_s": round(second["cpu_s"], 2),
               "recalc_again_peak_rss_mb": round(second["peak_rss_mb"], 1),
               "load_average": [round(first["load_average"], 1),
                                round(second["load_average"], 1)],
               "target_s": TARGET_S, "pass": first["seconds"] <= TARGET_S,
               "setup_s": round(setup_s, 1)}
    write_results(results)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0 if results["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
