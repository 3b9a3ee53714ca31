"""``lngym report``: a CSV of payments (or of env steps) as PNG plots and a one-page HTML index.

``reading`` checks the CSV and turns it into columns; ``figures`` draws them;
this module writes the files. matplotlib is imported only when a report is
made, so ``import lngym`` stays light.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from lngym.report.figures import figures
from lngym.report.reading import Report, load

__all__ = ["Report", "default_out", "load", "write_report"]

#: What each picture shows, as the index says it.
CAPTIONS = {
    "success_rate": "Success rate over time",
    "volume_fees": "Volume and fees over time",
    "balances": "Channel balances",
    "failure_reasons": "Failure reasons",
}


def default_out(csv_path: str | Path) -> Path:
    """``runs/x.csv`` -> ``runs/x-report``: beside the CSV, so reports of different runs never mix."""
    path = Path(csv_path)
    return path.with_name(f"{path.stem}-report")


def write_report(csv_path: str | Path, out: str | Path | None = None) -> list[Path]:
    """Check the CSV, then write its PNGs and ``index.html`` into ``out``; returns their paths (index last).

    A CSV that cannot be read raises CsvFormatError before anything is written.
    """
    report = load(csv_path)
    directory = Path(out) if out is not None else default_out(csv_path)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, figure in figures(report).items():
        path = directory / f"{name}.png"
        figure.savefig(path)
        written.append(path)
    index = directory / "index.html"
    index.write_text(index_html(report, [p.name for p in written]), encoding="utf-8")
    return [*written, index]


def summary(report: Report) -> list[tuple[str, str]]:
    """The run in a few figures, for the top of the index."""
    rows = [("file", str(report.path)), ("rows", f"{report.rows:,}")]
    if report.kind == "payments":
        payment = np.array([kind == "payment" for kind in report.text["kind"]])
        ok = report.columns["success"]
        count = int(payment.sum())
        rate = f"{ok[payment].mean():.1%}" if count else "–"
        rows += [
            ("period", f"{min(report.times):%Y-%m-%d %H:%M:%S} to {max(report.times):%Y-%m-%d %H:%M:%S} UTC"),
            ("payments", f"{count:,}, {rate} succeeded"),
            ("volume sent", f"{int(report.columns['amount_sat'][ok & payment].sum()):,} sat"),
            ("routing fees", f"{report.columns['fee_sat'][ok & payment].sum():,.3f} sat"),
            ("rebalances and swaps", (f"{int((~payment).sum()):,} ({int((ok & ~payment).sum()):,} succeeded), "
                                      f"{report.columns['fee_sat'][ok & ~payment].sum():,.3f} sat in fees")),
        ]
    elif "success_rate" in report.columns:
        rows.append(("mean success rate per step", f"{np.mean(report.columns['success_rate']):.1%}"))
    if report.balances:
        rows.append(("channels with balances", f"{len(report.balances):,}"))
    return rows


def index_html(report: Report, images: list[str]) -> str:
    """One page: the summary, then every picture under its caption."""
    title = f"lngym report: {report.path.name}"
    table = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in summary(report))
    sections = "\n".join(
        f'<section><h2>{CAPTIONS[Path(name).stem]}</h2><img src="{html.escape(name)}" '
        f'alt="{CAPTIONS[Path(name).stem]}"></section>' for name in images)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }}
th {{ text-align: left; padding-right: 1em; }} img {{ max-width: 100%; border: 1px solid #ddd; }}</style></head>
<body><h1>{html.escape(title)}</h1>
<table>{table}</table>
{sections}
</body></html>
"""
