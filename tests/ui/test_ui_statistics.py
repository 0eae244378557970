"""The statistics page: figures, charts and the report from the window."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

pytest.importorskip("PySide6")

from assistcase.db import open_database  # noqa: E402
from assistcase.demo import generate_demo_city  # noqa: E402
from assistcase.services import rosters as R  # noqa: E402
from assistcase.services.areas import load_areas_csv  # noqa: E402
from assistcase.services.statistics import Period, statistics  # noqa: E402
from ui.statistics_page import StatisticsPage  # noqa: E402

from ..conftest import ACTOR  # noqa: E402

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def stats_db(tmp_path_factory):
    db = open_database(tmp_path_factory.mktemp("uistats") / "city.sqlite3")
    load_areas_csv(db, ACTOR)
    generate_demo_city(db, ACTOR, households=200, seed=5, today=TODAY)
    with db.read() as s:
        city = R.roster_areas(s)[0][0]
    for month in (10, 11):
        rid = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(
            city, dt.date(2026, month, 1), "dibao")).roster_id
        R.review_roster(db, ACTOR, rid)
        R.approve_roster(db, ACTOR, rid)
    yield db, city
    db.dispose()


def test_statistics_page_shows_figures_and_charts(qtbot, stats_db, tmp_path):
    db, city = stats_db
    page = StatisticsPage(db, ACTOR, today=TODAY)
    page.open_results = False
    qtbot.addWidget(page)
    page.resize(1200, 900)
    page.show()
    page.area.setCurrentIndex(page.area.findData(city))
    assert page.period() == Period.of("year", 2026)
    with qtbot.waitSignal(page.task_finished, timeout=60000) as done:
        page.show_button.click()
    assert done.args == ["succeeded"], page.message.text()
    with db.read() as s:
        rep = statistics(s, city, Period.of("year", 2026))
    assert page.summary.text() == rep.summary_zh()
    dibao = rep.figures("dibao")
    cells = [[page.programs.item(r, c).text() for c in range(page.programs.columnCount())]
             for r in range(page.programs.rowCount())]
    assert ["最低生活保障", "合计", f"{dibao.households:,}", f"{dibao.persons:,}",
            f"{dibao.person_months:,}", R.yuan(dibao.funds_fen), "—", "—"] in cells
    assert all(not page.chart_labels[k].pixmap().isNull() for k in ("caseload", "funds", "aid"))
    if shutil.which("pdftotext") is None:
        return
    target = tmp_path / "summary.pdf"
    with qtbot.waitSignal(page.task_finished, timeout=60000) as done:
        page.write_pdf(target, "summary")
    assert done.args == ["succeeded"] and page.last_output == str(target)
    import subprocess

    body = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "".join(rep.summary_zh().split())[:30] in "".join(body.split())
