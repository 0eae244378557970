"""The core never imports Qt or the ui package (STYLE.md: core free of the GUI)."""

import ast
import subprocess
import sys
from pathlib import Path

import assistcase

CORE = Path(assistcase.__file__).parent
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "ui")


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            if node.args and isinstance(node.args[0], ast.Constant):
                yield node.lineno, str(node.args[0].value)


def test_no_core_module_imports_qt_or_ui():
    offenders = []
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        for line, module in imported_modules(path):
            if module.split(".")[0] in FORBIDDEN:
                offenders.append(f"{path.relative_to(CORE.parent)}:{line} imports {module}")
    assert offenders == []


def test_importing_every_core_module_loads_no_qt():
    modules = [".".join(p.relative_to(CORE.parent).with_suffix("").parts)
               for p in CORE.rglob("*.py") if p.name != "__main__.py"]
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            f"{FORBIDDEN!r}]\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_ui_reaches_the_database_only_through_the_core():
    """Views import no SQLAlchemy and no ORM models: they call the core's services."""
    ui_dir = CORE.parent / "ui"
    offenders = [f"{path.relative_to(CORE.parent)}:{line} imports {module}"
                 for path in sorted(ui_dir.glob("*.py"))
                 for line, module in imported_modules(path)
                 if module.split(".")[0] == "sqlalchemy"
                 or module == "assistcase.models" or module.startswith("assistcase.models.")]
    assert offenders == []
