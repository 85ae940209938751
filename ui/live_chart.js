// A Plotly chart that stays mounted between reruns and is updated with one Plotly.react.
// st.plotly_chart hashes the figure into the element id, so every change throws the chart
// away and draws it again, twice (see ui/live_chart.py). Plotly itself is Streamlit's own
// bundle, imported from the app's static files; the theme is Streamlit's (light or dark).
const TEMPLATES = __TEMPLATES__;
let plotlyLoading = null;
let clicks = 0;

function bundleUrl(file) {
  // next to Streamlit's own entry script, which also works under a server.baseUrlPath
  const entry = document.querySelector('script[src*="static/js/"]');
  return entry ? new URL(file, entry.src).href : new URL("static/js/" + file, document.baseURI).href;
}

function loadPlotly(file) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    plotlyLoading = import(bundleUrl(file)).then(() => {
      if (!window.Plotly) throw new Error("Plotly did not load");
      return window.Plotly;
    });
  }
  return plotlyLoading;
}

function isDark(el) {
  // Streamlit's text colour is light on a dark theme.
  const m = getComputedStyle(el).color.match(/\d+(\.\d+)?/g);
  if (!m) return false;
  const [r, g, b] = m.slice(0, 3).map(Number);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 128;
}

function dataPoint(gd, ev) {
  // (x, y) of a mouse event on the main subplot's drag surface, or null elsewhere (modebar,
  // legend, replay slider, other subplots)
  if (!gd._fullLayout || !ev.target.closest || !ev.target.closest(".draglayer > .xy")) return null;
  const xa = gd._fullLayout.xaxis;
  const ya = gd._fullLayout.yaxis;
  const box = gd.getBoundingClientRect();
  const px = ev.clientX - box.left - xa._offset;
  const py = ev.clientY - box.top - ya._offset;
  if (px < 0 || py < 0 || px > xa._length || py > ya._length) return null;
  return { x: xa.p2d(px), y: ya.p2d(py) };
}

function watchClicks(gd) {
  // Plotly covers the page while the mouse is down (for panning), so the click event never
  // reaches the chart: a click is a mouse-down on the plot and a mouse-up close to it.
  let down = null;
  gd.addEventListener("mousedown", (ev) => {
    down = ev.button === 0 && gd.__lab.clickable ? { ev, point: dataPoint(gd, ev) } : null;
  });
  const up = (ev) => {
    if (!gd.isConnected) {
      window.removeEventListener("mouseup", up); // the chart left the page
      return;
    }
    const d = down;
    down = null;
    if (!d || !d.point) return;
    if (Math.hypot(ev.clientX - d.ev.clientX, ev.clientY - d.ev.clientY) > 4) return; // a pan
    // numbered, so a second click on the very same point is still a new click
    gd.__lab.setTriggerValue("click", { ...d.point, n: ++clicks });
  };
  window.addEventListener("mouseup", up);
}

export default function ({ parentElement, data: raw, setTriggerValue }) {
  let gd = parentElement.querySelector(":scope > .lab-chart");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "lab-chart";
    gd.setAttribute("role", "figure");
    parentElement.appendChild(gd);
    watchClicks(gd);
    new ResizeObserver(() => {
      const w = parentElement.clientWidth;
      if (window.Plotly && gd._fullLayout && w && Math.abs(gd._fullLayout.width - w) > 1) {
        window.Plotly.relayout(gd, { width: w });
      }
    }).observe(parentElement);
  }
  // Python sends one JSON document as bytes (ui/live_chart.py)
  const data = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
  gd.__lab = { setTriggerValue, clickable: data.clickable };
  gd.setAttribute("aria-label", data.alt || "");
  gd.style.cursor = data.clickable ? "crosshair" : "";
  const fig = data.figure;
  const layout = fig.layout || {};
  layout.template = TEMPLATES[isDark(parentElement) ? "dark" : "light"];
  layout.width = parentElement.clientWidth || undefined;
  const seq = (gd.__labSeq = (gd.__labSeq || 0) + 1);
  schedule(() =>
    loadPlotly(data.plotly)
      .then((Plotly) => {
        if (seq !== gd.__labSeq) return null; // a newer figure arrived meanwhile
        return Plotly.react(gd, { data: fig.data, layout, frames: fig.frames || [], config: data.config });
      })
      .then((drawn) => {
        // autoplay (the start page, a lesson after its prediction): the replay runs once
        if (drawn && data.autoplay && (fig.frames || []).length) {
          window.Plotly.animate(gd, null, { frame: { duration: 60, redraw: false }, transition: { duration: 0 } });
        }
      })
      .catch((err) => {
        gd.textContent = "The chart could not be drawn: " + err;
      }),
  );
}

// Charts are drawn one at a time, in the order their figures arrived, and the browser paints
// after each: a rerun updates every chart of a page at once, and drawn back to back the page's
// first (main) chart would only appear once the last one was drawn.
const queue = [];
let draining = false;

function schedule(draw) {
  queue.push(draw);
  if (!draining) {
    draining = true;
    drain();
  }
}

function drain() {
  const draw = queue.shift();
  if (!draw) {
    draining = false;
    return;
  }
  draw().finally(() => {
    // after the next paint (a hidden page paints no frames, so it just yields)
    if (document.hidden) setTimeout(drain, 0);
    else requestAnimationFrame(() => setTimeout(drain, 0));
  });
}
