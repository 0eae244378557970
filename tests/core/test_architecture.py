"""The direction of imports between the layers (docs/architecture.md):

    ui → (core façade) → services → rules
    reports, io, cli, demo → services → rules;  models and db below services

- the core (``assistcase``) never imports Qt or the ``ui`` package;
- ``rules/`` are pure: no SQLAlchemy, no session, no database, models, services or anything above;
- ``services/`` never import ``io``, ``reports``, ``cli``, ``demo`` or ``ui``;
- ``ui/`` imports no SQLAlchemy and no ORM models.
"""

import ast
import subprocess
import sys
from pathlib import Path

import assistcase

CORE = Path(assistcase.__file__).parent
ROOT = CORE.parent
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path):
    """(line, absolute module) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # from . import x: x may be a module
                    for alias in node.names:
                        yield node.lineno, f"{target}.{alias.name}"
                    continue
                yield node.lineno, target
            elif node.module:
                yield node.lineno, node.module
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            if node.args and isinstance(node.args[0], ast.Constant):
                yield node.lineno, str(node.args[0].value)


def offenders(folder: Path, forbidden) -> list[str]:
    out = []
    for path in sorted(folder.rglob("*.py")):
        for line, module in imported_modules(path):
            if forbidden(module):
                out.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return out


def under(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def test_the_layers_are_where_the_docs_say():
    for folder in ("rules", "services", "reports", "io", "demo", "models"):
        assert (CORE / folder / "__init__.py").is_file(), folder
    assert len(list((CORE / "rules").glob("*.py"))) >= 8


def test_no_core_module_imports_qt_or_ui():
    assert len(list(CORE.rglob("*.py"))) > 10
    assert offenders(CORE, lambda m: m.split(".")[0] in QT or under(m, "ui")) == []


def test_rules_are_pure():
    """No SQLAlchemy (so no session), no database, no models, nothing above them, no I/O."""
    forbidden = ("sqlalchemy", "assistcase.db", "assistcase.models", "assistcase.services",
                 "assistcase.io", "assistcase.reports", "assistcase.cli", "assistcase.demo",
                 "assistcase.config", "assistcase.files", "sqlite3", "psycopg", "openpyxl",
                 "reportlab", "ui")
    assert offenders(CORE / "rules", lambda m: under(m, *forbidden)) == []


def test_services_do_not_import_io_reports_cli_demo_or_ui():
    forbidden = ("assistcase.io", "assistcase.reports", "assistcase.cli", "assistcase.demo", "ui")
    assert offenders(CORE / "services", lambda m: under(m, *forbidden)) == []


def test_the_architecture_test_sees_a_violation(tmp_path, monkeypatch):
    """The checks above resolve relative imports: a services module importing ``..io`` is found."""
    pkg = tmp_path / "assistcase" / "services"
    pkg.mkdir(parents=True)
    (pkg / "bad.py").write_text("from ..io import bank\nfrom ..rules.money import yuan\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = offenders(pkg, lambda m: under(m, "assistcase.io"))
    assert found == ["assistcase/services/bad.py:1 imports assistcase.io"]


def test_importing_every_core_module_loads_no_qt():
    modules = [module_name(p) for p in CORE.rglob("*.py") if p.name != "__main__.py"]
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            f"{QT + ('ui',)!r}]\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_ui_reaches_the_database_only_through_the_core():
    """Views import no SQLAlchemy and no ORM models: they call the core's services."""
    assert offenders(ROOT / "ui", lambda m: under(m, "sqlalchemy", "assistcase.models")) == []
