"""来自救助局的花名册: the bureau's rosters covering this township's households, as its return
packages brought them (services/exchange_return.py), shown read-only on the rosters page: the
header (status, who approved and when) and, per line of this township, the amount and the
bank's result. Nothing here builds or changes a roster."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QHeaderView

from assistcase.services import exchange_return as XR

from .labels import fen_to_yuan_text
from .widgets import read_only_table, table_item

FAILED_COLOUR = "#b00020"


class ReceivedRostersBox(QGroupBox):
    """Hidden while no roster has been received (a bureau's own database, a township before
    its first return package)."""

    def __init__(self, core, parent=None):
        super().__init__(parent)
        self.core = core
        self.setTitle(self.tr("Rosters from the bureau (read-only)"))
        self.setObjectName("received_rosters")
        self.status_names = {"draft": self.tr("Draft"), "reviewed": self.tr("Reviewed"),
                             "approved": self.tr("Approved")}
        self.rosters = read_only_table([self.tr("Month"), self.tr("Title"), self.tr("Status"),
                                        self.tr("Approved by"), self.tr("Lines here"),
                                        self.tr("Amount here (yuan)"), self.tr("Paid"),
                                        self.tr("Failed")])
        self.lines = read_only_table([self.tr("No."), self.tr("Household"), self.tr("Payee"),
                                      self.tr("Persons"), self.tr("Amount (yuan)"),
                                      self.tr("Bank result"), self.tr("Reason")])
        for t in (self.rosters, self.lines):
            t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            t.horizontalHeader().setStretchLastSection(True)
        self.rosters.itemSelectionChanged.connect(self._show_lines)
        lay = QHBoxLayout(self)
        lay.addWidget(self.rosters, 3)
        lay.addWidget(self.lines, 2)
        self._views: list[XR.ReceivedRosterView] = []
        self.refresh()

    def refresh(self) -> None:
        self._views = self.core.read(XR.received_rosters)
        self.setVisible(bool(self._views))
        self.rosters.setRowCount(len(self._views))
        for r, v in enumerate(self._views):
            approved = f"{v.approved_by} {v.approved_at:%Y-%m-%d}" if v.approved_at else ""
            for c, item in enumerate((
                    table_item(f"{v.month:%Y-%m}", data=v.id), table_item(v.title),
                    table_item(self.status_names.get(v.status, v.status)),
                    table_item(approved), table_item(v.lines, True),
                    table_item(fen_to_yuan_text(v.amount_fen), True), table_item(v.paid, True),
                    table_item(v.failed, True, FAILED_COLOUR if v.failed else None))):
                self.rosters.setItem(r, c, item)
        if self._views:
            self.rosters.selectRow(0)
        else:
            self.lines.setRowCount(0)

    def _show_lines(self) -> None:
        row = self.rosters.currentRow()
        if not 0 <= row < len(self._views):
            return
        lines = self.core.read(XR.received_lines, roster_id=self._views[row].id)
        results = {"paid": self.tr("paid"), "failed": self.tr("failed")}
        self.lines.setRowCount(len(lines))
        for r, ln in enumerate(lines):
            colour = FAILED_COLOUR if ln.outcome == "failed" else None
            for c, item in enumerate((
                    table_item(ln.seq, True), table_item(ln.household_number),
                    table_item(ln.payee_name), table_item(ln.persons, True),
                    table_item(fen_to_yuan_text(ln.amount_fen), True),
                    table_item(results.get(ln.outcome or "", ""), colour=colour),
                    table_item(ln.reason, colour=colour))):
                self.lines.setItem(r, c, item)
