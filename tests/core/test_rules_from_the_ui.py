"""Rules that lived in ui/ and now live in the core (issue 12): the repeat-aid look-back is the
area's policy (the entry form used a hard-coded 12 before an area was known); an
extreme-hardship case supports the head unless a person is named; the change of covered members
is offered for an open dibao case only; the policy in force and a case's approval level come
back as plain views."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from assistcase.core import Core
from assistcase.errors import StateError
from assistcase.services import aid as A
from assistcase.services import cases as C
from assistcase.services import standards as S

from ..conftest import ACTOR
from .test_aid import FRI, approve, city, household as aid_household, places, record  # noqa: F401
from .test_cases import APPLIED, household as case_household, open_dibao


def test_repeat_aid_looks_back_as_far_as_the_areas_policy(db, city, places):  # noqa: F811
    core = Core(db, ACTOR)
    village, township = places[0], places[1]
    hid = aid_household(db, village)
    earlier = record(db, hid, amount=900_00, applied=dt.date(2026, 3, 2)).created_id
    approve(db, earlier, "township", 900_00, on=dt.date(2026, 3, 5))

    check = core.read(A.repeat_aid, FRI, village, household_id=hid)
    assert check.months == 12 and [p.id for p in check.earlier] == [earlier]
    # no area known yet (a person outside the registry, no township chosen): the default
    assert core.read(A.repeat_aid, FRI, None, household_id=hid).months == 12

    core.write(S.set_policy, city, {"aid_repeat_months": 6}, effective_from=dt.date(2026, 1, 1))
    check = core.read(A.repeat_aid, FRI, village, household_id=hid)
    assert check.months == 6 and check.earlier == ()
    assert core.read(A.repeat_aid, FRI, township, household_id=hid).months == 6

    # a recorded case is checked as of its approval (else today), itself left out
    new = record(db, hid, amount=500_00, applied=dt.date(2026, 3, 20)).created_id
    assert core.read(A.case_repeat_aid, new, dt.date(2026, 3, 25)).earlier[0].id == earlier
    assert core.read(A.waiting_level, new, FRI) == "township"
    assert core.read(A.waiting_level, earlier, FRI) is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.months = 12  # a plain frozen view


def test_an_extreme_hardship_case_supports_the_head_unless_a_person_is_named(db, village_ids):
    core = Core(db, ACTOR)
    hid = case_household(db, village_ids[0])
    case_id = core.write(C.open_case, C.CaseInput("tekun", hid, APPLIED, "无劳动能力")).created_id
    view = core.read(C.case_view, case_id)
    assert [name for _pid, name in view.covered] == ["张三"]  # the head


def test_the_change_of_covered_members_is_for_an_open_dibao_case(db, village_ids):
    core = Core(db, ACTOR)
    hid = case_household(db, village_ids[0])
    dibao = open_dibao(db, hid)
    choice = core.read(C.coverage_choice, dibao)
    assert [name for _pid, name in choice.members] == ["张三", "李四", "张小"]
    assert choice.covered == {pid for pid, _name in choice.members}
    tekun = core.write(C.open_case, C.CaseInput("tekun", hid, APPLIED, "")).created_id
    with pytest.raises(StateError) as refused:
        core.read(C.coverage_choice, tekun)
    assert refused.value.message("zh") == "只能调整未终止低保案件的保障对象"


def test_the_policy_in_force_names_the_area_that_set_it(db, city):  # noqa: F811
    core = Core(db, ACTOR)
    core.write(S.set_policy, city, {"aid_repeat_months": 6}, effective_from=dt.date(2026, 1, 1))
    values = core.read(S.policy_in_force, city)
    assert values["aid_repeat_months"].value == 6
    assert values["aid_repeat_months"].area_name and values["notice_days"].area_name is None
