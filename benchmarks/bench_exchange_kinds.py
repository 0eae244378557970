"""Cases in exchange packages (issue 15): a township of ``--households`` demo households with
the demo's active cases (one per dibao or tekun household, every member covered: the demo
city has 228,660 cases for 300,000 households), its first package into an empty bureau
(set-based, its cases too), then ``--changed`` of its cases reviewed at
the township (a step each) and the package of those changes exported and imported.

    .venv/bin/python benchmarks/bench_exchange_kinds.py [--households 2000] [--changed 0.2]

Every step reports CPU seconds of this process (``time.process_time``: the machine is
shared, wall time is stretched by the others' load) and wall seconds with the load average.
Writes the exchange-kinds section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import select  # noqa: E402

from assistcase.db import open_database  # noqa: E402
from assistcase.demo.registry import generate_demo_cases  # noqa: E402
from assistcase.models import AssistanceCase  # noqa: E402
from assistcase.services import cases as C  # noqa: E402
from assistcase.services import exchange as X  # noqa: E402

from bench_exchange import BUREAU, _sites, timed  # noqa: E402
from common import machine, peak_rss_mb, replace_section  # noqa: E402

START, END = "<!-- exchange-kinds:start -->", "<!-- exchange-kinds:end -->"


def run(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        town_path, bureau_path, code, persons = _sites(tmp, args.households, args.seed)
        town, bureau = open_database(town_path), open_database(bureau_path)
        town.signed_in = bureau.signed_in = "bench"
        made = generate_demo_cases(town, "bench", dt.date(2025, 1, 1),
                                   today=dt.date(2025, 6, 1))
        first, c_fe, w_fe = timed(lambda: X.export_package(town, "worker", BUREAU, tmp / "a"),
                                  "first export")
        got, c_fi, w_fi = timed(lambda: X.import_package(bureau, "clerk", first.path),
                                "first import")
        back = X.export_package(bureau, "clerk", code, tmp / "back")
        X.import_package(town, "worker", back.path)
        with town.read() as s:
            ids = list(s.scalars(select(AssistanceCase.id).order_by(AssistanceCase.id)))
        chosen = random.Random(args.seed).sample(ids, int(len(ids) * args.changed))
        timed(lambda: [C.record_review(town, "worker", c, dt.date(2025, 6, 1), "核查属实")
                       for c in chosen], "reviews")
        pkg, c_e, w_e = timed(lambda: X.export_package(town, "worker", BUREAU, tmp / "b"),
                              "export")
        res, c_i, w_i = timed(lambda: X.import_package(bureau, "clerk", pkg.path), "import")
        out = {"households": args.households, "persons": persons, "cases": sum(made.values()),
               "first": {"export_cpu_s": c_fe, "export_wall_s": w_fe, "import_cpu_s": c_fi,
                         "import_wall_s": w_fi, "set_based": got.set_based,
                         "created": got.created, "package_mb": round(
                             first.path.stat().st_size / 1e6, 2)},
               "changed_cases": len(chosen),
               "changes": {"export_cpu_s": c_e, "export_wall_s": w_e, "import_cpu_s": c_i,
                           "import_wall_s": w_i, "counts": pkg.counts,
                           "created": res.created, "updated": res.updated,
                           "conflicts": res.conflicts},
               "peak_mb": round(peak_rss_mb(), 1), "load_average": os.getloadavg()}
        town.dispose()
        bureau.dispose()
    return out


def render(r: dict) -> str:
    f, c = r["first"], r["changes"]
    m = machine()
    return "\n".join([
        START,
        "## Exchange: cases in packages (bench_exchange_kinds.py)",
        "",
        f"A township of {r['households']:,} demo households ({r['persons']:,} persons) with "
        f"{r['cases']:,} active cases; CPU seconds of the measuring process, wall seconds "
        f"on a shared machine (load average {r['load_average'][0]:.1f} at the end); "
        f"{m['nproc']} CPUs, {m['cpu']}.",
        "",
        "| step | records | CPU s | wall s |",
        "|---|---|---|---|",
        f"| first package: export | {f['created']} | {f['export_cpu_s']} | "
        f"{f['export_wall_s']} |",
        f"| first package: import (set-based, cases too) | "
        f"{f['package_mb']} MB | {f['import_cpu_s']} | {f['import_wall_s']} |",
        f"| {r['changed_cases']:,} cases reviewed: export | {c['counts']} | "
        f"{c['export_cpu_s']} | {c['export_wall_s']} |",
        f"| … import | created {c['created']}, updated {c['updated']}, conflicts "
        f"{c['conflicts']} | {c['import_cpu_s']} | {c['import_wall_s']} |",
        "",
        f"Peak resident set {r['peak_mb']} MB.",
        END,
    ])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--households", type=int, default=2000)
    p.add_argument("--changed", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args()
    result = run(args)
    print(result)
    replace_section(START, END, render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
