"""Low-income monitoring at city scale (issue 16): 300,000 households / 700,000 persons, seven
outside lists of 100,000 rows each, all warning rules run twice, the to-do list of the
busiest township.

    .venv/bin/python benchmarks/bench_monitoring.py [--source benchmarks/work/city.sqlite3]
                                                   [--rows 100000]

The source city (made by bench_registry/bench_entitlement: registry, standards, cases) is
copied, never modified; the copy is upgraded through migration 0016 (the register filled from
the households' categories). Every measured step runs in a child process of its own that
reports its own peak memory (VmHWM). Writes ``benchmarks/results-monitoring.json`` and the
monitoring section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import machine, peak_rss_mb, replace_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = ROOT / "benchmarks" / "work"
DEFAULT_SOURCE = WORK / "city.sqlite3"
TARGET = WORK / "monitoring-work.sqlite3"
LISTS = WORK / "monitoring-lists"
RESULTS_JSON = ROOT / "benchmarks" / "results-monitoring.json"
MD_START, MD_END = "<!-- monitoring:start -->", "<!-- monitoring:end -->"
ACTOR = "bench"
PASSWORD = "bench-password"
CASEWORKER = "township"   # the busiest township's caseworker, who opens the to-do list
ROLES = ("caseworker", "standards_officer", "administrator")
TODAY = dt.date.today()

TARGETS = {
    "upgrade_s": (None, "s", "migrations to head (register filled from the categories), wall"),
    "import_s": (None, "s", "import and match the seven lists, wall"),
    "run1_cpu_s": (40.0, "s", "all warning rules, first run: CPU of its process"),
    "run1_s": (60.0, "s", "all warning rules, first run: wall"),
    "run1_peak_rss_mb": (400.0, "MB", "first run peak RSS"),
    "run2_cpu_s": (None, "s", "all warning rules, second run (nothing new): CPU"),
    "run2_s": (60.0, "s", "all warning rules, second run: wall"),
    "run2_warnings": (0, "", "warnings raised by the second run"),
    "todo_cpu_ms": (None, "ms", "to-do list (load_todo) of a township: CPU, median of 5 townships"),
    "todo_ms": (500.0, "ms", "to-do list (load_todo) of a township: wall, median of 5 townships"),
    "todo_max_ms": (500.0, "ms", "to-do list, the slowest of the 5 townships: wall"),
    "todo_page_built_ms": (None, "ms", "to-do page built (the window's wait; the list loads in "
                                       "the background), wall"),
    "todo_page_ms": (500.0, "ms", "to-do page until its list is shown (busiest township), wall"),
}


def _db(who: str = ACTOR):
    from assistcase.db import Database

    db = Database(f"sqlite:///{TARGET}")
    db.signed_in = who
    return db


def _cpu() -> float:
    """CPU seconds of this process (user + system): the figure a shared machine does not
    stretch."""
    return time.process_time()


def _users(db) -> None:
    """The benchmark's user (nobody is registered by acting): the first administrator, also
    caseworker and standards officer over the whole city (imports lists, runs the rules)."""
    from assistcase.services import auth

    if auth.needs_first_administrator(db):
        first = auth.create_first_administrator(db, ACTOR, PASSWORD)
        auth.set_user_roles(db, ACTOR, first.user_id, [(r, None) for r in ROLES])


def step_upgrade(_args) -> dict:
    from alembic import command

    from assistcase.db import alembic_config

    db = _db()
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        cfg = alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    out = {"upgrade_s": time.perf_counter() - t0}
    _users(db)
    return out


def step_import(args) -> dict:
    from assistcase.demo.monitoring import write_demo_lists
    from assistcase.io.outside_lists import import_outside_list

    db = _db()
    LISTS.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    paths = write_demo_lists(db, LISTS, 1, TODAY, args.rows)
    written = time.perf_counter() - t0
    out = {"lists_written_s": written, "lists": {}}
    t0 = time.perf_counter()
    for kind, path in paths.items():
        t1 = time.perf_counter()
        rep = import_outside_list(db, ACTOR, path, kind, received_on=TODAY)
        out["lists"][kind] = {"rows": rep.rows, "matched": len(rep.matched),
                              "unmatched": len(rep.unmatched),
                              "other_name": len(rep.name_mismatch),
                              "refused": len(rep.refused), "s": time.perf_counter() - t1}
    out["import_s"] = time.perf_counter() - t0
    return out


def step_run(_args) -> dict:
    from assistcase.services.monitoring import run_rules

    c0, t0 = _cpu(), time.perf_counter()
    r = run_rules(_db(), ACTOR, TODAY)
    return {"s": time.perf_counter() - t0, "cpu_s": _cpu() - c0, "warnings": r.total,
            "by_rule": r.raised, "persons_checked": r.persons_checked}


def _townships(db, n: int = 5) -> list[int]:
    """The ``n`` townships with most open tasks, busiest first."""
    from sqlalchemy import text

    with db.read() as s:
        return list(s.scalars(text(
            "SELECT township_id FROM monitoring_tasks WHERE status = 'open'"
            f" GROUP BY township_id ORDER BY COUNT(*) DESC, township_id LIMIT {int(n)}")))


def _caseworker(township: int) -> str:
    """A caseworker of ``township``, registered by the administrator (once)."""
    from sqlalchemy import func, select

    from assistcase.services import auth

    name = f"{CASEWORKER}-{township}"
    db = _db()
    with db.read() as s:
        if not s.scalar(select(func.count()).select_from(auth.User)
                        .where(auth.User.username == name)):
            auth.create_user(db, ACTOR, name, name, PASSWORD, [("caseworker", township)])
    return name


def step_todo(_args) -> dict:
    """The to-do list of five townships (the busiest first), each opened by its own
    caseworker: wall and CPU ms per township (median of 3), then the median over them."""
    from assistcase.services.todo import load_todo

    townships = _townships(_db())
    per: dict[int, dict] = {}
    for township in townships:
        db = _db(_caseworker(township))
        load_todo(db, township, TODAY)  # warm: the first read of a cold page cache
        walls, cpus = [], []
        for _ in range(3):
            c0, t0 = _cpu(), time.perf_counter()
            todo = load_todo(db, township, TODAY)
            walls.append((time.perf_counter() - t0) * 1000)
            cpus.append((_cpu() - c0) * 1000)
        per[township] = {"ms": statistics.median(walls), "cpu_ms": statistics.median(cpus),
                         "items": len(todo.items), "counts": todo.counts()}
    busiest = per[townships[0]]
    return {"todo_ms": statistics.median(v["ms"] for v in per.values()),
            "todo_cpu_ms": statistics.median(v["cpu_ms"] for v in per.values()),
            "todo_max_ms": max(v["ms"] for v in per.values()),
            "todo_items": busiest["items"], "todo_counts": busiest["counts"],
            "township_id": townships[0], "per_township": per}


def step_todo_page(_args) -> dict:
    """The to-do page opened on the busiest township by its caseworker: the time until the
    page is built (the window's wait: the list loads in the background) and until its list
    is shown, median of 3."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    app.setOrganizationName("AssistCaseBench")
    township = _townships(_db(), 1)[0]
    db = _db(_caseworker(township))
    QSettings().setValue("todo/area", township)
    from ui.todo_page import TodoPage

    built, shown, cpu = [], [], []
    for _ in range(3):
        c0, t0 = _cpu(), time.perf_counter()
        page = TodoPage(db, db.signed_in)
        built.append((time.perf_counter() - t0) * 1000)
        while page.loading:
            app.processEvents()
            time.sleep(0.001)
        shown.append((time.perf_counter() - t0) * 1000)
        cpu.append((_cpu() - c0) * 1000)
        rows = page.table.rowCount()
        page.deleteLater()
        app.processEvents()
    return {"todo_page_ms": statistics.median(shown), "todo_page_built_ms": statistics.median(built),
            "todo_page_cpu_ms": statistics.median(cpu),
            "todo_page_rows": rows}


STEPS = {"upgrade": step_upgrade, "import": step_import, "run": step_run, "todo": step_todo,
         "todo_page": step_todo_page}


def child(name: str, args) -> dict:
    cmd = [sys.executable, __file__, "--step", name, "--rows", str(args.rows)]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"step {name} failed:\n{out.stderr}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    data["wall_s"] = time.perf_counter() - t0
    print(f"{name}: {json.dumps(data, ensure_ascii=False)}", file=sys.stderr)
    return data


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--source", default=str(DEFAULT_SOURCE))
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--step")
    p.add_argument("--reuse", action="store_true",
                   help="keep the upgraded, imported work copy: run the rules and the to-do "
                        "list again (the rules' second run finds nothing new)")
    args = p.parse_args()
    if args.step:
        data = STEPS[args.step](args)
        data["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(data, ensure_ascii=False, default=str))
        return 0
    source = Path(args.source)
    WORK.mkdir(parents=True, exist_ok=True)
    import sqlite3

    if args.reuse and TARGET.exists() and RESULTS_JSON.exists():
        return reuse(args)
    for suffix in ("", "-wal", "-shm"):
        Path(str(TARGET) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, TARGET)  # the source is never opened for writing

    with sqlite3.connect(TARGET) as conn:
        households = conn.execute("SELECT COUNT(*) FROM households").fetchone()[0]
        persons = conn.execute("SELECT COUNT(*) FROM persons").fetchone()[0]
    res = {"households": households, "persons": persons, "rows_per_list": args.rows,
           "today": TODAY.isoformat(), "machine": machine()}
    up = child("upgrade", args)
    res["upgrade_s"], res["upgrade_peak_rss_mb"] = up["upgrade_s"], up["peak_rss_mb"]
    im = child("import", args)
    res.update(import_s=im["import_s"], import_peak_rss_mb=im["peak_rss_mb"], lists=im["lists"],
               lists_written_s=im["lists_written_s"])
    import os

    res["load_average_run1"] = os.getloadavg()
    r1 = child("run", args)
    res.update(run1_s=r1["s"], run1_cpu_s=r1["cpu_s"], run1_peak_rss_mb=r1["peak_rss_mb"], run1_warnings=r1["warnings"],
               run1_by_rule=r1["by_rule"], persons_checked=r1["persons_checked"])
    finish(res, args)
    return 0


def reuse(args) -> int:
    """The rules' first run was measured before: keep its figures, measure the rest again."""
    res = json.loads(RESULTS_JSON.read_text())
    res["machine"] = machine()
    res["reused"] = True
    finish(res, args)
    return 0


def finish(res: dict, args) -> None:
    import os

    res["load_average"] = os.getloadavg()
    r2 = child("run", args)
    res.update(run2_s=r2["s"], run2_cpu_s=r2["cpu_s"], run2_peak_rss_mb=r2["peak_rss_mb"], run2_warnings=r2["warnings"])
    td = child("todo", args)
    res.update(todo_ms=td["todo_ms"], todo_cpu_ms=td["todo_cpu_ms"],
               todo_max_ms=td["todo_max_ms"], todo_items=td["todo_items"], todo_counts=td["todo_counts"])
    tp = child("todo_page", args)
    res.update(todo_page_ms=tp["todo_page_ms"], todo_page_built_ms=tp["todo_page_built_ms"],
               todo_page_rows=tp["todo_page_rows"])
    res["load_average_after"] = os.getloadavg()
    RESULTS_JSON.write_text(json.dumps(res, ensure_ascii=False, indent=2, default=str))
    households, persons = res["households"], res["persons"]
    lines = [MD_START, "## Low-income monitoring (issue 16)", "",
             f"{households:,} households / {persons:,} persons; seven outside lists of "
             f"{args.rows:,} rows each (CSV, `assistcase.demo.monitoring.write_demo_lists`); "
             f"rules first run on {res['today']}, run again on {TODAY}. Machine: {res['machine']['nproc']} cores, "
             f"{res['machine']['cpu']}, {res['machine']['memory_gb']} GB, SQLite "
             f"{res['machine']['sqlite']}; load average {res.get('load_average_run1', [0])[0]:.1f} "
             f"before the first run of the rules, {res['load_average'][0]:.1f} before the second and "
             f"{res['load_average_after'][0]:.1f} after the second run (the machine was shared: "
             "wall figures are upper bounds; CPU seconds are the measured process's own, "
             "`time.process_time`). Every step runs in a child process as a registered user: "
             "the rules as the benchmark's administrator (also caseworker and standards officer), "
             "each to-do list as that township's caseworker. `.venv/bin/python benchmarks/bench_monitoring.py`"
             " (`--reuse`: the rules again on the imported copy).",
             "", "| figure | result | target |", "|---|---|---|"]
    for key, (target, unit, label) in TARGETS.items():
        value = res.get(key)
        if value is None:  # a figure the reused first run did not measure
            lines.append(f"| {label} | — | |")
            continue
        shown = f"{value:,.1f} {unit}" if isinstance(value, float) else f"{value:,} {unit}"
        ok = "" if target is None else (" ✓" if value <= target else " ✗")
        lines.append(f"| {label} | {shown.strip()} | "
                     f"{'' if target is None else f'≤ {target:,} {unit}'.strip()}{ok} |")
    lines += ["", f"First run: {res['run1_warnings']:,} warnings ("
              + ", ".join(f"{k} {v:,}" for k, v in sorted(res['run1_by_rule'].items()))
              + f"), {res['persons_checked']:,} register persons checked; peak RSS "
              f"{res['run1_peak_rss_mb']:.0f} MB (second run {res['run2_peak_rss_mb']:.0f} MB). "
              f"Import per list: " + ", ".join(f"{k} {v['s']:.1f} s ({v['matched']:,} matched)"
                                              for k, v in res["lists"].items())
              + f"; the migration filled the register in {res['upgrade_s']:.1f} s. To-do list: "
              f"{res['todo_items']:,} items in the busiest township.", MD_END]
    replace_section(MD_START, MD_END, "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
