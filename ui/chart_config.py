"""The Plotly config every chart of the lab is sent with (and the HTML export is written with).

Plotly can offer to send a chart to its cloud ("Share chart", "Edit in Chart Studio",
"Edit chart…"): a classroom privacy problem, and the lab has its own *Share this view*.
These keys turn all of that off; a page may add its own options but cannot turn them back on.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

#: Options no chart may override. plotly.js 3 (Streamlit's bundle and Plotly.py's) turns the
#: cloud button on by default (``showSendToCloud: true``) and points it at
#: ``https://cloud.plotly.com/newchart``; its older ``showLink``/``sendData``/
#: ``showEditInChartStudio`` keys are gone from plotly.js 3 (Streamlit's own wrapper only maps
#: ``showEditInChartStudio: true`` onto ``showSendToCloud``), so these three are what matter.
PRIVATE: Mapping[str, Any] = MappingProxyType(
    {
        "showSendToCloud": False,  # the "Edit chart…" / send-to-cloud modebar button
        "plotlyServerURL": "",  # nowhere to send anything to, should a button reappear
        "displaylogo": False,  # the Plotly logo links to plotly.com
    }
)


def chart_config(extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``extra`` (a page's own options) with the ``PRIVATE`` options on top."""
    return {**(extra or {}), **PRIVATE}
