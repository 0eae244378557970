"""``assistcase exchange …``: township ↔ bureau packages from the command line (batch runs)."""

from __future__ import annotations

import argparse
import json


def _open(args: argparse.Namespace):
    """The database, signed in (issue 13) as every command of the CLI."""
    from .cli import _open as open_signed_in

    return open_signed_in(args)


def cmd_setup(args: argparse.Namespace) -> int:
    from .services import exchange as X

    v = X.setup_site(_open(args), args.user, args.code, args.name, args.kind, args.area)
    print(f"this database is site {v.code} ({v.kind}, area {v.area_code})")
    return 0


def cmd_register(args: argparse.Namespace) -> int:
    from .services import exchange as X

    key = X.register_township(_open(args), args.user, args.code, args.name, args.area)
    print(f"township {args.code} registered. Give it this key (by hand, never in a package):")
    print(key)
    return 0


def cmd_join(args: argparse.Namespace) -> int:
    from .services import exchange as X

    X.join_bureau(_open(args), args.user, args.bureau, args.name, args.key)
    print(f"joined bureau {args.bureau}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .services import exchange as X

    r = X.export_package(_open(args), args.user, args.to, args.folder)
    print(f"package {r.seq} written to {r.path}: {json.dumps(r.counts)}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .services import exchange as X

    r = X.import_package(_open(args), args.user, args.file)
    if r.already_imported:
        print(f"package {r.seq} was imported before: nothing changed")
        return 0
    print(f"package {r.seq} imported: created {json.dumps(r.created)}, updated "
          f"{json.dumps(r.updated)}, {r.conflicts} conflict(s), {r.duplicates} duplicate(s)")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """Synchronise now with the bureau's database (its URL from --bureau-db or the
    configuration file's [exchange] bureau_url); the bureau password is read after this
    database's (prompted, or the next line of standard input)."""
    from .cli import _read_password
    from .config import configured_bureau_db, data_dir
    from .errors import StateError
    from .services.exchange_sync import synchronise_with

    db = _open(args)
    url = args.bureau_db or configured_bureau_db()
    if not url:
        raise StateError("give --bureau-db URL or set [exchange] bureau_url in the "
                         "configuration file", "请指定民政局数据库地址")
    name = args.bureau_user or args.user_given
    password = _read_password(f"password for {name} at the bureau: ")
    folder = args.folder or data_dir() / "exchange"
    r = synchronise_with(db, args.user, url, name, password, folder)
    for i in r.delivered:
        print(f"bureau {r.bureau} imported package {i.seq}: created {json.dumps(i.created)}, "
              f"updated {json.dumps(i.updated)}, {i.conflicts} conflict(s), "
              f"{i.duplicates} duplicate(s)")
    for i in r.received:
        print(f"imported package {i.seq} from bureau {r.bureau}: created "
              f"{json.dumps(i.created)}, updated {json.dumps(i.updated)}, "
              f"{i.conflicts} conflict(s)")
    print(f"synchronised with bureau {r.bureau}; packages kept in {folder}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from .services import exchange as X

    st = X.status(_open(args))
    print(f"site {st.site.code} ({st.site.kind})")
    for p in st.peers:
        waiting = ", ".join(f"{k} {n}" for k, n in st.waiting[p.code].items()) or "nothing"
        print(f"  {p.code} {p.name}: next package out {p.next_out_seq}, last in "
              f"{p.last_in_seq}; waiting to be sent: {waiting}")
    print(f"open conflicts {st.open_conflicts}, open duplicate tickets {st.open_duplicates}")
    for direction, site, seq, at in st.packages[-args.limit:]:
        print(f"  {at} {'sent to' if direction == 'out' else 'received from'} {site} #{seq}")
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    from .services import exchange as X

    db = _open(args)
    for c in X.conflicts(db, None if args.all else "open"):
        print(f"#{c.id} {c.entity} {c.label} {c.field}: here {c.local_value!r} "
              f"({c.local_by} {c.local_at}) / {c.remote_site} {c.remote_value!r} "
              f"({c.remote_by} {c.remote_at}) [{c.status}{'' if not c.resolution else ': ' + c.resolution}]")
    for d in X.duplicates(db, None if args.all else "open"):
        print(f"duplicate #{d.id} {d.id_number} {d.name}: here in {d.household_number}, also "
              f"from {d.other_site} [{d.status}]")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    from .services import exchange as X

    X.resolve_conflict(_open(args), args.user, args.conflict_id, args.keep)
    print(f"conflict {args.conflict_id}: kept the {args.keep} value")
    return 0


def cmd_resolve_duplicate(args: argparse.Namespace) -> int:
    from .services import exchange_return as XR

    XR.resolve_duplicate(_open(args), args.user, args.ticket_id, args.keep)
    print(f"duplicate ticket {args.ticket_id}: kept by the "
          f"{'household registered here' if args.keep == 'here' else 'arriving household'}")
    return 0


def add_parser(add) -> None:
    """Register ``exchange`` with the main parser (``add`` makes a sub-command)."""
    ex = add("exchange", help="township <-> bureau exchange packages")
    sub = ex.add_subparsers(dest="exchange_action", required=True)

    def sp(name: str, func, help: str):
        p = sub.add_parser(name, parents=ex._assistcase_parents, help=help)
        p.set_defaults(func=func)
        return p

    p = sp("setup", cmd_setup, "name this database's site")
    p.add_argument("--code", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--kind", required=True, choices=["township", "bureau"])
    p.add_argument("--area", required=True, help="12-digit area code of the site's area")
    p = sp("register", cmd_register, "at the bureau: register a township, print its key")
    p.add_argument("--code", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--area", required=True, help="12-digit code of the township")
    p = sp("join", cmd_join, "at the township: record the bureau and its key")
    p.add_argument("--bureau", required=True)
    p.add_argument("--name", default="")
    p.add_argument("--key", required=True)
    p = sp("export", cmd_export, "write the next package for a site into a folder")
    p.add_argument("--to", required=True, help="the receiving site's code")
    p.add_argument("folder")
    p = sp("import", cmd_import, "check and apply a package (all or nothing)")
    p.add_argument("file")
    p = sp("sync", cmd_sync, "at a township: synchronise now over a connection to the "
           "bureau's database (the same packages, kept in --folder)")
    p.add_argument("--bureau-db", help="the bureau's database URL (default: the "
                   "configuration file's [exchange] bureau_url)")
    p.add_argument("--bureau-user", help="your user name at the bureau (default: --user)")
    p.add_argument("--folder", help="where the packages are kept (default: exchange/ in "
                   "the data directory)")
    p = sp("status", cmd_status, "sites, packages, records waiting, conflicts")
    p.add_argument("--limit", type=int, default=20)
    p = sp("conflicts", cmd_conflicts, "list conflicts and duplicate tickets")
    p.add_argument("--all", action="store_true", help="resolved ones too")
    p = sp("resolve", cmd_resolve, "decide a conflict")
    p.add_argument("conflict_id", type=int)
    p.add_argument("--keep", required=True, choices=["local", "remote"])
    p = sp("resolve-duplicate", cmd_resolve_duplicate,
           "at the bureau: decide a duplicate ticket (which household keeps the person)")
    p.add_argument("ticket_id", type=int)
    p.add_argument("--keep", required=True, choices=["here", "other"],
                   help="here: the household registered here keeps the person; other: the "
                        "household the person arrived with")
