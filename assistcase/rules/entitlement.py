"""Monthly entitlements (DOMAIN §5, §6): pure functions, no database.

Dibao, the gap method (补差)::

    per-capita income  = household monthly income / household members
    base               = (standard − per-capita income) × covered members
    extras             = Σ over covered special members of (increment % × standard)
    amount             = max(base + extras, floor × covered members), rounded once

Each covered member gets at most one increment, the highest of those they qualify for
(elderly ≥ 60, severely disabled = grade 1 or 2, seriously ill, minor < 16 or < 18 in school;
ages on the first day of the month). A household whose per-capita income reaches the
standard gets nothing and is flagged for exit review (退出核查).

All arithmetic is exact (integers and :class:`~fractions.Fraction`); the amount is rounded
once, as the area's policy says: up to whole yuan (default), to the nearest yuan, or to the
fen. The set-based recalculation in :mod:`assistcase.recalc` is the same formula in SQL and a
test holds the two equal.

Extreme hardship (特困) is a fixed amount: the basic living standard plus the care standard
for the person's self-care level.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from ..errors import AssistCaseError
from .idnumber import age_on
from .standards import (CLASS_ZH, KIND_LABELS, ROUNDING_LABELS, History, Notice,
                        first_of_month, in_force)
from .money import yuan

# Increment kinds in the order used to break ties between equal percentages.
INCREMENT_KINDS = ("elderly", "severe_disability", "serious_illness", "minor")
INCREMENT_LABELS = {
    "elderly": ("elderly", "老年人"),
    "severe_disability": ("severely disabled", "重度残疾人"),
    "serious_illness": ("seriously ill", "重病患者"),
    "minor": ("minor", "未成年人"),
}
SELF_CARE_ZH = {"full": "全自理", "partial": "半失能", "none": "全失能"}
SUPPORT_ZH = {"dispersed": "分散供养", "centralized": "集中供养"}


class NoStandardError(AssistCaseError):
    """No standard is in force for the month: the amount cannot be computed."""


@dataclass(frozen=True)
class DibaoRules:
    """The configurable part of the calculation (an area's policy settings)."""

    increment_elderly_pct: int = 0
    increment_severe_disability_pct: int = 0
    increment_serious_illness_pct: int = 0
    increment_minor_pct: int = 0
    floor_fen_per_person: int = 0
    rounding: str = "up_yuan"

    @classmethod
    def from_policy(cls, policy) -> "DibaoRules":
        return cls(policy.increment_elderly_pct, policy.increment_severe_disability_pct,
                   policy.increment_serious_illness_pct, policy.increment_minor_pct,
                   policy.floor_fen_per_person, policy.rounding)

    def percent(self, kind: str) -> int:
        return getattr(self, f"increment_{kind}_pct")


@dataclass(frozen=True)
class CoveredMember:
    name: str
    birth_date: dt.date
    in_school: bool = False
    disability_grade: int | None = None
    serious_illness: bool = False

    def kinds(self, month: dt.date) -> list[str]:
        """The increment kinds this member qualifies for in ``month``."""
        age = age_on(self.birth_date, first_of_month(month))
        flags = {"elderly": age >= 60,
                 "severe_disability": self.disability_grade in (1, 2),
                 "serious_illness": self.serious_illness,
                 "minor": age < 16 or (self.in_school and age < 18)}
        return [k for k in INCREMENT_KINDS if flags[k]]


@dataclass(frozen=True)
class DibaoInputs:
    """What the dibao calculation needs for one household.

    ``standards`` is the history of the dibao standard for the household's area and class:
    (effective_from, monthly fen per person); ``notices`` the history of the notice each figure
    comes from, (from, :class:`~assistcase.standards.Notice`), named in the breakdown."""

    standards: History
    household_income_fen: int
    household_size: int
    covered: tuple[CoveredMember, ...]
    rules: DibaoRules = DibaoRules()
    residence_class: str = ""
    notices: tuple[tuple[dt.date, Notice], ...] = ()


@dataclass(frozen=True)
class TekunInputs:
    """What the extreme-hardship calculation needs for one person: the histories of the
    basic living standard and of the care standard for each self-care level, and of the
    notice the basic living standard comes from (``notices``)."""

    basic_standards: History
    care_standards: dict[str, History]
    self_care: str
    name: str = ""
    support_mode: str | None = None
    institution_name: str = ""
    residence_class: str = ""
    notices: tuple[tuple[dt.date, Notice], ...] = ()


@dataclass(frozen=True)
class ExtraLine:
    member: str
    kind: str
    percent: int
    amount: Fraction


@dataclass(frozen=True)
class Entitlement:
    """An amount owed for a month, with the figures that produced it."""

    program: str
    month: dt.date
    amount_fen: int
    standard_fen: int
    standard_from: dt.date
    household_income_fen: int = 0
    household_size: int = 1
    covered_members: int = 1
    per_capita_income: Fraction = Fraction(0)
    base: Fraction = Fraction(0)
    extras: tuple[ExtraLine, ...] = ()
    floor_fen_per_person: int = 0
    floor_applied: bool = False
    before_rounding: Fraction = Fraction(0)
    rounding: str = "none"
    exit_review: bool = False
    care_fen: int = 0
    care_from: dt.date | None = None
    self_care: str | None = None
    support_mode: str | None = None
    institution_name: str = ""
    residence_class: str = ""
    standard_source: Notice = field(default=Notice(), compare=False)
    lines_zh: tuple[str, ...] = field(default=(), compare=False)
    lines_en: tuple[str, ...] = field(default=(), compare=False)

    @property
    def extra_percent(self) -> int:
        return sum(e.percent for e in self.extras)

    def lines(self, lang: str = "zh") -> tuple[str, ...]:
        """The breakdown, one sentence per step, to read aloud to the household."""
        return self.lines_zh if lang.startswith("zh") else self.lines_en

    def text(self, lang: str = "zh") -> str:
        return "\n".join(self.lines(lang))


def _round_half_up(x: Fraction, unit: int) -> int:
    return (2 * x.numerator + unit * x.denominator) // (2 * unit * x.denominator) * unit


def round_amount(x: Fraction, rounding: str) -> int:
    """``x`` (fen, ≥ 0) rounded once as configured: none = to the fen (half up),
    up_yuan = up to whole yuan, nearest_yuan = to the nearest yuan (half up)."""
    if rounding == "none":
        return _round_half_up(x, 1)
    if rounding == "up_yuan":
        return -(-x.numerator // (100 * x.denominator)) * 100
    if rounding == "nearest_yuan":
        return _round_half_up(x, 100)
    raise ValueError(f"unknown rounding {rounding!r}")


def _money(x: Fraction) -> str:
    """A fraction of fen shown to the fen (display only; the amount is rounded once)."""
    return yuan(_round_half_up(x, 1))


def _month_zh(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def _notice(notices, month: dt.date) -> Notice:
    row = in_force(notices, month)
    return row[1] if row is not None else Notice()


def _cited_zh(notice: Notice) -> str:
    return f"，{notice.zh()}" if notice else ""


def _cited_en(notice: Notice) -> str:
    return f", {notice.en()}" if notice else ""


def dibao_entitlement(inputs: DibaoInputs, month: dt.date) -> Entitlement:
    """The dibao amount for ``month`` in fen, with its breakdown (see the module docstring).
    Raises :class:`NoStandardError` when no dibao standard is in force on the month's first
    day."""
    month = first_of_month(month)
    row = in_force(inputs.standards, month)
    if row is None:
        raise NoStandardError(f"no dibao standard is in force on {month}",
                              f"{month} 没有适用的低保标准")
    since, standard = row
    rules = inputs.rules
    size = max(inputs.household_size, 1)
    income = inputs.household_income_fen
    covered = len(inputs.covered)
    per_capita = Fraction(income, size)
    cls_zh = CLASS_ZH.get(inputs.residence_class, "")
    notice = _notice(inputs.notices, month)
    zh = [f"{_month_zh(month)}适用的{cls_zh}低保标准为每人每月 {yuan(standard)} 元"
          f"（{since:%Y-%m-%d} 起执行{_cited_zh(notice)}）。",
          f"家庭月收入 {yuan(income)} 元，家庭人口 {size} 人，"
          f"人均月收入 {_money(per_capita)} 元。"]
    en = [f"Dibao standard for {month:%Y-%m}: {yuan(standard)} yuan per person per month "
          f"(in force from {since:%Y-%m-%d}{_cited_en(notice)}).",
          f"Household income {yuan(income)} yuan a month, {size} members, "
          f"per-capita income {_money(per_capita)} yuan."]
    common = dict(program="dibao", month=month, standard_fen=standard, standard_from=since,
                  household_income_fen=income, household_size=size, covered_members=covered,
                  per_capita_income=per_capita, rounding=rules.rounding,
                  floor_fen_per_person=rules.floor_fen_per_person,
                  residence_class=inputs.residence_class, standard_source=notice)
    if per_capita >= standard or covered == 0:
        if per_capita >= standard:
            zh.append("人均月收入已达到或超过低保标准，本月不发放低保金，并转入退出核查。")
            en.append("Per-capita income reaches the standard: nothing is paid this month and "
                      "the household is flagged for exit review.")
        else:
            zh.append("没有保障对象，本月不发放。")
            en.append("No member is covered: nothing is paid.")
        zh.append("本月应发 0 元。")
        en.append("Amount for the month: 0 yuan.")
        return Entitlement(amount_fen=0, exit_review=per_capita >= standard,
                           lines_zh=tuple(zh), lines_en=tuple(en), **common)

    gap = standard - per_capita
    base = gap * covered
    zh.append(f"保障人数 {covered} 人：（{yuan(standard)} − {_money(per_capita)}）× {covered}"
              f" = {_money(base)} 元。")
    en.append(f"{covered} covered: ({yuan(standard)} − {_money(per_capita)}) × {covered}"
              f" = {_money(base)} yuan.")
    extras = []
    for m in inputs.covered:
        options = [(rules.percent(k), k) for k in m.kinds(month) if rules.percent(k) > 0]
        if not options:
            continue
        pct = max(p for p, _k in options)
        kind = next(k for p, k in options if p == pct)
        line = ExtraLine(m.name, kind, pct, Fraction(standard * pct, 100))
        extras.append(line)
        label_en, label_zh = INCREMENT_LABELS[kind]
        zh.append(f"{m.name}（{label_zh}）加发标准的 {pct}%：{_money(line.amount)} 元。")
        en.append(f"{m.name} ({label_en}): plus {pct}% of the standard, {_money(line.amount)} yuan.")
    total = base + sum((e.amount for e in extras), Fraction(0))
    floor_total = rules.floor_fen_per_person * covered
    floor_applied = total < floor_total
    if floor_applied:
        zh.append(f"低于每人 {yuan(rules.floor_fen_per_person)} 元的最低保障金额，"
                  f"按 {yuan(rules.floor_fen_per_person)} × {covered} = {yuan(floor_total)} 元发放。")
        en.append(f"Below the floor of {yuan(rules.floor_fen_per_person)} yuan per person: "
                  f"{yuan(rules.floor_fen_per_person)} × {covered} = {yuan(floor_total)} yuan.")
        total = Fraction(floor_total)
    amount = round_amount(total, rules.rounding)
    r_en, r_zh = ROUNDING_LABELS[rules.rounding]
    if amount != total:
        zh.append(f"合计 {_money(total)} 元，{r_zh}为 {yuan(amount)} 元。")
        en.append(f"Total {_money(total)} yuan, rounded {r_en}: {yuan(amount)} yuan.")
    zh.append(f"本月应发 {yuan(amount)} 元。")
    en.append(f"Amount for the month: {yuan(amount)} yuan.")
    return Entitlement(amount_fen=amount, base=base, extras=tuple(extras),
                       floor_applied=floor_applied, before_rounding=total,
                       lines_zh=tuple(zh), lines_en=tuple(en), **common)


def tekun_entitlement(inputs: TekunInputs, month: dt.date) -> Entitlement:
    """The extreme-hardship amount for ``month``: basic living standard + care standard for
    the self-care level (0 when the area has set no care standard for that level). Raises
    :class:`NoStandardError` when no basic living standard is in force."""
    month = first_of_month(month)
    row = in_force(inputs.basic_standards, month)
    if row is None:
        raise NoStandardError(f"no extreme-hardship basic living standard is in force on {month}",
                              f"{month} 没有适用的特困人员基本生活标准")
    since, basic = row
    care_row = in_force(inputs.care_standards.get(inputs.self_care, ()), month)
    care = care_row[1] if care_row else 0
    level_zh = SELF_CARE_ZH.get(inputs.self_care, inputs.self_care)
    kind_en, _ = KIND_LABELS[f"care_{inputs.self_care}"]
    cls_zh = CLASS_ZH.get(inputs.residence_class, "")
    mode = SUPPORT_ZH.get(inputs.support_mode or "", "")
    where = f"（{mode}{'，' + inputs.institution_name if inputs.institution_name else ''}）" \
        if mode else ""
    amount = basic + care
    notice = _notice(inputs.notices, month)
    zh = [f"{inputs.name}{where}{_month_zh(month)}适用的{cls_zh}特困人员基本生活标准为每月 "
          f"{yuan(basic)} 元（{since:%Y-%m-%d} 起执行{_cited_zh(notice)}）。",
          f"自理能力为{level_zh}，照料护理标准每月 {yuan(care)} 元"
          + ("。" if care_row else "（本地未设定该档标准）。"),
          f"本月应发 {yuan(basic)} + {yuan(care)} = {yuan(amount)} 元。"]
    en = [f"{inputs.name}: basic living standard for {month:%Y-%m} is {yuan(basic)} yuan a month "
          f"(in force from {since:%Y-%m-%d}{_cited_en(notice)}).",
          f"{kind_en}: {yuan(care)} yuan a month" + ("." if care_row else " (none set)."),
          f"Amount for the month: {yuan(basic)} + {yuan(care)} = {yuan(amount)} yuan."]
    return Entitlement(program="tekun", month=month, amount_fen=amount, standard_fen=basic,
                       standard_from=since, care_fen=care,
                       care_from=care_row[0] if care_row else None,
                       self_care=inputs.self_care, support_mode=inputs.support_mode,
                       institution_name=inputs.institution_name,
                       residence_class=inputs.residence_class, before_rounding=Fraction(amount),
                       standard_source=notice,
                       lines_zh=tuple(zh), lines_en=tuple(en))
