"""Payment rosters in the core: building, totals, the freeze (core and database), adjustments,
reissues of failed payments, one-time subsidies, cancellation."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from assistcase.errors import Cancelled, StateError, ValidationError
from assistcase.models import Area, AuditEntry
from assistcase.progress import CancelToken
from assistcase.services import cases as C
from assistcase.services import rosters as R

from ..conftest import ACTOR, demo_city

NOV = dt.date(2026, 11, 1)
DEC = dt.date(2026, 12, 1)
JAN = dt.date(2027, 1, 1)


@pytest.fixture
def city(db):
    demo_city(db, households=400, seed=5, today=dt.date(2026, 11, 22))
    with db.read() as s:
        city = s.scalar(select(Area).where(Area.level == "city"))
        county = s.scalars(select(Area).where(Area.level == "county").order_by(Area.code)).first()
        return {"city": city.id, "county": county.id, "county_code": county.code}


def approved(db, data):
    built = R.build_monthly_roster(db, ACTOR, data)
    R.review_roster(db, "reviewer", built.roster_id)
    R.approve_roster(db, "approver", built.roster_id)
    return built.roster_id


def lines(db, roster_id):
    with db.read() as s:
        return list(R.iter_lines(s, roster_id))


def test_monthly_roster_has_one_line_per_paying_case_and_totals_reconcile(db, city):
    built = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], NOV))
    with db.read() as s:
        expected = s.execute(text(
            "SELECT COUNT(*), SUM(e.amount_fen) FROM entitlements AS e"
            " JOIN households AS h ON h.id = e.household_id JOIN areas AS v ON v.id = h.village_id"
            " WHERE e.month = :m AND e.program = 'dibao' AND e.amount_fen > 0"
            " AND v.code LIKE :p"), {"m": NOV.isoformat(),
                                     "p": city["county_code"][:6] + "%"}).one()
        view = R.roster_view(s, built.roster_id)
        subtotals = R.village_totals(s, built.roster_id)
    got = lines(db, built.roster_id)
    assert expected[0] > 10 and built.lines == view.line_count == len(got) == expected[0]
    assert built.total_fen == view.total_fen == sum(l.amount_fen for l in got) == expected[1]
    assert sum(g.amount_fen for g in subtotals) == view.total_fen
    assert [l.seq for l in got] == list(range(1, len(got) + 1))
    # printing order: township, village, household number
    keys = [(l.township_code, l.village_code, l.household_number) for l in got]
    assert keys == sorted(keys)
    first = got[0]
    assert first.category == "dibao" and first.payee_name and len(first.id_number) == 18
    assert first.amount_fen == first.base_fen > 0 and first.adjust_fen == 0
    assert view.status == "draft" and view.title.endswith("最低生活保障金发放花名册")
    assert view.built_by == ACTOR


def test_a_second_roster_for_an_overlapping_area_is_refused_but_other_programs_are_not(db, city):
    R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], NOV, "dibao", "urban"))
    with pytest.raises(StateError) as err:
        R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["city"], NOV, "dibao"))
    assert "already covers" in str(err.value) and "已有覆盖该区划的花名册" in err.value.message_zh
    # the rural class, the tekun program and another month are separate rosters
    R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], NOV, "dibao", "rural"))
    R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["city"], NOV, "tekun"))
    R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["city"], DEC, "dibao"))


def test_wrong_input_is_refused_with_every_field_named(db, city):
    with db.read() as s:
        village = s.scalar(select(Area.id).where(Area.level == "village"))
    with pytest.raises(ValidationError) as err:
        R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(village, "2026-11", "x", "both"))
    fields = {e.field for e in err.value.errors}
    assert fields == {"area_id", "month", "program", "residence_class"}


def test_states_go_draft_reviewed_approved_and_send_back_needs_a_reason(db, city):
    rid = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], NOV)).roster_id
    with pytest.raises(StateError):
        R.approve_roster(db, "approver", rid)  # not reviewed
    R.review_roster(db, "reviewer", rid)
    with pytest.raises(ValidationError):
        R.reopen_roster(db, ACTOR, rid, " ")
    assert R.reopen_roster(db, ACTOR, rid, "村名有误").status == "draft"
    R.review_roster(db, "reviewer", rid)
    view = R.approve_roster(db, "approver", rid)
    assert view.status == "approved" and view.reviewed_by == "reviewer"
    assert view.approved_by == "approver" and view.approved_at is not None


def test_an_approved_roster_cannot_be_changed_through_the_core(db, city):
    rid = approved(db, R.MonthlyRosterInput(city["county"], NOV))
    line = lines(db, rid)[0]
    for call in (lambda: R.amend_line(db, ACTOR, line.id, 1, "改金额"),
                 lambda: R.rebuild_roster(db, ACTOR, rid),
                 lambda: R.discard_roster(db, ACTOR, rid, "作废"),
                 lambda: R.review_roster(db, "reviewer", rid),
                 lambda: R.reopen_roster(db, ACTOR, rid, "退回")):
        with pytest.raises(StateError) as err:
            call()
        assert "frozen" in str(err.value) and "锁定" in err.value.message_zh
    assert lines(db, rid)[0] == line


@pytest.mark.parametrize("sql", [
    "UPDATE roster_lines SET amount_fen = amount_fen + 100, base_fen = base_fen + 100"
    " WHERE roster_id = :r",
    "UPDATE roster_lines SET payee_name = 'x' WHERE roster_id = :r",
    "DELETE FROM roster_lines WHERE roster_id = :r",
    "INSERT INTO roster_lines (roster_id, seq, category, residence_class, payee_name,"
    " household_size, persons, standard_fen, income_fen, base_fen, adjust_fen, amount_fen,"
    " household_number, township_code, township_name, village_code, village_name, id_number,"
    " account_type, account_number, bank_name, remark)"
    " VALUES (:r, 999, 'dibao', 'urban', 'x', 1, 1, 0, 0, 5, 0, 5, '', '', '', '', '', '',"
    " 'none', '', '', '')",
    "UPDATE rosters SET status = 'draft' WHERE id = :r",
    "UPDATE rosters SET total_fen = 0 WHERE id = :r",
    "DELETE FROM rosters WHERE id = :r",
])
def test_the_database_refuses_sql_that_changes_an_approved_roster(db, db_path, city, sql):
    rid = approved(db, R.MonthlyRosterInput(city["county"], NOV))
    before = lines(db, rid)
    with pytest.raises(IntegrityError, match="frozen"):
        with db.begin() as s:
            s.execute(text(sql), {"r": rid})
    # and from outside the app, through a plain sqlite3 / psycopg connection
    if db.is_postgresql:
        import psycopg

        with psycopg.connect(db.engine.url.set(drivername="postgresql").render_as_string(
                hide_password=False)) as raw:
            with pytest.raises(psycopg.IntegrityError, match="frozen"):
                raw.execute(sql.replace(":r", str(rid)))
    else:
        raw = sqlite3.connect(db_path)
        with pytest.raises(sqlite3.IntegrityError, match="frozen"):
            raw.execute(sql.replace(":r", str(rid)))
        raw.close()
    assert lines(db, rid) == before


def _frozen_insert_trigger(db) -> str | None:
    with db.read() as s:
        return s.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger'"
                              " AND name = :n"), {"n": R.FROZEN_INSERT_TRIGGER}).scalar()


@pytest.mark.sqlite_only
def test_sqlite_lines_checked_once_and_the_frozen_trigger_back_after_a_build(
        db, city, monkeypatch):
    """SQLite writes a month's lines with the frozen-roster INSERT trigger bypassed (checked
    once for the statement instead): the trigger is back, the same SQL, after a build, after
    a build whose lines' INSERT fails, and the check refuses an approved roster."""
    trigger = _frozen_insert_trigger(db)
    assert trigger and "approved" in trigger
    rid = approved(db, R.MonthlyRosterInput(city["county"], NOV))
    assert _frozen_insert_trigger(db) == trigger
    before = lines(db, rid)
    params = {"roster_id": rid, "month": NOV.isoformat(), "program": "dibao",
              "prefix": city["county_code"][:6] + "%", "cls": None}
    with pytest.raises(StateError) as err:
        with db.begin() as s:
            R._insert_monthly_lines_sqlite(s, params)
    assert "frozen" in str(err.value) and "锁定" in err.value.message_zh
    assert lines(db, rid) == before and _frozen_insert_trigger(db) == trigger
    # the lines' INSERT fails inside the bypass: nothing is written, the trigger is there
    monkeypatch.setattr(R, "_MONTHLY_LINES_SQLITE",
                        "INSERT INTO roster_lines (roster_id) SELECT no_such_column")
    with pytest.raises(Exception, match="no_such_column"):
        R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], DEC))
    assert _frozen_insert_trigger(db) == trigger
    with db.read() as s:
        assert s.execute(text("SELECT COUNT(*) FROM rosters")).scalar_one() == 1


def test_a_draft_can_be_amended_and_the_totals_follow(db, city):
    rid = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], NOV)).roster_id
    line = lines(db, rid)[0]
    with db.read() as s:
        total = R.roster_view(s, rid).total_fen
    R.amend_line(db, "reviewer", line.id, line.base_fen + 1_00, "收入核减")
    with db.read() as s:
        assert R.roster_view(s, rid).total_fen == total + 1_00
        notes = s.scalars(select(AuditEntry.new_value).where(
            AuditEntry.entity == "roster_line", AuditEntry.entity_id == line.id)).all()
    assert "收入核减" in notes


def test_a_total_beyond_32_bits_is_kept_to_the_fen(db, city):
    """A city's monthly roster pays some 13.6 billion fen, more than a 32-bit integer holds:
    PostgreSQL refused the build's totals ("integer out of range") until migration 0022."""
    rid = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], NOV)).roster_id
    got = lines(db, rid)
    big = 1_900_000_000   # 19 million yuan on each of 12 lines of the draft
    with db.begin() as s:
        s.execute(text("UPDATE roster_lines SET base_fen = :b, amount_fen = :b WHERE id IN"
                       " (SELECT id FROM roster_lines WHERE roster_id = :r ORDER BY id LIMIT 12)"),
                  {"b": big, "r": rid})
    first = lines(db, rid)[0]
    R.amend_line(db, "reviewer", first.id, first.base_fen + 1, "核对")   # the totals again
    expected = 12 * big + 1 + sum(l.amount_fen for l in got[12:])
    with db.read() as s:
        assert R.roster_view(s, rid).total_fen == expected > 2**31


def test_adjustments_enter_the_next_roster_exactly_once(db, city):
    nov = approved(db, R.MonthlyRosterInput(city["county"], NOV))
    first, second = lines(db, nov)[:2]
    with pytest.raises(ValidationError) as err:
        R.record_adjustment(db, ACTOR, first.id, -(first.amount_fen + 1), "多发")
    assert "at most" in str(err.value)
    plus = R.record_adjustment(db, ACTOR, first.id, 50_00, "漏算老年人加发")
    minus = R.record_adjustment(db, ACTOR, second.id, -10_00, "多发")
    with db.read() as s:
        assert {p.adjustment_id for p in R.pending_carryovers(s)} == {plus, minus}
    dec = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], DEC))
    assert dec.adjustments == 2
    by_case = {l.case_id: l for l in lines(db, dec.roster_id)}
    a, b = by_case[first.case_id], by_case[second.case_id]
    assert (a.adjust_fen, a.amount_fen) == (50_00, a.base_fen + 50_00)
    assert (b.adjust_fen, b.amount_fen) == (-10_00, b.base_fen - 10_00)
    assert "补发2026年11月50.00元" in a.remark and "扣减2026年11月10.00元" in b.remark
    with db.read() as s:
        items = R.line_items(s, a.id)
        assert [(i.kind, i.amount_fen, i.ref_line_id) for i in items] == [
            ("supplement", 50_00, first.id)]
        assert R.pending_carryovers(s) == []
    # discarding the December draft makes them pending again; a rebuilt one takes them again
    R.discard_roster(db, ACTOR, dec.roster_id, "重做")
    with db.read() as s:
        assert len(R.pending_carryovers(s)) == 2
    dec = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], DEC))
    R.review_roster(db, "reviewer", dec.roster_id)
    R.approve_roster(db, "approver", dec.roster_id)
    jan = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], JAN))
    assert jan.adjustments == 0
    assert all(l.adjust_fen == 0 for l in lines(db, jan.roster_id))


def test_an_adjustment_needs_an_approved_roster_and_a_reason(db, city):
    rid = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], NOV)).roster_id
    line = lines(db, rid)[0]
    with pytest.raises(StateError):
        R.record_adjustment(db, ACTOR, line.id, 1_00, "补发")
    with pytest.raises(ValidationError) as err:
        R.record_adjustment(db, ACTOR, line.id, 0, "")
    assert {e.field for e in err.value.errors} == {"amount_fen", "reason"}


def test_a_failed_payment_is_reissued_exactly_once_even_after_the_case_ended(db, city):
    nov = approved(db, R.MonthlyRosterInput(city["county"], NOV))
    first, second = lines(db, nov)[:2]
    # the second household's case ends in November: no December line of its own
    C.terminate_case(db, ACTOR, second.case_id, dt.date(2026, 11, 20), "迁出")
    R.record_bank_returns(db, ACTOR, nov, "return.xlsx", "a" * 64, [
        R.PaymentOutcome(first.id, "failed", "账户已销户"),
        R.PaymentOutcome(second.id, "failed", "户名不符")])
    dec = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], DEC))
    assert dec.reissues == 2
    dec_lines = lines(db, dec.roster_id)
    a = [l for l in dec_lines if l.case_id == first.case_id]
    b = [l for l in dec_lines if l.case_id == second.case_id]
    assert len(a) == 1 and a[0].amount_fen == a[0].base_fen + first.amount_fen
    assert len(b) == 1 and (b[0].base_fen, b[0].amount_fen) == (0, second.amount_fen)
    assert b[0].persons == 0 and "重发2026年11月" in b[0].remark
    assert [l.seq for l in dec_lines] == list(range(1, len(dec_lines) + 1))
    R.review_roster(db, "reviewer", dec.roster_id)
    R.approve_roster(db, "approver", dec.roster_id)
    jan = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], JAN))
    assert jan.reissues == 0
    # the bank cannot now report the reissued payment as paid after all
    with pytest.raises(ValidationError) as err:
        R.record_bank_returns(db, ACTOR, nov, "late.xlsx", "b" * 64,
                              [R.PaymentOutcome(first.id, "paid", where="late.xlsx row 2")])
    assert "late.xlsx row 2" in str(err.value) and "reissued" in str(err.value)


def test_bank_returns_are_all_or_nothing_and_a_file_is_imported_once(db, city):
    nov = approved(db, R.MonthlyRosterInput(city["county"], NOV))
    first, second = lines(db, nov)[:2]
    with pytest.raises(ValidationError):
        R.record_bank_returns(db, ACTOR, nov, "r.xlsx", "c" * 64, [
            R.PaymentOutcome(first.id, "paid"), R.PaymentOutcome(second.id, "failed", "")])
    with db.read() as s:
        assert s.execute(text("SELECT COUNT(*) FROM payment_results")).scalar_one() == 0
    R.record_bank_returns(db, ACTOR, nov, "r.xlsx", "c" * 64,
                          [R.PaymentOutcome(first.id, "paid")])
    with pytest.raises(StateError, match="already been imported"):
        R.record_bank_returns(db, ACTOR, nov, "r.xlsx", "c" * 64,
                              [R.PaymentOutcome(first.id, "paid")])
    draft = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], DEC))
    with pytest.raises(StateError, match="not approved"):
        R.record_bank_returns(db, ACTOR, draft.roster_id, "d.xlsx", "d" * 64, [])


def test_one_time_subsidy_pays_the_amount_to_every_covered_person(db, city):
    built = R.build_one_time_roster(db, ACTOR, R.OneTimeInput(city["city"], dt.date(2026, 11, 5),
                                                              210_00,
                                                              purpose="2026年一次性生活补贴"))
    with db.read() as s:
        persons = s.execute(text(
            "SELECT COUNT(*) FROM case_members AS cm JOIN assistance_cases AS c"
            " ON c.id = cm.case_id WHERE c.paid_from <= :m"
            " AND (c.paid_until IS NULL OR c.paid_until > :m)"), {"m": NOV.isoformat()}
        ).scalar_one()
        view = R.roster_view(s, built.roster_id)
    got = lines(db, built.roster_id)
    assert persons > 50 and view.person_count == persons
    assert view.total_fen == 210_00 * persons == sum(l.amount_fen for l in got)
    assert {l.category for l in got} == {"dibao", "tekun"}
    assert all(l.amount_fen == 210_00 * l.persons for l in got)
    assert view.title.endswith("2026年一次性生活补贴发放花名册（2026年11月5日发放）")
    with pytest.raises(ValidationError) as err:
        R.build_one_time_roster(db, ACTOR, R.OneTimeInput(city["city"], dt.date(2026, 11, 5), 0,
                                                          ("orphans",)))
    assert {e.field for e in err.value.errors} == {"amount_per_person_fen", "categories",
                                                   "purpose"}


def test_cancelling_a_build_writes_nothing(db, city):
    with db.read() as s:
        before = s.execute(text("SELECT COUNT(*), COALESCE(SUM(amount_fen), 0)"
                                " FROM entitlements")).one()
    token = CancelToken()

    def progress(fraction, _message):
        if fraction >= 0.5:
            token.cancel()

    with pytest.raises(Cancelled):
        R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], NOV),
                               progress=progress, cancel=token)
    with db.read() as s:
        assert s.execute(text("SELECT COUNT(*) FROM rosters")).scalar_one() == 0
        assert s.execute(text("SELECT COUNT(*) FROM roster_lines")).scalar_one() == 0
        assert s.execute(text("SELECT COUNT(*), COALESCE(SUM(amount_fen), 0)"
                              " FROM entitlements")).one() == before


def test_every_step_is_in_the_audit_log(db, city):
    rid = approved(db, R.MonthlyRosterInput(city["county"], NOV))
    with db.read() as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.new_value).where(
            AuditEntry.entity == "roster", AuditEntry.entity_id == rid).order_by(AuditEntry.id)).all()
    assert [a for a, _ in rows] == ["build", "update", "update"]
    assert [v for _, v in rows][1:] == ["reviewed", "approved"]


def test_a_roster_recomputes_only_its_own_program(db, city):
    from assistcase.services.recalc import recalculate_area

    recalculate_area(db, ACTOR, city["county"], NOV)
    with db.begin() as s:  # mark the extreme-hardship rows: a dibao build must leave them
        s.execute(text("UPDATE entitlements SET computed_at = '2000-01-01 00:00:00'"
                       " WHERE month = :m"), {"m": NOV.isoformat()})
        # an income written since: the build computes its program's entitlements again
        # (with nothing changed it pays them as computed: test_entitlement_marks.py)
        s.execute(text("UPDATE incomes SET monthly_fen = monthly_fen"))
    R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city["county"], NOV, "dibao"))
    with db.read() as s:
        stamps = dict(s.execute(text(
            "SELECT program, MIN(CASE WHEN computed_at = '2000-01-01 00:00:00' THEN 1 ELSE 0 END)"
            " FROM entitlements"
            " WHERE month = :m GROUP BY program"), {"m": NOV.isoformat()}).all())
    assert stamps == {"dibao": 0, "tekun": 1}


def test_cases_without_a_standard_are_skipped_and_counted(db, city):
    """A month's recalculation counts the cases it paid and those whose county has no
    standard in force (here: no rural dibao standard anywhere), on both engines."""
    from assistcase.services.recalc import recalculate_area

    paid = ("FROM assistance_cases AS c JOIN households AS h ON h.id = c.household_id"
            " WHERE c.paid_from <= :m AND (c.paid_until IS NULL OR c.paid_until > :m)")
    with db.begin() as s:
        s.execute(text("DELETE FROM standards WHERE residence_class = 'rural' AND kind = 'dibao'"))
        every = s.scalar(text(f"SELECT COUNT(*) {paid}"), {"m": NOV})
        unpriced = s.scalar(text(f"SELECT COUNT(*) {paid} AND h.residence_class = 'rural'"
                                 " AND c.program = 'dibao'"), {"m": NOV})
    assert 0 < unpriced < every
    result = recalculate_area(db, ACTOR, city["city"], NOV)
    assert (result.cases, result.skipped_no_standard) == (every - unpriced, unpriced)
    with db.read() as s:
        assert s.scalar(text("SELECT COUNT(*) FROM entitlements WHERE month = :m"),
                        {"m": NOV}) == every - unpriced
