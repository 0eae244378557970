"""The audit log's hash chain (防篡改审计日志): each row carries the hash of the row before it
(``prev_hash``) and its own hash over that and its content, so a row changed, inserted or
deleted outside AssistCase breaks the chain where it happened.

Pure functions: the writers (services/audit.py, the bulk import) compute the links as they
insert, migration 0015 links the rows written before it, ``verify_rows`` walks a log. The
algorithm is fixed for good: changing it would break every chain already written.

A chain without a secret can be rewritten whole by someone who knows this code; that is why
its head (last id and hash) goes into every backup manifest: a rewritten or cut-off log no
longer holds a head recorded earlier (``check_heads``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

GENESIS = "0" * 64
# The columns a link covers, in this order (the row as stored).
COLUMNS = ("id", "at", "user_id", "action", "entity", "entity_id", "household_id", "field",
           "old_value", "new_value", "source")
AT_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite


def json_encoder(separators: tuple[str, str]) -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=False, separators=separators).encode`` for the lists,
    tuples and dicts of plain values that audit rows hold, the same text: the C encoder that
    ``encode`` builds anew on every call (with a dict for circular references) is built
    once here (an import encodes each of its 230,000 audit rows twice)."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=separators)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the encoder as it is
        return encoder.encode
    one_shot = make(None, encoder.default, json.encoder.encode_basestring, None,
                    separators[1], separators[0], False, False, True)

    def encode(value: Any) -> str:
        return "".join(one_shot(value, 0))

    return encode


# What json.dumps(content, ensure_ascii=False, separators=(",", ":")) does, without building a
# new encoder for every row (an import links hundreds of thousands): the same text.
_encode = json_encoder((",", ":"))


def _at(value: Any) -> Any:
    return value.strftime(AT_FORMAT) if isinstance(value, dt.datetime) else value


def link(prev_hash: str, values: Sequence[Any]) -> str:
    """The hash of a row with ``values`` (in COLUMNS order) following ``prev_hash``."""
    # a list or tuple with ``at`` as stored (bulk writers give it so) is encoded as it is;
    # anything else (a datetime, a database row) is copied first
    if type(values) not in (tuple, list) or type(values[1]) is not str:
        values = list(values)
        values[1] = _at(values[1])
    text = _encode(values)
    return hashlib.sha256(f"{prev_hash}\n{text}".encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Finding:
    """One break in the chain: ``kind`` is changed / inserted / deleted."""

    kind: str
    row_id: int
    detail_en: str
    detail_zh: str


@dataclass
class VerifyResult:
    rows: int
    head_id: int | None
    head_hash: str | None
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.findings


def verify_rows(rows: Iterable[Sequence[Any]], limit: int = 100) -> VerifyResult:
    """Walk rows (COLUMNS + prev_hash, hash; in id order) and report every break, the first
    one first. After a break the walk carries on from the row's stored hash, so one edit is
    reported once, not for every row after it."""
    findings: list[Finding] = []
    expected_prev = GENESIS
    before_prev: str | None = None  # the stored prev_hash of the previous row
    prev_id: int | None = None
    n = 0
    last_hash = None
    for row in rows:
        n += 1
        values, prev_hash, stored = row[:len(COLUMNS)], row[-2], row[-1]
        rid = values[0]
        if len(findings) >= limit:
            break
        if stored is None or prev_hash is None:
            findings.append(Finding(
                "inserted", rid, f"row {rid} has no chain hash: it was inserted outside "
                                 "AssistCase", f"第 {rid} 行没有链哈希：是在本程序之外插入的"))
            # the row is not part of the chain: the next row should follow the one before
            continue
        if link(prev_hash, values) != stored:
            findings.append(Finding(
                "changed", rid, f"row {rid} was changed outside AssistCase (its content no "
                                "longer matches its hash)",
                f"第 {rid} 行在本程序之外被修改（内容与哈希不符）"))
        elif prev_hash != expected_prev:
            if prev_id is not None and prev_hash == before_prev:
                findings.append(Finding(
                    "inserted", prev_id, f"row {prev_id} was inserted outside AssistCase (row "
                                         f"{rid} follows the row before it)",
                    f"第 {prev_id} 行是在本程序之外插入的"))
            elif prev_id is not None and rid - prev_id > 1:
                gone = (f"{prev_id + 1}" if rid - prev_id == 2 else f"{prev_id + 1}–{rid - 1}")
                findings.append(Finding(
                    "deleted", prev_id + 1, f"row(s) {gone} were deleted outside AssistCase (row {rid} "
                                    f"does not follow row {prev_id})",
                    f"第 {gone} 行在本程序之外被删除（第 {rid} 行不接续第 {prev_id} 行）"))
            elif prev_id is None:
                findings.append(Finding(
                    "deleted", rid, f"the row(s) before row {rid}, the first one, were deleted "
                                    "outside AssistCase",
                    f"第 {rid} 行（第一行）之前的行在本程序之外被删除"))
            else:
                findings.append(Finding(
                    "changed", prev_id, f"row {prev_id} was changed outside AssistCase and its "
                                        f"hash recomputed (row {rid} does not follow it)",
                    f"第 {prev_id} 行在本程序之外被修改并重算了哈希"))
        before_prev = prev_hash
        expected_prev = stored
        prev_id = rid
        last_hash = stored
    return VerifyResult(n, prev_id, last_hash, findings)


def check_heads(hashes: dict[int, str | None], heads: Iterable[tuple[int, str, str]]
                ) -> list[Finding]:
    """Compare heads recorded earlier (id, hash, where recorded) with the log's stored hashes
    by id: a recorded head that is gone or different means rows were cut off or the chain was
    rewritten."""
    found = []
    for rid, h, where in heads:
        now = hashes.get(rid, "missing")
        if now == "missing":
            found.append(Finding("deleted", rid, f"row {rid}, the head recorded in {where}, "
                                                 "was deleted outside AssistCase",
                                 f"{where} 记录的链头第 {rid} 行已被删除"))
        elif now != h:
            found.append(Finding("changed", rid, f"row {rid} differs from the head recorded in "
                                                 f"{where}: the chain was rewritten",
                                 f"第 {rid} 行与 {where} 记录的链头不符：审计链被重写"))
    return found
