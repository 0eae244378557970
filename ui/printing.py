"""Printing a written PDF from the app: a print preview with the system's print dialog.

Every printable document is first written as a PDF by the core (the file is what is
archived and what the page count, the subtotals and the signatures are checked against).
:class:`PdfPrintPreview` shows that file's pages in Qt's print preview, whose print button
opens the system's print dialog (printer, pages, copies). Pages are rendered to images by
poppler's ``pdftoppm`` (installed with the app, scripts/bootstrap.sh) and painted on the
printer at its paper size, so what prints is exactly the saved PDF.

A document too long to preview (a city's roster runs to thousands of pages) goes straight to
the print dialog, where the clerk chooses the pages.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, QUrl
from PySide6.QtGui import (QDesktopServices, QImage, QPageLayout, QPageSize, QPaintEngine,
                           QPainter)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QPushButton, QToolBar, QWidget

PREVIEW_MAX_PAGES = 100   # longer documents go straight to the print dialog (pages chosen there)
PRINT_DPI = 200           # pages are rendered at most this fine (text stays sharp on paper)
PREVIEW_DPI = 100         # … and for the preview on screen
BATCH = 20                # pages rendered per pdftoppm run


def can_render() -> bool:
    """True if pages can be rendered (poppler's pdftoppm and pdfinfo are installed)."""
    return shutil.which("pdftoppm") is not None and shutil.which("pdfinfo") is not None


def pdf_page_count(path: str | Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else 0


def _landscape(path: str | Path) -> bool:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", out, re.M)
    return bool(m) and float(m.group(1)) > float(m.group(2))


def render_pages(path: str | Path, first: int, last: int, dpi: int, folder: Path) -> list[Path]:
    """Pages ``first``…``last`` (1-based) of the PDF as image files in ``folder`` (PPM:
    encoding PNG would cost ten times the rendering)."""
    out: list[Path] = []
    for start in range(first, last + 1, BATCH):
        end = min(last, start + BATCH - 1)
        prefix = folder / f"p{start}"
        subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(start), "-l", str(end),
                        str(path), str(prefix)], check=True, capture_output=True)
        out += sorted(folder.glob(f"p{start}-*.ppm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return out


def paint_pdf(path: str | Path, printer: QPrinter, pages: int) -> int:
    """Paint the PDF's pages (the printer's page range, else all) on ``printer``, each
    scaled to the paper; copies the printer cannot make itself are painted again. Returns
    the number of pages painted."""
    first, last = printer.fromPage(), printer.toPage()
    if first <= 0:
        first, last = 1, pages
    last = min(last or pages, pages)
    if first > last:
        return 0
    # The preview paints into a picture; the printer itself gets the finer rendering.
    previewing = printer.paintEngine().type() == QPaintEngine.Type.Picture
    dpi = PREVIEW_DPI if previewing else max(72, min(printer.resolution(), PRINT_DPI))
    copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
    painted = 0
    with tempfile.TemporaryDirectory(prefix="assistcase-print-") as tmp:
        images = render_pages(path, first, last, dpi, Path(tmp))
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError("the printer could not be started")
        try:
            paper = printer.pageLayout().fullRectPixels(printer.resolution())
            for copy in range(copies):
                for image_path in images:
                    if painted:
                        printer.newPage()
                    image = QImage(str(image_path))
                    size = image.size().scaled(QSize(paper.width(), paper.height()),
                                               Qt.AspectRatioMode.KeepAspectRatio)
                    target = QRect((paper.width() - size.width()) // 2,
                                   (paper.height() - size.height()) // 2,
                                   size.width(), size.height())
                    painter.drawImage(target, image)
                    painted += 1
        finally:
            painter.end()
    return painted


def new_printer(path: str | Path) -> QPrinter:
    """A printer set up for the PDF: A4 in the file's orientation, the whole paper (the
    file has its own margins)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if _landscape(path)
                               else QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    printer.setDocName(Path(path).stem)
    return printer


class PdfPrintPreview(QPrintPreviewDialog):
    """The print preview of a saved PDF; its print button opens the system print dialog.
    A button opens the file in the system's PDF viewer instead."""

    def __init__(self, path: str | Path, parent: QWidget | None = None):
        self.path = str(path)
        self.pages = pdf_page_count(path)
        self.printer = new_printer(path)
        super().__init__(self.printer, parent)
        self.setWindowTitle(self.tr("Print preview: %1").replace("%1", Path(path).name))
        self.printer.setFromTo(1, self.pages)
        self.painted = 0
        self.paintRequested.connect(self._paint)
        bar = self.findChild(QToolBar)
        self.open_button = QPushButton(self.tr("Open in PDF viewer"))
        self.open_button.clicked.connect(self.open_in_viewer)
        if bar is not None:
            bar.addSeparator()
            bar.addWidget(self.open_button)
        self.resize(1100, 800)
        self.viewer_missing = False

    def _paint(self, printer: QPrinter) -> None:
        self.painted = paint_pdf(self.path, printer, self.pages)

    def open_in_viewer(self) -> bool:
        ok = QDesktopServices.openUrl(QUrl.fromLocalFile(self.path))
        self.viewer_missing = not ok
        return ok


def print_dialog(path: str | Path, parent: QWidget | None = None) -> QPrintDialog:
    """The system print dialog for a PDF too long to preview; printing starts on accept."""
    pages = pdf_page_count(path)
    printer = new_printer(path)
    printer.setFromTo(1, pages)
    dialog = QPrintDialog(printer, parent)
    dialog.setMinMax(1, pages)
    dialog.setOption(QPrintDialog.PrintDialogOption.PrintPageRange, True)
    dialog.printer_ = printer  # kept alive with the dialog
    dialog.accepted.connect(lambda: paint_pdf(path, printer, pages))
    return dialog
