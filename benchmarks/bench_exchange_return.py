"""The bureau's return package to a township at city scale (issue 15 items 2 and 4;
services/exchange_return.py): standards and policy, roster states with the bank's results,
duplicate outcomes.

The 300,000-household demo city (``--source``, default the main worktree's
``benchmarks/work/city.sqlite3``, never written: copied to ``benchmarks/work/``) becomes the
bureau; the township with the most households is registered; the city's dibao roster for
November 2026 is built, reviewed, approved and given the bank's results (2% failed). Then, as
the registered users ``bench`` (builds, exports), ``rev`` (reviews) and ``appr`` (approves):

- the return items alone for the township's first return (every roster covering it, the
  standards of its chain), written (:func:`write_return`) and applied at a township
  (:class:`ReturnApplier`);
- the return items after one standard changed at the city (only that area travels);
- the whole first return package (the township's registry records and the return items)
  exported and imported into a new township database.

Every step reports CPU seconds of this process (``time.process_time``; the machine is shared,
so wall time is stretched by the others' load) and wall seconds with the load average. Writes
``benchmarks/results-exchange-return.json`` and its section of ``benchmarks/RESULTS.md``.

    .venv/bin/python benchmarks/bench_exchange_return.py [--source PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from assistcase.db import open_database  # noqa: E402
from assistcase.models import Area, Household, Roster, RosterLine  # noqa: E402
from assistcase.services import exchange as X  # noqa: E402
from assistcase.services import exchange_return as XR  # noqa: E402
from assistcase.services import rosters as RO  # noqa: E402
from assistcase.services import standards as S  # noqa: E402
from assistcase.services.areas import load_areas_csv  # noqa: E402

from common import WORK, bench_user, bench_users, machine, replace_section  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results-exchange-return.json"
START, END = "<!-- exchange-return:start -->", "<!-- exchange-return:end -->"
BUREAU = "411400"
MONTH = dt.date(2026, 11, 1)
ACTOR, REVIEWER, APPROVER = "bench", "rev", "appr"


def timed(figures: dict, key: str, fn):
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    cpu, wall = round(time.process_time() - c0, 2), round(time.perf_counter() - t0, 2)
    load = round(os.getloadavg()[0], 1)
    figures[key] = {"cpu_s": cpu, "wall_s": wall, "load": load}
    print(f"{key}: {cpu} CPU s, {wall} wall s, load {load}", flush=True)
    return out


def _return_items(db, township: str, since: int | None = None) -> tuple[list[dict], int]:
    """The return items for ``township`` as the export writes them (a read: rolled back)."""
    items: list[dict] = []
    with db.begin() as s:
        me, peer = X._self(s), X._site(s, township)
        area = X._township_area(s, me, peer)
        high = s.scalar(select(func.max(X.AuditEntry.id))) or 0
        XR.write_return(s, me, peer, area, X._household_ids_in(s, area),
                        peer.acked_feed_id if since is None else since, high, items.append)
        s.rollback()
    return items, high


def _township_db(path: Path, code: str, key: str):
    path.unlink(missing_ok=True)
    town = open_database(path)
    bench_user(town)
    town.signed_in = ACTOR
    load_areas_csv(town, ACTOR)
    X.setup_site(town, ACTOR, code, "乡镇", "township", code)
    X.join_bureau(town, ACTOR, BUREAU, "局", key)
    return town


def _clean(bureau_path: Path) -> None:
    """The bureau copy and the backups the app makes of it (before the upgrade, before the
    roster's approval): near a gigabyte each."""
    for path in [*WORK.glob(bureau_path.stem + "*"), *(WORK / "backups").glob(
            bureau_path.stem + "-*")]:
        path.unlink(missing_ok=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", default=str(ROOT.parent.parent / "main" / "benchmarks" / "work"
                                            / "city.sqlite3"))
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    bureau_path = WORK / "return-bureau.sqlite3"
    _clean(bureau_path)
    subprocess.run(["cp", "--reflink=auto", args.source, str(bureau_path)], check=True)
    figures: dict = {}
    bureau = open_database(bureau_path)          # upgrades a city made before 0023
    bench_users(bureau, REVIEWER, APPROVER)
    bureau.signed_in = ACTOR
    with bureau.read() as s:
        city = s.scalar(select(Area.id).where(Area.level == "city"))
        city_code = s.get(Area, city).code
        prefix = func.substr(Area.code, 1, 9)
        head, households = s.execute(
            select(prefix, func.count(Household.id)).select_from(Household)
            .join(Area, Household.village_id == Area.id)
            .group_by(prefix).order_by(func.count(Household.id).desc()).limit(1)).one()
        township = head + "000"
        assert s.scalar(select(Area.level).where(Area.code == township)) == "township"
    X.setup_site(bureau, ACTOR, BUREAU, "局", "bureau", city_code)
    key = X.register_township(bureau, ACTOR, township, "乡镇", township)
    print(f"township {township}: {households} households", flush=True)

    built = timed(figures, "setup_build_city_roster", lambda: RO.build_monthly_roster(
        bureau, ACTOR, RO.MonthlyRosterInput(city, MONTH, "dibao")))
    RO.review_roster(bureau, REVIEWER, built.roster_id)
    RO.approve_roster(bureau, APPROVER, built.roster_id)
    with bureau.read() as s:
        ids = list(s.scalars(select(RosterLine.id).where(RosterLine.roster_id == built.roster_id)
                             .order_by(RosterLine.id)))
    outcomes = [RO.PaymentOutcome(i, "failed", "账户已销户") if n % 50 == 0
                else RO.PaymentOutcome(i, "paid") for n, i in enumerate(ids)]
    timed(figures, "setup_bank_returns", lambda: RO.record_bank_returns(
        bureau, ACTOR, built.roster_id, "回盘.xlsx", "e" * 64, outcomes))

    items, _ = timed(figures, "return_items_first_write", lambda: _return_items(bureau, township))
    text = "\n".join(json.dumps(i, ensure_ascii=False) for i in items)
    counts = {k: sum(1 for i in items if k in i) for k in XR.ITEMS}
    lines = sum(len(i["roster"]["lines"]) for i in items if "roster" in i)
    figures["return_items_first"] = {"items": counts, "roster_lines": lines,
                                     "json_bytes": len(text.encode())}
    print(figures["return_items_first"], flush=True)
    town = _township_db(WORK / "return-township.sqlite3", township, key)

    def apply():
        with town.begin() as s:
            from assistcase.services.audit import Auditor, resolve_user
            user = resolve_user(s, ACTOR)
            me, peer = X._self(s), X._site(s, BUREAU)
            ap_ = XR.ReturnApplier(s, Auditor(s, user, "exchange:" + BUREAU), user, me, peer)
            for i in items:
                ap_.apply(i)
            s.rollback()
            return ap_.applied
    print(timed(figures, "return_items_first_apply", apply), flush=True)

    _, high = _return_items(bureau, township)
    jan = dt.date(2027, 1, 1)      # the city raises its rural figures (both: the 1.3× rule)
    S.save_standards(bureau, ACTOR, [S.StandardInput(city, "rural", "dibao", jan, 500_00),
                                     S.StandardInput(city, "rural", "tekun_basic", jan, 650_00)])
    items2, _ = timed(figures, "return_items_after_one_standard_write",
                      lambda: _return_items(bureau, township, since=high))
    figures["return_items_after_one_standard"] = {
        "items": {k: sum(1 for i in items2 if k in i) for k in XR.ITEMS}}

    usb = WORK / "return-usb"
    shutil.rmtree(usb, ignore_errors=True)
    exported = timed(figures, "whole_first_return_export", lambda: X.export_package(
        bureau, ACTOR, township, usb))
    figures["whole_first_return"] = {"counts": exported.counts,
                                     "bytes": exported.path.stat().st_size}
    town2 = _township_db(WORK / "return-township2.sqlite3", township, key)
    result = timed(figures, "whole_first_return_import", lambda: X.import_package(
        town2, ACTOR, exported.path))
    figures["whole_first_return"]["received"] = result.received
    print(figures["whole_first_return"], flush=True)
    with town2.read() as s:
        assert s.scalar(select(func.count()).select_from(Roster)) == 0

    figures["machine"] = machine()
    figures["households_city"] = 300_000
    figures["township"] = {"code": township, "households": households}
    RESULTS.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    rows = [f"| {k} | {v['cpu_s']} | {v['wall_s']} | {v['load']} |"
            for k, v in figures.items() if isinstance(v, dict) and "cpu_s" in v]
    section = "\n".join([
        START, "## Exchange: the bureau's return package (standards, rosters, duplicates)", "",
        f"300,000-household demo city as the bureau; township {township} ({households:,} "
        f"households); the city's November 2026 dibao roster approved with the bank's results "
        f"(2% failed). First return items: {counts}, {lines:,} roster lines, "
        f"{figures['return_items_first']['json_bytes']:,} bytes of JSON; after one standard "
        f"changed: {figures['return_items_after_one_standard']['items']}. Whole first return "
        f"package: {exported.counts}, {figures['whole_first_return']['bytes']:,} bytes.", "",
        "CPU seconds of the measuring process (shared machine: wall seconds stretched by "
        "others' load).", "",
        "| step | CPU s | wall s | load |", "|---|---|---|---|", *rows, END])
    replace_section(START, END, section)
    bureau.dispose()
    _clean(bureau_path)


if __name__ == "__main__":
    main()
