"""A township's first package into a bureau that holds none of its records is written
set-based (services/exchange._FirstPackage, through the registry's BulkWriter): the bureau
ends up exactly as record by record, on both engines, with one audit row for the package."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from assistcase.demo import generate_demo
from assistcase.models import Area, AuditEntry, Base, Household, Person
from assistcase.services import exchange as X
from assistcase.services import registry as R
from assistcase.services.registry import HouseholdData, PersonData

from ..conftest import ACTOR
from .test_exchange import BUREAU, _copy, _townships
from .test_head_id_number import mismatches

# Columns that differ between two correct imports: ids, the times they ran, and the
# households' optimistic-lock counter (the record-by-record path flushes a new household
# several times: head, summary).
SKIP = {"id", "created_at", "updated_at", "at", "resolved_at", "version"}
TABLES = ("households", "persons", "incomes", "property_items", "person_search_keys",
          "household_memberships", "sync_base", "duplicate_tickets")


def _township(template, path, code, households=40):
    """A township laptop whose registry is a small demo placed in its own villages, with one
    household closed and one head's ID number also registered at the bureau (below)."""
    town = _copy(template, path)
    generate_demo(town, ACTOR, households=households, seed=11)
    with town.begin() as s:
        township = s.scalar(select(Area).where(Area.code == code))
        villages = list(s.scalars(select(Area.id).where(Area.parent_id == township.id)
                                  .order_by(Area.code)))
        for i, hid in enumerate(s.scalars(select(Household.id).order_by(Household.id))):
            s.execute(text("UPDATE households SET village_id = :v WHERE id = :h"),
                      {"v": villages[i % len(villages)], "h": hid})
        s.execute(text("UPDATE households SET status = 'closed', closed_on = '2024-03-01', "
                       "closed_reason = 'test' WHERE id = (SELECT min(id) FROM households "
                       "WHERE status = 'active')"))
        shared = s.scalar(select(Person.id_number).join(
            Household, Household.head_person_id == Person.id).order_by(Household.id.desc())
            .limit(1))
    X.setup_site(town, "worker", code, "乡", "township", code)
    return town, shared


def _bureau(db, code, other_village, shared_id):
    X.setup_site(db, ACTOR, BUREAU, "局", "bureau", "411400000000")
    key = X.register_township(db, ACTOR, code, "乡", code)
    # the same person already registered in another township: a duplicate ticket
    R.create_household(db, ACTOR, HouseholdData(
        village_id=other_village, residence_class="rural", address="别处", phone="",
        account_type="none"), [PersonData(name="重复人", id_number=shared_id, relation="head")])
    return key


def _state(db, code) -> dict[str, list]:
    """The bureau's rows for the township's records, ids replaced by global ids (and area
    codes), typed values as the models declare them: comparable across engines."""
    out: dict[str, list] = {}
    with db.read() as s:
        gid_of = {t: dict(s.execute(text(f"SELECT id, gid FROM {t}")).all())
                  for t in ("households", "persons")}
        area_code = dict(s.execute(select(Area.id, Area.code)).all())
        refs = {"household_id": gid_of["households"], "person_id": gid_of["persons"],
                "head_person_id": gid_of["persons"], "village_id": area_code}
        ours = set(s.scalars(select(Household.gid).where(Household.origin_site == code)))
        our_persons = set(s.scalars(select(Person.gid).join(
            Household, Household.id == Person.household_id).where(Household.origin_site == code)))
        for name in TABLES:
            table = Base.metadata.tables[name]
            rows = []
            for row in s.execute(select(table)):
                d = {c: (refs[c].get(v) if c in refs and v is not None else v)
                     for c, v in row._mapping.items() if c not in SKIP}
                if name == "households" and d["gid"] not in ours:
                    continue
                if name in ("persons", "incomes", "property_items", "household_memberships") \
                        and d["household_id"] not in ours:
                    continue
                if name == "person_search_keys" and d["person_id"] not in our_persons:
                    continue
                if name == "duplicate_tickets":
                    d.pop("person_gid"), d.pop("household_gid")   # the bureau's own person
                rows.append(repr(sorted(d.items())))
            out[name] = sorted(rows)
    return out


def _indexes(db) -> list[tuple[str, str]]:
    """Every index of the database with its definition."""
    with db.read() as s:
        if db.is_postgresql:
            q = ("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                 " ORDER BY indexname")
        else:
            q = ("SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index'"
                 " ORDER BY name")
        return [tuple(r) for r in s.execute(text(q))]


def test_a_first_package_written_set_based_equals_record_by_record(db, tmp_path,
                                                                    _areas_template):
    (code, _), (_, other_village) = _townships(db)
    town, shared = _township(_areas_template, tmp_path / "t.sqlite3", code)
    slow = _copy(_areas_template, tmp_path / "slow.sqlite3")
    keys = [_bureau(b, code, other_village, shared) for b in (db, slow)]
    X.join_bureau(town, "worker", BUREAU, "局", keys[0])
    package = X.export_package(town, "worker", BUREAU, tmp_path / "usb")
    assert package.counts["household"] == 40 and package.counts["income"] > 0
    # the slow bureau gets the same package sealed with its own key
    with slow.begin() as s:
        s.execute(text("UPDATE exchange_sites SET key_b64 = :k WHERE code = :c"),
                  {"k": keys[0], "c": code})
    with db.read() as s:
        audit_before = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))

    indexes = _indexes(db)
    fast = X.import_package(db, ACTOR, package.path)
    by_record = X.import_package(slow, ACTOR, package.path, set_based=False)

    assert fast.set_based and not by_record.set_based
    assert fast.created == by_record.created and fast.created["person"] > 40
    assert fast.duplicates == by_record.duplicates == 1
    a, b = _state(db, code), _state(slow, code)
    for name in TABLES:   # rows only one way, shown side by side
        assert sorted(set(a[name]) ^ set(b[name])) == [], name
    assert len(a["households"]) == 40 and a["household_memberships"]
    # each household's head_id_number is its head's (migration 0028; the bulk path fills it)
    for d in (db, slow, town):
        assert mismatches(d) == 0
    with db.read() as s:
        assert s.scalar(text("SELECT count(*) FROM households WHERE head_person_id IS NOT NULL"
                             " AND head_id_number <> ''")) >= 40
    # the indexes dropped for the write (SQLite) are all back, as they were
    assert _indexes(db) == indexes and any("search_keys" in n for n, _ in indexes)
    # one audit row for the whole package, naming the counts
    with db.read() as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.id > audit_before)))
    assert [(r.action, r.entity) for r in rows] == [("import", "exchange_package")]
    assert "set-based" in rows[0].new_value and json.dumps(40) in rows[0].new_value
    # the bureau's records are synced, and its return package merges at the township
    with db.read() as s:
        ids = list(s.scalars(select(Household.id).where(Household.origin_site == code)))
    assert set(X.sync_state(db, "household", ids).values()) == {"synced"}
    back = X.export_package(db, ACTOR, code, tmp_path / "back")
    got = X.import_package(town, "worker", back.path)
    assert not got.created.get("household") and got.conflicts == 0
    for d in (town, slow):
        d.dispose()
