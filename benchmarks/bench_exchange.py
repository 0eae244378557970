"""Township ↔ bureau exchange at township scale (issue 15): a township of ``--households``
households (the demo registry placed in one township's villages), its first package into an
empty bureau, then ``--changed`` of its households changed through the registry service and
the package of those changes exported and imported.

    .venv/bin/python benchmarks/bench_exchange.py [--households 5000] [--changed 0.2]

Each measured step reports its own time and the process's peak memory so far (one process:
the steps run in order). Writes ``benchmarks/results-exchange.json`` and the exchange section
of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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

from common import machine, peak_rss_mb, replace_section  # noqa: E402

HERE = Path(__file__).resolve().parent
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
    t0 = time.perf_counter()
    out = fn()
    took = round(time.perf_counter() - t0, 2)
    print(f"{what}: {took} s", flush=True)
    return out, took


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--households", type=int, default=5000)
    p.add_argument("--changed", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        town = open_database(tmp / "township.sqlite3")
        _users(town)
        load_areas_csv(town, "bench")
        timed(lambda: generate_demo(town, "bench", households=args.households, seed=args.seed),
              "demo")
        with town.begin() as s:  # the whole registry in one township's villages
            township = s.scalar(select(Area).where(Area.level == "township")
                                .order_by(Area.code).limit(1))
            villages = list(s.scalars(select(Area.id).where(Area.parent_id == township.id)
                                      .order_by(Area.code)))
            for i, hid in enumerate(s.scalars(select(Household.id).order_by(Household.id))):
                s.execute(text("UPDATE households SET village_id = :v, number = :n WHERE id = :h"),
                          {"v": villages[i % len(villages)], "h": hid,
                           "n": f"T{hid:07d}"})
            persons = s.scalar(text("SELECT count(*) FROM persons"))
        bureau = open_database(tmp / "bureau.sqlite3")
        _users(bureau)
        load_areas_csv(bureau, "bench")
        X.setup_site(bureau, "clerk", BUREAU, "bureau", "bureau", "411400000000")
        key = X.register_township(bureau, "clerk", township.code, "township", township.code)
        X.setup_site(town, "worker", township.code, "township", "township", township.code)
        X.join_bureau(town, "worker", BUREAU, "bureau", key)

        first, t_first_export = timed(lambda: X.export_package(town, "worker", BUREAU,
                                                               tmp / "usb"), "first export")
        got, t_first_import = timed(lambda: X.import_package(bureau, "clerk", first.path),
                                    "first import")
        back = X.export_package(bureau, "clerk", township.code, tmp / "back")
        X.import_package(town, "worker", back.path)

        rng = random.Random(args.seed)
        with town.read() as s:
            ids = list(s.scalars(select(Household.id).where(Household.status == "active")))
        chosen = rng.sample(ids, int(len(ids) * args.changed))
        _, t_edits = timed(lambda: [R.update_household(town, "worker", h,
                                                       {"phone": f"139{h:08d}"})
                                    for h in chosen], "edits")
        pkg, t_export = timed(lambda: X.export_package(town, "worker", BUREAU, tmp / "usb"),
                              "export")
        res, t_import = timed(lambda: X.import_package(bureau, "clerk", pkg.path), "import")
        size_mb = round(pkg.path.stat().st_size / 1e6, 2)
        first_mb = round(first.path.stat().st_size / 1e6, 2)
        town.dispose()
        bureau.dispose()
    result = {"households": args.households, "persons": persons, "changed": len(chosen),
              "first_export_s": t_first_export, "first_import_s": t_first_import,
              "first_package_mb": first_mb, "first_created": got.created,
              "edits_s": t_edits, "export_s": t_export, "import_s": t_import,
              "package_mb": size_mb, "package_counts": pkg.counts, "updated": res.updated,
              "conflicts": res.conflicts, "peak_mb": round(peak_rss_mb(), 1),
              "load_average": os.getloadavg(), "machine": machine()}
    (HERE / "results-exchange.json").write_text(json.dumps(result, indent=2, ensure_ascii=False)
                                                + "\n")
    m = result["machine"]
    ok = lambda v, t: "PASS" if v <= t else "FAIL"  # noqa: E731
    section = (
        f"{START}\n## Township ↔ bureau exchange (bench_exchange.py)\n\n"
        f"A township of {args.households:,} households / {persons:,} persons; "
        f"{len(chosen):,} households ({args.changed:.0%}) changed through the registry service. "
        f"{m['nproc']} cores, Python {m['python']}, SQLite {m['sqlite']}; load average at the "
        f"end {result['load_average'][0]:.1f} (a shared machine).\n\n"
        "| figure | value | target | result |\n|---|---|---|---|\n"
        f"| export of the changes' package | {t_export} s | ≤ 10 s | {ok(t_export, 10)} |\n"
        f"| import of it at the bureau | {t_import} s | ≤ 20 s | {ok(t_import, 20)} |\n"
        f"| first (full) package of the township: export | {t_first_export} s | — | informational |\n"
        f"| first package: import into an empty bureau | {t_first_import} s | — | informational |\n"
        f"| peak RSS of the run | {result['peak_mb']} MB | — | informational |\n\n"
        f"- changes' package: {size_mb} MB, {json.dumps(pkg.counts)}; updated at the bureau "
        f"{json.dumps(res.updated)}, conflicts {res.conflicts}\n"
        f"- first package: {first_mb} MB, created {json.dumps(got.created)}\n"
        "- not measured yet: the first package of a 300,000-household city (target ≤ 5 min, "
        "≤ 500 MB)\n"
        f"{END}")
    replace_section(START, END, section)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
