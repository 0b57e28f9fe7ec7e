"""Reports: one run as a self-contained HTML page, several runs side by side.

::

    from ganzoo.report import write_report, compare_runs
    write_report("runs/pix2pix")                     # runs/pix2pix/report.html
    compare_runs(["runs/dcgan", "runs/pix2pix"])    # runs/compare.html (+ .text table)
"""

from __future__ import annotations

from ganzoo.report.compare import Comparison, compare_runs
from ganzoo.report.report import write_report

__all__ = ["Comparison", "compare_runs", "write_report"]
