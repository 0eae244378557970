"""Charts of the statistics (图表): caseload and funds by month over 24 months per program,
temporary aid by cause, leadership liaison compliance by level. Drawn by matplotlib without any GUI backend (a ``Figure`` on the Agg
canvas) in the bundled CJK font, as PNG bytes that the statistics page shows and the PDF
report embeds: the same picture on screen and on paper."""

from __future__ import annotations

import io
from typing import Sequence

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..rules.liaison import DUE, MET, MISSED, STATUS_ZH
from ..rules.rates import round_half_up
from ..services.statistics import PROGRAM_ZH, AidRow, LiaisonLevel, MonthPoint
from .fonts import CJK_FONT_PATH

COLOURS = {"dibao": "#1f5fa8", "tekun": "#c2571a", "one_time": "#6a9f3a", "temp_aid": "#8e44ad",
           MET: "#3a8f4b", MISSED: "#c0392b", DUE: "#b9b9b9"}
_FONT_NAME: str | None = None


def _font() -> list[str]:
    """Font families: matplotlib's own DejaVu Sans for Latin letters and digits (the CJK
    font has none), falling back to the bundled CJK font (registered once) for Chinese."""
    global _FONT_NAME
    if _FONT_NAME is None:
        font_manager.fontManager.addfont(str(CJK_FONT_PATH))
        _FONT_NAME = font_manager.FontProperties(fname=str(CJK_FONT_PATH)).get_name()
    return ["DejaVu Sans", _FONT_NAME]


def _figure(width: float = 9.0, height: float = 3.6) -> Figure:
    import matplotlib

    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    fig.set_facecolor("white")
    return fig


def _png(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _style(ax, font: list[str]) -> None:
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontfamily(font)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)


def _month_labels(months: Sequence) -> list[str]:
    """Month numbers, with the year under January and under the first month."""
    return [f"{m.month}\n{m.year}" if m.month == 1 or (i == 0 and m.month < 12)
            else f"{m.month}"
            for i, m in enumerate(months)]


def caseload_chart(series: list[MonthPoint], dpi: int = 110) -> bytes:
    """Persons paid per month (dibao, extreme hardship) and temporary-aid grants (人次)."""
    font = _font()
    fig = _figure()
    ax = fig.add_subplot()
    months = sorted({p.month for p in series})
    for program in ("dibao", "tekun", "temp_aid"):
        values = [next((p.persons for p in series if p.month == m and p.program == program), 0)
                  for m in months]
        if any(values):
            unit = "人次" if program == "temp_aid" else "人"
            ax.plot(range(len(months)), values, marker="o", markersize=3, linewidth=1.6,
                    color=COLOURS[program], label=f"{PROGRAM_ZH[program]}（{unit}）")
    ax.set_xticks(range(len(months)), _month_labels(months))
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.set_title("近24个月保障人数（按月）", fontfamily=font, fontsize=12)
    ax.legend(prop={"family": font, "size": 9}, frameon=False, loc="upper center",
              bbox_to_anchor=(0.5, -0.16), ncol=4)
    _style(ax, font)
    return _png(fig, dpi)


def funds_chart(series: list[MonthPoint], dpi: int = 110) -> bytes:
    """Funds paid per month, stacked by program (万元)."""
    font = _font()
    fig = _figure()
    ax = fig.add_subplot()
    months = sorted({p.month for p in series})
    bottom = [0.0] * len(months)
    for program in ("dibao", "tekun", "one_time", "temp_aid"):
        values = [next((p.funds_fen for p in series if p.month == m and p.program == program), 0)
                  / 1_000_000 for m in months]
        if any(values):
            ax.bar(range(len(months)), values, bottom=bottom, color=COLOURS[program],
                   label=PROGRAM_ZH[program], width=0.75)
            bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_xticks(range(len(months)), _month_labels(months))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.1f}"))
    ax.set_ylabel("万元", fontfamily=font)
    ax.set_title("近24个月发放资金（按月，万元）", fontfamily=font, fontsize=12)
    ax.legend(prop={"family": font, "size": 9}, frameon=False, loc="upper center",
              bbox_to_anchor=(0.5, -0.16), ncol=4)
    _style(ax, font)
    return _png(fig, dpi)


def aid_by_cause_chart(rows: list[AidRow], dpi: int = 110) -> bytes:
    """Temporary aid by cause: person-times, with the funds written at each bar."""
    font = _font()
    fig = _figure(9.0, max(2.2, 0.42 * len(rows) + 1.0))
    ax = fig.add_subplot()
    labels = [r.label for r in rows][::-1]
    times = [r.person_times for r in rows][::-1]
    funds = [r.funds_fen for r in rows][::-1]
    bars = ax.barh(range(len(rows)), times, color=COLOURS["temp_aid"], height=0.6)
    ax.set_yticks(range(len(rows)), labels)
    for bar, fen in zip(bars, funds):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
                f"  {round_half_up(fen, 1_000_000):,}万元", va="center", fontfamily=font,
                fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("人次", fontfamily=font)
    ax.set_title("临时救助按救助原因（人次、资金）", fontfamily=font, fontsize=12)
    if not rows:
        ax.text(0.5, 0.5, "本期无临时救助", transform=ax.transAxes, ha="center",
                fontfamily=font)
    _style(ax, font)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    return _png(fig, dpi)


def liaison_chart(rows: list[LiaisonLevel], dpi: int = 110) -> bytes:
    """Leadership liaison compliance by level (领导定点联系完成率): per level of leaders the
    contact duties 达标 / 未达标 / 待联系 stacked, and the 完成率 written at each bar — the
    words and the rounding of the liaison report (assistcase.rates)."""
    font = _font()
    fig = _figure(9.0, max(2.2, 0.55 * len(rows) + 1.2))
    ax = fig.add_subplot()
    rows = rows[::-1]
    y = range(len(rows))
    left = [0] * len(rows)
    for status in (MET, MISSED, DUE):
        values = [getattr(r, status) for r in rows]
        ax.barh(y, values, left=left, color=COLOURS[status], height=0.6,
                label=STATUS_ZH[status])
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(list(y), [r.label for r in rows])
    for i, r in enumerate(rows):
        ax.text(left[i], i, f"  完成率 {r.rate_text}", va="center", fontfamily=font, fontsize=9)
    ax.set_xlim(right=max(left + [1]) * 1.25)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("联系期次", fontfamily=font)
    ax.set_title("领导定点联系救助管理机构完成率（按级别）", fontfamily=font, fontsize=12)
    if rows:
        ax.legend(prop={"family": font, "size": 9}, frameon=False, loc="upper center",
                  bbox_to_anchor=(0.5, -0.22), ncol=3)
    else:
        ax.text(0.5, 0.5, "本期无应联系期次", transform=ax.transAxes, ha="center",
                fontfamily=font)
    _style(ax, font)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    return _png(fig, dpi)
