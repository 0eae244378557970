"""Amounts in Chinese capitals (人民币大写), both ways."""

import random

import pytest

from assistcase.rules.capitals import fen_from_capitals, rmb_capitals

CASES = [
    (5, "伍分"),
    (1000, "壹拾元整"),
    (10000010, "壹拾万元零壹角"),
    (181688900, "壹佰捌拾壹万陆仟捌佰捌拾玖元整"),
    (0, "零元整"),
    (105, "壹元零伍分"),
    (110, "壹元壹角"),
    (15, "壹角伍分"),
    (10050, "壹佰元零伍角"),
    (100010000, "壹佰万零壹佰元整"),
    (1000100, "壹万零壹元整"),
    (10001000000, "壹亿零壹万元整"),
    (1000000001, "壹仟万元零壹分"),
    (30020000, "叁拾万零贰佰元整"),
    (1010100, "壹万零壹佰零壹元整"),
    (1001100, "壹万零壹拾壹元整"),
    (89_000_000_00, "捌仟玖佰万元整"),
]


@pytest.mark.parametrize("fen, text", CASES)
def test_known_amounts_both_ways(fen, text):
    assert rmb_capitals(fen) == text
    assert fen_from_capitals(text) == fen
    assert fen_from_capitals(f"人民币{text}") == fen


def test_round_trip_over_many_amounts():
    rnd = random.Random(17)
    amounts = [rnd.randrange(10 ** rnd.randint(1, 13)) for _ in range(20_000)]
    amounts += list(range(0, 100_001, 7))
    for fen in amounts:
        assert fen_from_capitals(rmb_capitals(fen)) == fen, fen


def test_capitals_are_capitals():
    text = rmb_capitals(123456789012)
    assert not set(text) & set("0123456789一二三四五六七八九十百千")
    with pytest.raises(ValueError):
        fen_from_capitals("壹佰贰拾三元")
    with pytest.raises(TypeError):
        rmb_capitals(1.5)
