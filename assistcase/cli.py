"""Command line (English): ``assistcase --help``."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from pathlib import Path

from .config import current_username, resolve_db_url
from .errors import AssistCaseError, ValidationError
from .progress import message_part

log = logging.getLogger("assistcase")


def _key(args: argparse.Namespace) -> bytes | None:
    """The data key of an encrypted database from --password (the slot: --slot or --user),
    --recovery-key, the environment or the terminal; None for a plain database."""
    from .db import sqlite_file
    from .security.unlock import key_for

    return key_for(sqlite_file(resolve_db_url(args.db)), slot=args.slot or args.user_given or current_username(),
                   password=args.password, recovery_key=args.recovery_key, ask=True)


def _core(args: argparse.Namespace, upgrade: bool = True, sign_in: bool = True):
    """The façade every command works through, for the signed-in user (``--read-only``:
    every write is refused)."""
    from .core import Core

    db = _open(args, upgrade, sign_in)
    return Core(db, args.user, read_only=args.read_only)


def _open(args: argparse.Namespace, upgrade: bool = True, sign_in: bool = True):
    """Open the database and sign in (issue 13): with ``--token FILE`` (made by
    ``assistcase login``; ``$ASSISTCASE_TOKEN`` names one too), else ``--user NAME`` and the
    password (prompted; read from standard input when that is no terminal). The signed-in
    identity becomes ``args.user`` and the database's reader."""
    from .db import open_database

    db = open_database(args.db, upgrade=upgrade and not args.read_only, read_only=args.read_only,
                       key=_key(args))
    if sign_in:
        args.user = _sign_in(db, args)
        db.signed_in = args.user
    return db


def _read_password(prompt: str = "password: ") -> str:
    import getpass

    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


def _sign_in(db, args: argparse.Namespace):
    import json
    import os

    from .errors import SignInError
    from .services import auth

    token_path = getattr(args, "token", None) or os.environ.get("ASSISTCASE_TOKEN")
    if token_path:
        try:
            data = json.loads(Path(token_path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise SignInError(f"cannot read the sign-in token {token_path}: {e}",
                              f"无法读取登录令牌 {token_path}") from None
        return auth.sign_in_with_token(db, data.get("token", ""))
    name = getattr(args, "user_given", None)
    if not name:
        raise SignInError("sign in first: give --user NAME (the password is asked for) or "
                          "--token FILE from `assistcase login`",
                          "请先登录：使用 --user 用户名（随后输入密码）或 assistcase login 生成的 --token 文件")
    return auth.sign_in(db, name, _read_password(f"password for {name}: "))


def cmd_login(args: argparse.Namespace) -> int:
    """Sign in once and write a token file for batch runs, valid for ``--hours`` (default:
    the ``cli_token_hours`` policy)."""
    import json
    import os

    from .config import data_dir
    from .services import auth

    db = _open(args)
    token, expires = auth.issue_token(db, args.user, hours=args.hours)
    out = Path(args.out) if args.out else data_dir() / "token.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"db": db.url, "user": args.user.username, "token": token,
                   "expires": expires.isoformat(timespec="minutes")}, f)
    print(f"signed in as {args.user.username}; token written to {out}, valid until "
          f"{expires:%Y-%m-%d %H:%M} (use --token {out})")
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    """The first administrator of a new database, or (as an administrator) a new user."""
    from .services import auth

    if args.action == "first-admin":
        db = _open(args, sign_in=False)
        password = _read_password("new administrator's password: ")
        ident = auth.create_first_administrator(db, args.name, password, args.display or "")
        print(f"administrator {ident.username} created")
        return 0
    db = _open(args)
    grants = []
    for item in args.role or []:
        role, _, area = item.partition("@")
        area_id = None
        if area:
            from .models import Area
            from sqlalchemy import select

            with db.read() as s:
                area_id = s.scalar(select(Area.id).where(Area.code == area))
        grants.append((role, area_id))
    password = _read_password(f"password for the new user {args.name}: ")
    auth.create_user(db, args.user, args.name, args.display or args.name, password, grants)
    print(f"user {args.name} created with {len(grants)} role(s)")
    return 0


def _progress_printer(quiet: bool):
    last = [-1]

    def progress(fraction: float, message: str) -> None:
        pct = int(fraction * 100)
        if not quiet and pct != last[0] and pct % 5 == 0:
            last[0] = pct
            text = message_part(message, zh=False)  # the CLI and logs speak English
            print(f"  {pct:3d}%  {text}".rstrip(), file=sys.stderr, flush=True)

    return progress


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import generate_demo, generate_demo_city

    from .db import safe_url
    from .demo_users import create_demo_role_users, create_demo_users
    from .services.auth import needs_first_administrator

    core = _core(args, sign_in=False)
    db = core.db
    new = needs_first_administrator(db)
    if new:
        args.user = create_demo_users(db)     # a new demo database: one user per role
    else:
        args.user = _sign_in(db, args)
    db.signed_in = core.actor = args.user
    t0 = time.perf_counter()
    extra = {} if args.registry_only else {"monitoring": True}
    generate = generate_demo if args.registry_only else generate_demo_city
    summary = core.write(generate, households=args.households, seed=args.seed,
                         progress=_progress_printer(args.quiet), **extra)
    print(f"generated {summary.households} households and {summary.persons} persons "
          f"in {time.perf_counter() - t0:.1f} s into {safe_url(db.url)}")
    if new:
        create_demo_role_users(db, args.user)
        from .demo_users import DEMO_USERS

        print("demo users (user / password / role): " + "; ".join(
            f"{u.username} / {u.password} / {u.role}" for u in DEMO_USERS))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .services.queries import HouseholdFilter, household_rows, search_household_ids

    db = _open(args)
    with db.read() as s:
        flt = HouseholdFilter(text=args.text, status=None if args.all else "active")
        ids = search_household_ids(s, flt)
        rows = household_rows(s, ids[: args.limit])
        for hid in ids[: args.limit]:
            r = rows[hid]
            print(f"{r.number}\t{r.head_name}\t{r.head_id_number}\t{r.township}/{r.village}\t"
                  f"{r.category}\t{r.member_count}\t{r.status}")
    print(f"{len(ids)} household(s) found" + (f", first {args.limit} shown"
                                               if len(ids) > args.limit else ""),
          file=sys.stderr)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from .db import Database, explained_open_errors, sqlite_file
    from .security.cipher import is_encrypted

    url = resolve_db_url(args.db)
    path = sqlite_file(url)
    with explained_open_errors(path or url):
        if args.action == "encrypt":
            return _db_encrypt(path, args)
        if args.action == "check" and path is not None and is_encrypted(path):
            from .security.keyslots import sidecar_path

            if not sidecar_path(path).exists():
                print(f"{path} is not a plain SQLite file and has no key file beside it: it "
                      "is not a database, or an encrypted one whose .keys file is missing")
                return _db_action(Database(url), args)
            _print_encryption(path)
            if not (args.password or args.recovery_key or _env_secret()):
                print("give --password (or --recovery-key) to check its schema and integrity")
                return 0
        elif args.action == "check" and path is not None and path.exists():
            print(f"encryption: none (a plain SQLite file anyone can read); "
                  f"`assistcase db encrypt` encrypts it")
        if args.action in ("add-slot", "passwd", "remove-slot", "recovery-key"):
            return _db_slots(path, args)
        db = Database(url, key=_key(args))
        return _db_action(db, args)


def _env_secret() -> bool:
    import os

    from .security.unlock import ENV_PASSWORD, ENV_RECOVERY

    return bool(os.environ.get(ENV_PASSWORD) or os.environ.get(ENV_RECOVERY))


def _print_encryption(path: Path) -> None:
    from .security.keyslots import sidecar_path, slot_names

    try:
        names = ", ".join(slot_names(path)) or "none"
    except AssistCaseError as e:
        names = f"unreadable ({e.message_en})"
    print(f"encryption: SQLCipher (AES-256), encrypted file {path}; key slots in "
          f"{sidecar_path(path)}: {names} and the recovery key")
    from .security.cipher import NEW_FORMAT, file_format

    try:
        fmt = file_format(path)
    except AssistCaseError:
        return
    print(f"pages: {fmt.page_size} bytes, authenticated by {fmt.hmac}"
          + ("" if fmt == NEW_FORMAT else
             "; `assistcase db encrypt` rewrites them in the current, faster format"))


def _new_password(args: argparse.Namespace, who: str) -> str:
    if args.new_password:
        return args.new_password
    import getpass

    if not sys.stdin.isatty():
        raise ValidationError.single("--new-password", "give the new password",
                                     "请输入新密码")
    first = getpass.getpass(f"new password for {who}: ")
    if getpass.getpass("the same again: ") != first:
        raise ValidationError.single("--new-password", "the two passwords differ",
                                     "两次输入的密码不一致")
    return first


def _db_encrypt(path: Path | None, args: argparse.Namespace) -> int:
    from .security.cipher import encrypt_database, is_encrypted

    if path is None:
        raise ValidationError.single("--db", "only a SQLite file can be encrypted",
                                     "只有 SQLite 文件数据库可以加密")
    if is_encrypted(path):
        # a file encrypted before the page format was recorded: rewritten in today's
        # (faster HMAC, same data key, slots and recovery key), all or nothing
        from .security.cipher import NEW_FORMAT, reencrypt_database

        if reencrypt_database(path, _key(args), NEW_FORMAT,
                              progress=lambda m: print(m, file=sys.stderr, flush=True)):
            print(f"database {path} re-encrypted in the current page format; its passwords "
                  "and recovery key are unchanged")
        else:
            print(f"database {path} is already encrypted in the current page format")
        return 0
    slot = args.slot or args.user_given or current_username()
    password = args.password or args.new_password or _new_password(args, slot)
    recovery, backup = encrypt_database(
        path, {slot: password}, progress=lambda m: print(m, file=sys.stderr, flush=True),
        keep_plain_backup=not args.no_plain_backup)
    print(f"database {path} is now encrypted; key slot: {slot}")
    if backup:
        print(f"WARNING: the plain backup {backup} is NOT encrypted: keep it somewhere safe or "
              "delete it once the encrypted database has been checked")
    print("RECOVERY KEY (shown only this once; print it and lock it away):")
    print(f"    {recovery}")
    return 0


def _db_slots(path: Path | None, args: argparse.Namespace) -> int:
    from .security import keyslots

    slot = args.slot or args.user_given or current_username()
    if args.action == "passwd":
        keyslots.change_password(path, slot, args.password or "", _new_password(args, slot))
        print(f"password of {slot} changed")
        return 0
    if args.action == "remove-slot":
        _key(args)  # only someone who can open the database removes a slot
        keyslots.remove_slot(path, args.name)
        print(f"key slot {args.name} removed")
        return 0
    key = _key(args)
    if key is None:
        raise ValidationError.single("--db", "the database is not encrypted", "数据库未加密")
    if args.action == "recovery-key":
        print("NEW RECOVERY KEY (the old one no longer opens the database):")
        print(f"    {keyslots.new_recovery_key(path, key)}")
        return 0
    if not args.name:
        raise ValidationError.single("--name", "name the user to add", "请指定用户名")
    keyslots.add_slot(path, args.name, _new_password(args, args.name), unlock_with=key)
    print(f"key slot {args.name} added")
    return 0


def _db_verify(db, args: argparse.Namespace) -> int:
    from .services.audit import verify_audit_log

    if not db.is_current():
        db.check_version()
        print("the database must be upgraded first (`assistcase db upgrade`)", file=sys.stderr)
        return 2
    heads = _recorded_heads(db)
    result = verify_audit_log(db, heads)
    for f in result.findings:
        print(f"{f.kind}: {f.detail_en}")
    tail = f"last row {result.head_id}, hash {result.head_hash}" if result.head_id else "empty"
    checked = f"; {len(heads)} head(s) recorded in backup manifests checked" if heads else ""
    if result.ok:
        print(f"audit log intact: {result.rows} rows, {tail}{checked}")
        return 0
    print(f"audit log NOT intact: {len(result.findings)} problem(s) in {result.rows} rows "
          f"(the first: row {result.findings[0].row_id}){checked}")
    return 1


def _recorded_heads(db) -> list[tuple[int, str, str]]:
    from .services.backups import recorded_heads

    return recorded_heads(db.path) if db.path is not None else []


def _backup_settings(db, args: argparse.Namespace):
    from .services.backups import settings_for

    if db.path is None:
        raise ValidationError.single("--db", "backups here are of SQLite files",
                                     "此处只备份 SQLite 文件数据库")
    return settings_for(db.path, folder=args.backup_dir, mirror=args.mirror, keep=args.keep)


def _db_restore(db, args: argparse.Namespace) -> int:
    from .services.backups import BackupInfo, manifest_path, restore_backup

    if not args.file:
        raise ValidationError.single("FILE", "name the backup to restore (see `db backups`)",
                                     "请指定要恢复的备份文件")
    backup = Path(args.file)
    try:
        info = BackupInfo.load(manifest_path(backup))
    except (OSError, ValueError, KeyError):
        raise ValidationError.single(
            "FILE", f"{backup} is not a backup made by AssistCase (no readable manifest)",
            f"{backup} 不是 AssistCase 制作的备份（没有可读的清单）") from None
    print(f"backup of {info.created:%Y-%m-%d %H:%M:%S} ({info.reason}), schema "
          f"{info.schema}, {'encrypted' if info.encrypted else 'plain'}:")
    for table, n in sorted(info.counts.items()):
        print(f"  {table:<32} {n:>10,}")
    if not args.yes:
        if not sys.stdin.isatty():
            print("add --yes to restore it", file=sys.stderr)
            return 2
        if input(f"replace {db.path} with it (the current state is backed up first)? "
                 "[y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing changed")
            return 1
    key = db.key
    if info.encrypted and key is None:
        from .security.unlock import key_for

        key = key_for(backup, slot=args.slot or args.user_given or current_username(), password=args.password,
                      recovery_key=args.recovery_key, ask=True)
    result = restore_backup(db, backup, key=key)
    print(f"restored {db.path} from {backup}")
    if result.previous:
        print(f"the state before the restore was saved as {result.previous}")
    return 0


def _db_action(db, args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from .db import head_revision

    shown = make_url(db.url).render_as_string(hide_password=True)  # never print a password

    if args.action == "upgrade":
        before = db.revision()
        backup = db.upgrade()
        print(f"database {shown}: {before or 'empty'} -> {db.revision()}")
        if backup:
            print(f"backup of the previous version: {backup}")
    elif args.action == "backup":
        if args.to:
            dest = db.backup(Path(args.to))
            print(f"backup written to {dest}")
        else:
            from .services.backups import make_backup

            info = make_backup(db, "manual", _backup_settings(db, args))
            print(f"backup written and verified: {info.path}")
            print(f"  {info.summary()}")
    elif args.action == "backups":
        from .services.backups import list_backups

        settings = _backup_settings(db, args)
        found = list_backups(settings.folder, db.path)
        for b in found:
            print(f"{b.summary()}  {b.path}")
        print(f"{len(found)} backup(s) in {settings.folder} (keeping {settings.daily} daily, "
              f"{settings.weekly} weekly, {settings.monthly} monthly"
              + (f"; second folder {settings.mirror}" if settings.mirror else "") + ")")
    elif args.action == "restore":
        return _db_restore(db, args)
    elif args.action == "verify":
        return _db_verify(db, args)
    elif args.action == "check":
        state = db.check_version()
        print(f"database {shown}: schema {db.revision() or 'none'}, this AssistCase: "
              f"{head_revision()} ({state})")
        if db.path is not None and state != "empty":
            with db.engine.connect() as conn:
                integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
                fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            print(f"integrity: {integrity}; foreign key violations: {len(fk)}")
            if integrity != "ok" or fk:
                return 1
        return 0 if state == "current" else 1
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .io import import_registry, load_mapping, write_report_xlsx

    mapping = load_mapping(args.mapping) if args.mapping else None
    core = _core(args)
    report = core.write(import_registry, args.file, sheet=args.sheet, mapping=mapping,
                        dry_run=args.dry_run, progress=_progress_printer(args.quiet))
    for issue in report.issues[: args.limit]:
        print(issue.line("en"), file=sys.stderr)
    if len(report.issues) > args.limit:
        print(f"... and {len(report.issues) - args.limit} more (use --report OUT.xlsx for all)",
              file=sys.stderr)
    if args.dry_run:
        for change in report.changes[: args.limit]:
            detail = "; ".join(f"{f}: {old!r} -> {new!r}" for f, old, new in change.fields)
            print(f"would {change.action} {change.entity} {change.key} (row {change.row})"
                  + (f": {detail}" if detail else ""))
        if len(report.changes) > args.limit:
            print(f"... and {len(report.changes) - args.limit} more changes")
    if args.report:
        write_report_xlsx(report, args.report)
        print(f"report written to {args.report}", file=sys.stderr)
    print(report.summary() + f" in {report.seconds:.1f} s")
    return 0 if report.ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    from sqlalchemy import or_, select

    from .io import export_registry
    from .models import Area
    from .services.queries import HouseholdFilter

    db = _open(args)
    area_id = None
    if args.village:
        with db.read() as s:
            found = s.execute(select(Area.id, Area.code, Area.name, Area.level)
                              .where(or_(Area.code == args.village, Area.name == args.village))
                              ).all()
        if len(found) != 1:
            which = ", ".join(f"{r.code} {r.name}" for r in found) or "none"
            print(f"error: --village {args.village!r} must name exactly one area "
                  f"(code or name); found: {which}", file=sys.stderr)
            return 2
        area_id = found[0].id
    flt = HouseholdFilter(text=args.text or "", area_id=area_id, category=args.category,
                          status=None if args.status == "all" else args.status)
    t0 = time.perf_counter()
    n = export_registry(db, args.out, flt, progress=_progress_printer(args.quiet))
    print(f"exported {n} household(s) to {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


# --- rosters (发放花名册) --------------------------------------------------------------------


def _month_arg(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month in the form YYYY-MM") from None


def _date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def _yuan_arg(text: str) -> int:
    """An amount in yuan (at most two decimals) as fen."""
    from .rules.money import parse_yuan

    fen = parse_yuan(text, allow_zero=False)
    if fen is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount in yuan (e.g. 210 or 210.50)")
    return fen


def _categories_arg(text: str) -> tuple[str, ...]:
    cats = tuple(c.strip() for c in text.split(",") if c.strip())
    bad = [c for c in cats if c not in ("dibao", "tekun")]
    if not cats or bad:
        raise argparse.ArgumentTypeError("categories are dibao and/or tekun, comma-separated")
    return cats


def _area_id(db, text: str, option: str = "--area") -> int:
    """The area named by its 12-digit code, or by its name when only one area has it."""
    from sqlalchemy import or_, select

    from .models import Area

    with db.read() as s:
        found = s.execute(select(Area.id, Area.code, Area.name, Area.level)
                          .where(or_(Area.code == text, Area.name == text))
                          .order_by(Area.code)).all()
    if len(found) != 1:
        which = "; ".join(f"{r.code} {r.name} ({r.level})" for r in found) or "none"
        raise ValidationError.single(
            option, f"{text!r} must name exactly one area (12-digit code or name); found: {which}",
            f"“{text}”应唯一确定一个区划（12位代码或名称）")
    return found[0].id


def _yuan(fen: int) -> str:
    from .rules.money import yuan

    return f"{yuan(fen)} yuan"


def _print_built(result) -> None:
    extra = [f"{n} {what}" for n, what in ((result.reissues, "reissue(s)"),
                                            (result.adjustments, "adjustment(s)"),
                                            (result.deferred_deductions, "deduction(s) deferred"),
                                            (result.skipped_no_standard,
                                             "case(s) skipped for want of a standard")) if n]
    print(f"built roster {result.roster_id}: {result.lines} line(s), {_yuan(result.total_fen)}"
          + (f" ({', '.join(extra)})" if extra else "") + "; status draft")


def cmd_roster_build(args: argparse.Namespace) -> int:
    from .services import rosters as R

    core = _core(args)
    data = R.MonthlyRosterInput(_area_id(core.db, args.area), args.month, args.program,
                                args.residence_class)
    _print_built(core.write(R.build_monthly_roster, data,
                                        progress=_progress_printer(args.quiet)))
    return 0


def cmd_roster_one_time(args: argparse.Namespace) -> int:
    from .services import rosters as R

    core = _core(args)
    data = R.OneTimeInput(_area_id(core.db, args.area), args.date, args.amount, args.categories,
                          args.residence_class, purpose=args.purpose)
    _print_built(core.write(R.build_one_time_roster, data,
                                         progress=_progress_printer(args.quiet)))
    return 0


def cmd_roster_list(args: argparse.Namespace) -> int:
    from .services import rosters as R

    db = _open(args)
    with db.read() as s:
        views = R.list_rosters(s, month=args.month, status=args.status, limit=args.limit)
    for v in views:
        print(f"{v.id}\t{v.month:%Y-%m}\t{v.program}\t{v.residence_class or 'all'}\t"
              f"{v.area_code} {v.area_name}\t{v.status}\t{v.line_count}\t"
              f"{_yuan(v.total_fen)}\t{v.title}")
    print(f"{len(views)} roster(s)", file=sys.stderr)
    return 0


def cmd_roster_review(args: argparse.Namespace) -> int:
    from .services import rosters as R

    view = _core(args).write(R.review_roster, args.roster_id)
    print(f"roster {view.id} reviewed by {view.reviewed_by}: {view.line_count} line(s), "
          f"{_yuan(view.total_fen)}")
    return 0


def cmd_roster_approve(args: argparse.Namespace) -> int:
    from .services import rosters as R

    view = _core(args).write(R.approve_roster, args.roster_id)
    print(f"roster {view.id} approved by {view.approved_by} and frozen: {view.line_count} "
          f"line(s), {_yuan(view.total_fen)}")
    return 0


def cmd_roster_pdf(args: argparse.Namespace) -> int:
    from .reports.roster_pdf import write_notice_pdf, write_roster_pdf

    writer = write_notice_pdf if args.roster_action == "notice" else write_roster_pdf
    t0 = time.perf_counter()
    out = writer(_open(args), args.roster_id, args.out, progress=_progress_printer(args.quiet))
    what = "public notice" if args.roster_action == "notice" else "roster"
    print(f"{what} of roster {args.roster_id} written to {out} in "
          f"{time.perf_counter() - t0:.1f} s")
    return 0


def cmd_roster_xlsx(args: argparse.Namespace) -> int:
    from .io.bank import write_bank_xlsx

    t0 = time.perf_counter()
    summary = write_bank_xlsx(_open(args), args.roster_id, args.out,
                              progress=_progress_printer(args.quiet))
    print(f"bank file of roster {args.roster_id} written to {summary.path} in "
          f"{time.perf_counter() - t0:.1f} s: {summary.bank_rows} payment(s) by bank, "
          f"{_yuan(summary.bank_fen)}; {summary.cash_rows} without an account (cash), "
          f"{_yuan(summary.cash_fen)}; total {summary.rows} row(s), {_yuan(summary.total_fen)}")
    return 0


def cmd_roster_bank_returns(args: argparse.Namespace) -> int:
    from .io.bank import import_bank_returns

    r = _core(args).write(import_bank_returns, args.roster_id, args.file,
                            progress=_progress_printer(args.quiet))
    print(f"bank returns recorded for roster {args.roster_id}: {r.paid} paid "
          f"({_yuan(r.paid_fen)}), {r.failed} failed ({_yuan(r.failed_fen)}), "
          f"{r.unchanged} unchanged")
    if r.failed:
        print("failed payments are reissued by the next roster of the program")
    return 0


def cmd_roster_funds(args: argparse.Namespace) -> int:
    from .reports.funds import write_funds_pdf, write_funds_xlsx
    from .services.funds import PROGRAM_SHORT_ZH, funds_report

    if not (args.pdf or args.xlsx):
        raise ValidationError.single("--pdf/--xlsx", "give --pdf OUT and/or --xlsx OUT",
                                     "请指定 --pdf 或 --xlsx 输出文件")
    db = _open(args)
    area_id = _area_id(db, args.area)
    with db.read() as s:
        rep = funds_report(s, area_id, args.year, args.month)
    for out, writer in ((args.pdf, write_funds_pdf), (args.xlsx, write_funds_xlsx)):
        if out:
            writer(rep, out)
            print(f"funds report written to {out}", file=sys.stderr)
    print(f"{rep.area_name} {rep.period_en()}: {len(rep.roster_ids)} approved roster(s)")
    for p in rep.programs:
        t = rep.program_total(p)
        print(f"  {p} ({PROGRAM_SHORT_ZH[p]}): {t.households} household(s), {t.persons} "
              f"{'person(s)' if rep.month else 'person-month(s)'}, paid {_yuan(t.paid_fen)}")
    print(f"  total paid {_yuan(rep.total.paid_fen)}"
          + (f" (bank failures not counted: {_yuan(rep.total.failed_fen)})"
             if rep.total.failed_fen else ""))
    for lv in rep.levels:
        if lv.required_fen is None:
            verdict = "no required level set"
        else:
            verdict = f"required {_yuan(lv.required_fen)}: {'BELOW' if lv.below else 'met'}"
        print(f"  dibao {lv.residence_class}: average {_yuan(lv.average_fen)} per person per "
              f"month, {verdict}")
    return 0


def _area_code_or_id(db, text: str) -> int:
    """An area by its database id (a short number), else by code or unique name."""
    from .models import Area

    if text.isdigit() and len(text) < 12:
        with db.read() as s:
            if s.get(Area, int(text)) is not None:
                return int(text)
    return _area_id(db, text)


def cmd_cases_exit_review(args: argparse.Namespace) -> int:
    from .services.recalc import recalculate_area
    from .services import case_review as X

    core = _core(args)
    db = core.db
    area = _area_code_or_id(db, args.area)
    if args.recalculate:
        r = core.write(recalculate_area, area, args.month)
        print(f"recalculated {args.month:%Y-%m}: {r.cases} case(s), {r.exit_review} flagged for "
              f"exit review", file=sys.stderr)
    with db.read() as s:
        computed = X.month_computed(s, area, args.month)
        rows = X.exit_reviews_due(s, area, args.month, limit=args.limit)
    if not computed:
        print(f"{args.month:%Y-%m} is not computed for this area: run with --recalculate "
              "(or build the month's roster) first", file=sys.stderr)
    print("case\thousehold\thead\tvillage\tstandard\thousehold income\tsize\t"
          "per-capita income\tamount")
    for r in rows:
        print(f"{r.case_id}\t{r.household_number}\t{r.head_name}\t{r.village}\t"
              f"{_yuan(r.standard_fen)}\t{_yuan(r.household_income_fen)}\t{r.household_size}\t"
              f"{_yuan(r.per_capita_fen)}\t{_yuan(r.amount_fen)}")
    print(f"{len(rows)} case(s) due for exit review in {args.month:%Y-%m}", file=sys.stderr)
    return 0


def cmd_cases_record_review(args: argparse.Namespace) -> int:
    from .services import case_review as X

    _core(args).write(X.record_exit_review, args.case_id, args.date, args.outcome,
                      args.findings, args.keep)
    en, _zh = X.OUTCOMES[args.outcome]
    print(f"case {args.case_id}: exit review recorded ({en}), effective from the month after "
          f"{args.date}")
    return 0


def cmd_cases_marginal(args: argparse.Namespace) -> int:
    from .services import case_review as X

    db = _open(args)
    with db.read() as s:
        rows = X.marginal_households(s, _area_code_or_id(db, args.area), args.month,
                                     limit=args.limit)
    print("household\thead\tvillage\tclass\tcategory\thousehold income\tsize\t"
          "per-capita income\tstandard\t% of standard")
    for r in rows:
        print(f"{r.household_number}\t{r.head_name}\t{r.village}\t{r.residence_class}\t"
              f"{r.category}\t{_yuan(r.household_income_fen)}\t{r.household_size}\t"
              f"{_yuan(r.per_capita_fen)}\t{_yuan(r.standard_fen)}\t"
              f"{r.percent_of_standard_text} (threshold {r.threshold_pct}%)")
    print(f"{len(rows)} marginal household(s) in {args.month:%Y-%m}", file=sys.stderr)
    return 0


def _keep_arg(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("person ids, comma-separated") from None


def cmd_todo(args: argparse.Namespace) -> int:
    from .services.todo import load_todo

    db = _open(args)
    todo = load_todo(db, _area_code_or_id(db, args.area), args.date, limit=args.limit)
    print("kind\tdue\toverdue\trecord\thousehold\tvillage\twhat")
    for i in todo.items:
        print(f"{i.kind_label('zh')}\t{i.due_on or ''}\t{'逾期' if i.overdue else ''}\t"
              f"{i.record} {i.record_id}\t{i.who}\t{i.village}\t{i.what}")
    counts = ", ".join(f"{k} {n}" for k, n in todo.counts().items() if n)
    print(f"{len(todo.items)} item(s) due in {todo.area_name} on {todo.as_of} "
          f"({todo.overdue} overdue){': ' + counts if counts else ''}", file=sys.stderr)
    return 0


def cmd_monitor_import(args: argparse.Namespace) -> int:
    from .io.outside_lists import import_outside_list, write_match_report_xlsx

    db = _open(args)
    rep = import_outside_list(db, args.user, args.file, args.kind, received_on=args.received,
                              sheet=args.sheet, dry_run=args.dry_run)
    for label, rows in (("same ID, another name", rep.name_mismatch),):
        for r in rows[: args.limit]:
            print(f"{label}: row {r.row} {r.id_number} {r.name} (registry: {r.registry_name})")
    for i in rep.refused[: args.limit]:
        print(i.line("en"))
    if args.report:
        write_match_report_xlsx(rep, args.report)
    print(rep.summary())
    return 0


def cmd_monitor_run(args: argparse.Namespace) -> int:
    from .services.monitoring import run_rules

    db = _open(args)
    area = _area_code_or_id(db, args.area) if args.area else None
    r = run_rules(db, args.user, args.date, area, progress=_progress_printer(args.quiet))
    for code, n in sorted(r.raised.items()):
        print(f"{code}\t{n}")
    print(f"rules run on {r.as_of}: {r.total} warning(s), {r.tasks} task(s), "
          f"{r.persons_checked} person(s) checked in {r.seconds:.1f} s")
    return 0


def cmd_monitor_rules(args: argparse.Namespace) -> int:
    from .services import monitoring as M

    db = _open(args)
    if args.code:
        with db.read() as s:
            rule = next((r for r in M.list_rules(s) if r.code == args.code), None)
        if rule is None:
            raise ValidationError.single("code", f"no rule {args.code}", f"没有规则 {args.code}")
        M.update_rule(db, args.user, rule.id, threshold=args.threshold,
                      period_months=args.period, severity=args.severity,
                      task_kind=args.task, active=None if args.active is None
                      else args.active == "yes")
    with db.read() as s:
        print("code\tthreshold\tperiod (months)\tseverity\ttask\tactive\tlabel")
        for r in M.list_rules(s):
            print(f"{r.code}\t{r.threshold}\t{r.period_months}\t{r.severity}\t{r.task_kind}\t"
                  f"{'yes' if r.active else 'no'}\t{r.label_zh}")
    return 0


def cmd_monitor_close(args: argparse.Namespace) -> int:
    from .services.monitoring import close_task

    db = _open(args)
    close_task(db, args.user, args.task_id, args.outcome, args.date, args.reason or "",
               death_on=args.death_date, case_id=args.case, aid_case_id=args.aid_case)
    print(f"task {args.task_id} closed: {args.outcome}")
    return 0


def cmd_monitor_report(args: argparse.Namespace) -> int:
    from .reports.monitoring import (monitoring_report, write_monitoring_pdf,
                                     write_monitoring_xlsx)

    db = _open(args)
    with db.read() as s:
        rep = monitoring_report(s, _area_code_or_id(db, args.area), args.start, args.end)
    print(rep.summary_zh())
    for r in rep.by_rule:
        print(f"{r.code}\t{r.warnings}")
    if args.pdf:
        write_monitoring_pdf(rep, args.pdf)
    if args.xlsx:
        write_monitoring_xlsx(rep, args.xlsx)
    return 0


def cmd_register(args: argparse.Namespace) -> int:
    from .services import register as G

    db = _open(args)
    flt = G.RegisterFilter(args.date, _area_code_or_id(db, args.area) if args.area else None,
                           tuple(args.category or ()))
    with db.read() as s:
        if args.xlsx:
            n = G.export_register_xlsx(s, flt, args.xlsx)
            print(f"{n} person(s) written to {args.xlsx}", file=sys.stderr)
        counts = G.register_counts(s, flt)
        if not args.xlsx:
            for r in G.register_rows(s, flt, limit=args.limit):
                print(f"{r.township}\t{r.village}\t{r.household_number}\t{r.name}\t"
                      f"{r.id_number}\t{r.categories_zh()}\t{r.since}")
    for c, (persons, households) in counts.by_category.items():
        print(f"{c}\t{persons} person(s)\t{households} household(s)", file=sys.stderr)
    print(f"register on {flt.on}: {counts.persons} person(s) in {counts.households} "
          "household(s)", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    # The common options work before or after the sub-command (``assistcase demo --db x``).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="database file or SQLAlchemy URL "
                             "(default: $ASSISTCASE_DB or the user data directory)")
    common.add_argument("--user", default=argparse.SUPPRESS,
                        help="sign in as this user (the password is asked for; read from "
                             "standard input when that is no terminal)")
    common.add_argument("--token", default=argparse.SUPPRESS,
                        help="sign in with a token file from `assistcase login` "
                             "(default: $ASSISTCASE_TOKEN)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)
    common.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                        help="open the database read-only: every write is refused")
    common.add_argument("--password", default=argparse.SUPPRESS,
                        help="password of an encrypted database's key slot (default: "
                             "$ASSISTCASE_PASSWORD, else asked on the terminal)")
    common.add_argument("--slot", default=argparse.SUPPRESS,
                        help="key slot (username) the password belongs to (default: --user)")
    common.add_argument("--recovery-key", default=argparse.SUPPRESS,
                        help="open an encrypted database with its recovery key "
                             "(default: $ASSISTCASE_RECOVERY_KEY)")
    p = argparse.ArgumentParser(
        prog="assistcase", parents=[common],
        description="AssistCase: social assistance case management (command line).")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, **kw):
        parser = sub.add_parser(name, parents=[common], **kw)
        parser._assistcase_parents = [common]  # for sub-commands defined in other modules
        return parser

    lg = add("login", help="sign in once and write a token file for batch runs")
    lg.add_argument("--hours", type=int, help="hours the token is valid (default: policy "
                                              "cli_token_hours, 8)")
    lg.add_argument("--out", help="token file (default: token.json in the data directory)")
    lg.set_defaults(func=cmd_login)

    us = add("user", help="first administrator of a new database; new users")
    us.add_argument("action", choices=("first-admin", "add"))
    us.add_argument("name")
    us.add_argument("--display", help="name shown and signed on rosters")
    us.add_argument("--role", action="append",
                    help="ROLE or ROLE@AREACODE (repeat), e.g. caseworker@411402001000")
    us.set_defaults(func=cmd_user)

    d = add("demo", help="generate a demo city into an empty database")
    d.add_argument("--households", type=int, default=2000)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--quiet", action="store_true", help="no progress output")
    d.add_argument("--registry-only", action="store_true",
                   help="households and persons only (no standards, no liaison records)")
    d.set_defaults(func=cmd_demo)

    s = add("search", help="search households by name, pinyin, ID number or "
                                      "household number")
    s.add_argument("text")
    s.add_argument("--limit", type=int, default=50)
    s.add_argument("--all", action="store_true", help="include closed households")
    s.set_defaults(func=cmd_search)

    im = add("import", help="import households and members from .xlsx or .csv (all or "
                            "nothing; exit code 1 when the file has errors)")
    im.add_argument("file")
    im.add_argument("--dry-run", action="store_true",
                    help="check and show what would be created and updated; write nothing")
    im.add_argument("--mapping", help="column mapping JSON (header -> field) to use")
    im.add_argument("--sheet", help="sheet to read (default: the first)")
    im.add_argument("--report", help="write the validation report to this .xlsx")
    im.add_argument("--limit", type=int, default=50, help="issues/changes printed (default 50)")
    im.add_argument("--quiet", action="store_true", help="no progress output")
    im.set_defaults(func=cmd_import)

    ex = add("export", help="export households and members to .xlsx in the import layout")
    ex.add_argument("out")
    ex.add_argument("--village", help="area code or name (village, township, county …)")
    ex.add_argument("--category", choices=["dibao", "tekun", "marginal", "monitored", "none"])
    ex.add_argument("--status", choices=["active", "closed", "all"], default="all")
    ex.add_argument("--text", help="search text (name, pinyin, ID number, household number)")
    ex.add_argument("--quiet", action="store_true", help="no progress output")
    ex.set_defaults(func=cmd_export)

    dbp = add("db", help="database maintenance: upgrade, check, encryption and key slots, "
                         "backups and restore, audit log verification")
    dbp.add_argument("action", choices=["upgrade", "backup", "check", "encrypt", "add-slot",
                                        "passwd", "remove-slot", "recovery-key", "verify", "backups",
                                        "restore"],
                     help="encrypt: convert a plain database to SQLCipher in place (prints "
                          "the recovery key once; an encrypted one in an older page format is "
                          "re-encrypted in the current one); add-slot --name U: give user U "
                          "a password; passwd: change the password of --slot/--user; recovery-key: "
                          "replace the recovery key; verify: check the audit log's hash "
                          "chain (exit code 1 when a row was changed, inserted or deleted); "
                          "backup: a verified backup into the backup folder, rotated; "
                          "backups: list them; restore FILE: put one back, all or nothing")
    dbp.add_argument("file", nargs="?", metavar="FILE", help="restore: the backup file")
    dbp.add_argument("--to", help="backup: write a plain copy to this file instead (no "
                                  "manifest, no rotation)")
    dbp.add_argument("--backup-dir", help="backup folder (default: $ASSISTCASE_BACKUP_DIR or "
                                          "'backups' beside the database)")
    dbp.add_argument("--mirror", help="second backup folder, e.g. a USB stick "
                                      "(default: $ASSISTCASE_BACKUP_MIRROR)")
    dbp.add_argument("--keep", help="backups kept: DAILY,WEEKLY,MONTHLY (default 7,4,12)")
    dbp.add_argument("--yes", action="store_true", help="restore without asking")
    dbp.add_argument("--name", help="add-slot, remove-slot: the user (key slot name)")
    dbp.add_argument("--new-password", help="encrypt, add-slot, passwd: the new password "
                                            "(asked on the terminal when not given)")
    dbp.add_argument("--no-plain-backup", action="store_true",
                     help="encrypt: do not keep the unencrypted backup made before converting")
    dbp.set_defaults(func=cmd_db)

    ca = add("cases", help="assistance cases: exit review (退出核查), marginal households")
    csub = ca.add_subparsers(dest="cases_action", required=True)

    def cadd(name: str, func, **kw):
        sp = csub.add_parser(name, parents=[common], **kw)
        sp.set_defaults(func=func)
        return sp

    er = cadd("exit-review", cmd_cases_exit_review,
              help="dibao cases whose per-capita income reaches the standard in a computed "
                   "month, with the figures")
    er.add_argument("--area", required=True, help="area id, 12-digit code or unique name")
    er.add_argument("--month", required=True, type=_month_arg, help="YYYY-MM")
    er.add_argument("--recalculate", action="store_true",
                    help="recompute the month's entitlements of the area first")
    er.add_argument("--limit", type=int, default=1000)
    rr = cadd("review", cmd_cases_record_review,
              help="record an exit review and its outcome, effective from the next month")
    rr.add_argument("case_id", type=int, metavar="CASE")
    rr.add_argument("--outcome", required=True,
                    choices=["continue", "reduce", "suspend", "terminate"])
    rr.add_argument("--date", required=True, type=_date_arg, help="review date YYYY-MM-DD")
    rr.add_argument("--findings", required=True)
    rr.add_argument("--keep", type=_keep_arg,
                    help="reduce: ids of the persons who stay covered, comma-separated")
    mg = cadd("marginal", cmd_cases_marginal,
              help="marginal households (低保边缘): per-capita income above the dibao standard, "
                   "at most the policy threshold (default 150%%)")
    mg.add_argument("--area", required=True, help="area id, 12-digit code or unique name")
    mg.add_argument("--month", required=True, type=_month_arg, help="YYYY-MM")
    mg.add_argument("--limit", type=int, default=1000)

    td = add("todo", help="the to-do list (待办) of an area: tasks, reviews, exit reviews, "
                          "publicity ending, applications and aid paperwork overdue")
    td.add_argument("--area", required=True, help="area id, 12-digit code or unique name")
    td.add_argument("--date", type=_date_arg, default=dt.date.today(), help="YYYY-MM-DD")
    td.add_argument("--limit", type=int, default=1000, help="items of each kind at most")
    td.set_defaults(func=cmd_todo)

    rg = add("register", help="the low-income register (低收入人口信息库) on a day")
    rg.add_argument("--area", help="area id, 12-digit code or unique name")
    rg.add_argument("--date", type=_date_arg, default=dt.date.today(), help="YYYY-MM-DD")
    rg.add_argument("--category", action="append",
                    choices=["dibao", "tekun", "marginal", "monitored", "hardship"])
    rg.add_argument("--xlsx", metavar="OUT", help="export every person to .xlsx")
    rg.add_argument("--limit", type=int, default=100)
    rg.set_defaults(func=cmd_register)

    mo = add("monitor", help="low-income monitoring: outside lists, warning rules, tasks, "
                             "the monitoring report")
    msub = mo.add_subparsers(dest="monitor_action", required=True)

    def madd(name: str, func, **kw):
        sp = msub.add_parser(name, parents=[common], **kw)
        sp.set_defaults(func=func)
        return sp

    mi = madd("import", cmd_monitor_import, help="import an outside list and match it by ID "
                                                 "number")
    mi.add_argument("file")
    mi.add_argument("--kind", required=True, choices=["sanlei", "death", "medical",
                                                      "disability", "vehicle", "business",
                                                      "public_employee"])
    mi.add_argument("--received", type=_date_arg, help="date received (default today)")
    mi.add_argument("--sheet")
    mi.add_argument("--dry-run", action="store_true")
    mi.add_argument("--report", help="write the match report to this .xlsx")
    mi.add_argument("--limit", type=int, default=50)
    mr = madd("run", cmd_monitor_run, help="run the warning rules (each event raised once)")
    mr.add_argument("--area", help="area id, 12-digit code or unique name (default: all)")
    mr.add_argument("--date", type=_date_arg, default=dt.date.today())
    mr.add_argument("--quiet", action="store_true")
    mu = madd("rules", cmd_monitor_rules, help="list the warning rules, or change one")
    mu.add_argument("code", nargs="?")
    mu.add_argument("--threshold", type=int)
    mu.add_argument("--period", type=int, help="months")
    mu.add_argument("--severity", choices=["high", "medium", "low"])
    mu.add_argument("--task", choices=["home_check", "eligibility_check", "payment_review"])
    mu.add_argument("--active", choices=["yes", "no"])
    mc = madd("close", cmd_monitor_close, help="record a task's outcome")
    mc.add_argument("task_id", type=int, metavar="TASK")
    mc.add_argument("--outcome", required=True, choices=["included", "changed", "terminated",
                                                         "no_action", "deceased",
                                                         "wrong_match"])
    mc.add_argument("--date", type=_date_arg, default=dt.date.today())
    mc.add_argument("--reason")
    mc.add_argument("--death-date", type=_date_arg)
    mc.add_argument("--case", type=int, help="included: the new case")
    mc.add_argument("--aid-case", type=int, help="included: the temporary-aid case")
    mp = madd("report", cmd_monitor_report, help="the monitoring report of an area and period")
    mp.add_argument("--area", required=True)
    mp.add_argument("--from", dest="start", required=True, type=_date_arg)
    mp.add_argument("--to", dest="end", required=True, type=_date_arg,
                    help="first day after the period")
    mp.add_argument("--pdf", metavar="OUT")
    mp.add_argument("--xlsx", metavar="OUT")

    ro = add("roster", help="payment rosters: build, review, approve, print, bank file and "
                            "returns, funds report")
    rsub = ro.add_subparsers(dest="roster_action", required=True)

    def radd(name: str, func, **kw):
        sp = rsub.add_parser(name, parents=[common], **kw)
        sp.set_defaults(func=func)
        return sp

    def quiet(sp):
        sp.add_argument("--quiet", action="store_true", help="no progress output")

    b = radd("build", cmd_roster_build, help="build a month's draft roster of a program")
    b.add_argument("--area", required=True, help="12-digit area code (or a unique name) of the "
                                                 "township, county or city")
    b.add_argument("--month", required=True, type=_month_arg, help="YYYY-MM")
    b.add_argument("--program", required=True, choices=["dibao", "tekun"])
    b.add_argument("--class", dest="residence_class", choices=["urban", "rural"],
                   help="one class only (default: urban and rural together)")
    quiet(b)
    o = radd("one-time", cmd_roster_one_time,
             help="build a one-time subsidy roster: an amount per person covered")
    o.add_argument("--area", required=True, help="12-digit area code (or a unique name)")
    o.add_argument("--date", required=True, type=_date_arg, help="payment date YYYY-MM-DD")
    o.add_argument("--amount", required=True, type=_yuan_arg, help="yuan per person, e.g. 210")
    o.add_argument("--purpose", required=True,
                   help="what the subsidy is for (用途), e.g. 2022年一次性生活补贴; a purpose is "
                        "paid to a person once: a second roster over the same persons is refused")
    o.add_argument("--categories", type=_categories_arg, default=("dibao", "tekun"),
                   help="dibao,tekun (default both)")
    o.add_argument("--class", dest="residence_class", choices=["urban", "rural"])
    quiet(o)
    li = radd("list", cmd_roster_list, help="list rosters, newest month first")
    li.add_argument("--month", type=_month_arg, help="YYYY-MM")
    li.add_argument("--status", choices=["draft", "reviewed", "approved"])
    li.add_argument("--limit", type=int, default=500)
    for name, func, text in (("review", cmd_roster_review, "review a draft roster (审核)"),
                             ("approve", cmd_roster_approve,
                              "approve a reviewed roster (审批); it is frozen from then on")):
        sp = radd(name, func, help=text)
        sp.add_argument("roster_id", type=int, metavar="ID")
    for name, func, text in (("pdf", cmd_roster_pdf, "print the roster to a PDF"),
                             ("notice", cmd_roster_pdf,
                              "print the public notice (masked IDs) to a PDF"),
                             ("xlsx", cmd_roster_xlsx,
                              "write the bank file (.xlsx) of an approved roster")):
        sp = radd(name, func, help=text)
        sp.add_argument("roster_id", type=int, metavar="ID")
        sp.add_argument("out", metavar="OUT")
        quiet(sp)
    br = radd("bank-returns", cmd_roster_bank_returns,
              help="import the bank's result file (.xlsx or .csv) of an approved roster "
                   "(all or nothing)")
    br.add_argument("roster_id", type=int, metavar="ID")
    br.add_argument("file", metavar="FILE")
    quiet(br)
    f = radd("funds", cmd_roster_funds,
             help="funds report of an area for a year or a month (approved rosters)")
    f.add_argument("--area", required=True, help="12-digit area code (or a unique name)")
    f.add_argument("--year", required=True, type=int)
    f.add_argument("--month", type=int, choices=range(1, 13), metavar="MM")
    f.add_argument("--pdf", metavar="OUT", help="write the report as PDF")
    f.add_argument("--xlsx", metavar="OUT", help="write the report as Excel")

    from .cli_exchange import add_parser as add_exchange
    add_exchange(add)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Defaults are applied here: parsers share the common actions, so set_defaults on one
    # would override a value given to the other.
    args.db = getattr(args, "db", None)
    args.user_given = getattr(args, "user", None)
    args.user = None     # set by sign-in (_open)
    args.token = getattr(args, "token", None)
    args.verbose = getattr(args, "verbose", False)
    args.read_only = getattr(args, "read_only", False)
    for name in ("password", "slot", "recovery_key"):
        setattr(args, name, getattr(args, name, None))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except ValidationError as e:
        for err in e.errors:
            # Messages that name their place themselves (file and row) are not prefixed twice.
            where = "" if err.message_en.startswith(err.field) else f"{err.field}: "
            print(f"error: {where}{err.message_en}", file=sys.stderr)
        return 2
    except AssistCaseError as e:
        print(f"error: {e.message_en}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
