"""Teaching features (AppTest): the start page and the old explorer links, "Back to lesson N",
curated links that hide controls, and the glossary links.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from dynamics.variants import VARIANTS
from tests.app_pages import app_pages, open_app
from tests.charts import charts
from ui.content import GLOSSARY, LESSONS
from ui.controls import ALL_PARAM_KEYS, HIDE_KEY, base_specs, param_specs, with_hide
from ui.glossary import SLUGS, Linker, href, slug
from ui.presenter import copyable
from ui.routes import COMPARE, EXPLORER, PAGE_URL, ROUTES, START
from ui.routes import LESSONS as LESSONS_PAGE
from ui.state import md_literal

APP = str(Path(__file__).resolve().parents[1] / "app.py")
EXPLORER_TITLE = "Dirac-GAN explorer"


def title(at: AppTest) -> str:
    return at.title[0].value


def query_of(at: AppTest) -> dict[str, str]:
    return {k: at.query_params[k] for k in at.query_params}


# ------------------------------------------------------------------------ routes, start


def test_routes_are_declared_once_and_the_start_page_is_the_landing_page() -> None:
    pages = app_pages()
    assert [p.path for p in pages] == [r.script for r in ROUTES]
    assert [p.path for p in pages if p.slug == ""] == [START]
    assert PAGE_URL[EXPLORER] == "explorer"
    assert len({p.slug for p in pages}) == len(pages)


def test_the_start_page_explains_and_offers_three_doors() -> None:
    at = open_app()
    assert title(at) == "GAN dynamics lab"
    text = " ".join(m.value for m in at.markdown)
    for words in ("generator", "discriminator", "D(x) = ψx", "at θ", "at 0"):
        assert words in text, words
    doors = {p.proto.label: p.proto.page for p in at.get("page_link")}
    assert doors == {
        "**Take the lessons**": PAGE_URL[LESSONS_PAGE],
        "**Explore freely**": PAGE_URL[EXPLORER],
        "**Reproduce the paper's figures**": PAGE_URL[COMPARE],
    }
    (chart,) = charts(at)
    assert chart.data["autoplay"] and chart.spec["frames"], "a live picture that moves"
    names = [t.get("name") for t in chart.spec["data"]]
    assert "SimGD" in names
    assert not at.warning


def test_the_start_page_in_presenter_mode() -> None:
    at = open_app({"present": "1"})
    assert title(at) == "GAN dynamics lab" and not at.warning
    for p in at.get("page_link"):
        assert parse_qs(p.proto.query_string) == {"present": ["1"]}


def test_the_start_page_names_a_parameter_it_does_not_use() -> None:
    at = open_app({"nope": "1"})
    assert title(at) == "GAN dynamics lab"
    assert any("**nope** is not used by this page" in w.value for w in at.warning)


#: A variant with each variant parameter.
VARIANT_OF = {p.name: name for name, v in reversed(VARIANTS.items()) for p in v.params}
#: One old link to "/" per explorer URL key (its value valid for the explorer).
OLD_LINKS = {
    key: {key: value} | ({"variant": VARIANT_OF[key]} if key in VARIANT_OF else {})
    for key, value in {
        "variant": "wgan", "methods": "altgd", "h": "0.5", "split": "1", "h_gen": "0.1",
        "h_disc": "0.3", "n_gen": "2", "n_disc": "3", "beta": "-0.5", "beta1": "0.8",
        "beta2": "0.99", "eps": "0.001", "steps": "50", "theta0": "0.5", "psi0": "-0.5",
        "view": "3", "density": "2", "speed": "1", "gamma": "0.7", "sigma": "0.5",
        "clip": "0.5", "g0": "1", HIDE_KEY: "steps", "sga_lambda": "0.5", "lookahead_k": "3",
        "lookahead_alpha": "0.4", "ema_beta": "0.2", "unroll_k": "3", "c": "0.5", "lam": "2",
    }.items()
}  # fmt: skip


def test_every_explorer_key_is_covered_by_the_old_links() -> None:
    keys = {s.key for s in with_hide(base_specs())} | set(ALL_PARAM_KEYS)
    assert set(OLD_LINKS) == keys


@pytest.mark.parametrize("key", list(OLD_LINKS))
def test_an_old_explorer_link_to_the_root_opens_the_explorer_with_its_settings(key: str) -> None:
    """Links shared before the explorer moved to /explorer keep working: "/" with any
    explorer setting opens the explorer with it, every setting kept."""
    query = OLD_LINKS[key]
    at = open_app(query)
    assert title(at) == EXPLORER_TITLE
    assert not [w.value for w in at.warning if "URL parameter" in w.value]
    variant = query.get("variant", "standard")
    specs = {s.key: s for s in with_hide(base_specs()) + param_specs(variant)}
    for k, raw in query.items():
        assert at.session_state[k] == specs[k].parse(raw), k


def test_an_old_link_keeps_presenter_mode_and_the_way_back() -> None:
    at = open_app({"h": "0.5", "present": "1", "from_lesson": "2"})
    assert title(at) == EXPLORER_TITLE
    assert query_of(at) == {"h": "0.5", "present": "1", "from_lesson": "2"}


# ------------------------------------------------------------------------ back to lesson


@pytest.mark.parametrize("route", [r for r in ROUTES if r.script not in (START, LESSONS_PAGE)])
def test_a_view_opened_from_a_lesson_links_back_to_it(route) -> None:  # type: ignore[no-untyped-def]
    at = open_app({"from_lesson": "2"}, route.script)
    back = [p for p in at.get("page_link") if p.proto.label.startswith("←")]
    assert len(back) == 1
    assert back[0].proto.label == "← Back to lesson 2"
    assert back[0].proto.page == PAGE_URL[LESSONS_PAGE]
    assert parse_qs(back[0].proto.query_string) == {"lesson": [LESSONS[1].id]}
    assert at.query_params["from_lesson"] == "2"  # survives the page's own URL update
    assert not [w.value for w in at.warning if "URL parameter" in w.value]


# one past the last lesson (the content folder decides how many there are)
@pytest.mark.parametrize("raw", ["0", str(len(LESSONS) + 1), "-1", "2.0", "abc", "<b>1</b>", "٣"])
def test_a_bad_from_lesson_is_named_and_dropped(raw: str) -> None:
    at = open_app({"from_lesson": raw}, EXPLORER)
    assert not [p for p in at.get("page_link") if p.proto.label.startswith("←")]
    notes = [w.value for w in at.warning]
    assert any(f"**from_lesson** = “{md_literal(raw)}” is not valid" in n for n in notes), notes
    assert "from_lesson" not in at.query_params


def test_the_lessons_page_has_no_back_link_and_keeps_no_from_lesson_note() -> None:
    at = open_app({"from_lesson": "3", "lesson": LESSONS[2].id}, LESSONS_PAGE)
    assert not [p for p in at.get("page_link") if p.proto.label.startswith("←")]
    assert not at.warning


# ------------------------------------------------------------------------ curated links


def sidebar_keys(at: AppTest) -> set[str]:
    return {w.key for w in at.sidebar if getattr(w, "key", None)} - {"share_keep"}


def test_a_curated_link_shows_only_the_kept_controls() -> None:
    """A view where students move only the learning rate: every other control is hidden,
    its value fixed by the link."""
    everything = {s.key for s in base_specs()} | {"gamma"}
    hide = sorted(everything - {"h"})
    query = {
        "variant": "gradient-penalty",
        "gamma": "0.7",
        "steps": "300",
        HIDE_KEY: ",".join(hide),
    }
    at = open_app(query, EXPLORER)
    assert sidebar_keys(at) == {"h"}
    assert at.session_state["gamma"] == 0.7 and at.session_state["steps"] == 300
    assert at.session_state["variant"] == "gradient-penalty"
    assert not at.warning
    at.select_slider(key="h").set_value(0.5).run()  # the one control still works
    assert not at.exception and at.query_params["h"] == "0.5"
    assert at.query_params[HIDE_KEY] == ",".join(hide)  # and the view stays curated
    assert sidebar_keys(at) == {"h"}


def test_hidden_controls_are_still_validated() -> None:
    at = open_app({"steps": "-3", "h": "banana", HIDE_KEY: "steps,h"}, EXPLORER)
    notes = " ".join(w.value for w in at.warning)
    assert "**steps (number of steps)**" in notes and "**h (learning rate h)**" in notes
    assert at.session_state["steps"] == 500 and at.session_state["h"] == 0.2
    assert not {"steps", "h"} & sidebar_keys(at)


@pytest.mark.parametrize("raw", ["nope", "steps,nope", "", "hide"])
def test_a_bad_hide_value_is_named_and_hides_nothing(raw: str) -> None:
    at = open_app({HIDE_KEY: raw}, EXPLORER)
    assert any("**hide (hidden controls)**" in w.value for w in at.warning)
    assert {"variant", "methods", "h", "steps"} <= sidebar_keys(at)


def share_links(at: AppTest) -> list[str]:
    """The addresses the sidebar's share panel shows (code spans in its Markdown)."""
    found = (_CODE_SPAN.findall(m.value) for m in at.sidebar.markdown)
    return [text for spans in found for _, text in spans]


_CODE_SPAN = re.compile(r"(`+) (.*?) \1(?!`)")


def test_the_share_panel_shows_both_links_to_this_view_without_st_code() -> None:
    """The links are Markdown code spans: ``st.code`` made every page fetch Streamlit's
    1.6 MB syntax highlighter on a first visit for a collapsed panel."""
    for route in [r for r in ROUTES if r.script != START]:
        at = open_app(None, route.script)
        assert not at.sidebar.code, route.script
    at = open_app({"variant": "gradient-penalty", "h": "0.5"}, EXPLORER)
    student, presenter, curated = share_links(at)
    assert "present" not in parse_qs(urlsplit(student).query)
    assert query_of(at) == {k: v[-1] for k, v in parse_qs(urlsplit(student).query).items()}
    q = parse_qs(urlsplit(presenter).query)
    assert q.pop("present") == ["1"] and {k: v[-1] for k, v in q.items()} == query_of(at)
    assert HIDE_KEY not in parse_qs(urlsplit(curated).query)  # every control ticked


@pytest.mark.parametrize(
    "url", ["http://x/explorer?h=0.5", "a`b", "``", "`a", "a`", "x ```` y", "a  b\tc"]
)
def test_a_link_is_shown_verbatim_whatever_backticks_it_has(url: str) -> None:
    span = copyable(url)
    ((_, text),) = _CODE_SPAN.findall(span)
    assert text == " ".join(url.split())  # CommonMark strips the one space on either side


def test_the_share_panel_builds_a_curated_link_from_the_ticked_controls() -> None:
    at = open_app({"variant": "gradient-penalty", "h": "0.5"}, EXPLORER)
    keep = at.multiselect(key="share_keep")
    offered = set(keep.value)  # every control is ticked at first
    assert {"variant", "methods", "h", "gamma", "steps"} <= offered
    assert not {"h_gen", "h_disc", HIDE_KEY} & offered  # not drawn / not a control
    keep.set_value(["h"]).run()
    code = next(u for u in share_links(at) if "hide=" in u)
    q = {k: v[-1] for k, v in parse_qs(urlsplit(code).query).items()}
    assert q["h"] == "0.5" and q["variant"] == "gradient-penalty"
    hidden = set(q[HIDE_KEY].split(","))
    assert hidden == offered - {"h"}
    # the link it built opens a view with only the learning rate
    shown = open_app(q, EXPLORER)
    assert sidebar_keys(shown) == {"h"}


# ------------------------------------------------------------------------------ glossary

REQUIRED_TERMS = ("GAN", "generator", "discriminator", "loss", "Adam", "extragradient",
                  "optimistic GD", "momentum", "equilibrium", "Jacobian", "spectral radius",
                  "eigenvalue", "learning rate", "vector field", "SimGD", "AltGD")  # fmt: skip


def test_the_glossary_has_every_term_the_pages_use() -> None:
    terms = [t.lower() for t, _ in GLOSSARY]
    for word in REQUIRED_TERMS:
        assert any(t.startswith(word.lower()) for t in terms), word
    assert len(set(SLUGS)) == len(SLUGS) and all(SLUGS)


def test_the_first_use_of_a_term_is_linked_once_per_page() -> None:
    link = Linker()
    first = link("The generator moves; the generator again. `GAN` in code, then a GAN.")
    assert first.count(f"]({href('Generator')})") == 1
    assert first.startswith(f"The [generator]({href('Generator')}) moves")
    assert f"`GAN` in code, then a [GAN]({href('GAN')})." in first
    assert link("the generator, once more") == "the generator, once more"
    assert Linker()("an organism, a SimGDx") == "an organism, a SimGDx"  # whole words only


@pytest.mark.parametrize("term", [t for t, _ in GLOSSARY], ids=slug)
def test_a_glossary_link_opens_its_entry(term: str) -> None:
    at = open_app({"glossary": slug(term)}, LESSONS_PAGE)
    definition = dict(GLOSSARY)[term]
    assert any(i.value == f"**{term}**: {definition}" for i in at.info)
    assert not at.warning


def test_a_bad_glossary_term_is_named() -> None:
    at = open_app({"glossary": "no-such-term"}, LESSONS_PAGE)
    assert any("**glossary (glossary term)**" in w.value for w in at.warning)


def test_the_start_and_lesson_pages_link_the_terms_they_use() -> None:
    at = open_app()
    text = " ".join(m.value for m in at.markdown)
    for term in ("GAN", "Generator", "Discriminator", "Loss", "Equilibrium", "Vector field"):
        assert f"]({href(term)})" in text, term
    at = open_app({"lesson": "optimisers"}, LESSONS_PAGE)
    text = " ".join(m.value for m in at.markdown)
    for term in ("Extragradient", "Optimistic GD", "Momentum"):
        assert f"]({href(term)})" in text, term


@pytest.mark.parametrize(
    ("page", "expander", "terms"),
    [
        (EXPLORER, "What am I looking at?",
         ("Equilibrium", "Jacobian", "Update operator", "Spectral radius ρ")),
        ("pages/mode_collapse.py", "What do “mode collapse”",
         ("Mode collapse", "Discriminator collapse", "Total variation (TV)")),
    ],
)  # fmt: skip
def test_pages_quote_the_glossary_definitions(
    page: str, expander: str, terms: tuple[str, ...]
) -> None:
    """The explorer and mode-collapse pages state these terms as content/glossary.md does,
    not in their own words (one definition per term)."""
    at = open_app(page=page)
    (box,) = [e for e in at.expander if e.label.startswith(expander)]
    text = "\n".join(m.value for m in box.markdown)
    for term in terms:
        assert f"**{term}**: {dict(GLOSSARY)[term]}" in text, term
