"""Start page: what a GAN is, what the Dirac-GAN keeps of it, a live picture, three doors.

It is the landing page (``/``). A link to ``/`` with explorer settings, from before the
explorer had its own path, opens the explorer with them.
"""

from __future__ import annotations

import streamlit as st

from ui import embedded, presenter
from ui.boot import require_entrypoint
from ui.controls import ALL_PARAM_KEYS, base_specs, with_hide
from ui.glossary import Linker
from ui.routes import COMPARE, EXPLORER, LESSONS, PAGE_TITLE, ROUTE
from ui.state import UrlState

require_entrypoint()

#: Every URL key of the explorer: a link to ``/`` with any of them is an explorer link.
EXPLORER_KEYS = frozenset([s.key for s in with_hide(base_specs())] + list(ALL_PARAM_KEYS))
#: The picture: the authors' Figure 1 setting, one method at a time.
PICTURE_METHODS = {"simgd": "SimGD", "altgd": "AltGD", "flow": "Continuous flow"}
MAX_WIDTH = 1280  # px
PICTURE_HEIGHT = 740  # px: the field and the data space below it, in one screen at 900 px
PICTURE_VIEW = "3.5"  # SimGD ends 3.1 from the equilibrium: the whole spiral in view

if EXPLORER_KEYS & set(st.query_params):
    st.switch_page(EXPLORER, query_params={k: st.query_params.get_all(k) for k in st.query_params})

url = UrlState("start", prefix="start_")
url.begin([])
url.publish({}, [])

page = st.container(width=MAX_WIDTH)
for note in url.notes():
    page.warning(note, icon="⚠️")
link = Linker()
left, right = page.columns([5, 4], gap="large")
with left:
    st.title("GAN dynamics lab")
    st.markdown(
        link(
            "A **generative adversarial network** (GAN) trains two models against each other: a "
            "generator that turns noise into samples, and a discriminator that scores samples "
            "as real or generated. Each one follows the gradient of its own loss, so training "
            "is a game, not a descent to a minimum, and it can circle or diverge."
        )
    )
    st.markdown(
        link(
            "The **Dirac-GAN** (Mescheder, Geiger & Nowozin, ICML 2018) keeps only that game: "
            "the data is a single point at 0, the generator a single point at θ, and the "
            "discriminator the line D(x) = ψx. Training moves the pair (θ, ψ) along a vector "
            "field; the equilibrium (0, 0) is where the generator sits on the data and the "
            "discriminator is flat. Whether a training method reaches it is the question of "
            "this lab."
        )
    )
    st.markdown(
        "**The picture**: simultaneous gradient descent (SimGD) from (θ, ψ) = (1, 1). Above, "
        "the path in the (θ, ψ) plane spirals outwards; below, the data (at 0), the "
        "generator's point θ and the discriminator's line at each step (▶ replays it)."
    )
    method = st.radio(
        "Training method in the picture", list(PICTURE_METHODS), key="start_method",
        horizontal=True, format_func=lambda m: PICTURE_METHODS.get(m, str(m)),
        help="The same start and learning rate (h = 0.2, 500 steps) for each method.",
    )  # fmt: skip
    query = {presenter.FLAG: "1"} if presenter.active() else {}
    doors = st.container(border=True, gap="small")
    for script, label, words in (
        (LESSONS, "Take the lessons", "short lessons: predict, run, check"),
        (EXPLORER, "Explore freely", "every variant, method and setting"),
        (COMPARE, "Reproduce the paper's figures", "variants × training schemes"),
    ):
        row = doors.container(horizontal=True, vertical_alignment="center", gap="small")
        row.page_link(
            script, label=f"**{label}**", icon=ROUTE[script].icon, query_params=query,
            help=f"Opens the {PAGE_TITLE[script]} page.",
        )  # fmt: skip
        row.caption(words)
with right:
    chosen = method if method in PICTURE_METHODS else "simgd"
    settings = embedded.explorer_settings({"methods": chosen, "view": PICTURE_VIEW})
    field, _, _ = embedded.figures(settings, height=PICTURE_HEIGHT, distance=False)
    embedded.draw(
        field, key="start_chart", autoplay=True,
        alt=f"{PICTURE_METHODS[chosen]} on the Dirac-GAN from (1, 1): the path in the (θ, ψ) "
        "plane and the data, generator and discriminator in data space.",
    )  # fmt: skip
