"""Spreadsheet import and export of the registry (导入 / 导出花名册)."""

from .exporting import export_registry
from .importing import (Change, ImportReport, Issue, auto_mapping, import_registry, load_mapping,
                        preview, save_mapping, write_report_xlsx)
from .tables import ImportFileError

__all__ = ["Change", "ImportFileError", "ImportReport", "Issue", "auto_mapping",
           "export_registry", "import_registry", "load_mapping", "preview", "save_mapping",
           "write_report_xlsx"]
