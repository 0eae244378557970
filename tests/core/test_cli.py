from assistcase.cli import main
from assistcase.services import registry as reg

from ..conftest import ACTOR, make_id


def test_db_upgrade_check_backup(tmp_path, capsys):
    path = tmp_path / "cli.sqlite3"
    assert main(["--db", str(path), "db", "check"]) == 1  # empty: not yet upgraded
    assert main(["db", "upgrade", "--db", str(path)]) == 0
    assert "empty ->" in capsys.readouterr().out
    assert main(["--db", str(path), "db", "check"]) == 0
    assert "integrity: ok" in capsys.readouterr().out
    dest = tmp_path / "copy.sqlite3"
    assert main(["--db", str(path), "db", "backup", "--to", str(dest)]) == 0
    assert dest.exists() and dest.stat().st_size > 0


def test_search_prints_matching_households(db, db_path, village_ids, capsys):
    reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "rural"),
                         [reg.PersonData("张三", make_id(seq=1))])
    assert main(["--db", str(db_path), "search", "zs"]) == 0
    out = capsys.readouterr()
    assert "张三" in out.out and make_id(seq=1) in out.out
    assert "1 household(s) found" in out.err


def test_env_variable_names_the_database(db, db_path, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTCASE_DB", str(db_path))
    assert main(["db", "check"]) == 0
    assert str(db_path) in capsys.readouterr().out


def test_errors_are_reported_in_english_with_exit_code(tmp_path, capsys):
    path = tmp_path / "x.sqlite3"
    import sqlite3
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE other (id INTEGER)")
    assert main(["--db", str(path), "search", "zs"]) == 2
    assert "not an AssistCase database" in capsys.readouterr().err


def test_a_file_that_is_no_database_is_refused_with_a_message(tmp_path, capsys):
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"not a database " * 100)
    assert main(["--db", str(path), "db", "check"]) == 2
    err = capsys.readouterr().err
    assert "cannot be opened" in err and str(path) in err
    assert "Traceback" not in err
