"""A household's papers (材料): attach, list, find the stored file, remove (never delete).

Files are copied into the papers folder beside the database (for the default database: in the
data directory), named by their SHA-256 so that the same content is stored once and a changed
file is noticed. Every attachment and removal is audited on the household. Size and type are
checked before anything is read or written, with a refusal that names the limit.

The required papers of a case step or a temporary-aid case (the old free-text documents list)
are :data:`REQUIRED_PAPERS`: a step lists which of them are attached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from ..db import Database
from ..errors import NotFoundError, ServiceResult, StateError, ValidationError
from ..models import AuditEntry, Paper, User  # noqa: F401 (AuditEntry: the history reads it)
from ..models.aid import AidCase
from ..models.assistance import AssistanceCase
from ..models.liaison import Visit
from ..models.registry import Household
from .audit import Auditor, resolve_user
from .auth import requires

MAX_PAPER_BYTES = 20 * 1024 * 1024  # a scanned A4 page at 300 dpi is 1–3 MB; a phone photo 2–8 MB
ALLOWED_SUFFIXES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                    ".png": "image/png", ".tif": "image/tiff", ".tiff": "image/tiff",
                    ".bmp": "image/bmp", ".doc": "application/msword",
                    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    ".xls": "application/vnd.ms-excel",
                    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ".ofd": "application/ofd"}
# What the file must start with, where the type has a signature.
_MAGIC = {".pdf": (b"%PDF",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
          ".png": (b"\x89PNG\r\n\x1a\n",), ".tif": (b"II*\x00", b"MM\x00*"),
          ".tiff": (b"II*\x00", b"MM\x00*"), ".bmp": (b"BM",)}

# The papers each step or case asks for (national practice; the aid list is the one the
# quick-entry form suggested).
REQUIRED_PAPERS: dict[str, tuple[str, ...]] = {
    "apply": ("低保（特困）申请书", "身份证复印件", "户口簿复印件", "家庭经济状况核对授权书"),
    "economic_check": ("家庭经济状况核对报告",),
    "investigation": ("入户调查表", "入户调查照片"),
    "publicity": ("公示照片",),
    "confirm": ("审核确认表",),
    "aid": ("临时救助申请书", "身份证复印件", "户口簿复印件", "银行卡（存折）复印件",
            "困难情况证明材料"),
}


def papers_dir(db: Database) -> Path:
    """The folder beside the database that holds its papers (``<name>.papers``)."""
    if db.path is None:
        raise StateError("papers need a database file", "数据库不是文件，无法保存材料")
    return db.path.with_name(db.path.stem + ".papers")


def stored_path(db: Database, sha256: str) -> Path:
    return papers_dir(db) / sha256[:2] / sha256


@dataclass(frozen=True)
class PaperView:
    id: int
    file_name: str
    kind: str
    sha256: str
    size: int
    media_type: str
    added_by: str
    added_at: dt.datetime
    step: str | None
    removed: bool
    path: Path


def check_file(path: str | Path, max_bytes: int = MAX_PAPER_BYTES) -> tuple[int, str]:
    """Refuse a file that is too large or of a type not kept; returns (size, media type)."""
    p = Path(path)
    if not p.is_file():
        raise ValidationError.single("file", f"{p} is not a file", f"{p} 不是文件")
    size = p.stat().st_size
    limit_mb = max_bytes / (1024 * 1024)
    if size > max_bytes:
        raise ValidationError.single(
            "file", f"{p.name} is {size / 1024 / 1024:.1f} MB; a paper may be at most "
                    f"{limit_mb:g} MB (scan at 200–300 dpi, or split the file)",
            f"{p.name} 大小为 {size / 1024 / 1024:.1f} MB，超过单个材料 {limit_mb:g} MB 的上限"
            f"（请以200–300 dpi扫描，或分成几个文件）")
    if size == 0:
        raise ValidationError.single("file", f"{p.name} is empty", f"{p.name} 是空文件")
    suffix = p.suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        kinds = "、".join(sorted({s.lstrip('.').upper() for s in ALLOWED_SUFFIXES}))
        raise ValidationError.single(
            "file", f"{p.name}: files of type {suffix or '(none)'} are not kept; allowed: {kinds}",
            f"{p.name}：不接受 {suffix or '无扩展名'} 类型的文件；可接受：{kinds}")
    magic = _MAGIC.get(suffix)
    if magic:
        with p.open("rb") as f:
            head = f.read(16)
        if not any(head.startswith(m) for m in magic):
            raise ValidationError.single(
                "file", f"{p.name} is not a {suffix.lstrip('.').upper()} file inside",
                f"{p.name} 的内容不是 {suffix.lstrip('.').upper()} 文件")
    return size, ALLOWED_SUFFIXES[suffix]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@requires(("registry.write", "case.write", "aid.record", "liaison.write"))
def attach_paper(db: Database, actor: str | int, path: str | Path, *, kind: str = "",
                 household_id: int | None = None, case_id: int | None = None,
                 step: str | None = None, aid_case_id: int | None = None,
                 visit_id: int | None = None) -> ServiceResult:
    """Copy ``path`` into the papers folder (by content hash) and attach it to one record:
    a household, an assistance case (and the ``step`` it documents), a temporary-aid case or
    a liaison visit. Audited on the household. ``created_id`` is the paper's id."""
    targets = [x for x in (household_id, case_id, aid_case_id, visit_id) if x is not None]
    if len(targets) != 1:
        raise ValidationError.single("record", "attach a paper to exactly one record",
                                     "材料须附在一条记录上")
    size, media = check_file(path)
    src = Path(path)
    digest = _sha256(src)
    dest = stored_path(db, digest)
    if not dest.exists() or dest.stat().st_size != size:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        shutil.copyfile(src, tmp)
        if _sha256(tmp) != digest:  # the file changed while it was copied
            tmp.unlink(missing_ok=True)
            raise StateError(f"{src.name} changed while it was copied; attach it again",
                             f"{src.name} 在复制过程中发生了变化，请重新添加")
        tmp.replace(dest)
    with db.begin() as s:
        user = resolve_user(s, actor)
        hh_id = household_id
        if case_id is not None:
            case = s.get(AssistanceCase, case_id)
            if case is None:
                raise NotFoundError("case", case_id, "救助案件")
            hh_id = case.household_id
        elif aid_case_id is not None:
            aid = s.get(AidCase, aid_case_id)
            if aid is None:
                raise NotFoundError("temporary aid case", aid_case_id, "临时救助案件")
            hh_id = aid.household_id
        elif visit_id is not None and s.get(Visit, visit_id) is None:
            raise NotFoundError("liaison visit", visit_id, "联系走访")
        elif household_id is not None and s.get(Household, household_id) is None:
            raise NotFoundError("household", household_id, "户")
        paper = Paper(sha256=digest, size=size, file_name=src.name[:255], media_type=media,
                      kind=kind.strip()[:64], household_id=household_id, case_id=case_id,
                      step=step, aid_case_id=aid_case_id, visit_id=visit_id, added_by=user.id,
                      removed_reason="")
        s.add(paper)
        s.flush()
        Auditor(s, user).created("attachment", paper.id,
                                 {"file_name": paper.file_name, "paper_kind": paper.kind,
                                  "sha256": digest, "size": size}, hh_id)
        return ServiceResult(household_ids={hh_id} if hh_id else set(), created_id=paper.id)


def list_papers(db: Database, *, household_id: int | None = None, case_id: int | None = None,
                step: str | None = None, aid_case_id: int | None = None,
                visit_id: int | None = None, include_removed: bool = False) -> list[PaperView]:
    """The papers of one record, oldest first, with who added them and when."""
    with db.read() as s:
        stmt = select(Paper, User.username).join(User, User.id == Paper.added_by)
        for col, value in ((Paper.household_id, household_id), (Paper.case_id, case_id),
                           (Paper.step, step), (Paper.aid_case_id, aid_case_id),
                           (Paper.visit_id, visit_id)):
            if value is not None:
                stmt = stmt.where(col == value)
        if not include_removed:
            stmt = stmt.where(Paper.removed_at.is_(None))
        return [PaperView(p.id, p.file_name, p.kind, p.sha256, p.size, p.media_type, name,
                          p.added_at, p.step, p.removed_at is not None,
                          stored_path(db, p.sha256))
                for p, name in s.execute(stmt.order_by(Paper.id))]


def paper_file(db: Database, paper_id: int) -> Path:
    """The stored file of a paper, checked against its hash (a file changed or lost in the
    papers folder is refused, naming where it should be)."""
    with db.read() as s:
        p = s.get(Paper, paper_id)
        if p is None:
            raise NotFoundError("paper", paper_id, "材料")
        digest = p.sha256
    path = stored_path(db, digest)
    if not path.is_file():
        raise StateError(f"the stored file {path} is missing", f"材料文件 {path} 不见了")
    if _sha256(path) != digest:
        raise StateError(f"the stored file {path} was changed", f"材料文件 {path} 已被改动")
    return path


@requires(("registry.write", "case.write", "aid.record", "liaison.write"))
def remove_paper(db: Database, actor: str | int, paper_id: int, reason: str) -> ServiceResult:
    """Take a paper off its record (a wrong file, a duplicate): marked removed with who, when
    and why, audited; the stored file is kept."""
    if not reason.strip():
        raise ValidationError.single("reason", "give the reason for removing the paper",
                                     "请填写移除材料的原因")
    with db.begin() as s:
        user = resolve_user(s, actor)
        p = s.get(Paper, paper_id)
        if p is None:
            raise NotFoundError("paper", paper_id, "材料")
        if p.removed_at is not None:
            raise StateError(f"paper {paper_id} was already removed", f"材料 {paper_id} 已移除")
        hh_id = p.household_id
        if hh_id is None and p.case_id is not None:
            hh_id = s.get(AssistanceCase, p.case_id).household_id
        elif hh_id is None and p.aid_case_id is not None:
            hh_id = s.get(AidCase, p.aid_case_id).household_id
        p.removed_at, p.removed_by, p.removed_reason = dt.datetime.now(), user.id, reason.strip()
        Auditor(s, user).note("detach", "attachment", p.id,
                              f"{p.file_name}: {reason.strip()}", hh_id)
        return ServiceResult(household_ids={hh_id} if hh_id else set())


def checklist(db: Database, step: str, **record: int) -> list[tuple[str, bool]]:
    """The required papers of ``step`` ('apply', 'investigation', …, or 'aid') and whether
    each is attached to the record (by the paper's kind)."""
    kinds = {p.kind for p in list_papers(db, step=None if step == "aid" else step, **record)}
    return [(k, k in kinds) for k in REQUIRED_PAPERS.get(step, ())]
