"""The report's charts, drawn off-screen with matplotlib's Agg canvas and returned as base64 PNG."""
from __future__ import annotations

import base64
import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

COLORS = {"regressed": "#c62828", "improved": "#2e7d32", "same": "#4f6d8f", "baseline": "#111111"}


def metric_bars(summary: dict) -> str:
    """Each metric's mean with its 95 % interval; the baseline's value as a black tick."""
    names = [n for n in summary["metric_names"] if summary["overall"][n]["mean"] is not None]
    changes = (summary.get("comparison") or {}).get("metrics", {})
    fig = Figure(figsize=(6.4, 0.34 * len(names) + 0.9), dpi=110)
    ax = fig.add_subplot()
    for y, name in enumerate(names):
        value = summary["overall"][name]
        change = changes.get(name, {})
        ax.barh(y, value["mean"], color=COLORS[change.get("status", "same")], height=0.62)
        ax.errorbar(value["mean"], y, xerr=[[value["mean"] - value["low"]], [value["high"] - value["mean"]]],
                    color="#333333", capsize=3, linewidth=1)
        if change.get("baseline") is not None:
            ax.plot([change["baseline"]] * 2, [y - 0.38, y + 0.38], color=COLORS["baseline"], linewidth=2.2)
        ax.text(1.015, y, f"{value['mean']:.2f}", va="center", fontsize=8)
    _style(ax, names, "mean with 95 % CI" + (" · black tick: baseline" if changes else ""))
    return _png(fig)


def group_bars(summary: dict, key: str = "by_kind") -> str:
    """Pass rate and hit@k per kind (or language), with 95 % intervals."""
    k = summary["run"]["k"]
    groups = list(summary[key])
    fig = Figure(figsize=(6.4, 0.5 * len(groups) + 1.1), dpi=110)
    ax = fig.add_subplot()
    for offset, name, color in ((-0.19, "pass_rate", "#4f6d8f"), (0.19, f"hit@{k}", "#9bb3cc")):
        for y, group in enumerate(groups):
            value = summary[key][group].get(name) or {}
            if value.get("mean") is None:
                continue
            ax.barh(y + offset, value["mean"], height=0.36, color=color, label=name if y == 0 else None)
            ax.errorbar(value["mean"], y + offset, capsize=2, linewidth=1, color="#333333",
                        xerr=[[value["mean"] - value["low"]], [value["high"] - value["mean"]]])
    labels = [f"{g} ({summary[key][g]['questions']})" for g in groups]
    _style(ax, labels, "mean with 95 % CI; (n) questions")
    ax.legend(loc="lower right", fontsize=8, frameon=False, bbox_to_anchor=(1.0, 1.0), ncol=2)
    return _png(fig)


def _style(ax, labels: list[str], xlabel: str) -> None:
    ax.set_yticks(range(len(labels)), labels, fontsize=8.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.08)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _png(fig: Figure) -> str:
    FigureCanvasAgg(fig)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")
