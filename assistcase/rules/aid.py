"""Temporary aid (临时救助, DOMAIN §7): the rules themselves, free of the database.

- Two types: 急难型 ``urgent`` (fire, accident, sudden serious illness) and 支出型
  ``expenditure`` (medical or education costs beyond the household's means).
- Approval authority (审批权限) is a multiple of the monthly dibao standard in force for the
  case's area and class: a township approves up to ``aid_township_limit_pct`` % of it (default
  300 %, 3×), a county up to ``aid_county_limit_pct`` % (default 600 %, 6×); above that only a
  case-by-case decision (一事一议) with the meeting's date, participants and minutes
  (:class:`ApprovalLimits`).
- Urgent payment first (先行救助): an urgent case may be paid before its file is complete; the
  file is then due ``aid_paperwork_days`` working days after the payment
  (:func:`add_working_days`: Saturdays and Sundays are skipped; public holidays and the
  weekends worked in their place (调休) are not modelled).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..errors import FieldError
from .money import yuan

AID_TYPES = ("urgent", "expenditure")
TYPE_LABELS = {"urgent": ("urgent", "急难型"), "expenditure": ("expenditure", "支出型")}

# recorded → approved → paid; or recorded → refused.
AID_STATUSES = ("recorded", "approved", "paid", "refused")
STATUS_LABELS = {"recorded": ("recorded", "已登记"), "approved": ("approved", "已审批"),
                 "paid": ("paid", "已发放"), "refused": ("refused", "不予救助")}
# Statuses of aid that was granted (counted in statistics and in the repeat-aid check).
GRANTED_STATUSES = ("approved", "paid")

APPROVAL_LEVELS = ("township", "county", "case_by_case")
LEVEL_LABELS = {"township": ("township", "乡镇"), "county": ("county", "县级"),
                "case_by_case": ("case-by-case decision", "一事一议")}

PAYMENT_METHODS = ("bank", "cash")
PAYMENT_LABELS = {"bank": ("bank account", "银行账户"), "cash": ("cash", "现金")}
# How a payment was made: recorded directly (cash handed over, or a transfer made outside a
# roster) or by an approved temporary-aid roster.
PAID_VIA = ("direct", "roster")

# Documents a caseworker usually receives (suggestions for the form; the list is free text).
DOCUMENT_SUGGESTIONS = ("临时救助申请书", "身份证复印件", "户口簿复印件", "银行卡（存折）复印件",
                        "入户调查表", "医疗费用票据", "诊断证明", "火灾事故认定书",
                        "交通事故认定书", "受灾情况证明", "入学通知书或学费票据", "村（居）委会证明")

# The same documents as an English reader reads them (the stored name stays the Chinese one).
DOCUMENT_LABELS_EN = {
    "临时救助申请书": "temporary aid application", "身份证复印件": "copy of the ID card",
    "户口簿复印件": "copy of the household register", "银行卡（存折）复印件": "copy of the bank card",
    "入户调查表": "home investigation form", "医疗费用票据": "medical bills",
    "诊断证明": "medical certificate", "火灾事故认定书": "fire report",
    "交通事故认定书": "traffic accident report", "受灾情况证明": "disaster certificate",
    "入学通知书或学费票据": "school admission or fee receipts",
    "村（居）委会证明": "village committee certificate"}

MAX_AMOUNT_FEN = 1_000_000_00  # one million yuan: anything above is a typing error


def add_working_days(day: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``day``, counting Monday to Friday only.
    (Public holidays are not modelled: a deadline across a holiday comes out early.)"""
    current = day
    left = days
    while left > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def default_residence_class(township_name: str) -> str:
    """The class used for a person outside the registry when none is given: urban for a
    subdistrict (街道), rural for a township or town (乡/镇)."""
    return "urban" if township_name.endswith("街道") else "rural"


def _times(pct: int) -> str:
    return f"{pct / 100:g}"


@dataclass(frozen=True)
class ApprovalLimits:
    """The approval limits for one area, class and date: a percentage of the monthly dibao
    standard in force (``standard_fen``, effective since ``standard_since``)."""

    standard_fen: int
    standard_since: dt.date
    township_pct: int
    county_pct: int

    @property
    def township_fen(self) -> int:
        return self.standard_fen * self.township_pct // 100

    @property
    def county_fen(self) -> int:
        return self.standard_fen * self.county_pct // 100

    def limit_for(self, level: str) -> int | None:
        """The most ``level`` may approve; None for a case-by-case decision (no limit)."""
        return {"township": self.township_fen, "county": self.county_fen}.get(level)

    def required_level(self, amount_fen: int) -> str:
        """The lowest level that may approve ``amount_fen``."""
        if amount_fen <= self.township_fen:
            return "township"
        if amount_fen <= self.county_fen:
            return "county"
        return "case_by_case"

    def refusal(self, level: str, amount_fen: int,
                field: str = "amount_granted_fen") -> FieldError | None:
        """Why ``level`` may not approve ``amount_fen`` (naming the limit in yuan), or None."""
        limit = self.limit_for(level)
        if limit is None or amount_fen <= limit:
            return None
        pct = self.township_pct if level == "township" else self.county_pct
        std = yuan(self.standard_fen)
        if level == "township":
            then_en, then_zh = "needs county approval", "须报县级审批"
            if amount_fen > self.county_fen:
                then_en = "needs a case-by-case decision (一事一议) with a meeting record"
                then_zh = "须经一事一议并记录会议情况"
            return FieldError(
                field,
                f"above the township's approval limit: a township may approve at most "
                f"{yuan(limit)} yuan ({_times(pct)} × the monthly dibao standard of {std} yuan); "
                f"{yuan(amount_fen)} yuan {then_en}",
                f"超出乡镇审批权限：乡镇审批限额为 {yuan(limit)} 元（{_times(pct)} 倍月低保标准），"
                f"月低保标准 {std} 元；批准 {yuan(amount_fen)} 元{then_zh}")
        return FieldError(
            field,
            f"above the county's approval limit: a county may approve at most {yuan(limit)} "
            f"yuan ({_times(pct)} × the monthly dibao standard of {std} yuan); "
            f"{yuan(amount_fen)} yuan needs a case-by-case decision (一事一议) with a meeting record",
            f"超出县级审批权限：县级审批限额为 {yuan(limit)} 元（{_times(pct)} 倍月低保标准），"
            f"月低保标准 {std} 元；批准 {yuan(amount_fen)} 元须经一事一议并记录会议情况")
