"""Standards (保障标准) and policy settings: the rules themselves, free of the database.

- Standards are effective-dated: the one in force on the **first day** of a month is the one
  that month uses (:func:`in_force`). A standard published per year is stored as published and
  converted to a monthly figure once (:func:`monthly_fen`, 4,260 yuan/year → 355 yuan/month).
- The extreme-hardship basic living standard must be at least ``tekun_factor`` × the dibao
  standard of the same area, class and date (:func:`minimum_tekun_basic`, DOMAIN §5), on every
  date: :func:`tekun_rule_breaches` walks the histories and finds where it does not hold.
- Every figure names the notice it comes from (:class:`Notice`: 文件标题, 文号, 发文日期).
- Policy settings (DOMAIN §5–8 "configurable") are defined once here with their
  defaults; the database holds only the values an area sets (inherited by the areas below).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Iterable, Sequence

from ..errors import FieldError

KIND_LABELS = {
    "dibao": ("dibao standard", "低保标准"),
    "tekun_basic": ("extreme-hardship basic living standard", "特困人员基本生活标准"),
    "care_full": ("care standard, fully self-caring", "照料护理标准（全自理）"),
    "care_partial": ("care standard, partly disabled", "照料护理标准（半失能）"),
    "care_none": ("care standard, fully disabled", "照料护理标准（全失能）"),
    "subsidy_level": ("required average subsidy level", "补助水平"),
}
CARE_KIND = {"full": "care_full", "partial": "care_partial", "none": "care_none"}
CLASS_ZH = {"urban": "城市", "rural": "农村"}
# Standards are set by a county or city (or a province for all below it), never a township.
STANDARD_AREA_LEVELS = ("province", "city", "county")

History = Sequence[tuple[dt.date, int]]  # (effective_from, monthly fen)


def first_of_month(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s: when a decision takes effect (DOMAIN §8)."""
    return add_months(first_of_month(day), 1)


def monthly_fen(entered_fen: int, period: str) -> int:
    """The monthly per-person figure for a standard entered per ``month`` or per ``year``.
    A yearly figure is divided by 12 and rounded half up to the fen, once."""
    if period == "month":
        return entered_fen
    if period == "year":
        return (entered_fen + 6) // 12
    raise ValueError(f"unknown period {period!r}")


def in_force(history: Iterable[tuple[dt.date, int]], month: dt.date) -> tuple[dt.date, int] | None:
    """The (effective_from, monthly fen) in force on the first day of ``month``, or None."""
    day = first_of_month(month)
    best = None
    for row in history:
        if row[0] <= day and (best is None or row[0] > best[0]):
            best = row
    return best


def on_day(history: Iterable[tuple], day: dt.date) -> tuple | None:
    """The row of an effective-dated history in force on ``day`` itself (not its month)."""
    best = None
    for row in history:
        if row[0] <= day and (best is None or row[0] > best[0]):
            best = row
    return best


@dataclass(frozen=True)
class Notice:
    """The notice (文件) a figure comes from: title, document number (文号), date of issue."""

    title: str = ""
    number: str = ""
    issued_on: dt.date | None = None

    def __bool__(self) -> bool:
        return bool(self.title or self.number or self.issued_on)

    def _details(self, sep: str) -> str:
        parts = [self.number] if self.number else []
        if self.issued_on:
            parts.append(self.issued_on.isoformat())
        return sep.join(parts)

    def zh(self) -> str:
        """依据《title》（文号，发文日期）; empty when nothing is recorded."""
        if not self:
            return ""
        details = self._details("，")
        return ("依据" + (f"《{self.title}》" if self.title else "")
                + (f"（{details}）" if details else ""))

    def en(self) -> str:
        if not self:
            return ""
        details = self._details(", ")
        title = f"“{self.title}”" if self.title else ""
        return ("under " + title + (f" ({details})" if title and details else details)).rstrip()


def minimum_tekun_basic(dibao_fen: int, factor_percent: int) -> int:
    """The lowest allowed extreme-hardship basic living standard: factor × dibao, rounded up
    to the fen (1.3 × 630 yuan = 819 yuan)."""
    return -(-dibao_fen * factor_percent // 100)


@dataclass(frozen=True)
class TekunBreach:
    """A date on which the extreme-hardship basic living standard in force is below factor ×
    the dibao standard in force."""

    day: dt.date
    basic_fen: int
    dibao_fen: int
    factor_pct: int

    @property
    def minimum_fen(self) -> int:
        return minimum_tekun_basic(self.dibao_fen, self.factor_pct)


def tekun_rule_breaches(dibao: History, basic: History, factor: History,
                        since: dt.date) -> list[TekunBreach]:
    """Every change point on or after ``since`` (of any of the three histories, and ``since``
    itself) at which the basic living standard in force is below ``factor`` % × the dibao
    standard in force, resolved on the day itself. ``factor`` is the history of the factor
    (percent); before its first row the default of :data:`POLICY_KEYS` applies. A date with
    no dibao or no basic standard in force has nothing to compare."""
    default = POLICY_KEYS["tekun_factor_pct"].default
    days = sorted({since} | {row[0] for h in (dibao, basic, factor) for row in h
                             if row[0] > since})
    out = []
    for day in days:
        d, b, f = on_day(dibao, day), on_day(basic, day), on_day(factor, day)
        if d is None or b is None:
            continue
        pct = f[1] if f is not None else default
        if b[1] < minimum_tekun_basic(d[1], pct):
            out.append(TekunBreach(day, b[1], d[1], pct))
    return out


# --- policy settings ----------------------------------------------------------------------

ROUNDINGS = ("none", "up_yuan", "nearest_yuan")
ROUNDING_LABELS = {
    "none": ("to the fen", "精确到分"),
    "up_yuan": ("up to whole yuan", "向上取整到元"),
    "nearest_yuan": ("to the nearest yuan", "四舍五入到元"),
}


@dataclass(frozen=True)
class PolicyKey:
    key: str
    default: int | str
    label_en: str
    label_zh: str
    minimum: int = 0
    maximum: int = 1_000_000_00
    choices: tuple[str, ...] = ()
    text: bool = False    # free text (a telephone number) of at most ``maximum`` characters

    def parse(self, text: str) -> int | str:
        return text if self.choices or self.text else int(text)

    def check(self, value: object) -> FieldError | None:
        if self.text:
            if not isinstance(value, str) or len(value.strip()) > self.maximum:
                return FieldError(self.key, f"{self.label_en} must be text of at most "
                                  f"{self.maximum} characters",
                                  f"{self.label_zh}应为不超过{self.maximum}个字符的文字")
            return None
        if self.choices:
            if value not in self.choices:
                return FieldError(self.key, f"{self.label_en} must be one of {', '.join(self.choices)}",
                                  f"{self.label_zh}取值无效：{value}")
            return None
        if not isinstance(value, int) or isinstance(value, bool) \
                or not self.minimum <= value <= self.maximum:
            return FieldError(self.key,
                              f"{self.label_en} must be a whole number from {self.minimum} to {self.maximum}",
                              f"{self.label_zh}应为{self.minimum}到{self.maximum}之间的整数")
        return None


POLICY_KEYS: dict[str, PolicyKey] = {k.key: k for k in (
    PolicyKey("increment_elderly_pct", 0, "increment for elderly members, % of the standard",
              "老年人加发比例（占标准的%）", maximum=100),
    PolicyKey("increment_severe_disability_pct", 0,
              "increment for severely disabled members, % of the standard",
              "重度残疾人加发比例（占标准的%）", maximum=100),
    PolicyKey("increment_serious_illness_pct", 0,
              "increment for seriously ill members, % of the standard",
              "重病患者加发比例（占标准的%）", maximum=100),
    PolicyKey("increment_minor_pct", 0, "increment for minors, % of the standard",
              "未成年人加发比例（占标准的%）", maximum=100),
    PolicyKey("floor_fen_per_person", 0, "floor per covered person (fen)",
              "每人最低保障金额（分）", maximum=10_000_00),
    PolicyKey("rounding", "up_yuan", "rounding of the monthly amount", "金额取整方式",
              choices=ROUNDINGS),
    PolicyKey("marginal_threshold_pct", 150,
              "marginal-household threshold, % of the dibao standard",
              "低保边缘家庭认定线（占低保标准的%）", minimum=100, maximum=300),
    PolicyKey("review_months_stable", 12,
              "review interval, households with special members and stable income (months)",
              "核查周期：收入稳定且有老年人、未成年人、重度残疾人或重病患者的家庭（月）",
              minimum=1, maximum=36),
    PolicyKey("review_months_other", 6, "review interval, other households (months)",
              "核查周期：其他家庭（月）", minimum=1, maximum=36),
    PolicyKey("tekun_factor_pct", 130,
              "extreme-hardship basic standard, minimum % of the dibao standard",
              "特困基本生活标准不低于低保标准的%", minimum=100, maximum=300),
    # Temporary aid (DOMAIN §7): approval limits as % of the monthly dibao standard.
    PolicyKey("aid_township_limit_pct", 300,
              "temporary aid: township approval limit, % of the monthly dibao standard",
              "临时救助乡镇审批限额（占月低保标准的%）", minimum=0, maximum=10_000),
    PolicyKey("aid_county_limit_pct", 600,
              "temporary aid: county approval limit, % of the monthly dibao standard",
              "临时救助县级审批限额（占月低保标准的%）", minimum=0, maximum=10_000),
    PolicyKey("aid_paperwork_days", 5,
              "temporary aid paid first: working days to complete the file",
              "先行救助补齐材料期限（工作日）", minimum=1, maximum=60),
    PolicyKey("aid_repeat_months", 12, "temporary aid: repeat-aid check looks back (months)",
              "临时救助重复救助提示期（月）", minimum=1, maximum=60),
    # Public notices (DOMAIN §10, §8): the supervision telephone and the notice period.
    PolicyKey("notice_supervision_phone", "", "public notice: supervision telephone",
              "公示监督电话", maximum=64, text=True),
    PolicyKey("notice_days", 7, "public notice: notice period (days)", "公示期（天）",
              minimum=1, maximum=60),
)}


@dataclass(frozen=True)
class Policy:
    """The policy settings in force for an area (defaults from DOMAIN.md)."""

    increment_elderly_pct: int = 0
    increment_severe_disability_pct: int = 0
    increment_serious_illness_pct: int = 0
    increment_minor_pct: int = 0
    floor_fen_per_person: int = 0
    rounding: str = "up_yuan"
    marginal_threshold_pct: int = 150
    review_months_stable: int = 12
    review_months_other: int = 6
    tekun_factor_pct: int = 130
    aid_township_limit_pct: int = 300
    aid_county_limit_pct: int = 600
    aid_paperwork_days: int = 5
    aid_repeat_months: int = 12
    notice_supervision_phone: str = ""
    notice_days: int = 7

    @classmethod
    def from_values(cls, values: dict[str, int | str]) -> "Policy":
        return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})


assert {f.name for f in fields(Policy)} == set(POLICY_KEYS)
assert all(getattr(Policy(), k) == v.default for k, v in POLICY_KEYS.items())


def review_interval_months(policy: Policy, special_members: bool, stable_income: bool) -> int:
    """12 months for households with elderly, minor, severely disabled or seriously ill
    members whose income is stable; 6 for the others (DOMAIN §8, configurable)."""
    if special_members and stable_income:
        return policy.review_months_stable
    return policy.review_months_other
