"""Search keys' pinyin (issue 20): the per-character reading of names without a phrase inside
is the reading pypinyin gives the whole name."""

from __future__ import annotations

from assistcase.demo.names import GIVEN_CHARS, GIVEN_WHOLE, SURNAMES
from assistcase.rules import searchkeys as K


def test_names_read_as_pypinyin_reads_them_whole():
    surnames = [s for s, _ in SURNAMES]
    given = sorted({g for v in GIVEN_WHOLE.values() for g in v}
                   | {c for v in GIVEN_CHARS.values() for c in v})
    names = [s + g for s in surnames for g in given]
    # phrases of pypinyin's dictionary inside a name, letters, a minority name's "·"
    names += ["单于", "单雄信", "曾祥", "解放", "长孙无忌", "重庆", "乐乐", "朴", "AB张三",
              "阿依古丽·买买提", "欧阳长江", "区长", "银行"]
    assert len(names) > 10_000
    got = {n: K._syllables(n) for n in names}
    want = {n: K._lazy_syllables(n) for n in names}
    assert got == want
    assert K._syllables("单于") == ("chan", "yu")  # a phrase: not dan yu
    assert K.full_pinyin("王建国") == "wangjianguo" and K.initials("王建国") == "wjg"
