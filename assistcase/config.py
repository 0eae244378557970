"""Where AssistCase keeps its data, and how a database location is chosen.

Order: an explicit ``--db`` argument, then ``ASSISTCASE_DB``, then the ``url`` in the
``[database]`` section of the configuration file, then ``assistcase.sqlite3`` in the user's
data directory (``ASSISTCASE_DATA_DIR`` overrides that directory). A value may be a file path
or a SQLAlchemy URL (``postgresql://clerk@db.bureau.local/assistcase``).

The configuration file (docs/server.md) is ``ASSISTCASE_CONFIG``, else ``assistcase.ini`` in
the user's configuration directory (Linux: ``~/.config/AssistCase``), else
``/etc/assistcase/assistcase.ini``: a bureau points every client at its server there, and the
password stays out of command lines (in the file, readable by its user only, or in libpq's
``~/.pgpass``).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_DB = "ASSISTCASE_DB"
ENV_DATA_DIR = "ASSISTCASE_DATA_DIR"
ENV_USER = "ASSISTCASE_USER"
ENV_CONFIG = "ASSISTCASE_CONFIG"
ENV_CACHE_DIR = "ASSISTCASE_CACHE_DIR"
SYSTEM_CONFIG = Path("/etc/assistcase/assistcase.ini")
APP_NAME = "AssistCase"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
RESOURCES_DIR = PROJECT_ROOT / "resources"
DATA_DIR_PACKAGE = Path(__file__).resolve().parent / "data"


def data_dir() -> Path:
    override = os.environ.get(ENV_DATA_DIR)
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """The user's cache directory (``ASSISTCASE_CACHE_DIR`` moves it): what can be made again
    (the start-up read-ahead list, the parsed CJK font). Not created here."""
    override = os.environ.get(ENV_CACHE_DIR)
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP_NAME, False))


def default_db_path() -> Path:
    return data_dir() / "assistcase.sqlite3"


def config_file() -> Path | None:
    """The configuration file in use, if there is one (see the module docstring)."""
    named = os.environ.get(ENV_CONFIG)
    if named:
        return Path(named).expanduser()
    for path in (Path(platformdirs.user_config_dir(APP_NAME, False)) / "assistcase.ini",
                 SYSTEM_CONFIG):
        if path.is_file():
            return path
    return None


def _configured(section: str, key: str) -> str | None:
    """A value of the configuration file, if the file and the value exist."""
    import configparser

    path = config_file()
    if path is None or not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    value = parser.get(section, key, fallback="").strip()
    return value or None


def configured_db() -> str | None:
    """The ``[database] url`` of the configuration file, if any."""
    return _configured("database", "url")


def configured_bureau_db() -> str | None:
    """The ``[exchange] bureau_url`` of the configuration file: the bureau's database a
    township laptop synchronises with when it can reach it (issue 15)."""
    return _configured("exchange", "bureau_url")


def resolve_db_url(db: str | os.PathLike[str] | None = None) -> str:
    """Turn a ``--db`` value (path or URL), the environment, the configuration file, or the
    default into a URL."""
    value = str(db) if db else (os.environ.get(ENV_DB) or configured_db())
    if not value:
        value = str(default_db_path())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def current_username() -> str:
    """The acting user until sign-in exists: ``ASSISTCASE_USER`` or the OS login name."""
    name = os.environ.get(ENV_USER)
    if name:
        return name
    try:
        return os.getlogin()
    except OSError:
        import getpass

        return getpass.getuser() or "local"
