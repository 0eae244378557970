"""Where AssistCase keeps its data, and how a database location is chosen.

Order: an explicit ``--db`` argument, then ``ASSISTCASE_DB``, then ``assistcase.sqlite3`` in
the user's data directory (``ASSISTCASE_DATA_DIR`` overrides that directory). A value may be a
file path or a SQLAlchemy URL.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_DB = "ASSISTCASE_DB"
ENV_DATA_DIR = "ASSISTCASE_DATA_DIR"
ENV_USER = "ASSISTCASE_USER"
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


def default_db_path() -> Path:
    return data_dir() / "assistcase.sqlite3"


def resolve_db_url(db: str | os.PathLike[str] | None = None) -> str:
    """Turn a ``--db`` value (path or URL), the environment, or the default into a URL."""
    value = str(db) if db else os.environ.get(ENV_DB)
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
