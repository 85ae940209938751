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

function scrollTop(el) {
  // how far the page is scrolled: Streamlit scrolls its main section, not the window
  for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    if (p.scrollTop > 0) return p.scrollTop;
  }
  return window.scrollY;
}

function fittedHeight(parentElement, gd, fit) {
  // as tall as the window below the chart's top edge (less the transport bar), capped by
  // the width (the plane is square) and never below fit.min
  const w = parentElement.clientWidth || 600;
  const bar = parentElement.querySelector(":scope > .lab-transport");
  const barH = bar && bar.style.display !== "none" ? bar.offsetHeight + 6 : 0;
  const top = gd.getBoundingClientRect().top + scrollTop(gd);
  const room = window.innerHeight - top - barH - 10;
  return Math.round(Math.max(fit.min || 300, Math.min(room, w * (fit.aspect || 1.3))));
}

function refit(parentElement, gd) {
  const w = parentElement.clientWidth;
  if (!window.Plotly || !gd._fullLayout || !w) return;
  const upd = {};
  if (Math.abs(gd._fullLayout.width - w) > 1) upd.width = w;
  if (gd.__lab && gd.__lab.fit) {
    const h = fittedHeight(parentElement, gd, gd.__lab.fit);
    if (Math.abs(gd._fullLayout.height - h) > 1) upd.height = h;
  }
  if (Object.keys(upd).length) window.Plotly.relayout(gd, upd);
}

export default function ({ parentElement, data: raw, setTriggerValue }) {
  let gd = parentElement.querySelector(":scope > .lab-chart");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "lab-chart";
    gd.setAttribute("role", "figure");
    parentElement.appendChild(gd);
    watchClicks(gd);
    new ResizeObserver(() => refit(parentElement, gd)).observe(parentElement);
    window.addEventListener("resize", () => refit(parentElement, gd));
  }
  // Python sends one JSON document as bytes (ui/live_chart.py)
  const data = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
  gd.__lab = { setTriggerValue, clickable: data.clickable, fit: data.fit };
  gd.setAttribute("aria-label", data.alt || "");
  gd.style.cursor = data.clickable ? "crosshair" : "";
  const fig = data.figure;
  const layout = fig.layout || {};
  const replay = layout.meta && layout.meta.replay;
  const bar = transportBar(parentElement, gd, replay);
  layout.template = TEMPLATES[isDark(parentElement) ? "dark" : "light"];
  layout.width = parentElement.clientWidth || undefined;
  if (data.fit) layout.height = fittedHeight(parentElement, gd, data.fit);
  const seq = (gd.__labSeq = (gd.__labSeq || 0) + 1);
  schedule(() =>
    loadPlotly(data.plotly)
      .then((Plotly) => {
        if (seq !== gd.__labSeq) return null; // a newer figure arrived meanwhile
        return Plotly.react(gd, { data: fig.data, layout, frames: fig.frames || [], config: data.config })
          .then((drawn) => {
            if (replay) bar.__load(replay); // the transport bar reads the paths as drawn
            return drawn;
          });
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

// ---------------------------------------------------------------- replay transport bar
// The explorer's figure names its moving traces in layout.meta.replay (ui/figures/explorer.py);
// every training step is replayed here from the path points already drawn: no frames to
// send, no server round trip per step.

const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 4];
const RUN_SECONDS = 6; // at 1× a whole replay takes about this long
const BUTTONS = [
  ["start", "|◀", "Jump to the start (step 0)"],
  ["back", "◀ −1", "One step back"],
  ["play", "▶ Play", "Play or pause the replay"],
  ["fwd", "+1 ▶", "One step forward"],
  ["end", "▶|", "Jump to the last step"],
];

function transportBar(parentElement, gd, replay) {
  let bar = parentElement.querySelector(":scope > .lab-transport");
  if (!bar && !replay) return null;
  if (!bar) bar = buildBar(parentElement, gd);
  bar.style.display = replay ? "" : "none";
  if (!replay) bar.__pause();
  return bar;
}

function buildBar(parentElement, gd) {
  const bar = document.createElement("div");
  bar.className = "lab-transport";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Replay of the training");
  const el = {};
  for (const [act, text, title] of BUTTONS) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.title = title;
    b.setAttribute("aria-label", title);
    b.dataset.act = act;
    bar.appendChild(b);
    el[act] = b;
  }
  const range = document.createElement("input");
  range.type = "range";
  range.min = "0";
  range.step = "1";
  range.value = "0";
  range.setAttribute("aria-label", "Training step");
  const label = document.createElement("span");
  label.className = "lab-step";
  label.setAttribute("aria-live", "off");
  const speedBox = document.createElement("label");
  speedBox.className = "lab-speed";
  speedBox.textContent = "speed ";
  const speed = document.createElement("select");
  speed.setAttribute("aria-label", "Replay speed");
  SPEEDS.forEach((s, i) => speed.add(new Option(s + "×", String(i), s === 1, s === 1)));
  speedBox.appendChild(speed);
  bar.append(range, label, speedBox);
  parentElement.appendChild(bar);

  const st = { step: 0, steps: 1, paths: [], playing: false, busy: false, pending: null };

  function posAt(p, k) {
    // the last kept point at or before step k (paths are decimated beyond 1500 points)
    let lo = 0;
    let hi = p.k.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (p.k[mid] <= k) lo = mid;
      else hi = mid - 1;
    }
    return [p.x[lo], p.y[lo]];
  }

  function draw(k) {
    if (st.busy) {
      st.pending = k;
      return;
    }
    const v = st.view;
    const data = [];
    const traces = [];
    for (const p of st.paths) {
      const [t, s] = posAt(p, k);
      // at step 0 no marker: the open start marker shows where the path begins
      data.push({ type: "scatter", x: k ? [t] : [], y: k ? [s] : [] });
      data.push({ type: "scatter", x: [t, t], y: [0, 1] });
      data.push({ type: "scatter", x: [-v, v], y: [-v * s, v * s] });
      traces.push(p.now, p.gen, p.disc);
    }
    // unchanged static scatters join the step, or they lose their drawn points (Plotly)
    for (const i of st.static) {
      data.push({ type: "scatter" });
      traces.push(i);
    }
    st.busy = true;
    Promise.resolve(
      window.Plotly.animate(gd, { data, traces }, {
        mode: "immediate",
        frame: { duration: 0, redraw: false },
        transition: { duration: 0 },
      }),
    )
      .catch(() => null)
      .finally(() => {
        st.busy = false;
        if (st.pending !== null) {
          const next = st.pending;
          st.pending = null;
          draw(next);
        }
      });
  }

  function setStep(k, drawn = false) {
    st.step = Math.max(0, Math.min(st.steps, Math.round(k)));
    range.value = String(st.step);
    label.textContent = "step " + st.step + " / " + st.steps;
    if (st.paths.length && !drawn) draw(st.step);
  }

  function tick(now) {
    if (!st.playing || !gd.isConnected) return;
    const rate = Math.max(1, (st.steps / RUN_SECONDS) * SPEEDS[Number(speed.value)]);
    const k = Math.min(st.steps, Math.floor(st.from + ((now - st.t0) / 1000) * rate));
    if (k !== st.step) setStep(k);
    if (k >= st.steps) pause();
    else requestAnimationFrame(tick);
  }

  function play() {
    if (st.step >= st.steps) setStep(0);
    st.playing = true;
    st.from = st.step;
    st.t0 = performance.now();
    el.play.textContent = "❚❚ Pause";
    requestAnimationFrame(tick);
  }

  function pause() {
    st.playing = false;
    el.play.textContent = "▶ Play";
  }

  el.play.addEventListener("click", () => (st.playing ? pause() : play()));
  el.start.addEventListener("click", () => (pause(), setStep(0)));
  el.end.addEventListener("click", () => (pause(), setStep(st.steps)));
  el.back.addEventListener("click", () => (pause(), setStep(st.step - 1)));
  el.fwd.addEventListener("click", () => (pause(), setStep(st.step + 1)));
  range.addEventListener("input", () => (pause(), setStep(Number(range.value))));
  speed.addEventListener("change", () => {
    if (st.playing) play(); // keep going from here at the new speed
  });

  bar.__pause = pause;
  bar.__state = st;
  bar.__load = (replay) => {
    // after each Plotly.react: read the paths as drawn, keep the step (clamped)
    const full = gd._fullData || [];
    const byIndex = (i) => full.find((t) => t.index === i) || {};
    st.view = replay.view;
    st.static = replay.static || [];
    st.steps = Math.max(1, replay.steps);
    st.paths = replay.paths.map((p) => {
      const line = byIndex(p.line);
      const x = Array.from(line.x || []);
      const y = Array.from(line.y || []);
      const k = line.customdata ? Array.from(line.customdata, Number) : x.map((_, i) => i);
      return { ...p, x, y, k: k.length ? k : [0] };
    }).filter((p) => p.x.length);
    range.max = String(st.steps);
    if (st.playing) {
      st.from = Math.min(st.step, st.steps);
      st.t0 = performance.now();
    }
    // a new figure arrives drawn at step 0: no second draw then (a slider move stays fast)
    const k = Math.min(st.step, st.steps);
    setStep(k, k === 0);
  };
  return bar;
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
