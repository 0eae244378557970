"""Several clerks on one database at the same moment (issue 14), on both engines: two
processes build overlapping rosters at once; exactly one roster is built and the other clerk
is refused naming it, never a duplicate, a deadlock or a lock error."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select, text

from assistcase.models import Area
from assistcase.services import rosters as R

from ..conftest import ACTOR, demo_city

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 20


class Clerk:
    def __init__(self, name: str):
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep
               + os.environ.get("PYTHONPATH", "")}
        self.name = name
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.clerk_worker"], cwd=ROOT,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, encoding="utf-8")

    def send(self, args: list[str]) -> None:
        self.proc.stdin.write(json.dumps([*args, "--user", self.name, "--quiet"]) + "\n")

    def go(self) -> None:
        self.proc.stdin.flush()

    def answer(self) -> dict:
        line = self.proc.stdout.readline()
        assert line, f"clerk {self.name}'s process ended"
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def test_two_clerks_build_overlapping_rosters_at_once_exactly_one_is_built(db, db_path):
    demo_city(db, households=200, seed=6, today=dt.date(2026, 11, 22))
    with db.read() as s:
        county = s.scalars(select(Area).where(Area.level == "county").order_by(Area.code)).first()
        city = s.scalars(select(Area).where(Area.level == "city")).first()
    clerks = [Clerk("wangfang"), Clerk("zhaojun")]
    try:
        for i in range(ROUNDS):
            # same area and month, or the county inside the city, in turn
            areas = [county.code, county.code] if i % 2 == 0 else [city.code, county.code]
            if i % 4 == 3:
                areas.reverse()
            for clerk, area in zip(clerks, areas):
                clerk.send(["--db", str(db_path), "roster", "build", "--area", area,
                            "--month", "2026-11", "--program", "dibao"])
            for clerk in clerks:  # both lines are written before either is flushed
                clerk.go()
            answers = [clerk.answer() for clerk in clerks]
            with db.read() as s:
                rosters = s.execute(text("SELECT id, title FROM rosters WHERE kind = 'monthly'"
                                         " AND month = '2026-11-01'")).all()
            assert len(rosters) == 1, (i, rosters, answers)
            (rid, title), = rosters
            built = [a for a in answers if a["code"] == 0]
            refused = [a for a in answers if a["code"] != 0]
            assert len(built) == 1 and len(refused) == 1, (i, answers)
            assert built[0]["out"].startswith(f"built roster {rid}:"), (i, answers)
            err = refused[0]["err"]
            assert f"already covers this area: roster {rid} ({title})" in err, (i, answers)
            for word in ("deadlock", "could not serialize", "database is locked", "crash",
                         "Traceback"):
                assert word not in err.lower() + refused[0]["out"].lower(), (i, answers)
            R.discard_roster(db, ACTOR, rid, "并发测试")
    finally:
        for clerk in clerks:
            clerk.close()
