"""Guided lessons: every claim recomputed with the core and found in the linked view (AppTest).

(1) each lesson's claims hold for the exact settings of its links, recomputed with the core;
(2) the lessons page renders every lesson, chosen with the widget and with ``?lesson=``, and
names a bad ``?lesson=``; (3) every link opens its page without exception or URL note, with the
widgets holding exactly the linked values, and the rendered output shows each claim.
"""

from __future__ import annotations

import base64
import itertools
import math
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dynamics import gmm
from dynamics.methods import METHODS, Hyper, simulate
from dynamics.presets import DEFAULT_PRESET, SCHEMES
from dynamics.spectrum import spectrum
from dynamics.stability import analytic_boundary, available_axes, critical_values, stability_map
from dynamics.variants import VARIANTS, make_game
from tests.charts import charts
from ui import embedded
from ui.content import (
    GLOSSARY,
    LESSON_INDEX,
    LESSONS,
    TRY_IT,
    Claim,
    Lesson,
    Link,
    get_lesson,
)
from ui.glossary import Linker
from ui.routes import COMPARE, EXPLORER, MODE_COLLAPSE, PAGE_URL, ROUTE, STABILITY, page_url
from ui.state import md_literal

APP = str(Path(__file__).resolve().parents[1] / "app.py")
LINKS = [(les.id, i, link) for les in LESSONS for i, link in enumerate(les.links)]
LINK_IDS = [f"{lid}-{i}" for lid, i, _ in LINKS]
#: Widget-key prefix of each page (the URL key is the rest), from the route table.
PREFIX = {page: ROUTE[page].prefix for page in (EXPLORER, COMPARE, STABILITY, MODE_COLLAPSE)}
#: Claim kinds each page understands.
KINDS = {
    EXPLORER: {"rho", "verdict", "status", "distance", "peak", "range", "drift", "psi_max",
               "eigs", "speed_ratio"},
    COMPARE: {"verdict"},
    STABILITY: {"critical", "boundary", "verdict_at", "fastest_at"},
    MODE_COLLAPSE: {"status", "gap", "subopt", "mu", "tv", "grad", "modes", "fraction"},
}  # fmt: skip
BADGE = {"converges": "green", "neutral": "orange", "diverges": "red"}
#: The mode-collapse page's own defaults for a single run (its model defaults are GMMSettings').
GMM_PAGE_DEFAULTS = {"mu1": 1.5, "mu2": -1.0, "steps": 300, "ell": "optimal"}


# ------------------------------------------------------------------------- the data itself


def test_lessons_are_complete_and_in_the_required_order() -> None:
    ids = [les.id for les in LESSONS]
    required = [
        "continuous-flow", "simgd-vs-altgd", "saturation", "wgan-clipping", "instance-noise",
        "gradient-penalty", "consensus", "optimisers", "stability-map", "mode-collapse",
    ]  # fmt: skip
    # all of them, in this order; a teacher's new lesson file may sit anywhere among them
    assert [i for i in ids if i in required] == required
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids)
    for les in LESSONS:
        assert les.question.startswith("Predict, then run: ")
        assert les.explanation and les.answer and les.links
        assert re.search(r"(ICML|NeurIPS|ICLR|AISTATS|ICCV|CVPR) 20\d\d", les.reference)
        for link in les.links:
            assert link.page in PAGE_URL and link.claims, (les.id, link.label)
            assert {c[0] for c in link.claims} <= KINDS[link.page], (les.id, link.label)
            assert all(isinstance(v, str) for v in link.query.values())
    assert get_lesson("saturation") is LESSON_INDEX["saturation"]
    with pytest.raises(ValueError, match="unknown lesson"):
        get_lesson("nope")


def test_the_lessons_cite_the_papers() -> None:
    refs = " ".join(les.reference for les in LESSONS)
    for who in ("Mescheder, A. Geiger, S. Nowozin", "Li, A. Madry", "Sønderby", "Arjovsky",
                "Roth", "Mescheder, S. Nowozin, A. Geiger", "Gidel", "Daskalakis"):  # fmt: skip
        assert who in refs, who


def test_glossary_covers_the_terms() -> None:
    terms = " ".join(t.lower() for t, _ in GLOSSARY)
    for word in ("equilibrium", "jacobian", "eigenvalue", "spectral radius", "update operator",
                 "simgd", "altgd", "continuous flow", "saturation", "gradient penalty",
                 "critical damping", "mode collapse", "discriminator collapse",
                 "total variation"):  # fmt: skip
        assert word in terms, word
    assert all(len(text) < 400 for _, text in GLOSSARY)


def test_every_number_of_the_mode_collapse_lesson_is_a_setting_or_a_claim() -> None:
    """Lesson 10: each number in its texts is a setting of a link (or the model's default
    data) or lies in the range of one of its claims, at the precision it is written with."""
    les = LESSON_INDEX["mode-collapse"]
    settings = {float(v) for link in les.links for v in link.query.values()
                if re.fullmatch(r"-?[\d.]+", v)}  # fmt: skip
    settings |= {float(v) for v in gmm.GMMSettings().target} | {200.0}  # "200 random starts"
    ranges = []
    for link in les.links:
        for kind, _, val in link.claims:
            if kind in ("tv", "gap", "grad", "fraction"):
                ranges.append(val)
            elif kind == "mu":
                ranges += list(val)
    text = " ".join((les.explanation, les.question, les.answer)).replace("−", "-")
    for raw, pct in re.findall(r"(?<![\w*₁₂])(-?\d+(?:\.\d+)?)( ?%)?", text):
        x = float(raw) / (100 if pct else 1)
        if x in settings or (not pct and x in (0.0, 1.0, 2.0, 25.0)):
            continue  # a setting, "k = 1", "exactly 0", "two modes"
        half = 0.5 * 10 ** -(len(raw.split(".")[1]) if "." in raw else 0) / (100 if pct else 1)
        assert any(lo - half <= x <= hi + half for lo, hi in ranges), raw


def test_numbers_in_the_texts_are_numbers_the_claims_check() -> None:
    """Every 6-decimal ρ a lesson quotes is the ρ claim of one of its links."""
    for les in LESSONS:
        quoted = {float(x) for x in re.findall(r"ρ = (\d\.\d{6})", les.answer)}
        claimed = {round(c[2], 6) for c in les.claims if c[0] == "rho"}
        assert quoted <= claimed, (les.id, quoted - claimed)


# ------------------------------------------------------------------- (1) claims vs the core


def explorer_settings(q: Mapping[str, str]) -> tuple[Any, tuple[str, ...], Hyper, int, tuple]:
    """The explorer's settings for a link: its query over the explorer's defaults."""
    d = DEFAULT_PRESET
    assert "split" not in q  # the lessons use one learning rate
    variant = q.get("variant", d.variant)
    params = {k: float(q[k]) for k in ("gamma", "sigma", "clip", "g0") if k in q}
    game = make_game(variant, params)
    methods = tuple(q.get("methods", ",".join(d.methods)).split(","))
    h = float(q.get("h", d.lr))
    hp = Hyper(
        lr_gen=h,
        lr_disc=h,
        n_gen=int(q.get("n_gen", d.n_gen)),
        n_disc=int(q.get("n_disc", d.n_disc)),
        beta=float(q.get("beta", d.beta)),
    )
    start = (float(q.get("theta0", d.start[0])), float(q.get("psi0", d.start[1])))
    return game, methods, hp, int(q.get("steps", d.steps)), start


@cache
def _path(items: tuple[tuple[str, str], ...], method: str) -> tuple[np.ndarray, str]:
    game, _, hp, steps, start = explorer_settings(dict(items))
    t = simulate(game, method, hp, [start], steps)
    return t.path(0), t.status[0]


def core_explorer(claim: Claim, q: Mapping[str, str]) -> None:
    kind, subj, val = claim
    game, methods, hp, _, _ = explorer_settings(q)
    if kind == "eigs":
        got = spectrum(game, "simgd", hp).continuous.analytic
        assert np.allclose(got, [complex(*z) for z in val], atol=1e-6), (got, val)
        return
    if kind == "speed_ratio":
        (p1, p2), (lo, hi) = subj, val
        ratio = np.hypot(*game.field(*p1)) / np.hypot(*game.field(*p2))
        assert lo <= ratio <= hi, ratio
        return
    method = subj[0] if kind == "distance" else subj
    assert method in methods, f"{method} is not shown by this link"
    if kind in ("rho", "verdict"):
        u = spectrum(game, method, hp).update
        if kind == "rho":
            assert f"{u.spectral_radius:.6f}" == f"{val:.6f}", u.spectral_radius
        else:
            assert u.verdict == val, u.verdict
        return
    path, status = _path(tuple(sorted(q.items())), method)
    d = np.hypot(path[:, 0], path[:, 1])
    if kind == "status":
        assert status == val
    elif kind == "distance":
        step = subj[1]
        x = d[-1] if step is None else d[step]
        assert val[0] <= x <= val[1], x
    elif kind == "peak":
        assert val[0] <= d.max() <= val[1], d.max()
    elif kind == "range":
        assert val[0] <= d.min() and d.max() <= val[1], (d.min(), d.max())
    elif kind == "drift":
        assert np.abs(d - d[0]).max() <= val, np.abs(d - d[0]).max()
    elif kind == "psi_max":
        assert abs(np.abs(path[:, 1]).max() - val) < 1e-12
    else:
        raise AssertionError(f"unknown claim kind {kind}")


def core_compare(claim: Claim, q: Mapping[str, str]) -> None:
    _, subj, val = claim
    variant, scheme = subj.split("/")
    assert variant in q["variants"].split(",") and scheme in q["schemes"].split(",")
    sc = SCHEMES[scheme]
    h = float(q.get("h", 0.2))
    hp = Hyper(lr_gen=h, lr_disc=h, n_gen=sc.n_gen, n_disc=sc.n_disc, beta=sc.beta)
    assert spectrum(make_game(variant), sc.method, hp).update.verdict == val


def core_stability(claim: Claim, q: Mapping[str, str]) -> None:
    kind, subj, val = claim
    variant, method = q["variant"], q["method"]
    if kind == "critical":
        assert q.get("sweep") == subj
        found = critical_values(variant, subj, 0.0, 1.5)  # the page's γ range
        assert len(found) == 1 and abs(found[0] - val) < 1e-9, found
    elif kind == "boundary":
        x, y = q["axes"].split(",")
        axes = available_axes(variant, method)
        m = stability_map(variant, method, axes[x], axes[y], n=21)
        b = analytic_boundary(variant, method, m, hyper=Hyper())
        assert b is not None and b[2] == val
    elif kind == "verdict_at":
        cell = dict(subj)
        assert set(cell) == set(q["axes"].split(","))
        h = cell.get("h", float(q.get("h", 0.2)))
        hp = Hyper(lr_gen=h, lr_disc=h, n_disc=int(cell.get("n_disc", q.get("n_disc", 1))))
        params = {k: v for k, v in cell.items() if k in VARIANTS[variant].param_index}
        assert spectrum(make_game(variant, params), method, hp).update.verdict == val
    elif kind == "fastest_at":
        ((fixed, at),), (other, best) = subj, val
        assert fixed == "h" and other in q.get("axes", "h,gamma").split(",")
        axis = available_axes(variant, method)[other]
        grid = axis.values(201)  # the page's default resolution
        hp = Hyper(lr_gen=at, lr_disc=at)
        rho = [spectrum(make_game(variant, {other: g}), method, hp).update.spectral_radius
               for g in grid]  # fmt: skip
        assert abs(grid[int(np.argmin(rho))] - best) < 1e-9
    else:
        raise AssertionError(kind)


def _gmm_query(items: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], tuple[float, float]]:
    q = {**{k: str(v) for k, v in GMM_PAGE_DEFAULTS.items()}, **dict(items)}
    s = gmm.GMMSettings()
    target = (float(q.get("target1", s.target[0])), float(q.get("target2", s.target[1])))
    assert q["ell"] == "optimal"
    return q, target


@cache
def _gmm_run(items: tuple[tuple[str, str], ...], dynamics: str) -> gmm.GMMRun:
    q, target = _gmm_query(items)
    s = gmm.GMMSettings()
    start = (float(q["mu1"]), float(q["mu2"]))
    eta_gen = float(q.get("lr_gen", s.eta_gen))
    eta_disc = float(q.get("lr_disc", s.eta_disc))
    if dynamics == "optimal":
        return gmm.run_optimal(start, target, eta_gen, int(q["steps"]))
    ell0 = gmm.optimal_intervals(np.asarray(start), np.asarray(target))
    return gmm.run_first_order(
        start, ell0, target, eta_gen, eta_disc, int(q["steps"]), int(q.get("k", s.k))
    )


@cache
def _gmm_fractions(items: tuple[tuple[str, str], ...]) -> gmm.BatchResult:
    """The page's "with these settings" batch: first order, seeded random starts."""
    from ui.gmm_compute import SETTING_RUNS

    q, target = _gmm_query(items)
    s = gmm.GMMSettings()
    return gmm.batch_experiment(
        gmm.GMMSettings(dynamics="first-order", k=int(q.get("k", s.k)), runs=SETTING_RUNS,
                        seed=s.seed, steps=int(q["steps"]), target=target)
    )  # fmt: skip


def core_gmm(claim: Claim, q: Mapping[str, str]) -> None:
    kind, subj, val = claim
    items = tuple(sorted(q.items()))
    if kind == "modes":
        assert gmm.data_modes(_gmm_query(items)[1]) == val
        return
    if kind == "fraction":
        r = _gmm_fractions(items)
        x = sum(getattr(r, o) for o in subj.split("+"))
        assert val[0] <= x <= val[1], (subj, x)
        return
    run = _gmm_run(items, subj)
    if kind == "tv":
        assert val[0] <= run.tv[-1, 0] <= val[1], run.tv[-1, 0]
    elif kind == "grad":
        assert val[0] <= run.grad_norm[-1, 0] <= val[1], run.grad_norm[-1, 0]
    elif kind == "status":
        assert gmm.run_status(run, 0) == val
    elif kind == "gap":
        assert val[0] <= run.gap[-1, 0] <= val[1], run.gap[-1, 0]
    elif kind == "subopt":
        assert val[0] <= run.suboptimality[-1, 0] <= val[1], run.suboptimality[-1, 0]
    elif kind == "mu":
        for m, (lo, hi) in zip(run.mu[-1, 0], val, strict=True):
            assert lo <= m <= hi, run.mu[-1, 0]
    else:
        raise AssertionError(kind)


CORE = {EXPLORER: core_explorer, COMPARE: core_compare, STABILITY: core_stability,
        MODE_COLLAPSE: core_gmm}  # fmt: skip


@pytest.mark.parametrize(("lesson_id", "i", "link"), LINKS, ids=LINK_IDS)
def test_claims_hold_in_the_core(lesson_id: str, i: int, link: Link) -> None:
    for claim in link.claims:
        CORE[link.page](claim, link.query)


# ---------------------------------------------------------------------- (2) the lessons page


def lessons_page(query: Mapping[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if query:
        at.query_params.update(query)
    at.switch_page("pages/lessons.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_link_style_sheet_selects_the_lesson_link_boxes() -> None:
    """LINK_CSS is a literal (raw HTML only from constants): it must name LINK_KEY's boxes."""
    source = (Path(__file__).resolve().parents[1] / "pages" / "lessons.py").read_text()
    key = source.split('LINK_KEY = "', 1)[1].split('"', 1)[0]
    css = source.split("LINK_CSS = '", 1)[1].split("'", 1)[0]
    assert f'[class*="st-key-{key}_"] code' in css and "user-select: all" in css


def url_lesson(at: AppTest) -> str | None:
    raw = at.query_params.get("lesson")
    return raw[-1] if isinstance(raw, list) else raw


def link_codes(at: AppTest) -> list[str]:
    """The copyable URLs of the lesson's links (not the share panel's own link): Markdown
    code spans (``ui.presenter.copyable``), never ``st.code``, whose copy button made a first
    visit fetch Streamlit's 1.6 MB syntax highlighter."""
    assert not at.main.code
    spans = [m.value for m in at.main.markdown if m.value.startswith("`")]
    return [s.strip("`").strip() for s in spans if "lesson=" not in s]


def linked(les: Lesson) -> tuple[str, str, str]:
    """A lesson's explanation, question and answer as the page shows them: the first use of
    each glossary term on the page is a link to its entry."""
    link = Linker()
    return link(les.explanation), link(les.question), link(les.answer)


def check_lesson_shown(at: AppTest, les: Lesson) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="les_lesson").value == les.id
    n = [x.id for x in LESSONS].index(les.id) + 1
    assert at.subheader[0].value == f"{n}. {les.title}"
    explanation, _, answer = linked(les)
    assert any(explanation == m.value for m in at.markdown)
    assert any(i.value.startswith("**Predict, then run:**") for i in at.info)
    assert at.expander[0].label == "Show what to look for"
    assert any(answer == m.value for m in at.expander[0].markdown)
    # the prediction comes first: a choice of answers, none chosen, and no figure yet
    assert at.radio(key=f"les_predict_{les.id}").value is None
    assert not charts(at)
    assert any(les.reference in m.value for m in at.markdown)
    # one page link and one copyable full URL per link, with exactly the lesson's settings
    page_links = at.get("page_link")
    assert len(page_links) == len(les.links)
    for pl, code, link in zip(page_links, link_codes(at), les.links, strict=True):
        assert pl.proto.page == PAGE_URL[link.page]
        got = {k: v[0] for k, v in parse_qs(pl.proto.query_string).items()}
        assert got == {**link.query, "from_lesson": str(n)}  # the view links back
        assert code.endswith("/" + page_url(link.page, link.query))
    assert not [w for w in at.warning if "URL parameter" in w.value]


def test_lessons_page_walks_every_lesson_with_the_buttons() -> None:
    at = lessons_page()
    assert at.title[0].value == "Guided lessons"
    assert at.button(key="les_prev").disabled
    glossary = "\n".join(m.value for m in at.markdown)
    for term, text in GLOSSARY:
        assert f"**{term}**: {text}" in glossary
    for k, les in enumerate(LESSONS):
        check_lesson_shown(at, les)
        assert url_lesson(at) == (None if k == 0 else les.id)  # the default is not written
        if k < len(LESSONS) - 1:
            at.button(key="les_next").click().run()
    assert at.button(key="les_next").disabled
    at.button(key="les_prev").click().run()
    check_lesson_shown(at, LESSONS[-2])


def test_lessons_page_selectbox_and_url() -> None:
    at = lessons_page()
    for les in reversed(LESSONS):
        at.selectbox(key="les_lesson").set_value(les.id).run()
        check_lesson_shown(at, les)
        assert url_lesson(at) == (None if les is LESSONS[0] else les.id)


@pytest.mark.parametrize("lesson", LESSONS, ids=[les.id for les in LESSONS])
def test_lessons_page_opens_a_lesson_from_the_url(lesson: Lesson) -> None:
    check_lesson_shown(lessons_page({"lesson": lesson.id}), lesson)


def test_lessons_page_names_a_bad_lesson_parameter() -> None:
    at = lessons_page({"lesson": "no-such-lesson", "foo": "1"})
    notes = "\n".join(w.value for w in at.warning)
    assert f"**lesson (lesson)** = “{md_literal('no-such-lesson')}” is not valid" in notes
    assert "**foo** is not used by this page" in notes
    check_lesson_shown_after_note = at.selectbox(key="les_lesson").value
    assert check_lesson_shown_after_note == LESSONS[0].id


def test_presenter_mode_carries_over_to_the_linked_views() -> None:
    les = LESSON_INDEX["gradient-penalty"]
    at = lessons_page({"lesson": les.id, "present": "1"})
    assert not at.warning  # "present" is the app's flag, not an unknown parameter
    assert at.query_params["present"] == "1" and url_lesson(at) == les.id
    for pl, code, link in zip(at.get("page_link"), link_codes(at), les.links, strict=True):
        got = {k: v[0] for k, v in parse_qs(pl.proto.query_string).items()}
        assert got == {**link.query, "from_lesson": "6", "present": "1"}
        # the copyable URL is the students' one
        assert code.endswith("/" + page_url(link.page, link.query))
    at.button(key="les_next").click().run()
    assert at.query_params["present"] == "1" and url_lesson(at) == "consensus"


ANSWER = "Show what to look for"


@pytest.fixture
def answer_ids(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The element id of the answer expander sent by each run, in order (AppTest keeps the
    expander's label and flags but not the block's id, which is what the browser keys its
    open state on)."""
    from streamlit.testing.v1 import local_script_runner

    ids: list[str] = []
    parse = local_script_runner.parse_tree_from_messages

    def recording(msgs: list[Any]) -> Any:
        for m in msgs:
            if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "add_block":
                block = m.delta.add_block
                if block.WhichOneof("type") == "expandable" and block.expandable.label == ANSWER:
                    ids.append(block.id)
        return parse(msgs)

    monkeypatch.setattr(local_script_runner, "parse_tree_from_messages", recording)
    return ids


def assert_answer_hidden(at: AppTest, les: Lesson) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="les_lesson").value == les.id
    (box,) = [e for e in at.main.expander if e.label == ANSWER]
    assert not box.proto.expanded, f"{les.id} opens with its answer showing"
    assert any(linked(les)[2] == m.value for m in box.markdown)  # still there, one click away
    assert at.radio(key=f"les_predict_{les.id}").value is None  # and not predicted yet


@pytest.mark.parametrize("how", ["next", "previous", "selectbox", "link", "back-and-forth"])
def test_each_lesson_starts_with_its_answer_hidden(how: str, answer_ids: list[str]) -> None:
    """Issue: open "Show what to look for" in lesson 1, press Next: lesson 2 opened with its
    answer showing (one expander for every lesson: the browser kept it open). Each lesson's
    answer is its own element: however a lesson is reached, the browser mounts a new, closed
    expander (tests/test_browser_lessons.py clicks through it in Chromium)."""
    first = LESSONS[1]
    at = lessons_page({"lesson": first.id})
    assert_answer_hidden(at, first)
    if how == "next":
        at.button(key="les_next").click().run()
        shown = [LESSONS[2]]
    elif how == "previous":
        at.button(key="les_prev").click().run()
        shown = [LESSONS[0]]
    elif how == "selectbox":
        at.selectbox(key="les_lesson").select(LESSONS[-1].id).run()
        shown = [LESSONS[-1]]
    elif how == "link":
        at.query_params["lesson"] = LESSONS[4].id  # a link to the page, within the session
        at.switch_page("pages/lessons.py").run()
        shown = [LESSONS[4]]
    else:  # away and back: the first lesson's answer is a new element each time it shows
        at.button(key="les_next").click().run()
        assert_answer_hidden(at, LESSONS[2])
        at.button(key="les_prev").click().run()
        shown = [LESSONS[2], first]
    assert_answer_hidden(at, shown[-1])
    ids = answer_ids[-(len(shown) + 1) :]
    assert all(ids), f"the answer expander has no element id: {ids}"
    assert all(a != b for a, b in itertools.pairwise(ids)), ids  # a new element each time


def test_an_unknown_lesson_in_the_session_falls_back_to_the_first() -> None:
    """A hand-made client can send any text as the selectbox's option; the page read it
    before the selectbox reset it (``ValueError`` on this and every later rerun). The
    WebSocket version is tests/test_fuzz_urls.py's every-widget test on /lessons."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.session_state["les_lesson"] = "nope"  # as the hostile widget value arrives
    at.switch_page("pages/lessons.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="les_lesson").value == LESSONS[0].id
    at.button(key="les_next").click().run()
    assert not at.exception and at.selectbox(key="les_lesson").value == LESSONS[1].id


# ---------------------------------------------------------- (3) the linked views, rendered


def open_link(link: Link) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if link.page == EXPLORER:
        at.query_params.update(dict(link.query))
        at.run()
    else:
        at.run()
        at.query_params.update(dict(link.query))
        at.switch_page(link.page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


WIDGET_KINDS = ("selectbox", "multiselect", "slider", "select_slider", "number_input",
                "checkbox", "radio")  # fmt: skip


def widget_value(at: AppTest, key: str) -> Any:
    for kind in WIDGET_KINDS:
        for w in getattr(at, kind):
            if w.key == key:
                return w.value
    raise AssertionError(f"no widget with key {key!r}")


def same_value(got: Any, raw: str) -> bool:
    if isinstance(got, list):
        return [str(x) for x in got] == raw.split(",")
    if isinstance(got, bool):
        return got == (raw == "1")
    if isinstance(got, int | float):
        return math.isclose(float(got), float(raw), rel_tol=0, abs_tol=1e-12)
    return str(got) == raw


def arrays(obj: Any) -> np.ndarray:
    """A Plotly JSON array: a list or a base64 typed array."""
    if isinstance(obj, dict) and "bdata" in obj:
        a = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=obj["dtype"]).astype(float)
        shape = obj.get("shape")
        return a.reshape([int(n) for n in str(shape).split(",")]) if shape else a
    return np.asarray(obj, dtype=float)


def specs(at: AppTest) -> list[dict]:
    return [c.spec for c in charts(at)]


def trace(at: AppTest, name: str) -> dict:
    for spec in specs(at):
        for t in spec["data"]:
            if t.get("name") == name:
                return t
    raise AssertionError(f"no trace {name!r}")


def shown_explorer(at: AppTest, claim: Claim) -> None:
    kind, subj, val = claim
    texts = [m.value for m in at.markdown]
    if kind == "eigs":

        def fmt(re_: float, im: float) -> str:
            re_s = f"{0.0 if abs(re_) < 5e-7 else re_:.6f}"
            if abs(im) < 5e-7:
                return re_s
            return f"{re_s} {'+' if im > 0 else '−'} {abs(im):.6f}i"

        expected = "closed form: `" + ", ".join(fmt(*z) for z in val) + "`"
        assert any("numeric eigenvalues of J" in t and expected in t for t in texts)
        return
    if kind == "speed_ratio":
        t = trace(at, "speed ‖v‖")
        xs, ys, z = arrays(t["x"]), arrays(t["y"]), arrays(t["z"])

        def at_point(p: tuple[float, float]) -> float:
            return float(z[np.abs(ys - p[1]).argmin(), np.abs(xs - p[0]).argmin()])

        (p1, p2), (lo, hi) = subj, val
        ratio = 10 ** (at_point(p1) - at_point(p2))  # the shading is log10 ‖v‖
        assert 0.8 * lo <= ratio <= 1.25 * hi, ratio  # nearest grid cells, not the points
        return
    method = subj[0] if kind == "distance" else subj
    label = METHODS[method].label
    if kind == "rho":
        assert any(f"**{label}** · ρ = `{val:.6f}` · " in t for t in texts), label
        return
    if kind == "verdict":
        assert any(
            f"**{label}** · ρ = `" in t and f":{BADGE[val]}[near (0, 0): {val}" in t for t in texts
        )
        return
    if kind == "psi_max":
        ys = arrays(trace(at, label)["y"])
        assert abs(np.abs(ys).max() - val) < 1e-6
        assert any("clipped" in a.get("text", "") for s in specs(at)
                   for a in s["layout"].get("annotations", []))  # fmt: skip
        return
    t = trace(at, f"{label}: simulated")
    steps, d = arrays(t["x"]), arrays(t["y"])
    errors = " ".join(e.value for e in at.error)
    if kind == "status":
        if val == "converged":
            assert d[-1] < 1e-3
        elif val == "not converged":
            assert d[-1] >= 1e-3 and f"{label} diverged" not in errors
        else:
            assert f"{label} diverged at step" in errors
    elif kind == "distance":
        step = subj[1]
        x = d[-1] if step is None else d[np.abs(steps - step).argmin()]
        assert val[0] - 1e-6 <= x <= val[1] + 1e-6, x
    elif kind == "peak":
        assert val[0] - 1e-6 <= d.max() <= val[1] + 1e-6
    elif kind == "range":
        assert val[0] - 1e-6 <= d.min() and d.max() <= val[1] + 1e-6
    elif kind == "drift":
        assert np.abs(d - d[0]).max() <= val + 1e-6  # float32 on the wire
    else:
        raise AssertionError(kind)


def shown_compare(at: AppTest, claim: Claim) -> None:
    _, subj, val = claim
    variant, scheme = subj.split("/")
    title = f"{VARIANTS[variant].label}<br>{SCHEMES[scheme].label}"  # two lines per title
    notes = [a.get("text", "") for a in specs(at)[0]["layout"]["annotations"]]
    hit = [a for a in notes if f">{title} ↗<" in a]
    assert len(hit) == 1 and f"near (0, 0): {val} (ρ" in hit[0], hit


def shown_stability(at: AppTest, claim: Claim) -> None:
    kind, subj, val = claim
    if kind == "critical":
        names = [t.get("name", "") for s in specs(at) for t in s["data"]]
        assert any(n.startswith("critical damping (") and n.endswith(f"= {val:g})") for n in names)
    elif kind == "boundary":
        trace(at, f"analytic boundary: {val}")
    elif kind == "verdict_at":
        hm = trace(at, "spectral radius")
        xs, ys = arrays(hm["x"]), arrays(hm["y"])
        z = arrays(hm["z"])
        cell = dict(subj)
        x_name, y_name = at.selectbox(key="stab_axes").value.split(",")
        i = np.abs(np.log(ys / cell[y_name]) if y_name == "h" else ys - cell[y_name]).argmin()
        j = np.abs(np.log(xs / cell[x_name]) if x_name == "h" else xs - cell[x_name]).argmin()
        band = z[i, j]  # the map draws ρ as a signed band (ui.figures.stability.rho_band)
        ok = {"converges": band < 0, "neutral": band == 0, "diverges": band > 0}
        assert ok[val], (cell, band)
    elif kind == "fastest_at":
        hm = trace(at, "spectral radius")
        xs, ys, z = arrays(hm["x"]), arrays(hm["y"]), arrays(hm["z"])
        ((fixed, value),), (other, best) = subj, val
        assert at.selectbox(key="stab_axes").value == f"{fixed},{other}"
        column = z[:, np.abs(np.log(xs / value)).argmin()]  # bands: monotone in ρ below 1
        assert abs(ys[column.argmin()] - best) < 1e-6, ys[column.argmin()]
    else:
        raise AssertionError(kind)


def shown_gmm(at: AppTest, claim: Claim) -> None:
    kind, subj, val = claim
    if kind == "modes":
        words = {1: "**one bump**", 2: "**two modes**"}[val]
        assert any(m.value.startswith("The data are ") and words in m.value for m in at.markdown)
        return
    if kind == "fraction":
        from ui.gmm_text import OUTCOME_WORDS

        text = next(m.value for m in at.markdown if "random starts (means uniform" in m.value)
        shown = {}
        for o, words in OUTCOME_WORDS.items():
            hit = re.search(rf"{re.escape(words)} (\d+\.\d)%", text)
            shown[o] = float(hit.group(1)) / 100 if hit else 0.0
        x = sum(shown[o] for o in subj.split("+"))
        assert val[0] - 1e-9 <= x <= val[1] + 1e-9, (subj, x, text)  # 200 runs: exact to 0.1 %
        return
    label = {"optimal": "Optimal discriminator", "first-order": "First-order discriminator"}[subj]
    table = next(m.value for m in at.markdown if "| status | final μ |" in m.value)
    row = next(r for r in table.splitlines() if r.startswith(f"| **{label}** |"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    if kind == "status":
        assert re.search(rf"-badge\[:material/[a-z_]+: {val}\]", cells[1]), cells[1]
    elif kind == "gap":
        assert val[0] <= float(cells[4]) <= val[1], cells[4]
    elif kind == "subopt":
        assert val[0] <= float(cells[6]) <= val[1], cells[6]
    elif kind == "tv":
        assert val[0] <= float(cells[3]) <= val[1], cells[3]
    elif kind == "grad":
        assert val[0] <= float(cells[5]) <= val[1], cells[5]
    elif kind == "mu":
        mu = [float(x) for x in cells[2].strip("()").split(",")]
        for m, (lo, hi) in zip(mu, val, strict=True):
            assert lo <= m <= hi, cells[2]
    else:
        raise AssertionError(kind)


SHOWN = {EXPLORER: shown_explorer, COMPARE: shown_compare, STABILITY: shown_stability,
         MODE_COLLAPSE: shown_gmm}  # fmt: skip
TITLE = {EXPLORER: "Dirac-GAN explorer", COMPARE: "Compare variants and training schemes",
         STABILITY: "Stability map", MODE_COLLAPSE: "Mode collapse (GMM-GAN)"}  # fmt: skip


@pytest.mark.parametrize(("lesson_id", "i", "link"), LINKS, ids=LINK_IDS)
def test_each_link_opens_its_view_with_the_named_settings(
    lesson_id: str, i: int, link: Link
) -> None:
    at = open_link(link)
    assert at.title[0].value == TITLE[link.page]
    notes = [w.value for w in at.warning if "URL parameter" in w.value]
    assert not notes, notes
    for key, raw in link.query.items():
        got = widget_value(at, PREFIX[link.page] + key)
        assert same_value(got, raw), (key, got, raw)
    for claim in link.claims:
        SHOWN[link.page](at, claim)


# ------------------------------------------- (4) each lesson's own figure, on the lessons page


def figure_links(lesson: Lesson) -> list[tuple[int, Link]]:
    """The links a lesson draws on its page: its explorer links, else its mode-collapse ones."""
    out = [(i, x) for i, x in enumerate(lesson.links) if x.page == EXPLORER]
    return out or [(i, x) for i, x in enumerate(lesson.links) if x.page == MODE_COLLAPSE]


FIGURE_LINKS = [(les.id, i, x) for les in LESSONS for i, x in figure_links(les)]


def test_every_lesson_offers_a_prediction_and_its_figure_controls() -> None:
    """A lesson is one entry: its content, claims and ``try_it`` (choices, the right one, and
    the controls its figure offers); ``TRY_IT`` is derived from the entries."""
    assert set(TRY_IT) == set(LESSON_INDEX)
    for les in LESSONS:
        t = TRY_IT[les.id]
        assert len(t.choices) >= 2 and len(set(t.choices)) == len(t.choices), les.id
        assert 0 <= t.correct < len(t.choices), les.id
        assert len(t.controls) <= 2, f"{les.id}: one or two controls, the ones it is about"
        drawn = [x for _, x in figure_links(les)]
        assert drawn, f"{les.id} draws no figure"
        for key in t.controls:
            if drawn[0].page == MODE_COLLAPSE:
                assert key == "k", (les.id, key)  # the one control the mode-collapse view has
                continue
            assert any(
                embedded.applicable(key, embedded.explorer_settings(x.query)) for x in drawn
            ), (les.id, key)
        for x in drawn:
            if x.page == MODE_COLLAPSE:
                assert set(x.query) <= set(embedded.GMM_KEYS), x.query


def predicted(lesson_id: str, choice: int, setting: int | None = None) -> AppTest:
    at = lessons_page({"lesson": lesson_id})
    at.radio(key=f"les_predict_{lesson_id}").set_value(choice).run()
    if setting is not None:
        keys = [r.key for r in at.radio]
        if f"les_setting_{lesson_id}" in keys:
            at.radio(key=f"les_setting_{lesson_id}").set_value(setting).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(
    ("lesson_id", "i", "link"), FIGURE_LINKS, ids=[f"{a}-{b}" for a, b, _ in FIGURE_LINKS]
)
def test_each_lesson_figure_shows_its_claims(lesson_id: str, i: int, link: Link) -> None:
    """The figure on the lesson page shows what the explorer shows for the same link: every
    claim of the link, found in the embedded figure, its ρ lines and its notes."""
    at = predicted(lesson_id, TRY_IT[lesson_id].correct, i)
    if link.page == MODE_COLLAPSE:
        assert [c.key.rsplit("-", 1)[-1] for c in charts(at)] == ["les_gmm_series"]
        for claim in link.claims:
            shown_gmm_embedded(at, claim)
        return
    assert [c.key.rsplit("-", 1)[-1] for c in charts(at)] == ["les_field", "les_distance"]
    for claim in link.claims:
        shown_explorer(at, claim)


#: The embedded mode-collapse view's outcome line: the numbers after each name.
GMM_LINE = re.compile(
    r"\*\*(?P<label>[^*]+)\*\*: (?P<status>[a-z ]+) · final μ = \((?P<m1>\S+), (?P<m2>\S+)\) · "
    r"TV = (?P<tv>\S+) · \|μ₁ − μ₂\| = (?P<gap>\S+) · \(1 \+ TV\) − L = (?P<subopt>\S+) · "
    r"‖∇μ L‖ = (?P<grad>\S+)"
)


def shown_gmm_embedded(at: AppTest, claim: Claim) -> None:
    """A claim of a mode-collapse link in the lesson's own view (the batch facts, ``modes``
    and ``fraction``, are the full page's: its link shows them)."""
    kind, subj, val = claim
    if kind in ("modes", "fraction"):
        return
    label = {"optimal": "Optimal discriminator", "first-order": "First-order discriminator"}[subj]
    lines = [m.groupdict() for t in at.markdown for m in GMM_LINE.finditer(t.value)]
    (row,) = [r for r in lines if r["label"] == label]
    if kind == "status":
        assert row["status"] == val, row
    elif kind == "mu":
        for m, (lo, hi) in zip((row["m1"], row["m2"]), val, strict=True):
            assert lo <= float(m) <= hi, row
    elif kind in ("gap", "subopt", "tv", "grad"):
        assert val[0] <= float(row[kind]) <= val[1], (kind, row)
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize("lesson", LESSONS, ids=[les.id for les in LESSONS])
def test_the_reveal_says_whether_the_prediction_was_right_and_why(lesson: Lesson) -> None:
    t = TRY_IT[lesson.id]
    wrong = next(k for k in range(len(t.choices)) if k != t.correct)
    answer = linked(lesson)[2]
    at = predicted(lesson.id, t.correct)
    assert any(s.value == f"**Right.** {t.choices[t.correct]}" for s in at.success)
    assert any(m.value == f"**Why.** {answer}" for m in at.markdown)
    assert ANSWER not in [e.label for e in at.main.expander]  # the reveal replaced it
    at = predicted(lesson.id, wrong)
    assert any(w.value == f"**Not quite.** The answer: {t.choices[t.correct]}" for w in at.warning)
    assert any(m.value == f"**Why.** {answer}" for m in at.markdown)
    assert charts(at), "every lesson runs its own figure once the student has predicted"


def test_a_lesson_control_moves_its_figure_to_the_cores_numbers() -> None:
    """Lesson 2's one control, the learning rate: at h = 0.5 the ρ shown is the core's."""
    at = predicted("simgd-vs-altgd", 0)
    at.select_slider(key="les_ctl_simgd-vs-altgd_0_h").set_value(0.5).run()
    assert not at.exception
    game = make_game("standard")
    for m in ("simgd", "altgd"):
        rho = spectrum(game, m, Hyper(lr_gen=0.5, lr_disc=0.5)).update.spectral_radius
        shown_explorer(at, ("rho", m, rho))
    path, _ = _path(tuple(sorted({"variant": "standard", "methods": "simgd", "h": "0.5"}.items())),
                    "simgd")  # fmt: skip
    d = np.hypot(path[:, 0], path[:, 1])
    shown_explorer(at, ("distance", ("simgd", None), (d[-1] - 1e-6, d[-1] + 1e-6)))


# --------------------------------------------------- a teacher adds a lesson: one new file

# A new lesson, as a teacher would write it: the example of docs/teaching.md ("Adding a
# lesson"), SimGD at h = 0.5, where the update eigenvalues 1 ± i·h·f′(0) have modulus
# √(1 + 0.25²) = 1.030776.
TEACHING = Path(__file__).resolve().parents[1] / "docs" / "teaching.md"


def new_lesson() -> str:
    m = re.search(r"## Adding a lesson.*?^```\n(.*?)^```", TEACHING.read_text(), re.S | re.M)
    assert m, "docs/teaching.md lost its example lesson file"
    return m[1]


def throwaway_lessons(tmp: Path) -> tuple[Lesson, ...]:
    """The first three lessons' files, the third renumbered 04, and the new one as 03."""
    from ui.content import LESSON_DIR, load_lessons

    for path in sorted(LESSON_DIR.iterdir())[:3]:
        (tmp / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp / "03-saturation.md").rename(tmp / "04-saturation.md")
    (tmp / "03-larger-step.md").write_text(new_lesson(), encoding="utf-8")
    lessons, problems = load_lessons(tmp)
    assert problems == ()
    return lessons


def test_a_new_lesson_file_appears_in_order_with_its_claims_checked(tmp_path: Path) -> None:
    lessons = throwaway_lessons(tmp_path)
    assert [les.id for les in lessons] == [
        "continuous-flow", "simgd-vs-altgd", "larger-step", "saturation",
    ]  # fmt: skip
    new = lessons[2]
    (link,) = new.links
    assert page_url(link.page, link.query) == "explorer?variant=standard&methods=simgd&h=0.5"
    assert new.reference == LESSONS[0].reference.removesuffix(", Section 2 (the Dirac-GAN).") + (
        ", Section 2."
    )
    assert f"{math.sqrt(1 + 0.25**2):.6f}" == "1.030776"  # the claim, from the closed form
    for claim in link.claims:
        CORE[link.page](claim, link.query)
    wrong = ("rho", "simgd", 1.004988)  # h = 0.2's radius: the check can fail
    with pytest.raises(AssertionError):
        CORE[link.page](wrong, link.query)


def test_a_new_lesson_file_is_shown_on_the_lessons_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import MappingProxyType

    import ui.content

    lessons = throwaway_lessons(tmp_path)
    monkeypatch.setattr(ui.content, "LESSONS", lessons)
    monkeypatch.setattr(ui.content, "LESSON_INDEX", MappingProxyType({x.id: x for x in lessons}))
    monkeypatch.setattr(ui.content, "TRY_IT", MappingProxyType({x.id: x.try_it for x in lessons}))
    at = lessons_page({"lesson": "larger-step"})
    assert at.subheader[0].value == "3. A larger step spirals out faster"
    assert at.caption[0].value.startswith("Four short lessons")
    (pl,) = at.get("page_link")
    got = {k: v[0] for k, v in parse_qs(pl.proto.query_string).items()}
    assert got == {"variant": "standard", "methods": "simgd", "h": "0.5", "from_lesson": "3"}
    at.radio(key="les_predict_larger-step").set_value(0).run()
    assert not at.exception
    assert any("ρ = `1.030776`" in m.value for m in at.markdown)  # the figure's own numbers


def test_the_lessons_page_names_a_bad_content_file(monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.content

    problem = "11-new.md: unknown claim kind 'colour' for the pages/explorer.py page"
    monkeypatch.setattr(ui.content, "content_problems", lambda: (problem,))
    at = lessons_page()
    assert [e.value for e in at.error] == [f"Content file problem: {problem}"]
    check_lesson_shown(at, LESSONS[0])  # the other lessons are still there


def test_the_lessons_page_without_lessons_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.content

    problem = "01-only.md: front matter lacks title"
    monkeypatch.setattr(ui.content, "LESSONS", ())
    monkeypatch.setattr(ui.content, "LESSON_INDEX", {})
    monkeypatch.setattr(ui.content, "TRY_IT", {})
    monkeypatch.setattr(ui.content, "content_problems", lambda: (problem,))
    at = lessons_page()
    assert [e.value for e in at.error] == [f"Content file problem: {problem}"]
    assert not at.subheader
