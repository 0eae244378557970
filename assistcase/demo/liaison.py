"""Demo data for leadership liaison: institutions, leaders, assignments, visits and results
for the loaded city, written through the liaison service's own checks."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from sqlalchemy import select

from ..db import Database
from ..errors import ValidationError
from ..models import (Area, Assignment, Institution, InstitutionAssessment, InstitutionResult,
                      Leader, Rectification, Visit)
from ..models.liaison import VISIT_MODES, VISIT_TOPICS
from ..rules import liaison as P
from ..services.audit import Auditor, resolve_user
from ..services.liaison import check_assignment, rules
from . import names

_SURNAME_CHARS = "".join(s for s, _ in names.SURNAMES)




def generate_liaison_data(db: Database, actor: str | int, year: int, seed: int = 1,
                          until: dt.date | None = None) -> dict:
    """Deterministic test data for one year: institutions for the loaded city and counties
    (a station and three care institutions each), two assessments each, leaders at the three
    levels for all eight rule rows (≥ 50; the county roles only in province-administered
    counties), assignments checked by :func:`check_assignment` (some starting or ending
    mid-year), visits that meet most duties and miss some (some leaders often: they fall
    short), at most one per leader, institution and day, rectifications, and each station's
    and care institution's quarterly results for the year and the one before. Needs the area
    hierarchy loaded; one transaction. ``until`` (the demo's "today") drops visits and
    quarters after it and leaves rectifications due after it open."""
    rng = random.Random(seed)
    y0, y1 = dt.date(year, 1, 1), dt.date(year, 12, 31)

    def rand_day(a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=rng.randint(0, (b - a).days))

    def person_name() -> str:
        return rng.choice(_SURNAME_CHARS) + "".join(rng.choice(names.LEADER_GIVEN)
                                               for _ in range(rng.randint(1, 2)))

    with db.begin() as s:
        user = resolve_user(s, actor)
        province = s.scalar(select(Area).where(Area.level == "province").order_by(Area.code))
        cities = list(s.scalars(select(Area).where(Area.level == "city").order_by(Area.code)))
        counties = list(s.scalars(select(Area).where(Area.level == "county")
                                  .order_by(Area.code)))
        if province is None or not cities or not counties:
            raise ValidationError.single("areas", "load the area hierarchy first",
                                         "请先导入行政区划")
        insts: dict[str, list[Institution]] = defaultdict(list)
        for area in cities + counties:
            lvl = area.level
            st = Institution(name=f"{area.name}救助管理站", kind="station", level=lvl,
                             area_id=area.id)
            s.add(st)
            insts[("station", area.id)].append(st)
            for n in range(1, 4):
                c = Institution(name=f"{area.name}第{n}托养中心", kind="care", level=lvl,
                                area_id=area.id)
                s.add(c)
                insts[("care", area.id)].append(c)
        s.flush()
        all_insts = [i for v in insts.values() for i in v]
        for inst in all_insts:
            for on in (dt.date(year, 1, 5), dt.date(year, 7, 5)):
                s.add(InstitutionAssessment(
                    institution_id=inst.id, assessed_on=on, infrastructure=rng.randint(1, 5),
                    service_level=rng.randint(1, 5), assistance_volume=rng.randint(50, 3000),
                    long_stay_persons=rng.randint(0, 40), safety_hazards=rng.randint(0, 8)))
        rules_ = {r.code: r for r in rules(s)}

        def leader(code: str, area: Area) -> Leader:
            ld = Leader(name=person_name(), title=rules_[code].name_zh, org_level=area.level,
                        area_id=area.id, rule_code=code)
            s.add(ld)
            s.flush()
            return ld

        plan: list[tuple[Leader, Institution, dt.date, dt.date | None]] = []

        def span() -> tuple[dt.date, dt.date | None]:
            r = rng.random()
            if r < 0.6:
                return dt.date(year - 1, rng.randint(1, 12), 1), None
            if r < 0.8:
                return rand_day(dt.date(year, 2, 1), dt.date(year, 10, 31)), None
            return dt.date(year - 1, 7, 1), rand_day(dt.date(year, 3, 1), dt.date(year, 11, 30))

        city_level = [i for i in all_insts if i.level == "city"]
        for code, n in (("prov_principal", 1), ("prov_in_charge", 4), ("prov_division", 18)):
            for _ in range(n):
                ld = leader(code, province)
                for inst in rng.sample(city_level, rng.randint(1, 2)):
                    plan.append((ld, inst, *span()))
        for city in cities:
            my_counties = [c for c in counties if c.parent_id == city.id]
            stations = [insts[("station", c.id)][0] for c in my_counties]
            cares = insts[("care", city.id)] + [i for c in my_counties
                                                for i in insts[("care", c.id)]]
            plan.append((leader("city_principal", city), insts[("station", city.id)][0],
                         dt.date(year - 1, 1, 1), None))
            for inst in rng.sample(stations, min(4, len(stations))):
                plan.append((leader("city_in_charge", city), inst, *span()))
            for _ in range(18):
                ld = leader("city_section", city)
                first = rng.choice(stations + cares)
                start, end = span()
                plan.append((ld, first, start, end))
                if end is not None:  # reassigned to another institution the next day
                    second = rng.choice([i for i in stations + cares if i is not first])
                    plan.append((ld, second, end + dt.timedelta(days=1), None))
        for county in (c for c in counties if c.province_administered):
            station = insts[("station", county.id)][0]
            for code, n in (("county_principal", 1), ("county_in_charge", 3)):
                for _ in range(n):
                    plan.append((leader(code, county), station, *span()))
        made = []
        for ld, inst, start, end in plan:
            errors = check_assignment(s, ld, inst, start, end)
            if errors:
                raise ValidationError(errors)
            a = Assignment(leader_id=ld.id, institution_id=inst.id, start_on=start, end_on=end)
            s.add(a)
            s.flush()
            made.append(a)
        n_visits = n_rect = 0
        # About one leader in six keeps the duty poorly (misses about half the periods).
        careless = {ld.id for ld, *_ in plan if rng.random() < 0.17}
        for a in made:
            rule = rules_[a.leader.rule_code]
            miss = 0.5 if a.leader_id in careless else 0.1
            used: set[dt.date] = set()
            # Visits from the assignment's start (at most a year back), so the schedule's
            # look-back is as realistic as the year itself.
            for p in P.periods_overlapping(rule.period, max(a.start_on, y0.replace(year - 1)),
                                           y1):
                cov = P.covered_span(p, a.start_on, a.end_on)
                if cov is None:
                    continue
                r = rng.random()
                k = 0 if r < miss else (2 if r > 0.9 else 1)
                for _ in range(k):
                    day = rng.choice([cov[0], cov[1], rand_day(*cov), rand_day(*cov)])
                    problems = rng.random() < 0.25
                    if (until is not None and day > until) or day in used:
                        continue  # one contact per day and institution
                    used.add(day)
                    v = Visit(leader_id=a.leader_id, institution_id=a.institution_id,
                              visited_on=day, mode=rng.choice(VISIT_MODES),
                              topics=",".join(t for t in VISIT_TOPICS if rng.random() < 0.4),
                              findings="运行基本正常", problems="消防通道堆放杂物" if problems else "")
                    s.add(v)
                    n_visits += 1
                    if problems:
                        s.flush()
                        due = day + dt.timedelta(days=rng.randint(15, 60))
                        done = rng.random() < 0.6 and (until is None or due <= until)
                        s.add(Rectification(visit_id=v.id, action="清理消防通道，落实专人巡查",
                                            due_on=due, status="done" if done else "open",
                                            done_on=due if done else None))
                        n_rect += 1
        n_results = 0
        for inst in all_insts:
            stock = rng.randint(5, 60)
            trend = rng.choice((-2, -1, 0, 1))
            for q in P.periods_overlapping("quarter", dt.date(year - 1, 1, 1), y1):
                if until is not None and q.end > until:
                    break
                new = rng.randint(0, 6)
                home = rng.randint(0, 4)
                end = max(0, min(stock + new, stock + new - home + trend))
                s.add(InstitutionResult(
                    institution_id=inst.id, quarter_start=q.start, long_stay_start=stock,
                    long_stay_end=end, long_stay_new=new, returned_home=home,
                    outside_placements=rng.randint(0, 5)))
                stock = end
                n_results += 1
        s.flush()
        counts = {"institutions": len(all_insts),
                  "leaders": len({ld.id for ld, *_ in plan}),
                  "assignments": len(made), "visits": n_visits, "rectifications": n_rect,
                  "quarter_results": n_results}
        Auditor(s, user).note("generate", "liaison", None,
                              f"generated liaison test data for {year} (seed {seed}): {counts}")
        return counts
