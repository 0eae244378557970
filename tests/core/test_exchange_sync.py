"""Synchronise now (issue 15, item 5): a township reaching its bureau's database (both engines
for the bureau) runs the file protocol over the connection: its changes arrive, the bureau's
come back in the same run, an interrupted run is finished by the next one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assistcase.errors import StateError
from assistcase.models import Household
from assistcase.services import exchange as X
from assistcase.services import registry as R
from assistcase.services.exchange_sync import synchronise
from assistcase.services.sync_state import household_sync_states

from ..conftest import ACTOR
from .test_exchange import BUREAU, _copy, _household, _townships, sites  # noqa: F401


@pytest.fixture
def pair(db, tmp_path, _areas_template):
    """The bureau (``db``: SQLite or PostgreSQL) and one township laptop joined to it."""
    (code, _), = _townships(db, 1)
    X.setup_site(db, ACTOR, BUREAU, "商丘市民政局", "bureau", "411400000000")
    key = X.register_township(db, ACTOR, code, "乡", code)
    town = _copy(_areas_template, tmp_path / "town.sqlite3")
    X.setup_site(town, "worker", code, "乡", "township", code)
    X.join_bureau(town, "worker", BUREAU, "商丘市民政局", key)
    with town.read() as s:
        from assistcase.models import Area
        township = s.scalar(select(Area.id).where(Area.code == code))
        village = s.scalar(select(Area.id).where(Area.parent_id == township).limit(1))
    yield town, db, village
    town.dispose()


def _at_bureau(bureau, gid):
    with bureau.read() as s:
        return s.scalar(select(Household).where(Household.gid == gid))


def test_synchronise_sends_ours_and_brings_back_the_bureaus_in_one_run(pair, tmp_path):
    town, bureau, village = pair
    hid = _household(town, "worker", village, 1)
    folder = tmp_path / "exchange"
    first = synchronise(town, "worker", bureau, ACTOR, folder)
    assert first.sent.counts["household"] == 1
    assert [r.created for r in first.delivered] == [{"household": 1, "person": 1}]
    assert len(first.received) == 1 and first.received[0].seq == first.returned.seq
    with town.read() as s:
        gid = s.get(Household, hid).gid
        # the bureau's return package confirmed ours: nothing waits, the list shows synced
        assert household_sync_states(s, [hid]) == {hid: "synced"}
    assert _at_bureau(bureau, gid).phone == "13800000000"

    # a change on each side, to different fields: one run carries both, no conflict
    R.update_household(town, "worker", hid, {"address": "村西头"})
    bid = _at_bureau(bureau, gid).id
    R.update_household(bureau, ACTOR, bid, {"phone": "13722223333"})
    with town.read() as s:
        assert household_sync_states(s, [hid]) == {hid: "pending"}
    second = synchronise(town, "worker", bureau, ACTOR, folder)
    assert second.delivered[0].updated == {"household": 1}
    assert second.received[0].updated == {"household": 1}
    assert second.delivered[0].conflicts == 0 and second.received[0].conflicts == 0
    with town.read() as s:
        hh = s.get(Household, hid)
        assert (hh.address, hh.phone) == ("村西头", "13722223333")
    assert (_at_bureau(bureau, gid).address, _at_bureau(bureau, gid).phone) == (
        "村西头", "13722223333")
    # the packages are kept in the folder, named as files carried by hand
    names = sorted(p.name for p in folder.iterdir())
    assert names[0].endswith("-00001.acx") and len(names) == 4


def test_a_run_interrupted_after_writing_is_finished_by_the_next(pair, tmp_path):
    town, bureau, village = pair
    folder = tmp_path / "exchange"
    synchronise(town, "worker", bureau, ACTOR, folder)
    hid = _household(town, "worker", village, 2)
    # the connection dropped after our package was written: the bureau never imported it
    lost = X.export_package(town, "worker", BUREAU, folder)
    again = synchronise(town, "worker", bureau, ACTOR, folder)
    assert [r.seq for r in again.delivered] == [lost.seq, again.sent.seq]
    assert again.delivered[0].created["household"] == 1
    with town.read() as s:
        gid = s.get(Household, hid).gid
    assert _at_bureau(bureau, gid) is not None
    # nothing changed anywhere since: a further run changes no record on either side
    before = (_fingerprint_records(town), _fingerprint_records(bureau))
    quiet = synchronise(town, "worker", bureau, ACTOR, folder)
    assert all(not r.created and not r.updated for r in quiet.delivered + quiet.received)
    assert (_fingerprint_records(town), _fingerprint_records(bureau)) == before


def _fingerprint_records(db):
    with db.read() as s:
        return sorted((h.gid, h.number, h.address, h.phone, h.member_count)
                      for h in s.scalars(select(Household)))


def test_synchronise_refuses_a_database_that_is_not_its_bureaus(pair, tmp_path,
                                                                _areas_template):
    town, _bureau, _village = pair
    other = _copy(_areas_template, tmp_path / "other.sqlite3")
    X.setup_site(other, "worker", "411500", "别的局", "bureau", "411400000000")
    with pytest.raises(StateError, match="not bureau 411400"):
        synchronise(town, "worker", other, "worker", tmp_path / "exchange")
    assert not (tmp_path / "exchange").exists() or not any((tmp_path / "exchange").iterdir())
    other.dispose()



def test_the_command_line_synchronises_with_the_bureau_named_in_the_config_file(
        sites, tmp_path, capsys, monkeypatch):
    import io

    from assistcase.cli import main

    from ..conftest import PASSWORD

    t1, bureau = sites["t1"], sites["bureau"]
    hid = _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    config = tmp_path / "assistcase.ini"
    config.write_text(f"[exchange]\nbureau_url = sqlite:///{bureau.path}\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTCASE_CONFIG", str(config))
    # this database's password, then the bureau account's
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n{PASSWORD}\n"))
    folder = tmp_path / "kept"
    assert main(["exchange", "sync", "--db", str(t1.path), "--user", "t1-worker",
                 "--bureau-user", "bureau-clerk", "--folder", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f'bureau {BUREAU} imported package 1: created {{"household": 1, "person": 1}}' in out
    assert f"synchronised with bureau {BUREAU}" in out
    with t1.read() as s:
        assert household_sync_states(s, [hid]) == {hid: "synced"}
    # a wrong bureau password is refused, naming the bureau, and nothing is sent
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\nwrong\n"))
    assert main(["exchange", "sync", "--db", str(t1.path), "--user", "t1-worker",
                 "--bureau-user", "bureau-clerk", "--folder", str(folder)]) != 0
    assert "at the bureau's database: wrong user name or password" in capsys.readouterr().err
    assert len(list(folder.glob("*.acx"))) == 2
