"""Township ↔ bureau exchange (issue 15): packages both ways, refusals, idempotence, merging
per field, conflicts with both values and authors, duplicate tickets across townships."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil

import pytest
from sqlalchemy import select, text

from assistcase.db import open_database
from assistcase.models import Area, Household, Person
from assistcase.security.package import PackageError
from assistcase.services import exchange as X
from assistcase.services import registry as R
from assistcase.services.registry import HouseholdData, PersonData

from ..conftest import make_id

BUREAU = "411400"


EXCHANGE_USERS = ("bureau-clerk", "t1-worker", "t2-worker", "worker")


def _copy(template, path):
    """A site's own database: the areas template with the sites' clerks registered (every
    role over the whole database, as the other test users)."""
    from assistcase.services import auth

    from ..conftest import ACTOR, ALL_ROLES, PASSWORD

    shutil.copyfile(template, path)
    db = open_database(path)
    for name in EXCHANGE_USERS:
        auth.create_user(db, ACTOR, name, name, PASSWORD, [(r, None) for r in ALL_ROLES])
    db.signed_in = ACTOR
    return db


def _townships(db, n=2):
    with db.read() as s:
        rows = s.execute(select(Area.code, Area.id).where(Area.level == "township")
                         .order_by(Area.code).limit(n)).all()
        out = []
        for code, area_id in rows:
            village = s.scalar(select(Area.id).where(Area.parent_id == area_id)
                               .order_by(Area.code).limit(1))
            out.append((code, village))
        return out


def register_townships(bureau, template, tmp_path) -> dict:
    """The bureau's site and two townships (SQLite files copied from ``template``) registered
    with it: {"bureau", "t1", "t2", "villages": {name: village}, "t1_code", "t2_code"}."""
    (t1_code, v1), (t2_code, v2) = _townships(bureau)
    X.setup_site(bureau, "bureau-clerk", BUREAU, "商丘市民政局", "bureau", "411400000000")
    out = {"bureau": bureau, "villages": {}}
    for name, code, village in (("t1", t1_code, v1), ("t2", t2_code, v2)):
        key = X.register_township(bureau, "bureau-clerk", code, name, code)
        town = _copy(template, tmp_path / f"{name}.sqlite3")
        X.setup_site(town, f"{name}-worker", code, name, "township", code)
        X.join_bureau(town, f"{name}-worker", BUREAU, "商丘市民政局", key)
        out[name] = town
        out["villages"][name] = village
        out[name + "_code"] = code
    return out


@pytest.fixture
def sites(tmp_path, _areas_template):
    """A bureau and two townships, each a SQLite file of its own, registered with each other."""
    out = register_townships(_copy(_areas_template, tmp_path / "bureau.sqlite3"),
                             _areas_template, tmp_path)
    yield out
    for k in ("bureau", "t1", "t2"):
        out[k].dispose()


def _household(db, actor, village, seq, name="张伟", id_number=None):
    result = R.create_household(db, actor, HouseholdData(
        village_id=village, residence_class="rural", address="村东头", phone="13800000000",
        account_type="none"), [PersonData(name=name, id_number=id_number or make_id(seq=seq),
                                          relation="head")])
    return result.created_id


def _fingerprint(db) -> str:
    h = hashlib.sha256()
    with db.read() as s:
        for table in ("households", "persons", "incomes", "property_items", "sync_base",
                      "sync_conflicts", "duplicate_tickets", "exchange_packages",
                      "exchange_sites", "audit_log", "person_search_keys"):
            for row in s.execute(text(f"SELECT * FROM {table} ORDER BY 1")):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def _send(src, actor, to, folder, dst, dst_actor):
    exported = X.export_package(src, actor, to, folder)
    return exported, X.import_package(dst, dst_actor, exported.path)


def test_a_township_household_reaches_the_bureau_with_its_global_id(sites, tmp_path):
    t1, bureau = sites["t1"], sites["bureau"]
    hid = _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    exported, result = _send(t1, "t1-worker", BUREAU, tmp_path / "usb", bureau, "bureau-clerk")
    assert exported.counts["household"] == 1 and exported.counts["person"] == 1
    assert result.created == {"household": 1, "person": 1}
    with t1.read() as s:
        gid, number = s.execute(select(Household.gid, Household.number)
                                .where(Household.id == hid)).one()
    with bureau.read() as s:
        hh = s.scalar(select(Household).where(Household.gid == gid))
        assert hh.number == number and hh.origin_site == sites["t1_code"]
        assert hh.head_name == "张伟" and hh.member_count == 1
        head = s.get(Person, hh.head_person_id)
        assert head.id_number_rev == head.id_number[::-1]
    assert X.sync_state(t1, "household", [hid]) == {hid: "pending"}  # not yet confirmed


def test_the_same_package_twice_changes_nothing(sites, tmp_path):
    t1, bureau = sites["t1"], sites["bureau"]
    _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    exported, first = _send(t1, "t1-worker", BUREAU, tmp_path, bureau, "bureau-clerk")
    assert first.created
    before = _fingerprint(bureau)
    again = X.import_package(bureau, "bureau-clerk", exported.path)
    assert again.already_imported and not again.created
    assert _fingerprint(bureau) == before


@pytest.mark.parametrize("damage, reason, words", [
    ("byte", "altered", "altered"),
    ("truncate", "truncated", "truncated"),
])
def test_a_damaged_package_is_refused_whole(sites, tmp_path, damage, reason, words):
    t1, bureau = sites["t1"], sites["bureau"]
    _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    exported = X.export_package(t1, "t1-worker", BUREAU, tmp_path)
    data = bytearray(exported.path.read_bytes())
    if damage == "byte":
        data[len(data) - 40] ^= 0x01
    else:
        data = data[: len(data) // 2]
    exported.path.write_bytes(bytes(data))
    before = _fingerprint(bureau)
    with pytest.raises(PackageError) as err:
        X.import_package(bureau, "bureau-clerk", exported.path)
    assert err.value.reason == reason and words in str(err.value)
    assert _fingerprint(bureau) == before


def test_a_changed_manifest_is_refused_as_altered(sites, tmp_path):
    t1, bureau = sites["t1"], sites["bureau"]
    _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    exported = X.export_package(t1, "t1-worker", BUREAU, tmp_path)
    data = exported.path.read_bytes().replace(b'"seq": 1', b'"seq": 2')
    assert data != exported.path.read_bytes()
    exported.path.write_bytes(data)
    # seq 2 would be out of sequence, but the manifest is authenticated: altered wins
    with pytest.raises(PackageError) as err:
        X.import_package(bureau, "bureau-clerk", exported.path)
    assert err.value.reason in ("altered", "out_of_sequence")


def test_a_package_for_another_site_is_refused(sites, tmp_path):
    t1, t2, bureau = sites["t1"], sites["t2"], sites["bureau"]
    _household(bureau, "bureau-clerk", sites["villages"]["t1"], 1)
    exported = X.export_package(bureau, "bureau-clerk", sites["t1_code"], tmp_path)
    before = _fingerprint(t2)
    with pytest.raises(PackageError) as err:
        X.import_package(t2, "t2-worker", exported.path)
    assert err.value.reason == "other_site" and sites["t1_code"] in str(err.value)
    assert _fingerprint(t2) == before


def test_a_package_out_of_sequence_is_refused_then_taken_in_order(sites, tmp_path):
    t1, bureau = sites["t1"], sites["bureau"]
    _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    first = X.export_package(t1, "t1-worker", BUREAU, tmp_path / "a")
    _household(t1, "t1-worker", sites["villages"]["t1"], 3, name="李娜")
    second = X.export_package(t1, "t1-worker", BUREAU, tmp_path / "b")
    before = _fingerprint(bureau)
    with pytest.raises(PackageError) as err:
        X.import_package(bureau, "bureau-clerk", second.path)
    assert err.value.reason == "out_of_sequence" and "package 1 comes next" in str(err.value)
    assert _fingerprint(bureau) == before
    X.import_package(bureau, "bureau-clerk", first.path)
    X.import_package(bureau, "bureau-clerk", second.path)
    with bureau.read() as s:
        assert s.scalar(select(Household.id).where(Household.head_name == "李娜")) is not None


def _round_trip(sites, tmp_path, n):
    """Township → bureau and bureau → township once, so both sides share a base."""
    t1, bureau = sites["t1"], sites["bureau"]
    _send(t1, "t1-worker", BUREAU, tmp_path / f"u{n}", bureau, "bureau-clerk")
    _send(bureau, "bureau-clerk", sites["t1_code"], tmp_path / f"d{n}", t1, "t1-worker")


def _bureau_household(sites, gid):
    with sites["bureau"].read() as s:
        return s.scalar(select(Household).where(Household.gid == gid))


def test_edits_of_different_fields_on_both_sides_merge_without_conflict(sites, tmp_path):
    t1, bureau = sites["t1"], sites["bureau"]
    hid = _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    _round_trip(sites, tmp_path, 1)
    with t1.read() as s:
        gid = s.get(Household, hid).gid
    bid = _bureau_household(sites, gid).id
    R.update_household(t1, "t1-worker", hid, {"phone": "13911112222"})
    R.update_household(bureau, "bureau-clerk", bid, {"account_type": "passbook",
                                                     "bank_name": "中国农业银行",
                                                     "account_number": "6228480000000000000"})
    up, res_up = _send(t1, "t1-worker", BUREAU, tmp_path / "u2", bureau, "bureau-clerk")
    down, res_down = _send(bureau, "bureau-clerk", sites["t1_code"], tmp_path / "d2", t1,
                           "t1-worker")
    assert res_up.conflicts == 0 and res_down.conflicts == 0
    for db, ident in ((t1, hid), (bureau, bid)):
        with db.read() as s:
            hh = s.get(Household, ident)
            assert (hh.phone, hh.bank_name, hh.account_number) == (
                "13911112222", "中国农业银行", "6228480000000000000")
    assert X.conflicts(t1) == [] and X.conflicts(bureau) == []


def test_the_same_field_on_both_sides_is_a_conflict_with_both_values_and_authors(sites,
                                                                                 tmp_path):
    t1, bureau = sites["t1"], sites["bureau"]
    hid = _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    _round_trip(sites, tmp_path, 1)
    with t1.read() as s:
        gid = s.get(Household, hid).gid
    bid = _bureau_household(sites, gid).id
    R.update_household(t1, "t1-worker", hid, {"phone": "13911112222"})
    R.update_household(bureau, "bureau-clerk", bid, {"phone": "13722223333"})
    _, result = _send(t1, "t1-worker", BUREAU, tmp_path / "u2", bureau, "bureau-clerk")
    assert result.conflicts == 1
    [c] = X.conflicts(bureau)
    assert (c.field, c.local_value, c.remote_value) == ("phone", "13722223333", "13911112222")
    assert (c.local_by, c.remote_by) == ("bureau-clerk", "t1-worker")
    assert c.base_value == "13800000000"
    # until decided, the bureau keeps its own value and the record is marked
    assert _bureau_household(sites, gid).phone == "13722223333"
    assert X.sync_state(bureau, "household", [bid]) == {bid: "conflict"}
    # the bureau takes the township's value; the decision travels back
    X.resolve_conflict(bureau, "bureau-clerk", c.id, "remote")
    _send(bureau, "bureau-clerk", sites["t1_code"], tmp_path / "d2", t1, "t1-worker")
    _send(t1, "t1-worker", BUREAU, tmp_path / "u3", bureau, "bureau-clerk")
    assert _bureau_household(sites, gid).phone == "13911112222"
    with t1.read() as s:
        assert s.get(Household, hid).phone == "13911112222"
    assert X.conflicts(t1) == [] and X.conflicts(bureau) == []
    assert X.sync_state(t1, "household", [hid]) == {hid: "synced"}


def test_an_id_registered_in_two_townships_becomes_one_duplicate_ticket(sites, tmp_path):
    t1, t2, bureau = sites["t1"], sites["t2"], sites["bureau"]
    same = make_id(seq=7)
    _household(t1, "t1-worker", sites["villages"]["t1"], 1, name="王芳", id_number=same)
    _household(t2, "t2-worker", sites["villages"]["t2"], 1, name="王芳", id_number=same)
    _send(t1, "t1-worker", BUREAU, tmp_path / "a", bureau, "bureau-clerk")
    exported, result = _send(t2, "t2-worker", BUREAU, tmp_path / "b", bureau, "bureau-clerk")
    assert result.duplicates == 1
    [ticket] = X.duplicates(bureau)
    assert ticket.id_number == same and ticket.other_site == sites["t2_code"]
    with bureau.read() as s:
        assert s.scalar(select(Person.id).where(Person.id_number == same)) is not None
        assert len(s.scalars(select(Person).where(Person.id_number == same)).all()) == 1
    # the same package again: still one ticket
    X.import_package(bureau, "bureau-clerk", exported.path)
    assert len(X.duplicates(bureau)) == 1


def test_status_counts_what_waits_to_be_sent(sites, tmp_path):
    t1, bureau = sites["t1"], sites["bureau"]
    hid = _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    assert X.status(t1).waiting[BUREAU] == {"household": 1}
    _round_trip(sites, tmp_path, 1)
    _send(t1, "t1-worker", BUREAU, tmp_path / "u2", bureau, "bureau-clerk")
    assert X.status(t1).waiting[BUREAU] == {}
    R.update_household(t1, "t1-worker", hid, {"address": "村西头"})
    assert X.status(t1).waiting[BUREAU] == {"household": 1}
    assert X.sync_state(t1, "household", [hid]) == {hid: "pending"}
    assert dt.date.today()  # the dates are the machine's; nothing here depends on them


def test_the_command_line_exports_imports_and_lists(sites, tmp_path, capsys, monkeypatch):
    import io

    from assistcase.cli import main

    from ..conftest import PASSWORD

    # each command signs in (issue 13): the password read from standard input
    monkeypatch.setattr("sys.stdin", io.StringIO((PASSWORD + "\n") * 10))

    t1, bureau = sites["t1"], sites["bureau"]
    _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    t1_db, b_db = str(t1.path), str(bureau.path)
    usb = tmp_path / "usb"
    assert main(["exchange", "export", "--to", BUREAU, str(usb), "--db", t1_db,
                 "--user", "t1-worker"]) == 0
    out = capsys.readouterr().out
    assert "package 1 written" in out and '"household": 1' in out
    [package] = usb.glob("*.acx")
    assert main(["exchange", "import", str(package), "--db", b_db, "--user", "bureau-clerk"]) == 0
    assert "package 1 imported: created" in capsys.readouterr().out
    assert main(["exchange", "import", str(package), "--db", b_db, "--user", "bureau-clerk"]) == 0
    assert "imported before: nothing changed" in capsys.readouterr().out
    package.write_bytes(package.read_bytes()[:100])
    assert main(["exchange", "import", str(package), "--db", b_db, "--user", "bureau-clerk"]) == 2
    assert "truncated" in capsys.readouterr().err
    assert main(["exchange", "status", "--db", b_db, "--user", "bureau-clerk"]) == 0
    out = capsys.readouterr().out
    assert f"site {BUREAU} (bureau)" in out and "received from" in out


def test_a_household_registered_separately_on_both_sides_is_refused_in_words(sites, tmp_path):
    """The bureau and the township each registered a household in the same village: both
    got the same household number, as two records. The package is refused whole, naming the
    household, instead of failing on the database's unique number."""
    t1, bureau = sites["t1"], sites["bureau"]
    village = sites["villages"]["t1"]
    _household(t1, "t1-worker", village, 1)
    _household(bureau, "bureau-clerk", village, 3, name="李四")
    with t1.read() as s:
        number = s.scalar(select(Household.number))
    with bureau.read() as s:
        assert s.scalar(select(Household.number)) == number    # the same number, twice
    before = _fingerprint(bureau)
    exported = X.export_package(t1, "t1-worker", BUREAU, tmp_path / "usb")
    with pytest.raises(PackageError) as refused:
        X.import_package(bureau, "bureau-clerk", exported.path)
    assert refused.value.reason == "number_taken"
    assert f"household {number}" in refused.value.message_en
    assert f"户 {number}" in refused.value.message("zh")
    assert _fingerprint(bureau) == before


def test_a_disputed_value_is_not_sent_back_before_the_decision(sites, tmp_path):
    """Both sides change the phone: a conflict at the bureau. Until the bureau decides, its
    return package does not carry its phone (the township keeps its own, as the bureau keeps
    its own), and the township's change sent again neither overwrites the bureau's value nor
    makes a second conflict. The decision then brings both sites to the kept value."""
    t1, bureau = sites["t1"], sites["bureau"]
    hid = _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    _send(t1, "t1-worker", BUREAU, tmp_path / "up", bureau, "bureau-clerk")
    _send(bureau, "bureau-clerk", sites["t1_code"], tmp_path / "down", t1, "t1-worker")
    with t1.read() as s:
        gid = s.get(Household, hid).gid
    with bureau.read() as s:
        bid = s.scalar(select(Household.id).where(Household.gid == gid))
    R.update_household(t1, "t1-worker", hid, {"phone": "13911112222"})
    R.update_household(bureau, "bureau-clerk", bid, {"phone": "13722223333",
                                                     "address": "局里改的地址"})
    _, got = _send(t1, "t1-worker", BUREAU, tmp_path / "up", bureau, "bureau-clerk")
    assert got.conflicts == 1

    def phones():
        with t1.read() as s, bureau.read() as b:
            return s.get(Household, hid).phone, b.get(Household, bid).phone

    # the bureau's package carries its address, not its disputed phone
    _send(bureau, "bureau-clerk", sites["t1_code"], tmp_path / "down", t1, "t1-worker")
    with t1.read() as s:
        assert s.get(Household, hid).address == "局里改的地址"
    assert phones() == ("13911112222", "13722223333")
    # the township's change again (unconfirmed, or edited again): still one open conflict
    R.update_household(t1, "t1-worker", hid, {"phone": "13911113333"})
    _send(t1, "t1-worker", BUREAU, tmp_path / "up", bureau, "bureau-clerk")
    assert phones() == ("13911113333", "13722223333")
    [c] = X.conflicts(bureau)
    assert (c.local_value, c.remote_value) == ("13722223333", "13911113333")
    # decided at the bureau: both sites hold the kept value
    X.resolve_conflict(bureau, "bureau-clerk", c.id, "local")
    _send(bureau, "bureau-clerk", sites["t1_code"], tmp_path / "down", t1, "t1-worker")
    assert phones() == ("13722223333", "13722223333")
    assert X.conflicts(bureau) == [] and X.conflicts(t1) == []
