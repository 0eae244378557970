"""The registry spreadsheet layout (花名册格式): one row per person, household columns repeated.

One table of fields serves both directions: the export writes the ``header`` of each field in
this order, and the import recognises that header and the usual variants Chinese offices use
(``aliases``). Values are written in Chinese (城市/农村, 低保, 户主, 是/否 …) and read back from
the same words or their common variants.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from ..rules.money import parse_yuan

HOUSEHOLD = "household"
PERSON = "person"
KEY = "key"


class CellError(ValueError):
    """A cell value that cannot be read as its field's type; carries both languages."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.en = en
        self.zh = zh


@dataclass(frozen=True)
class Field:
    key: str
    header: str  # the export header (Chinese)
    label_en: str
    level: str  # household / person / key
    aliases: tuple[str, ...] = ()
    required: bool = False


# Order = export column order.
FIELDS: tuple[Field, ...] = (
    Field("household_number", "户编号", "household number", KEY,
          ("户号", "家庭编号", "户编码", "家庭户号", "户籍编号")),
    Field("head_id_number", "户主身份证号", "head's ID number", KEY,
          ("户主身份证号码", "户主公民身份号码", "户主证件号码", "户主身份证")),
    Field("township", "乡镇(街道)", "township", HOUSEHOLD,
          ("乡镇", "街道", "乡镇街道", "乡(镇)", "所属乡镇", "所属乡镇(街道)", "乡镇/街道",
           "所属街道", "乡(镇、街道)")),
    Field("village", "村(社区)", "village", HOUSEHOLD,
          ("所属村", "所属村(社区)", "村", "社区", "村/社区", "村居", "村委会", "行政村",
           "所属社区", "村(居)委会", "村居委会", "村(居)", "所在村")),
    Field("village_code", "村(社区)代码", "village code", HOUSEHOLD,
          ("村代码", "社区代码", "区划代码", "行政区划代码", "村级区划代码", "统计用区划代码")),
    Field("residence_class", "城乡类别", "urban/rural", HOUSEHOLD,
          ("城乡", "城乡属性", "城乡分类", "户籍类别", "户口性质", "城市/农村"), True),
    Field("category", "救助类别", "category", HOUSEHOLD,
          ("保障类别", "救助类型", "保障类型", "对象类别", "类别", "人员类别", "救助对象类别")),
    Field("household_size", "家庭人口", "household size", HOUSEHOLD,
          ("家庭人口数", "人口数", "户人口", "家庭成员数", "家庭人数", "户人数", "家庭人口(人)")),
    Field("name", "姓名", "name", PERSON, ("成员姓名", "家庭成员姓名", "名字", "人员姓名"), True),
    Field("id_number", "公民身份号码", "ID number", PERSON,
          ("身份证号", "身份证号码", "身份证", "证件号码", "成员身份证号", "身份证件号码",
           "公民身份证号码", "身份证号(18位)"), True),
    Field("sex", "性别", "sex", PERSON),
    Field("birth_date", "出生日期", "birth date", PERSON, ("出生年月", "出生年月日")),
    Field("relation", "与户主关系", "relationship to head", PERSON,
          ("关系", "与户主的关系", "家庭关系", "与户主关系(本人)"), True),
    Field("disability_grade", "残疾等级", "disability grade", PERSON, ("残疾级别",)),
    Field("disability_category", "残疾类别", "disability category", PERSON, ("残疾类型",)),
    Field("serious_illness", "是否重病", "serious illness", PERSON,
          ("重病", "重大疾病", "是否患重病", "患重病", "是否重大疾病")),
    Field("self_care", "自理能力", "self-care", PERSON, ("生活自理能力", "自理情况")),
    Field("in_school", "是否在校", "in school", PERSON, ("在校生", "是否在校生", "在学")),
    Field("able_to_work", "是否有劳动能力", "able to work", PERSON,
          ("劳动能力", "有无劳动能力", "有劳动能力")),
    Field("phone", "本人电话", "own phone", PERSON,
          ("个人电话", "成员电话", "手机号码", "本人联系电话")),
    Field("person_incomes", "本人月收入", "own monthly incomes", PERSON,
          ("个人收入", "个人月收入", "本人收入", "本人收入明细")),
    Field("address", "家庭住址", "address", HOUSEHOLD,
          ("住址", "家庭地址", "居住地址", "地址", "现住址", "户籍地址")),
    Field("household_phone", "联系电话", "household phone", HOUSEHOLD,
          ("电话", "家庭电话", "联系方式", "户主电话", "联系电话(户)")),
    Field("account_type", "账户类型", "account type", HOUSEHOLD, ("账号类型", "帐户类型")),
    Field("bank_name", "开户银行", "bank", HOUSEHOLD,
          ("开户行", "银行", "开户银行名称", "发放银行", "代发银行")),
    Field("account_number", "银行账号", "account number", HOUSEHOLD,
          ("银行卡号", "账号", "卡号", "一卡通账号", "一卡通卡号", "存折账号", "银行帐号", "帐号",
           "开户账号", "社保卡号")),
    Field("household_incomes", "家庭其他月收入", "household incomes not by person", HOUSEHOLD,
          ("家庭收入明细", "家庭月收入", "家庭收入", "家庭月收入(元)")),
    Field("properties", "家庭财产", "household property", HOUSEHOLD,
          ("财产", "财产明细", "家庭财产明细", "财产状况")),
    Field("status", "户状态", "household status", HOUSEHOLD, ("状态", "家庭状态")),
    Field("closed_on", "注销日期", "closed on", HOUSEHOLD, ("退出日期",)),
    Field("closed_reason", "注销原因", "closing reason", HOUSEHOLD, ("退出原因",)),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
HOUSEHOLD_FIELDS = tuple(f.key for f in FIELDS if f.level == HOUSEHOLD)
IGNORE = ""  # mapping target meaning "do not import this column"


def normalize_header(text: Any) -> str:
    """Header text as compared: no spaces or line breaks, ASCII brackets, no required-marks."""
    s = str(text or "")
    s = s.translate(str.maketrans({"（": "(", "）": ")", "／": "/", "＊": "*", "　": ""}))
    s = re.sub(r"\s+", "", s).strip("*:：")
    return s.lower()


_normalized = lru_cache(maxsize=4096)(normalize_header)

_ALIASES: dict[str, str] = {}
for _f in FIELDS:
    for _name in (_f.header, *_f.aliases):
        _ALIASES.setdefault(normalize_header(_name), _f.key)


def guess_field(header: Any) -> str:
    """The field a header names, or IGNORE when it is not a known name."""
    return _ALIASES.get(normalize_header(header), IGNORE)


# --- value vocabularies (Chinese words ↔ stored codes) ------------------------------------

def _vocab(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out = {}
    for code, words in pairs.items():
        out[code.lower()] = code
        for w in words:
            out[normalize_header(w)] = code
    return out


RESIDENCE_ZH = {"urban": "城市", "rural": "农村"}
CATEGORY_ZH = {"dibao": "低保", "tekun": "特困", "marginal": "低保边缘", "monitored": "三类户",
               "none": "无"}
STATUS_ZH = {"active": "正常", "closed": "注销"}
ACCOUNT_ZH = {"card": "银行卡", "passbook": "存折", "none": "无"}
RELATION_ZH = {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母",
               "grandchild": "孙子女", "sibling": "兄弟姐妹", "other": "其他"}
SELF_CARE_ZH = {"full": "全自理", "partial": "半失能", "none": "全失能"}
SEX_ZH = {"M": "男", "F": "女"}

INCOME_ZH = {"wages": "工资性收入", "agriculture": "农业收入", "business": "经营性收入",
             "pension": "养老金", "transfer": "转移性收入", "property": "财产性收入",
             "other": "其他收入"}
PROPERTY_ZH = {"deposit": "存款", "vehicle": "车辆", "housing": "住房", "other": "其他财产"}

_CHOICES: dict[str, dict[str, str]] = {
    "income": _vocab({"wages": ("工资性收入", "工资", "工资收入", "务工收入", "工资薪金"),
                      "agriculture": ("农业收入", "农业", "种植收入", "养殖收入", "农业经营收入"),
                      "business": ("经营性收入", "经营", "经营收入", "生产经营收入"),
                      "pension": ("养老金", "退休金", "养老保险金", "养老"),
                      "transfer": ("转移性收入", "转移收入", "赡养费", "转移"),
                      "property": ("财产性收入", "财产收入", "租金收入", "租金"),
                      "other": ("其他收入", "其他")}),
    "property": _vocab({"deposit": ("存款", "银行存款", "储蓄"),
                        "vehicle": ("车辆", "机动车", "汽车"),
                        "housing": ("住房", "房产", "房屋"),
                        "other": ("其他财产", "其他")}),
    "residence_class": _vocab({"urban": ("城市", "城镇", "城市居民", "城", "非农业"),
                               "rural": ("农村", "乡村", "农村居民", "农", "农业")}),
    "category": _vocab({"dibao": ("低保", "城市低保", "农村低保", "最低生活保障", "低保户",
                                  "低保对象"),
                        "tekun": ("特困", "特困供养", "特困人员", "五保", "五保户",
                                  "分散供养特困", "集中供养特困", "特困供养人员"),
                        "marginal": ("低保边缘", "边缘户", "低边", "低保边缘户", "低保边缘家庭"),
                        "monitored": ("三类户", "监测户", "监测对象", "防返贫监测"),
                        "none": ("无", "其他", "/")}),
    "status": _vocab({"active": ("正常", "在保", "有效", "在册"),
                      "closed": ("注销", "已注销", "退出", "已退出")}),
    "account_type": _vocab({"card": ("银行卡", "一卡通", "社保卡", "卡", "惠民惠农一卡通"),
                            "passbook": ("存折", "折"), "none": ("无", "/")}),
    "relation": _vocab({"head": ("户主", "本人"),
                        "spouse": ("配偶", "妻", "夫", "妻子", "丈夫", "夫妻"),
                        "child": ("子女", "子", "女", "儿子", "女儿", "长子", "次子", "三子",
                                  "长女", "次女", "三女", "养子", "养女", "继子", "继女"),
                        "parent": ("父母", "父亲", "母亲", "父", "母"),
                        "grandchild": ("孙子女", "孙子", "孙女", "外孙", "外孙子", "外孙女"),
                        "sibling": ("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐",
                                    "妹妹"),
                        "other": ("其他", "儿媳", "女婿", "侄子", "侄女", "岳父", "岳母", "公公",
                                  "婆婆", "其他亲属")}),
    "self_care": _vocab({"full": ("全自理", "完全自理", "能自理", "自理"),
                         "partial": ("半失能", "部分自理", "部分失能", "半自理"),
                         "none": ("全失能", "完全不能自理", "不能自理", "失能", "完全失能")}),
    "sex": _vocab({"M": ("男", "男性"), "F": ("女", "女性")}),
}
CHOICE_ZH = {"income": INCOME_ZH, "property": PROPERTY_ZH, "residence_class": RESIDENCE_ZH,
             "category": CATEGORY_ZH, "status": STATUS_ZH,
             "account_type": ACCOUNT_ZH, "relation": RELATION_ZH, "self_care": SELF_CARE_ZH,
             "sex": SEX_ZH}
_TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓", "对"}
_FALSE = {"否", "无", "没有", "n", "no", "false", "0", "×", "不是"}
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        value = value.isoformat()
    return str(value).strip()


def _digits_text(value: Any, what_en: str, what_zh: str) -> str:
    """ID and account numbers: text, or an exact integer. A float of 16+ digits has already
    lost its last digits in Excel (15 significant digits), so it is refused, not guessed."""
    if isinstance(value, bool):
        raise CellError(f"{what_en} is not a number", f"{what_zh}格式错误")
    if isinstance(value, float):
        if not value.is_integer() or abs(value) >= 1e15:
            raise CellError(f"{what_en} was stored as a number and has lost digits; "
                            "format the column as text and enter it again",
                            f"{what_zh}被存成了数字，已丢失末几位，请将该列设为文本格式后重新录入")
        value = int(value)
    return str(value).strip().replace(" ", "").upper()


@lru_cache(maxsize=4096)
def _lookup(field: str, text: str) -> str | None:
    """The code a word means (cached: a register repeats the same few words)."""
    return _CHOICES[field].get(normalize_header(text))


def _choice(field: str, value: Any) -> str:
    code = _lookup(field, _text(value))
    if code is None:
        words = "、".join(CHOICE_ZH[field].values())
        raise CellError(f"{_text(value)!r} is not a known {FIELD_BY_KEY[field].label_en} "
                        f"(use one of {', '.join(CHOICE_ZH[field].values())})",
                        f"“{_text(value)}”不是有效的{FIELD_BY_KEY[field].header}（应为：{words}）")
    return code


def _bool(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    t = _normalized(_text(value))
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise CellError(f"{_text(value)!r} is not yes/no", f"“{_text(value)}”应填“是”或“否”")


def _int(field: str, value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("not a number", "不是数字")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    t = _text(value).rstrip("人口")
    if t.isdigit():
        return int(t)
    raise CellError(f"{_text(value)!r} is not a whole number",
                    f"“{_text(value)}”不是整数，{FIELD_BY_KEY[field].header}应填数字")


def _grade(field: str, value: Any) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 1 <= value <= 4:
            return int(value)
    else:
        t = normalize_header(_text(value)).removesuffix("级").removeprefix("残疾")
        if t in ("无", "/", "-"):
            return None
        if len(t) == 1 and t in _CN_DIGITS:
            return _CN_DIGITS[t]
    raise CellError(f"{_text(value)!r} is not a disability grade 1–4",
                    f"“{_text(value)}”不是有效的残疾等级（应为1至4级）")


_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _date(field: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    t = _text(value)
    m = _DATE_RE.match(t)
    if m is None and len(t) == 8 and t.isdigit():
        m = re.match(r"(\d{4})(\d{2})(\d{2})", t)
    if m is not None:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise CellError(f"{t!r} is not a date (write it as 2024-01-31)",
                    f"“{t}”不是有效日期（请写成 2024-01-31）")


def _id_number(field: str, value: Any) -> str:
    return _digits_text(value, "the ID number", "身份证号")


def _account(field: str, value: Any) -> str:
    return _digits_text(value, "the account number", "银行账号")


_ITEM_RE = re.compile(r"^(?P<word>[^\d\s(（.-][^\d(（]*?)?\s*(?P<amount>-?\d+(?:\.\d+)?)\s*元?"
                      r"\s*(?:[(（](?P<note>.*)[)）])?$")


def _fen(text: str) -> int:
    """Yuan with at most two decimals → whole fen (分); never through a float."""
    fen = parse_yuan(text)
    if fen is None:
        raise ValueError(text)
    return fen


def _items(field: str, value: Any) -> tuple[tuple[str, int, str], ...]:
    """Money items ``来源 金额元（备注）`` separated by ``；``, e.g. ``养老金 150.00元（城乡居民基础
    养老金）；工资性收入 1200元``. A bare amount is one item of kind 其他."""
    vocab = "income" if field != "properties" else "property"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = f"{value}"
    out = []
    for part in str(value).replace(";", "；").split("；"):
        text = part.strip()
        if not text:
            continue
        m = _ITEM_RE.match(text)
        code = None
        if m is not None:
            code = _lookup(vocab, m["word"].strip()) if m["word"] else "other"
        try:
            fen = _fen(m["amount"]) if m is not None else None
        except ValueError:
            fen = None
        if m is None or code is None or fen is None:
            words = "、".join(CHOICE_ZH[vocab].values())
            raise CellError(
                f"{part.strip()!r}: write each item as kind, amount in yuan (at most 2 decimals) "
                f"and an optional note in brackets, e.g. 养老金 150.00元（城乡居民基础养老金）; "
                f"separate items with ；",
                f"“{part.strip()}”格式不对：每项写作“类别 金额元（备注）”，金额最多两位小数，"
                f"多项用“；”分隔，例如：养老金 150.00元（城乡居民基础养老金）。类别：{words}")
        out.append((code, fen, (m["note"] or "").strip()))
    return tuple(out)


def format_items(field: str, items: list[tuple[str, int, str]]) -> str:
    """The cell text for money items (the inverse of the import's reading)."""
    names = INCOME_ZH if field != "properties" else PROPERTY_ZH
    parts = []
    for code, fen, note in items:
        text = f"{names[code]} {fen // 100}.{fen % 100:02d}元"
        parts.append(text + (f"（{note}）" if note else ""))
    return "；".join(parts)


def _plain(field: str, value: Any) -> str:
    return _text(value)


CONVERTERS: dict[str, Callable[[str, Any], Any]] = {
    "household_number": _plain, "head_id_number": _id_number, "township": _plain,
    "village": _plain, "village_code": _plain, "residence_class": _choice, "category": _choice,
    "household_size": _int, "name": _plain, "id_number": _id_number, "sex": _choice,
    "birth_date": _date, "relation": _choice, "disability_grade": _grade,
    "disability_category": _plain, "serious_illness": _bool, "self_care": _choice,
    "in_school": _bool, "able_to_work": _bool, "phone": _plain, "address": _plain,
    "household_phone": _plain, "account_type": _choice, "bank_name": _plain,
    "account_number": _account, "status": _choice, "closed_on": _date, "closed_reason": _plain,
    "person_incomes": _items, "household_incomes": _items, "properties": _items,
}
assert set(CONVERTERS) == set(FIELD_BY_KEY)


def convert(field: str, value: Any) -> Any:
    """The stored value of a non-blank cell; raises :class:`CellError`."""
    return CONVERTERS[field](field, value)


# Fields whose cells hardly repeat (one person's own values): remembering them costs memory
# and saves nothing.
_UNIQUE_VALUES = frozenset({"name", "id_number", "head_id_number", "phone", "birth_date"})


def cell_memory(field: str) -> dict[str, Any] | None:
    """Where one file's reading of a column remembers the value of each distinct text, for
    :func:`convert`: a register repeats its household cells on every member's row and its
    words (户主, 城市, 是/否, an income item) on thousands of rows. None for the columns whose
    cells hardly repeat. Only successes go in (a bad cell raises :class:`CellError` each time it
    occurs, so every row is reported), and only ``str`` cells (1 and True are equal keys of a
    dict but not equal cells)."""
    return None if field in _UNIQUE_VALUES else {}


def display(value: Any) -> str:
    """A cell value as shown in the report."""
    if value is None:
        return ""
    return _text(value)
