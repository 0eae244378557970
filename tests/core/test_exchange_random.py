"""Random edits on both sides and exchanges in random order (repeated and late packages
included): no record is lost or duplicated, every disagreement is a conflict, and once the
conflicts are decided both sites hold the same data for the township's records."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from assistcase.models import Household
from assistcase.security.package import PackageError
from assistcase.services import exchange as X
from assistcase.services import registry as R

from .test_exchange import BUREAU, _copy, _household, _townships

VALUES = {"phone": ("13900000001", "13900000002"), "address": ("东街1号", "西街2号")}

edit = st.tuples(st.just("edit"), st.sampled_from(["t", "b"]), st.integers(0, 2),
                 st.sampled_from([(f, v) for f, vs in VALUES.items() for v in vs]))
send = st.tuples(st.just("send"), st.sampled_from(["up", "down"]))
replay = st.tuples(st.just("replay"), st.sampled_from(["up", "down"]), st.integers(0, 5))
steps = st.lists(st.one_of(edit, send, replay), min_size=4, max_size=25)

_counter = itertools.count()


def _values(db):
    with db.read() as s:
        return sorted((h.gid, h.number, h.phone, h.address, h.head_name, h.member_count)
                      for h in s.scalars(select(Household)))


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=steps)
def test_random_edits_and_exchanges_converge(tmp_path, _areas_template, db_engine, request,
                                             steps):
    """A SQLite township and a bureau on each engine (``[sqlite]``, ``[postgresql]``)."""
    _converge(tmp_path, _areas_template, steps, _pg_bureau(request) if db_engine ==
              "postgresql" else None)


def _pg_bureau(request):
    """A fresh bureau database on PostgreSQL for one example: the test session's database
    reset to the areas template, with the exchange users registered."""
    from assistcase.db import open_database
    from assistcase.services import auth

    from ..conftest import ACTOR, ALL_ROLES, PASSWORD
    from .test_exchange import EXCHANGE_USERS

    work = request.getfixturevalue("_pg_work")
    work.reset("snap_areas")
    db = open_database(work.url)
    for name in EXCHANGE_USERS:
        auth.create_user(db, ACTOR, name, name, PASSWORD, [(r, None) for r in ALL_ROLES])
    db.signed_in = ACTOR
    return db


def test_a_value_turned_down_by_a_decision_and_sent_again_does_not_swap_the_sites(
        tmp_path, _areas_template):
    """Found by the random test: the bureau kept its address over the township's, then the
    township sent its (unconfirmed) change again before it had the decision. The bureau took
    it as a new change, the township took the decision: the two sites swapped values and no
    conflict was left to show it."""
    _converge(tmp_path, _areas_template, [
        ("edit", "t", 0, ("phone", "13900000001")), ("send", "up"), ("send", "up"),
        ("edit", "t", 0, ("phone", "13900000001")), ("edit", "b", 2, ("address", "西街2号")),
        ("edit", "t", 2, ("address", "东街1号")), ("edit", "t", 0, ("phone", "13900000001")),
        ("send", "up"), ("replay", "down", 3)])


def test_keeping_this_sites_value_keeps_it_as_it_is_now(tmp_path, _areas_template):
    """Found by the random test: the bureau changed the phone again after the conflict was
    found (to the township's value); deciding "keep ours" sent the value the conflict had
    recorded, not the bureau's current one, and the sites ended with different phones."""
    _converge(tmp_path, _areas_template, [
        ("edit", "t", 2, ("phone", "13900000002")), ("replay", "up", 0),
        ("edit", "b", 2, ("phone", "13900000001")), ("send", "up"),
        ("edit", "b", 2, ("phone", "13900000002"))])


def _converge(tmp_path, _areas_template, steps, bureau=None):
    run = tmp_path / f"run{next(_counter)}"
    run.mkdir()
    b = bureau if bureau is not None else _copy(_areas_template, run / "b.sqlite3")
    t = _copy(_areas_template, run / "t.sqlite3")
    try:
        (code, village), _ = _townships(b)
        X.setup_site(b, "clerk", BUREAU, "局", "bureau", "411400000000")
        key = X.register_township(b, "clerk", code, "乡", code)
        X.setup_site(t, "worker", code, "乡", "township", code)
        X.join_bureau(t, "worker", BUREAU, "局", key)
        ids_t = [_household(t, "worker", village, n * 2 + 1, name=f"张{'一二三'[n]}")
                 for n in range(3)]
        sent = {"up": [], "down": []}

        def ship(direction):
            src, dst, to = (t, b, BUREAU) if direction == "up" else (b, t, code)
            actor, dst_actor = ("worker", "clerk") if direction == "up" else ("clerk", "worker")
            r = X.export_package(src, actor, to, run / direction)
            sent[direction].append(r.path)
            X.import_package(dst, dst_actor, r.path)

        ship("up")  # the bureau learns the township's households
        for step in steps:
            if step[0] == "edit":
                _, side, i, (field, value) = step
                db, actor = (t, "worker") if side == "t" else (b, "clerk")
                with t.read() as s:
                    gid = s.get(Household, ids_t[i]).gid
                with db.read() as s:
                    hid = s.scalar(select(Household.id).where(Household.gid == gid))
                R.update_household(db, actor, hid, {field: value})
            elif step[0] == "send":
                ship(step[1])
            else:
                _, direction, k = step
                if sent[direction]:
                    path = sent[direction][k % len(sent[direction])]
                    dst, actor = (b, "clerk") if direction == "up" else (t, "worker")
                    try:
                        X.import_package(dst, actor, path)   # an old package: changes nothing
                    except PackageError as e:
                        raise AssertionError(f"a repeated package was refused: {e}") from e
        # settle: the bureau decides every conflict, then packages go both ways until quiet
        for _ in range(6):
            for db, actor in ((b, "clerk"), (t, "worker")):
                for c in X.conflicts(db):
                    X.resolve_conflict(db, actor, c.id, "local")
            ship("up")
            ship("down")
            if not X.conflicts(b) and not X.conflicts(t) and _values(b) == _values(t):
                break
        assert X.conflicts(b) == [] and X.conflicts(t) == []
        assert len(_values(t)) == 3          # nothing lost or duplicated
        assert _values(b) == _values(t)
    finally:
        b.dispose()
        t.dispose()
