"""The bureau's return package beyond the registry (issue 15 items 2 and 4;
services/exchange_return.py): standards and policy in force, roster states and payment results,
duplicate ticket outcomes. The bureau is the ``db`` fixture (SQLite and PostgreSQL), the two
townships SQLite files of their own."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select, text

from assistcase.errors import StateError
from assistcase.models import (Area, AuditEntry, DuplicateTicket, EntitlementRow, Household,
                               Person, PolicySetting, Roster, Standard)
from assistcase.services import cases as C
from assistcase.services import exchange as X
from assistcase.services import exchange_return as XR
from assistcase.services import registry as R
from assistcase.services import rosters as RO
from assistcase.services import standards as S
from assistcase.services.recalc import recalculate_area

from ..conftest import ACTOR, make_id
from .test_exchange import BUREAU, EXCHANGE_USERS, _household, register_townships

CITY = "411400000000"
APRIL, MAY, JUNE, JULY = (dt.date(2023, m, 1) for m in (4, 5, 6, 7))


@pytest.fixture
def sites(db, tmp_path, _areas_template):
    """The bureau (``db``, either engine) and two townships registered with it."""
    from assistcase.services import auth

    from ..conftest import ALL_ROLES, PASSWORD

    for name in EXCHANGE_USERS:
        auth.create_user(db, ACTOR, name, name, PASSWORD, [(r, None) for r in ALL_ROLES])
    out = register_townships(db, _areas_template, tmp_path)
    yield out
    for k in ("t1", "t2"):
        out[k].dispose()


def _fingerprint(db) -> str:
    h = hashlib.sha256()
    with db.read() as s:
        for table in ("households", "persons", "household_memberships", "standards",
                      "policy_settings", "received_rosters", "received_roster_lines",
                      "duplicate_tickets", "sync_base", "exchange_packages", "audit_log"):
            for row in s.execute(text(f"SELECT * FROM {table} ORDER BY 1")):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def _up(sites, name, folder):
    exported = X.export_package(sites[name], f"{name}-worker", BUREAU, folder)
    return X.import_package(sites["bureau"], "bureau-clerk", exported.path)


def _down(sites, name, folder):
    """The bureau's return package to township ``name``: (exported, import result)."""
    exported = X.export_package(sites["bureau"], "bureau-clerk", sites[name + "_code"], folder)
    return exported, X.import_package(sites[name], f"{name}-worker", exported.path)


def _area(db, code):
    with db.read() as s:
        return s.scalar(select(Area.id).where(Area.code == code))


def _dibao(db, area, since, rural, urban=630_00):
    S.save_standards(db, ACTOR, [S.StandardInput(area, "rural", "dibao", since, rural),
                                 S.StandardInput(area, "urban", "dibao", since, urban)])


def _confirmed_case(db, hid):
    """A dibao case confirmed in March 2023: paid from April."""
    cid = C.open_case(db, ACTOR, C.CaseInput("dibao", hid, dt.date(2023, 3, 1), "无收入")).created_id
    C.record_economic_check(db, ACTOR, cid, dt.date(2023, 3, 3), "核对通过")
    C.record_investigation(db, ACTOR, cid, dt.date(2023, 3, 6), "王五、赵六", "无劳动力")
    C.record_publicity(db, ACTOR, cid, dt.date(2023, 3, 10), dt.date(2023, 3, 16))
    C.confirm_case(db, "reviewer", cid, dt.date(2023, 3, 20), "同意")
    return cid


def _standard_used(db, cid, month):
    recalculate_area(db, ACTOR, _area(db, CITY), month)
    with db.read() as s:
        return s.get(EntitlementRow, (month, cid)).standard_fen


def _gid(db, model, ident):
    with db.read() as s:
        return s.get(model, ident).gid


# --- standards and policy -------------------------------------------------------------------

def test_a_standard_changed_at_the_bureau_reaches_the_township_and_its_recalculation(sites,
                                                                                    tmp_path):
    bureau, t1 = sites["bureau"], sites["t1"]
    _dibao(bureau, _area(bureau, CITY), dt.date(2022, 1, 1), 420_00)
    S.set_policy(bureau, ACTOR, _area(bureau, CITY), {"tekun_factor_pct": 140},
                 dt.date(2022, 1, 1))
    hid = _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    _up(sites, "t1", tmp_path / "u1")
    first, result = _down(sites, "t1", tmp_path / "d1")
    assert first.counts["standard"] == 2 and first.counts["policy"] == 1
    assert result.received == {"standard": 2, "policy": 1}
    with t1.read() as s:
        rows = s.scalars(select(Standard).where(Standard.area_id == _area(t1, CITY))).all()
        assert {(r.residence_class, r.monthly_fen, r.origin_site) for r in rows} == {
            ("rural", 420_00, BUREAU), ("urban", 630_00, BUREAU)}
        assert s.scalar(select(PolicySetting.value).where(
            PolicySetting.key == "tekun_factor_pct")) == "140"
    cid = _confirmed_case(t1, hid)
    assert _standard_used(t1, cid, JUNE) == 420_00

    # the bureau raises the rural standard from July: only the city's figures travel again
    _dibao(bureau, _area(bureau, CITY), JULY, 500_00)
    second, result = _down(sites, "t1", tmp_path / "d2")
    assert (second.counts["standard"], second.counts.get("policy", 0)) == (4, 1)
    assert result.received == {"standard": 2}          # the two new rows; the others as they were
    assert _standard_used(t1, cid, JULY) == 500_00
    assert _standard_used(t1, cid, JUNE) == 420_00
    with t1.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "standard", AuditEntry.source == f"exchange:{BUREAU}",
            AuditEntry.action == "create")) > 0

    # a row deleted at the bureau goes at the township too
    with bureau.read() as s:
        july = s.scalar(select(Standard.id).where(Standard.effective_from == JULY,
                                                  Standard.residence_class == "urban"))
    S.delete_standard(bureau, ACTOR, july)
    third, result = _down(sites, "t1", tmp_path / "d3")
    assert result.received == {"standard": 1}
    with t1.read() as s:
        assert s.scalar(select(func.count()).select_from(Standard).where(
            Standard.effective_from == JULY)) == 1

    # not yet confirmed by the township: sent again, and applied again it changes nothing
    fourth, result = _down(sites, "t1", tmp_path / "d4")
    assert fourth.counts["standard"] == 3 and result.received == {}
    # once the township has confirmed (its next package), nothing travels
    _up(sites, "t1", tmp_path / "u2")
    fifth, result = _down(sites, "t1", tmp_path / "d5")
    assert "standard" not in fifth.counts and result.received == {}


def test_the_township_cannot_change_the_bureaus_standards_or_policy(sites, tmp_path):
    bureau, t1 = sites["bureau"], sites["t1"]
    _dibao(bureau, _area(bureau, CITY), dt.date(2022, 1, 1), 420_00)
    S.set_policy(bureau, ACTOR, _area(bureau, CITY), {"tekun_factor_pct": 140},
                 dt.date(2022, 1, 1))
    _down(sites, "t1", tmp_path / "d1")
    city = _area(t1, CITY)
    before = _fingerprint(t1)
    with t1.read() as s:
        row = s.scalar(select(Standard.id).where(Standard.area_id == city))
    for attempt in (
            lambda: S.save_standard(t1, ACTOR, S.StandardInput(city, "rural", "dibao",
                                                               dt.date(2022, 1, 1), 450_00)),
            lambda: S.save_standard(t1, ACTOR, S.StandardInput(city, "rural", "dibao",
                                                               dt.date(2024, 1, 1), 450_00)),
            lambda: S.delete_standard(t1, ACTOR, row),
            lambda: S.set_policy(t1, ACTOR, city, {"tekun_factor_pct": 150}, dt.date(2024, 1, 1)),
            lambda: S.clear_policy(t1, ACTOR, city, "tekun_factor_pct")):
        with pytest.raises(StateError) as err:
            attempt()
        assert BUREAU in str(err.value) and "救助局" in err.value.message_zh
    assert _fingerprint(t1) == before
    # the bureau itself still can
    _dibao(bureau, _area(bureau, CITY), dt.date(2024, 1, 1), 450_00)


# --- rosters and payment results ------------------------------------------------------------

def _received(db):
    with db.read() as s:
        return XR.received_rosters(s)


def test_an_approved_roster_and_a_failed_payment_reach_the_township_read_only(sites, tmp_path):
    bureau, t1 = sites["bureau"], sites["t1"]
    hid = _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    other = _household(t1, "t1-worker", sites["villages"]["t1"], 2, name="李娜")
    _up(sites, "t1", tmp_path / "u1")
    city = _area(bureau, CITY)
    _dibao(bureau, city, dt.date(2022, 1, 1), 420_00)
    with bureau.read() as s:
        bids = [s.scalar(select(Household.id).where(Household.gid == _gid(t1, Household, h)))
                for h in (hid, other)]
    for bid in bids:
        _confirmed_case(bureau, bid)
    built = RO.build_monthly_roster(bureau, ACTOR, RO.MonthlyRosterInput(city, MAY))
    # a draft travels as a draft
    _, result = _down(sites, "t1", tmp_path / "d1")
    [draft] = _received(t1)
    assert draft.status == "draft" and draft.lines == 2 and draft.approved_by == ""
    RO.review_roster(bureau, "reviewer", built.roster_id)
    RO.approve_roster(bureau, "approver", built.roster_id)
    with bureau.read() as s:
        lines = {ln.household_id: ln for ln in RO.iter_lines(s, built.roster_id)}
    RO.record_bank_returns(bureau, ACTOR, built.roster_id, "回盘.xlsx", "b" * 64, [
        RO.PaymentOutcome(lines[bids[0]].id, "failed", "账户已销户"),
        RO.PaymentOutcome(lines[bids[1]].id, "paid")])
    exported, result = _down(sites, "t1", tmp_path / "d2")
    assert exported.counts["roster"] == 1 and exported.counts["roster_line"] == 2
    assert result.received == {"roster": 1}
    [roster] = _received(t1)
    with bureau.read() as s:
        total, approved_at = s.execute(select(Roster.total_fen, Roster.approved_at)
                                       .where(Roster.id == built.roster_id)).one()
    assert (roster.status, roster.month, roster.area_code) == ("approved", MAY, CITY)
    assert roster.approved_by == "approver" and roster.reviewed_by == "reviewer"
    assert roster.approved_at == approved_at and roster.total_fen == total
    assert (roster.lines, roster.paid, roster.failed) == (2, 1, 1)
    with t1.read() as s:
        [line] = XR.received_lines(s, household_id=hid)
        assert len(XR.received_lines(s, roster_id=roster.id)) == 2
    assert (line.outcome, line.reason, line.amount_fen) == ("failed", "账户已销户",
                                                            lines[bids[0]].amount_fen)
    assert line.payee_name == "张伟" and line.month == MAY
    # the township holds a copy only: none of its own rosters, nothing to build from
    with t1.read() as s:
        assert s.scalar(select(func.count()).select_from(Roster)) == 0
    # the same package again changes nothing
    before = _fingerprint(t1)
    assert X.import_package(t1, "t1-worker", exported.path).already_imported
    assert _fingerprint(t1) == before
    # not yet confirmed by the township: sent again, and it changes nothing there
    again, result = _down(sites, "t1", tmp_path / "d4")
    assert again.counts["roster"] == 1 and result.received == {}
    # a roster covering only the other township's households does not reach that one
    _down(sites, "t2", tmp_path / "d3")
    assert _received(sites["t2"]) == [] and len(_received(t1)) == 1


# --- duplicate tickets ----------------------------------------------------------------------

def _duplicate(sites, tmp_path):
    """One ID number registered by t1 and then t2 (each the only member of its household):
    the ticket at the bureau."""
    same = make_id(seq=7)
    h1 = _household(sites["t1"], "t1-worker", sites["villages"]["t1"], 1, name="王芳",
                    id_number=same)
    h2 = _household(sites["t2"], "t2-worker", sites["villages"]["t2"], 1, name="王芳",
                    id_number=same)
    _up(sites, "t1", tmp_path / "u1")
    assert _up(sites, "t2", tmp_path / "u2").duplicates == 1
    [ticket] = X.duplicates(sites["bureau"])
    return ticket, h1, h2


def _number(db, hid):
    with db.read() as s:
        return s.get(Household, hid).number


def test_a_duplicate_kept_by_the_first_township_reaches_both(sites, tmp_path):
    t1, t2, bureau = sites["t1"], sites["t2"], sites["bureau"]
    ticket, h1, h2 = _duplicate(sites, tmp_path)
    XR.resolve_duplicate(bureau, "bureau-clerk", ticket.id, keep="here")
    assert X.duplicates(bureau) == []
    [done] = X.duplicates(bureau, status="resolved")
    assert done.keep == "here"
    with bureau.read() as s:
        assert s.scalar(select(AuditEntry.new_value).where(
            AuditEntry.entity == "duplicate_ticket", AuditEntry.action == "resolve")) \
            .startswith("王芳")
        # the household t2 sent with nobody else in it is closed here as it will be there
        assert s.scalar(select(Household.status).where(
            Household.gid == _gid(t2, Household, h2))) == "closed"

    exported, result = _down(sites, "t1", tmp_path / "d1")
    assert exported.counts["duplicate_outcome"] == 1
    assert result.received == {"duplicate_outcome": 1}
    with t1.read() as s:
        [closed] = s.scalars(select(DuplicateTicket)).all()
        assert (closed.status, closed.keep) == ("resolved", "here")
        p = s.scalar(select(Person).where(Person.name == "王芳"))
        assert p.household_id == h1                      # the keeping township keeps them

    exported, result = _down(sites, "t2", tmp_path / "d2")
    assert result.received == {"duplicate_outcome": 1}
    with t2.read() as s:
        p = s.scalar(select(Person).where(Person.name == "王芳"))
        assert p.household_id is None                    # moved out, the record stays
        hh = s.get(Household, h2)
        assert hh.status == "closed" and hh.member_count == 0
        [t] = s.scalars(select(DuplicateTicket)).all()
        assert (t.status, t.keep) == ("resolved", "other")
        assert _number(t1, h1) in t.note and "保留" in t.note
        notes = s.scalars(select(AuditEntry.new_value).where(
            AuditEntry.entity == "person", AuditEntry.entity_id == p.id,
            AuditEntry.action == "update", AuditEntry.field.is_(None))).all()
        assert any(_number(t1, h1) in n for n in notes)
        assert s.scalar(select(AuditEntry.source).where(
            AuditEntry.entity == "person", AuditEntry.field == "household_id",
            AuditEntry.action == "update")) == f"exchange:{BUREAU}"
    # the removal is the bureau's outcome, not a change of the township's to send back
    assert X.status(t2).waiting[BUREAU] == {}
    before = _fingerprint(t2)
    assert X.import_package(t2, "t2-worker", exported.path).already_imported
    assert _fingerprint(t2) == before


def test_a_duplicate_kept_by_the_arriving_household_moves_the_person_at_the_bureau(sites,
                                                                                   tmp_path):
    t1, t2, bureau = sites["t1"], sites["t2"], sites["bureau"]
    ticket, h1, h2 = _duplicate(sites, tmp_path)
    XR.resolve_duplicate(bureau, "bureau-clerk", ticket.id, keep="other")
    g1, g2 = _gid(t1, Household, h1), _gid(t2, Household, h2)
    with t2.read() as s:
        kept_gid = s.scalar(select(Person.gid).where(Person.name == "王芳"))
    with bureau.read() as s:
        p = s.scalar(select(Person).where(Person.id_number == ticket.id_number))
        hh2 = s.scalar(select(Household).where(Household.gid == g2))
        assert (p.gid, p.household_id, hh2.head_person_id) == (kept_gid, hh2.id, p.id)
        assert hh2.head_name == "王芳" and hh2.member_count == 1
        assert s.scalar(select(Household.status).where(Household.gid == g1)) == "closed"
    _down(sites, "t1", tmp_path / "d1")
    _down(sites, "t2", tmp_path / "d2")
    with t1.read() as s:
        p = s.scalar(select(Person).where(Person.name == "王芳"))
        assert p.household_id is None and s.get(Household, h1).status == "closed"
        [t] = s.scalars(select(DuplicateTicket)).all()
        assert t.status == "resolved" and _number(t2, h2) in t.note
    with t2.read() as s:
        assert s.scalar(select(Person.household_id).where(Person.name == "王芳")) == h2
        [t] = s.scalars(select(DuplicateTicket)).all()
        assert (t.status, t.keep) == ("resolved", "here")
    # a later exchange both ways raises no new ticket and no conflict
    _up(sites, "t2", tmp_path / "u3")
    _up(sites, "t1", tmp_path / "u4")
    assert X.duplicates(bureau) == [] and X.conflicts(bureau) == []


def test_a_head_with_other_members_is_left_for_a_person_to_decide(sites, tmp_path):
    t1, t2, bureau = sites["t1"], sites["t2"], sites["bureau"]
    same = make_id(seq=7)
    _household(t1, "t1-worker", sites["villages"]["t1"], 1, name="王芳", id_number=same)
    h2 = _household(t2, "t2-worker", sites["villages"]["t2"], 1, name="王芳", id_number=same)
    R.add_member(t2, "t2-worker", h2, R.PersonData(name="王小", id_number=make_id(seq=8),
                                                   relation="child"))
    _up(sites, "t1", tmp_path / "u1")
    _up(sites, "t2", tmp_path / "u2")
    [ticket] = X.duplicates(bureau)
    XR.resolve_duplicate(bureau, "bureau-clerk", ticket.id, keep="here")
    _down(sites, "t2", tmp_path / "d2")
    with t2.read() as s:
        assert s.scalar(select(Person.household_id).where(Person.name == "王芳")) == h2
        [t] = s.scalars(select(DuplicateTicket)).all()
        assert t.status == "open" and "变更户主" in t.note


def test_a_ticket_is_resolved_once_and_keep_is_checked(sites, tmp_path):
    ticket, _, _ = _duplicate(sites, tmp_path)
    bureau = sites["bureau"]
    with pytest.raises(Exception) as err:
        XR.resolve_duplicate(bureau, "bureau-clerk", ticket.id, keep="both")
    assert "keep" in str(err.value)
    XR.resolve_duplicate(bureau, "bureau-clerk", ticket.id, keep="here")
    with pytest.raises(StateError):
        XR.resolve_duplicate(bureau, "bureau-clerk", ticket.id, keep="other")


def test_a_township_does_not_send_return_items(sites, tmp_path):
    exported = X.export_package(sites["t1"], "t1-worker", BUREAU, tmp_path)
    assert not {"standard", "roster", "duplicate_outcome"} & set(exported.counts)


def test_the_command_line_lists_and_decides_a_duplicate_ticket(sites, tmp_path, capsys,
                                                               monkeypatch):
    import io

    from assistcase.cli import main

    from ..conftest import PASSWORD

    monkeypatch.setattr("sys.stdin", io.StringIO((PASSWORD + "\n") * 4))
    ticket, h1, _ = _duplicate(sites, tmp_path)
    b_db = sites["bureau"].url   # a file or, on the second engine, a PostgreSQL URL
    assert main(["exchange", "conflicts", "--db", b_db, "--user", "bureau-clerk"]) == 0
    out = capsys.readouterr().out
    assert f"duplicate #{ticket.id} " in out and "王芳" in out
    assert main(["exchange", "resolve-duplicate", str(ticket.id), "--keep", "here",
                 "--db", b_db, "--user", "bureau-clerk"]) == 0
    assert "kept by the household registered here" in capsys.readouterr().out
    [done] = X.duplicates(sites["bureau"], status="resolved")
    assert (done.id, done.keep) == (ticket.id, "here") and X.duplicates(sites["bureau"]) == []
    # deciding it again is refused in words
    assert main(["exchange", "resolve-duplicate", str(ticket.id), "--keep", "other",
                 "--db", b_db, "--user", "bureau-clerk"]) != 0
    assert capsys.readouterr().err.strip()
