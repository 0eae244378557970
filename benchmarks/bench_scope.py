"""Area-scoped search and the permission checks at city scale (issue 13).

    .venv/bin/python benchmarks/bench_scope.py [--source benchmarks/work/city.sqlite3]

Copies the 300,000-household city that ``bench_registry.py`` made (the source is never
modified), upgrades the copy (migration 0014: users and roles), creates a city-wide user and a
township caseworker, and measures the median of 20 searches (name, pinyin initials, ID tail,
one-character surname's first page) for each; then the permission checks of a county roster
build (the decorator's check and the build without it). Writes
``benchmarks/results-scope.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistcase.db import open_database  # noqa: E402
from assistcase.models import Area, Household, Person  # noqa: E402
from assistcase.services import auth  # noqa: E402
from assistcase.services import rosters as R  # noqa: E402
from assistcase.services.queries import (HouseholdFilter, first_household_ids,  # noqa: E402
                                         search_household_ids)
from sqlalchemy import func, select, text  # noqa: E402

PASSWORD = "bench-password-1"


def median_ms(fn, n: int = 20) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--source", default=str(ROOT / "benchmarks" / "work" / "city.sqlite3"))
    p.add_argument("--work", default=None)
    p.add_argument("--build", action="store_true", help="also time a county roster build")
    args = p.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-scope-"))
    copy = work / "city.sqlite3"
    if not copy.exists():
        import sqlite3

        src = sqlite3.connect(f"file:{args.source}?mode=ro", uri=True)
        dst = sqlite3.connect(copy)
        src.backup(dst)   # a consistent copy, the source untouched
        dst.close()
        src.close()
    t0 = time.perf_counter()
    db = open_database(copy)
    upgrade_s = time.perf_counter() - t0
    if auth.needs_first_administrator(db):
        auth.create_first_administrator(db, "bench", PASSWORD)
    with db.read() as s:
        city = s.scalar(select(Area.id).where(Area.level == "city").order_by(Area.code))
        # the township with most households, and a name, initials and ID tail found there
        township_id, = s.execute(text(
            "SELECT t.id FROM households h JOIN areas v ON v.id = h.village_id "
            "JOIN areas t ON t.id = v.parent_id GROUP BY t.id ORDER BY COUNT(*) DESC LIMIT 1")).one()
        county_id = s.get(Area, township_id).parent_id
    for name, role, area in (("citywide", "supervisor", city),
                             ("township", "caseworker", township_id),
                             ("clerk", "county_clerk", county_id)):
        db.signed_in = "bench"
        with db.read() as s:
            exists = s.scalar(select(func.count()).select_from(auth.User)
                              .where(auth.User.username == name))
        if not exists:
            auth.create_user(db, "bench", name, name, PASSWORD, [(role, area)])
    with db.read() as s:
        t_code = s.get(Area, township_id).code[:9]
        row = s.execute(select(Person.name, Person.id_number).join(
            Household, Household.id == Person.household_id).join(
            Area, Area.id == Household.village_id).where(Area.code.like(t_code + "%"))
            .limit(1)).one()
    from assistcase.rules.searchkeys import initials

    queries = {"name": row.name[-2:], "initials": initials(row.name),
               "id_tail": row.id_number[-6:]}
    results: dict = {"upgrade_s": round(upgrade_s, 1), "queries": queries}
    for who in ("citywide", "township"):
        db.signed_in = who
        for label, q in queries.items():
            def run(q=q):
                with db.read() as s:
                    return search_household_ids(s, HouseholdFilter(text=q))
            results[f"{who}_{label}_ms"] = median_ms(run)
            results[f"{who}_{label}_hits"] = len(run())
        def broad():
            with db.read() as s:
                return first_household_ids(s, HouseholdFilter(text="王"))
        results[f"{who}_broad_first_page_ms"] = median_ms(broad)
    # the permission checks a roster build makes: the decorator's check, alone
    db.signed_in = "clerk"
    data = R.MonthlyRosterInput(county_id, dt.date(2026, 11, 1))

    def check():
        with db.read() as s:
            auth.authorize(s, "clerk", "roster.build")
            auth.authorize(s, "clerk", "roster.build",
                           area_code=auth.record_area_code(s, "area", county_id))
    results["permission_check_ms"] = median_ms(check)
    if args.build:
        t0 = time.perf_counter()
        built = R.build_monthly_roster.__wrapped__(db, "clerk", data)
        results["county_build_unchecked_s"] = round(time.perf_counter() - t0, 2)
        R.discard_roster(db, "clerk", built.roster_id, "bench")
        t0 = time.perf_counter()
        built = R.build_monthly_roster(db, "clerk", data)
        results["county_build_checked_s"] = round(time.perf_counter() - t0, 2)
        results["county_build_lines"] = built.lines
        R.discard_roster(db, "clerk", built.roster_id, "bench")
    db.dispose()
    out = ROOT / "benchmarks" / "results-scope.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
