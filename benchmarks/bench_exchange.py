"""Township ↔ bureau exchange (issue 15), two measurements:

- **a township** of ``--households`` households (the demo registry placed in one township's
  villages): its first package into an empty bureau, then ``--changed`` of its households
  changed through the registry service and the package of those changes exported and
  imported (targets: export ≤ 10 s, import ≤ 20 s);
- **a city's first package** (``--city`` households, 0 to skip): the demo city placed in one
  township's area, its full package exported and imported into an empty bureau database
  (target: ≤ 5 minutes at ≤ 500 MB). Export and import each run in a child process of their
  own, which reports its CPU time, wall time and peak resident set.

    .venv/bin/python benchmarks/bench_exchange.py [--households 5000] [--changed 0.2]
                                                  [--city 300000] [--skip-township]

Every step reports CPU seconds of the measuring process (``time.process_time``: on a shared
machine the wall time is stretched by the others' load) and wall seconds with the load
average. Writes ``benchmarks/results-exchange.json`` and the exchange section of
``benchmarks/RESULTS.md`` (a run of one part keeps the other part's last figures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402

from assistcase.db import open_database  # noqa: E402
from assistcase.demo import generate_demo  # noqa: E402
from assistcase.models import Area, Household  # noqa: E402
from assistcase.services import exchange as X  # noqa: E402
from assistcase.services import registry as R  # noqa: E402
from assistcase.services.areas import load_areas_csv  # noqa: E402

from common import WORK, machine, peak_rss_mb, replace_section  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results-exchange.json"
START, END = "<!-- exchange:start -->", "<!-- exchange:end -->"
BUREAU = "411400"


ROLES = ("caseworker", "township_reviewer", "county_clerk", "county_approver",
         "standards_officer", "administrator")


def _users(db) -> None:
    """The benchmark's users (issue 13: nobody is registered by acting): an administrator and
    the two sites' clerks, every role over the whole database."""
    from assistcase.services import auth

    first = auth.create_first_administrator(db, "bench", "bench-password")
    auth.set_user_roles(db, "bench", first.user_id, [(r, None) for r in ROLES])
    for name in ("worker", "clerk"):
        auth.create_user(db, "bench", name, name, "bench-password", [(r, None) for r in ROLES])
    db.signed_in = "bench"


def timed(fn, what=""):
    """(result, CPU s of this process, wall s) of one step."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    cpu, wall = round(time.process_time() - c0, 2), round(time.perf_counter() - t0, 2)
    print(f"{what}: {cpu} CPU s, {wall} wall s, load {os.getloadavg()[0]:.1f}", flush=True)
    return out, cpu, wall


def _sites(tmp: Path, households: int, seed: int,
           with_cases: bool = False) -> tuple[Path, Path, str, int]:
    """A township database holding a demo registry of ``households`` households placed in
    its villages (``with_cases``: and the demo's active assistance cases with their steps and
    covered members), and an empty bureau database; the two registered with each other."""
    town = open_database(tmp / "township.sqlite3")
    _users(town)
    load_areas_csv(town, "bench")
    timed(lambda: generate_demo(town, "bench", households=households, seed=seed), "demo")
    if with_cases:
        from assistcase.demo import generate_demo_cases

        timed(lambda: generate_demo_cases(town, "bench", dt.date(2025, 1, 1)), "demo cases")
    with town.begin() as s:  # the whole registry in one township's villages
        township = s.scalar(select(Area).where(Area.level == "township")
                            .order_by(Area.code).limit(1))
        villages = list(s.scalars(select(Area.id).where(Area.parent_id == township.id)
                                  .order_by(Area.code)))
        ids = list(s.scalars(select(Household.id).order_by(Household.id)))
        s.connection().exec_driver_sql(
            "UPDATE households SET village_id = ?, number = ? WHERE id = ?",
            [(villages[i % len(villages)], f"T{hid:07d}", hid) for i, hid in enumerate(ids)])
        persons = s.scalar(text("SELECT count(*) FROM persons"))
        code = township.code
    bureau = open_database(tmp / "bureau.sqlite3")
    _users(bureau)
    load_areas_csv(bureau, "bench")
    X.setup_site(bureau, "clerk", BUREAU, "bureau", "bureau", "411400000000")
    key = X.register_township(bureau, "clerk", code, "township", code)
    X.setup_site(town, "worker", code, "township", "township", code)
    X.join_bureau(town, "worker", BUREAU, "bureau", key)
    town.dispose()
    bureau.dispose()
    return tmp / "township.sqlite3", tmp / "bureau.sqlite3", code, persons


def township(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        town_path, bureau_path, code, persons = _sites(tmp, args.households, args.seed)
        town, bureau = open_database(town_path), open_database(bureau_path)
        town.signed_in = bureau.signed_in = "bench"
        first, c_first_export, w_first_export = timed(
            lambda: X.export_package(town, "worker", BUREAU, tmp / "usb"), "first export")
        got, c_first_import, w_first_import = timed(
            lambda: X.import_package(bureau, "clerk", first.path), "first import")
        back = X.export_package(bureau, "clerk", code, tmp / "back")
        X.import_package(town, "worker", back.path)

        rng = random.Random(args.seed)
        with town.read() as s:
            ids = list(s.scalars(select(Household.id).where(Household.status == "active")))
        chosen = rng.sample(ids, int(len(ids) * args.changed))
        timed(lambda: [R.update_household(town, "worker", h, {"phone": f"139{h:08d}"})
                       for h in chosen], "edits")
        pkg, c_export, w_export = timed(
            lambda: X.export_package(town, "worker", BUREAU, tmp / "usb"), "export")
        res, c_import, w_import = timed(lambda: X.import_package(bureau, "clerk", pkg.path),
                                        "import")
        out = {"households": args.households, "persons": persons, "changed": len(chosen),
               "export_cpu_s": c_export, "export_wall_s": w_export,
               "import_cpu_s": c_import, "import_wall_s": w_import,
               "first_export_cpu_s": c_first_export, "first_export_wall_s": w_first_export,
               "first_import_cpu_s": c_first_import, "first_import_wall_s": w_first_import,
               "first_set_based": got.set_based, "first_created": got.created,
               "first_package_mb": round(first.path.stat().st_size / 1e6, 2),
               "package_mb": round(pkg.path.stat().st_size / 1e6, 2),
               "package_counts": pkg.counts, "updated": res.updated,
               "conflicts": res.conflicts, "peak_mb": round(peak_rss_mb(), 1),
               "load_average": os.getloadavg()}
        town.dispose()
        bureau.dispose()
    return out


def step(args) -> int:
    """A child process: one step of the city's first package, reporting its own figures."""
    work = Path(args.dir)
    c0, t0 = time.process_time(), time.perf_counter()
    if args.step == "export":
        db = open_database(work / "township.sqlite3")
        db.signed_in = "bench"
        r = X.export_package(db, "worker", BUREAU, work / "usb")
        extra = {"path": str(r.path), "counts": r.counts,
                 "package_mb": round(r.path.stat().st_size / 1e6, 2)}
    else:
        db = open_database(work / "bureau.sqlite3")
        db.signed_in = "bench"
        r = X.import_package(db, "clerk", args.package)
        extra = {"created": r.created, "duplicates": r.duplicates, "set_based": r.set_based}
    db.dispose()
    print(json.dumps({"cpu_s": round(time.process_time() - c0, 2),
                      "wall_s": round(time.perf_counter() - t0, 2),
                      "peak_mb": round(peak_rss_mb(), 1), "load_average": os.getloadavg(),
                      **extra}))
    return 0


def city(args) -> dict:
    work = WORK / "exchange-city"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        _, _, _, persons = _sites(work, args.city, args.seed, args.with_cases)
        me = [sys.executable, str(Path(__file__).resolve()), "--dir", str(work)]
        out: dict = {"households": args.city, "persons": persons,
                     "with_cases": args.with_cases}
        exported = json.loads(subprocess.run(me + ["--step", "export"], check=True,
                                             capture_output=True, text=True).stdout.splitlines()[-1])
        print("city export:", exported, flush=True)
        imported = json.loads(subprocess.run(me + ["--step", "import", "--package",
                                                   exported["path"]], check=True,
                                             capture_output=True, text=True).stdout.splitlines()[-1])
        print("city import:", imported, flush=True)
        exported.pop("path")
        out.update(export=exported, import_=imported)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def render(result: dict) -> str:
    ok = lambda v, t: "PASS" if v <= t else "FAIL"  # noqa: E731
    m = result["machine"]
    lines = [f"{START}\n## Township ↔ bureau exchange (bench_exchange.py)\n",
             f"{m['nproc']} cores ({m['cpu']}), Python {m['python']}, SQLite {m['sqlite']}. "
             "CPU s is the measuring process's own CPU time (`time.process_time`); wall s was "
             "taken on a shared machine (load average given) and is an upper bound.\n"]
    t = result.get("township")
    if t:
        lines += [
            f"**A township** ({t['run_at']}): {t['households']:,} households / "
            f"{t['persons']:,} persons; {t['changed']:,} households "
            f"({t['changed'] / t['households']:.0%}) changed through the registry service; "
            f"load average at the end {t['load_average'][0]:.1f}.\n",
            "| figure | CPU s | wall s | target | result (CPU) |\n|---|---|---|---|---|",
            f"| export of the changes' package | {t['export_cpu_s']} | {t['export_wall_s']} "
            f"| ≤ 10 s | {ok(t['export_cpu_s'], 10)} |",
            f"| import of it at the bureau | {t['import_cpu_s']} | {t['import_wall_s']} "
            f"| ≤ 20 s | {ok(t['import_cpu_s'], 20)} |",
            f"| first (full) package: export | {t['first_export_cpu_s']} | "
            f"{t['first_export_wall_s']} | — | informational |",
            f"| first package: import into an empty bureau (set-based: "
            f"{t['first_set_based']}) | {t['first_import_cpu_s']} | "
            f"{t['first_import_wall_s']} | — | informational |\n",
            f"- changes' package: {t['package_mb']} MB, {json.dumps(t['package_counts'])}; "
            f"updated at the bureau {json.dumps(t['updated'])}, conflicts {t['conflicts']}",
            f"- first package: {t['first_package_mb']} MB, created "
            f"{json.dumps(t['first_created'])}; peak RSS of the whole run (demo generation "
            f"included) {t['peak_mb']} MB\n"]
    c = result.get("city")
    if c:
        e, i = c["export"], c["import_"]
        total_cpu = round(e["cpu_s"] + i["cpu_s"], 1)
        total_wall = round(e["wall_s"] + i["wall_s"], 1)
        peak = max(e["peak_mb"], i["peak_mb"])
        lines += [
            f"**A city's first package** ({c['run_at']}): {c['households']:,} households / "
            f"{c['persons']:,} persons in one township's area"
            + ((", with the demo's assistance cases, their steps and covered members"
                if e["counts"].get("case_event") else
                ", with the demo's assistance cases and their covered members (the demo "
                "records no steps)") if c.get("with_cases") else " (the registry only)")
            + ", exported and imported into an empty bureau database, each step in a child "
            "process of its own.\n",
            "| figure | CPU s | wall s (load) | peak RSS | target | result (CPU) |\n"
            "|---|---|---|---|---|---|",
            f"| export | {e['cpu_s']} | {e['wall_s']} ({e['load_average'][0]:.1f}) | "
            f"{e['peak_mb']} MB | — | informational |",
            f"| import (set-based: {i['set_based']}) | {i['cpu_s']} | {i['wall_s']} "
            f"({i['load_average'][0]:.1f}) | {i['peak_mb']} MB | — | informational |",
            f"| the import alone (into the empty bureau) | {i['cpu_s']} | {i['wall_s']} | "
            f"{i['peak_mb']} MB | ≤ 300 s, ≤ 500 MB | "
            f"{ok(i['cpu_s'], 300) if i['peak_mb'] <= 500 else 'FAIL'} |",
            f"| the city's first package, both steps | {total_cpu} | {total_wall} | {peak} MB "
            f"| ≤ 300 s, ≤ 500 MB | {ok(total_cpu, 300) if peak <= 500 else 'FAIL'} |\n",
            f"- package: {e['package_mb']} MB, {json.dumps(e['counts'])}; created "
            f"{json.dumps(i['created'])}, duplicate tickets {i['duplicates']}\n"]
    lines.append(END)
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--households", type=int, default=5000)
    p.add_argument("--changed", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--city", type=int, default=300_000, help="0: no city run")
    p.add_argument("--skip-township", action="store_true")
    p.add_argument("--with-cases", action="store_true",
                   help="the city's package carries the demo's assistance cases too")
    p.add_argument("--step", choices=("export", "import"), help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    p.add_argument("--package", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.step:
        return step(args)
    result = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    result.pop("households", None)   # the first format of this file: one run of a township
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    if not args.skip_township:
        result["township"] = {**township(args), "run_at": stamp}
    if args.city:
        result["city"] = {**city(args), "run_at": stamp}
    result["machine"] = machine()
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    replace_section(START, END, render(result))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
