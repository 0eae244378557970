"""Printable and exportable reports (PDF via ReportLab, Excel via openpyxl). No Qt here.

Writers take the plain result of a read service and a path, write to a temporary file beside it
and rename it into place, so a failed or cancelled export leaves no partial file.
"""
