"""A year of demo temporary aid (临时救助演示数据) for the demo city, tests and statistics.

Cases are drawn from one ``random.Random(seed)`` and written with one bulk insert in one
transaction (cancelling rolls it all back). They look like a township's real year: most aid
goes to registered households (some twice), about one case in seven to people outside the
registry (non-residents, people found without a fixed address; one in four of them without a
known ID number); serious illness is the commonest cause, natural disasters come in summer and
education costs before the autumn term. Amounts respect the approval limits of the dibao
standard in force (most within the township's, some the county's, a few by 一事一议 with a
meeting record); urgent cases are often paid first and documented after, a few files late.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate
from random import Random

from sqlalchemy import insert, text
from stdnum import luhn

from ..rules.aid import ApprovalLimits, add_working_days, default_residence_class
from . import names as pools
from ..db import Database
from ..errors import StateError, ValidationError
from ..rules.idnumber import check_digit
from ..models.aid import AidCase
from ..models.base import utcnow
from ..progress import CancelToken, ProgressFn
from ..rules.areas import code_like
from ..services.audit import Auditor, resolve_user
from ..services.standards import policy_for, standard_history
from ..rules.standards import in_force

# (cause, weight, share of urgent cases)
CAUSES = (("serious_illness", 34, 0.4), ("education", 13, 0.0), ("traffic_accident", 14, 1.0),
          ("fire", 9, 1.0), ("natural_disaster", 9, 1.0), ("other", 21, 0.5))
# Months weighted by cause (index 0 = January); the others are uniform over the year.
SEASON = {"natural_disaster": (1, 1, 1, 2, 4, 8, 14, 14, 8, 2, 1, 1),
          "education": (1, 2, 1, 1, 1, 2, 6, 16, 10, 1, 1, 1),
          "fire": (6, 5, 3, 2, 1, 1, 1, 1, 1, 2, 3, 6)}
DESCRIPTIONS = {
    "fire": "住房因电线老化引发火灾，家中财物大部分烧毁，基本生活暂时困难。",
    "traffic_accident": "家庭成员遭遇交通事故受伤住院，肇事方暂未赔付，医疗费用负担重。",
    "serious_illness": "突发重大疾病住院治疗，自付医疗费用较高，家庭生活陷入困境。",
    "serious_illness/expenditure": "患重大疾病长期治疗，医保报销后自付医疗费用超出家庭承受能力。",
    "natural_disaster": "受暴雨洪涝灾害影响，房屋受损，生活暂时困难。",
    "education": "子女考入大学，学费、住宿费等教育支出超出家庭承受能力。",
    "other": "家庭主要劳动力意外身亡，家庭收入中断，生活陷入困境。",
    "other/unregistered": "外地来商人员，生活无着，身无分文，需临时救助返乡。",
}
CAUSE_DOCUMENTS = {"fire": ("火灾事故认定书",), "traffic_accident": ("交通事故认定书", "医疗费用票据"),
                   "serious_illness": ("诊断证明", "医疗费用票据"), "natural_disaster": ("受灾情况证明",),
                   "education": ("入学通知书或学费票据",), "other": ("村（居）委会证明",)}
FOUND_AT = ("商丘站站前广场", "商丘汽车客运总站", "市第一人民医院急诊科", "归德路桥下", "火车南站候车室",
            "神火大道与凯旋路口", "商丘古城南门", "集贸市场", "高速服务区", "救助管理站求助窗口")
# County codes of places non-residents come from (Anhui, Shandong, Jiangsu, other Henan cities).
OUTSIDE_COUNTIES = ("341602", "341221", "341622", "372925", "372923", "320322", "411721",
                    "410526", "411527", "341282")
REFUSALS = ("经入户调查，家庭经济状况不符合临时救助条件", "所述困难已由保险理赔解决",
            "申请人已获得其他救助，不予重复救助")


@dataclass(frozen=True)
class AidDemoSummary:
    cases: int
    registered: int
    unregistered: int
    granted: int
    granted_fen: int


class _Weighted:
    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(accumulate(weights))

    def __call__(self, rng: Random):
        return self.items[bisect(self.cum, rng.random() * self.cum[-1])]


def _name(rng: Random, surname: _Weighted, sex: str, birth_year: int) -> str:
    era = pools.era_of(birth_year)
    if rng.random() < pools.WHOLE_SHARE:
        given = rng.choice(pools.GIVEN_WHOLE[(era, sex)])
    else:
        chars = pools.GIVEN_CHARS[(era, sex)]
        given = rng.choice(chars) + ("" if rng.random() < pools.ONE_CHAR_SHARE[era]
                                     else rng.choice(chars))
    return surname(rng) + given


def _card(rng: Random, bank: _Weighted) -> tuple[str, str, str]:
    name, bin_, length, _w = bank(rng)
    body = bin_ + "".join(str(rng.randrange(10)) for _ in range(length - len(bin_) - 1))
    return "card", body + luhn.calc_check_digit(body), name


def _floor(fen: float, step_fen: int) -> int:
    return int(fen) // step_fen * step_fen


def generate_demo_aid(db: Database, actor: str | int, year: int, seed: int, count: int = 2000,
                      area_id: int | None = None, until: dt.date | None = None,
                      progress: ProgressFn | None = None,
                      cancel: CancelToken | None = None) -> AidDemoSummary:
    """Write ``count`` demo temporary-aid cases applied for in ``year`` (up to ``until``)
    in the townships of ``area_id`` (default: all). Needs dibao standards in force for the
    year; refused if the area already has aid applied for in that year."""
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1_000_000:
        raise ValidationError.single("count", "the number of cases must be from 1 to 1,000,000",
                                     "案件数应在1到1,000,000之间")
    report = progress or (lambda _f, _m: None)
    first = dt.date(year, 1, 1)
    last = min(dt.date(year, 12, 31), until) if until else dt.date(year, 12, 31)
    if last < first:
        raise ValidationError.single("until", "the end lies before the year", "截止日期早于该年度")
    rng = Random(seed)
    surname = _Weighted([s for s, _ in pools.SURNAMES], [w for _, w in pools.SURNAMES])
    bank = _Weighted(pools.BANKS, [b[3] for b in pools.BANKS])
    cause_pick = _Weighted([c for c, _w, _u in CAUSES], [w for _c, w, _u in CAUSES])
    urgent_share = {c: u for c, _w, u in CAUSES}
    with db.begin() as s:
        user = resolve_user(s, actor)
        prefix = "%"
        if area_id is not None:
            area = s.execute(text("SELECT code, level FROM areas WHERE id = :a"),
                             {"a": area_id}).first()
            if area is None:
                raise ValidationError.single("area_id", "no such area", "区划不存在")
            prefix = code_like(area[0], area[1])
        townships = s.execute(text("SELECT id, code, name, parent_id FROM areas"
                                   " WHERE level = 'township' AND code LIKE :p ORDER BY code"),
                              {"p": prefix}).all()
        if not townships:
            raise StateError("no township in the area", "该区划下没有乡镇（街道）")
        if s.execute(text("SELECT 1 FROM aid_cases AS a JOIN areas AS t ON t.id = a.township_id"
                          " WHERE t.code LIKE :p AND a.applied_on BETWEEN :f AND :l LIMIT 1"),
                     {"p": prefix, "f": first.isoformat(), "l": last.isoformat()}).first():
            raise StateError(f"the area already has temporary aid in {year}",
                             f"该区划 {year} 年已有临时救助案件")
        causes = dict(s.execute(text("SELECT code, label_zh FROM aid_causes")).all())
        county_names = dict(s.execute(text(
            "SELECT id, name FROM areas WHERE level = 'county'")).all())
        household_ids = [h for (h,) in s.execute(text(
            "SELECT h.id FROM households AS h JOIN areas AS v ON v.id = h.village_id"
            " WHERE h.status = 'active' AND h.head_person_id IS NOT NULL AND v.code LIKE :p"
            " ORDER BY h.id"), {"p": prefix})]
        # Draw who first, so the registered households' details load in one pass.
        registered_share = 0.86 if household_ids else 0.0
        who = [rng.choice(household_ids) if rng.random() < registered_share else None
               for _ in range(count)]
        details: dict[int, tuple] = {}
        wanted = sorted({h for h in who if h is not None})
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            marks = ", ".join(str(int(h)) for h in chunk)
            for row in s.execute(text(
                    "SELECT h.id, h.village_id, v.parent_id, h.residence_class, h.account_type,"
                    " h.account_number, h.bank_name, p.id, p.name, p.id_number, p.phone"
                    " FROM households AS h JOIN areas AS v ON v.id = h.village_id"
                    f" JOIN persons AS p ON p.id = h.head_person_id WHERE h.id IN ({marks})")):
                details[row[0]] = tuple(row)
        report(0.1, "standards 标准")
        township_by_id = {t[0]: t for t in townships}
        urban_weight = [3.0 if t[2].endswith("街道") else 1.0 for t in townships]
        township_pick = _Weighted(townships, urban_weight)
        histories: dict[tuple[int, str], list] = {}
        policies: dict[int, object] = {}

        def limits_on(township_id: int, cls: str, day: dt.date) -> ApprovalLimits:
            key = (township_id, cls)
            if key not in histories:
                histories[key] = standard_history(s, township_id, cls, "dibao")
            if township_id not in policies:
                policies[township_id] = policy_for(s, township_id)
            std = in_force(histories[key], day)
            if std is None:
                raise StateError(f"no dibao standard ({cls}) is in force on {day}: enter the "
                                 "standards first",
                                 f"{day} 没有适用的低保标准，请先录入低保标准")
            p = policies[township_id]
            return ApprovalLimits(std[1], std[0], p.aid_township_limit_pct, p.aid_county_limit_pct)

        span = (last - first).days + 1
        now = utcnow()
        rows = []
        granted = granted_fen = registered = 0
        for n, hid in enumerate(who):
            if cancel is not None and n % 500 == 0:
                cancel.check()
            cause = cause_pick(rng)
            cause = cause if cause in causes else "other"
            urgent = rng.random() < urgent_share.get(cause, 0.5)
            # When: a month weighted by the season, then a day of it within [first, last].
            if cause in SEASON:
                month = _Weighted(range(1, 13), SEASON[cause])(rng)
                start = dt.date(year, month, 1)
                days = (dt.date(year + (month == 12), month % 12 + 1, 1) - start).days
                applied = start + dt.timedelta(days=rng.randrange(days))
                if applied > last:
                    applied = first + dt.timedelta(days=rng.randrange(span))
            else:
                applied = first + dt.timedelta(days=rng.randrange(span))
            row = dict(aid_type="urgent" if urgent else "expenditure", cause=cause,
                       status="recorded", phone="", found_at="", description="", documents="",
                       amount_granted_fen=None, approved_on=None, paid_on=None, paid_via=None,
                       paperwork_complete=False, completed_on=None, approval_level=None,
                       approver="", approval_note="", approved_by=None, standard_fen=None,
                       limit_fen=None, meeting_date=None, meeting_participants="",
                       meeting_minutes="", refused_on=None, refusal_reason="",
                       recorded_by=user.id, created_at=now, updated_at=now,
                       applied_on=applied)
            if hid is not None:
                (_h, village_id, township_id, cls, acc_type, acc_no, bank_name, pid, name,
                 id_number, phone) = details[hid]
                registered += 1
                row.update(household_id=hid, person_id=pid, name=name, id_number=id_number,
                           phone=phone, township_id=township_id, village_id=village_id,
                           residence_class=cls)
                method = "bank" if acc_type != "none" and rng.random() < 0.8 else "cash"
                account = (acc_type, acc_no, bank_name) if method == "bank" else ("none", "", "")
            else:
                t = township_pick(rng)
                township_id = t[0]
                sex = "M" if rng.random() < 0.7 else "F"
                age = rng.randint(18, 78)
                birth = dt.date(year - age, rng.randint(1, 12), rng.randint(1, 28))
                name = _name(rng, surname, sex, birth.year)
                id_number = ""
                if rng.random() < 0.75:
                    seq = rng.randrange(499) * 2 + (1 if sex == "M" else 2)
                    first17 = f"{rng.choice(OUTSIDE_COUNTIES)}{birth:%Y%m%d}{seq:03d}"
                    id_number = first17 + check_digit(first17)
                cls = default_residence_class(t[2])
                found = rng.choice(FOUND_AT)
                row.update(household_id=None, person_id=None, name=name, id_number=id_number,
                           phone=(rng.choice(pools.MOBILE_PREFIXES)
                                  + f"{rng.randrange(100_000_000):08d}")
                           if rng.random() < 0.5 else "",
                           found_at=found if found != "集贸市场" else t[2] + found,
                           township_id=township_id, village_id=None, residence_class=cls)
                method = "bank" if rng.random() < 0.3 else "cash"
                account = _card(rng, bank) if method == "bank" else ("none", "", "")
                if cause == "other":
                    row["description"] = DESCRIPTIONS["other/unregistered"]
            row.update(payment_method=method, account_type=account[0],
                       account_number=account[1], bank_name=account[2])
            if not row["description"]:
                row["description"] = DESCRIPTIONS.get(
                    f"{cause}/expenditure" if not urgent else cause, DESCRIPTIONS[cause])
            documents = ["临时救助申请书"] + (["身份证复印件"] if row["id_number"] else [])
            documents += ["户口簿复印件"] if hid is not None else []
            documents += list(CAUSE_DOCUMENTS.get(cause, ()))
            documents += ["银行卡（存折）复印件"] if method == "bank" else []
            documents += ["入户调查表"] if hid is not None else []
            # Decision.
            delay = rng.randint(0, 2) if urgent else rng.randint(3, 12)
            approved = applied + dt.timedelta(days=delay)
            lim = limits_on(township_id, cls, approved)
            r = rng.random()
            # Mostly small grants (seed 001 and 002 average 670 and 910 yuan a person-time).
            if r < 0.86:
                level = "township"
                share = 0.1 + 0.85 * rng.random() ** 1.5
                amount = max(_floor(lim.township_fen * share, 50_00), 100_00)
                amount = min(amount, lim.township_fen)
            elif r < 0.985:
                level = "county"
                amount = _floor(rng.uniform(lim.township_fen, lim.county_fen), 50_00)
                amount = max(min(amount, lim.county_fen), 100_00)
            else:
                level = "case_by_case"
                amount = _floor(rng.uniform(lim.county_fen, 3 * lim.county_fen), 100_00) + 100_00
            requested = max(amount, _floor(amount * rng.uniform(1.0, 1.4), 100_00))
            row["amount_requested_fen"] = requested
            decided = rng.random()
            if approved > last or (last - applied).days < 10 and decided < 0.5:
                rows.append(row | {"documents": "\n".join(documents[:2])})
                continue
            if decided > 0.96:
                refused = min(applied + dt.timedelta(days=rng.randint(1, 6)), last)
                rows.append(row | {"status": "refused", "refused_on": refused,
                                   "refusal_reason": rng.choice(REFUSALS),
                                   "documents": "\n".join(documents)})
                continue
            county = county_names.get(township_by_id[township_id][3], "")
            row.update(status="approved", approved_on=approved, amount_granted_fen=amount,
                       approval_level=level, approved_by=user.id, standard_fen=lim.standard_fen,
                       limit_fen=lim.limit_for(level),
                       approver=_name(rng, surname, "M" if rng.random() < 0.6 else "F",
                                      year - rng.randint(35, 55)))
            if level == "case_by_case":
                meeting = max(applied, approved - dt.timedelta(days=rng.randint(0, 2)))
                row.update(meeting_date=meeting,
                           meeting_participants=f"{county}民政局局长、分管副局长、社会救助股股长、"
                                                f"{township_by_id[township_id][2]}民政所所长",
                           meeting_minutes=f"经集体研究，{row['name']}因{causes[cause]}导致家庭"
                                           f"生活陷入困境，同意给予一次性临时救助"
                                           f"{amount // 100}元。")
            granted += 1
            granted_fen += amount
            days = policies[township_id].aid_paperwork_days
            # Payment and the file.
            paid = approved + dt.timedelta(days=rng.randint(0, 1) if urgent else rng.randint(1, 7))
            if not urgent:
                row.update(paperwork_complete=True,
                           completed_on=applied + dt.timedelta(days=rng.randint(1, delay)))
            if paid <= last and rng.random() < 0.95:
                row.update(status="paid", paid_on=paid, paid_via="direct")
                if urgent:
                    deadline = add_working_days(paid, days)
                    f = rng.random()
                    done = (paid + dt.timedelta(days=rng.randint(0, (deadline - paid).days))
                            if f < 0.88 else deadline + dt.timedelta(days=rng.randint(1, 15))
                            if f < 0.96 else None)
                    if done is not None and done <= last:
                        row.update(paperwork_complete=True, completed_on=done)
            elif urgent and rng.random() < 0.5:
                row.update(paperwork_complete=True, completed_on=approved)
            row["documents"] = "\n".join(documents if row["paperwork_complete"]
                                         else documents[:2])
            rows.append(row)
        report(0.8, "writing 写入")
        if cancel is not None:
            cancel.check()
        for i in range(0, len(rows), 5000):
            s.execute(insert(AidCase.__table__), rows[i:i + 5000])
        Auditor(s, user).note("generate", "aid_case", None,
                              f"demo temporary aid {year}: {len(rows)} cases, {granted} granted,"
                              f" {granted_fen} fen (seed {seed})")
    report(1.0, "done 完成")
    return AidDemoSummary(len(rows), registered, len(rows) - registered, granted, granted_fen)
