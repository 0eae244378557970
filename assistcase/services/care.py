"""Care institutions' accounts (供养机构账户): where institutional-care payments go."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import Database
from ..errors import FieldError, ValidationError
from ..models import CareInstitution
from .audit import Auditor, resolve_user
from .auth import requires


@dataclass(frozen=True)
class CareInstitutionInput:
    name: str
    bank_name: str = ""
    account_number: str = ""
    account_name: str = ""


@requires("care.write")
def save_care_institution(db: Database, actor: str | int, data: CareInstitutionInput) -> int:
    """Create or update (by name) an institution's account; returns its id."""
    name = data.name.strip()
    number = "".join(data.account_number.split())
    errors = []
    if not name:
        errors.append(FieldError("name", "name the institution", "请填写供养机构名称"))
    if number and not number.isalnum():
        errors.append(FieldError("account_number", "the account number has letters and digits "
                                 "only", "账号只能包含字母和数字"))
    if errors:
        raise ValidationError(errors)
    values = {"bank_name": data.bank_name.strip(), "account_number": number,
              "account_name": data.account_name.strip() or name}
    with db.begin() as s:
        audit = Auditor(s, resolve_user(s, actor))
        inst = s.scalar(select(CareInstitution).where(CareInstitution.name == name))
        if inst is None:
            inst = CareInstitution(name=name, **values)
            s.add(inst)
            s.flush()
            audit.created("care_institution", inst.id, {"name": name, **values})
        else:
            audit.apply(inst, "care_institution", values)
        return inst.id


def care_accounts(s: Session) -> dict[str, CareInstitution]:
    """The institutions by name."""
    return {i.name: i for i in s.scalars(select(CareInstitution))}


# A roster line (``l``) of a person in institutional care (集中供养: an extreme-hardship case
# in centralized support naming its institution) joined to the case (``c``) and to the
# institution's registered account (``ci``); ``c.id`` is NULL for every other line. One
# definition for the printed roster and the bank file, so both pay the same lines to the
# same account.
INSTITUTION_JOIN = """
LEFT JOIN assistance_cases AS c ON c.id = l.case_id AND c.support_mode = 'centralized'
                               AND c.institution_name <> ''
LEFT JOIN care_institutions AS ci ON ci.name = c.institution_name"""
# Whether such a line is paid in cash: an institution with no registered account, or a
# payee without an account (as :func:`assistcase.services.rosters.pays_in_cash`).
CASH_SQL = """CASE WHEN c.id IS NOT NULL THEN COALESCE(ci.account_number, '') = ''
               ELSE l.account_type = 'none' OR trim(l.account_number) = '' END"""


class ResidentLine(NamedTuple):
    line_id: int
    amount_fen: int
    payee_name: str
    id_number: str


@dataclass(frozen=True)
class InstitutionPayment:
    """What a roster pays into one care institution's account: the lines of its residents
    (sequence number → line id and amount)."""

    institution_id: int
    name: str
    account_name: str
    bank_name: str
    account_number: str
    lines: dict[int, ResidentLine]   # by sequence number

    @property
    def amount_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines.values())


def institution_payments(s: Session, roster_id: int) -> dict[int, InstitutionPayment]:
    """The roster's lines paid to a care institution's registered account, by institution
    id (lines of an institution without an account are paid in cash, and are not here)."""
    out: dict[int, InstitutionPayment] = {}
    for iid, name, account_name, bank, number, seq, *line in s.connection(
            ).exec_driver_sql(f"""
            SELECT ci.id, ci.name, ci.account_name, ci.bank_name, ci.account_number,
                   l.seq, l.id, l.amount_fen, l.payee_name, l.id_number
            FROM roster_lines AS l {INSTITUTION_JOIN}
            WHERE l.roster_id = ? AND c.id IS NOT NULL AND COALESCE(ci.account_number, '') <> ''
            ORDER BY ci.name, l.seq""", (roster_id,)):
        p = out.get(iid)
        if p is None:
            p = out[iid] = InstitutionPayment(iid, name, account_name or name, bank, number, {})
        p.lines[seq] = ResidentLine(*line)
    return out


def institution_cash_lines(s: Session, roster_id: int) -> dict[int, str]:
    """The roster's lines of persons in institutional care whose institution has no
    registered account (paid in cash, 现金发放): sequence number → institution name."""
    return dict(s.connection().exec_driver_sql(f"""
        SELECT l.seq, c.institution_name FROM roster_lines AS l {INSTITUTION_JOIN}
        WHERE l.roster_id = ? AND c.id IS NOT NULL AND COALESCE(ci.account_number, '') = ''
        """, (roster_id,)).all())
