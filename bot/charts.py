"""What every Sprout chart shares: the palette, the canvas, titles and the PNG it becomes.

Drawn with matplotlib's object API on the Agg canvas: no pyplot, so no global figure state shared
between Bolt's worker threads, no display, and only the fonts matplotlib ships (DejaVu Sans), so
nothing is fetched at run time. matplotlib is imported on the first chart, not when Sprout starts
(it costs a second the first time, building its font cache), and charts are drawn one at a time
under :data:`DRAWING`: matplotlib makes no promise about threads even on separate figures.
"""

from __future__ import annotations

import io
import textwrap
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DRAWING = threading.Lock()

GREEN = "#2e7d32"
LIGHT_GREEN = "#81c784"
GREY = "#9e9e9e"
RED = "#c62828"
INK = "#212121"
DPI = 100
WIDTH_INCHES = 10.0


def plain(text: str, width: int = 70, lines: int = 2) -> str:
    """Text as matplotlib should print it: ``$`` would start mathtext, long lines wrap."""
    wrapped = textwrap.wrap(" ".join(text.split()), width) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], wrapped[lines - 1][: width - 1] + "…"]
    return "\n".join(wrapped).replace("$", r"\$")


def new_figure(rows_inches: float, title: str) -> Figure:
    """A full-width figure on the Agg canvas, with its title printed safely."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, 0.8 + rows_inches), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(plain(title, 80, 1), fontsize=15, color=INK)
    return figure


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes, without the software stamp (the same chart, the same bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def style(axes: Axes, title: str) -> None:
    axes.set_title(title, loc="left", fontsize=11, color=INK)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(colors=INK, labelsize=9)


def value_label(
    axes: Axes,
    text: str,
    at: tuple[float, float],
    *,
    beside: bool = False,
    lift: int = 7,
    size: int = 9,
) -> None:
    """A value written by its bar or point: above it (``lift`` points up), or ``beside`` a
    horizontal bar's end."""
    axes.annotate(
        text,
        at,
        textcoords="offset points",
        xytext=(4, 0) if beside else (0, lift),
        ha="left" if beside else "center",  # matplotlib's defaults: left, baseline
        va="center" if beside else "baseline",
        fontsize=size,
        color=INK,
    )


def note(axes: Axes, text: str) -> None:
    """A grey line in the middle of an empty panel, saying why it is empty."""
    axes.text(
        0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", fontsize=10, color=GREY
    )
