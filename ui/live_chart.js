// A Plotly chart that stays mounted between reruns and is updated with one Plotly.react.
// st.plotly_chart hashes the figure into the element id, so every change throws the chart
// away and draws it again, twice (see ui/live_chart.py). Plotly itself is the lab's partial
// build (ui/plotly_js/, served by Streamlit); the theme is Streamlit's (light or dark).
const TEMPLATES = __TEMPLATES__;
let plotlyLoading = null;
let clicks = 0;

function bundleUrl(path) {
  // ``path`` is relative to the app's base URL: two levels above Streamlit's own entry script
  // (static/js/), which also works under a server.baseUrlPath
  const entry = document.querySelector('script[src*="static/js/"]');
  return entry ? new URL("../../" + path, entry.src).href : new URL(path, document.baseURI).href;
}

function loadPlotly(file) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    // a UMD file: imported as a module it sets window.Plotly
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

function stackDomains(layout, height, fit) {
  // fit.below: the lower subplot (yaxis2) keeps that many px, fit.gap px between the two
  // (the upper one's tick labels and axis title); the upper one takes the rest. As fixed
  // fractions they cost a short window's plane (1280×800) ~50 px.
  const m = layout.margin || {};
  const region = height - (m.t || 0) - (m.b || 0) - (fit.legend || 0);
  if (!layout.yaxis || !layout.yaxis2 || region <= 0) return;
  const below = Math.min(0.3, fit.below / region);
  const gap = Math.min(0.2, fit.gap / region);
  layout.yaxis2.domain = [0, below];
  layout.yaxis.domain = [below + gap, 1];
}

function refit(parentElement, gd) {
  const w = parentElement.clientWidth;
  if (!window.Plotly || !gd._fullLayout || !w) return;
  const arranged = gd.__lab && gd.__lab.arranged;
  if (arranged) {
    const layout = JSON.parse(arranged.layout);
    const key = arrange(layout, w);
    if (key !== arranged.key) {
      // another arrangement at this width (columns of a grid, a phone's layout): anew
      arranged.key = key;
      Object.assign(layout, { template: gd.layout.template, width: w });
      gd.style.minHeight = layout.height + "px";
      window.Plotly.react(gd, gd.data, layout);
      return;
    }
  }
  const upd = {};
  if (Math.abs(gd._fullLayout.width - w) > 1) upd.width = w;
  const fit = gd.__lab && gd.__lab.fit;
  if (fit) {
    const h = fittedHeight(parentElement, gd, fit);
    if (Math.abs(gd._fullLayout.height - h) > 1) {
      upd.height = h;
      if (fit.below) {
        const l = { margin: gd.layout.margin, yaxis: {}, yaxis2: {} };
        stackDomains(l, h, fit);
        upd["yaxis.domain"] = l.yaxis.domain;
        upd["yaxis2.domain"] = l.yaxis2.domain;
      }
    }
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
    // A chart fitted to the window also follows its top edge: an element above it that
    // changes height after the first draw (the page still arriving) moves the chart without
    // resizing it. Drawn sooner with the lighter Plotly build, the explorer's field was
    // sometimes fitted 86 px short that way (1 of 8 loads at 1440x900).
    const main = parentElement.closest('[data-testid="stMainBlockContainer"]');
    if (main) {
      const moved = new ResizeObserver(() => {
        if (!gd.isConnected) moved.disconnect(); // the chart left the page
        else if (gd.__lab && gd.__lab.fit) refit(parentElement, gd);
      });
      moved.observe(main);
    }
  }
  // Python sends one JSON document as bytes (ui/live_chart.py)
  const data = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
  gd.__lab = { setTriggerValue, clickable: data.clickable, fit: data.fit, arranged: null };
  gd.setAttribute("aria-label", data.alt || "");
  gd.style.cursor = data.clickable ? "crosshair" : "";
  const fig = data.figure;
  const layout = fig.layout || {};
  const replay = layout.meta && layout.meta.replay;
  const bar = transportBar(parentElement, gd, replay);
  layout.template = TEMPLATES[isDark(parentElement) ? "dark" : "light"];
  layout.width = parentElement.clientWidth || undefined;
  if (data.fit) layout.height = fittedHeight(parentElement, gd, data.fit);
  if (data.fit && data.fit.below) stackDomains(layout, layout.height, data.fit);
  if (layout.meta && (layout.meta.grid || layout.meta.narrow)) {
    // laid out for the width (a grid's columns, a phone's layout); the element's height
    // follows the chart's, reserved here before Plotly has loaded
    const built = JSON.stringify(layout);
    gd.__lab.arranged = { layout: built, key: arrange(layout, parentElement.clientWidth || 600) };
    gd.style.minHeight = layout.height + "px";
  }
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

// ------------------------------------------------------------- layouts for the width
// A figure of panels on a grid (ui/figures: compare_figure, the GMM time series) declares it
// in layout.meta.grid: {n, cols, min_panel, gap, aspect}. Too narrow for its columns (a
// phone), the panels are laid out again in as many columns as fit, each as high as aspect ×
// its width (default 1), rows `gap` px apart (room for the next row's titles and this row's
// tick labels), the subplot titles (the first n annotations) above their panels and the axis
// titles on the outer panels only. A figure may instead carry its own layout for a narrow
// chart, layout.meta.narrow: {below: px, layout: what changes}. Either is chosen again when
// the chart's width changes.

function arrange(layout, width) {
  // lays ``layout`` out for ``width`` in place; returns a key naming the arrangement
  const meta = layout.meta || {};
  let key = "";
  if (meta.grid) key += "columns " + reflowGrid(layout, meta.grid, width);
  if (meta.narrow && width < meta.narrow.below) {
    // a figure's own layout for a narrow screen (ui/figures: gmm plane_figure)
    merge(layout, meta.narrow.layout);
    key += " narrow";
  }
  return key;
}

function merge(dst, src) {
  // src into dst: objects key by key, arrays of objects item by item, the rest replaced
  for (const [k, v] of Object.entries(src)) {
    if (Array.isArray(v) && Array.isArray(dst[k])) {
      v.forEach((item, i) => {
        if (item && typeof item === "object" && dst[k][i] && typeof dst[k][i] === "object") merge(dst[k][i], item);
        else dst[k][i] = item;
      });
    } else if (v && typeof v === "object" && !Array.isArray(v) && dst[k] && typeof dst[k] === "object") {
      merge(dst[k], v);
    } else dst[k] = v;
  }
}

function gridColumns(grid, layout, width) {
  const m = layout.margin;
  const room = width - (m ? (m.l || 0) + (m.r || 0) : 0);
  return Math.max(1, Math.min(grid.cols, Math.floor(room / grid.min_panel)));
}

function reflowGrid(layout, grid, width) {
  const cols = gridColumns(grid, layout, width);
  if (cols === grid.cols) return cols; // as built
  const n = grid.n;
  const rows = Math.ceil(n / cols);
  const m = layout.margin || {};
  const hs = cols > 1 ? 0.06 : 0;
  const cw = (1 - hs * (cols - 1)) / cols;
  // a panel's height: its width (square), or grid.aspect times it
  const side = cw * (width - (m.l || 0) - (m.r || 0)) * (grid.aspect || 1);
  const inner = rows * side + (rows - 1) * grid.gap;
  layout.height = Math.round(inner + (m.t || 0) + (m.b || 0));
  const rh = side / inner;
  const vs = grid.gap / inner;
  const name = (axis, k) => axis + (k ? String(k + 1) : "");
  const title = (axis) => {
    for (let k = 0; k < n; k++) if ((layout[name(axis, k)] || {}).title) return layout[name(axis, k)].title;
    return undefined;
  };
  const xTitle = title("xaxis");
  const yTitle = title("yaxis");
  for (let k = 0; k < n; k++) {
    const i = Math.floor(k / cols);
    const j = k % cols;
    const x0 = j * (cw + hs);
    const y1 = 1 - i * (rh + vs);
    const xa = layout[name("xaxis", k)];
    const ya = layout[name("yaxis", k)];
    xa.domain = [x0, x0 + cw];
    ya.domain = [Math.max(0, y1 - rh), y1];
    xa.title = k + cols >= n ? xTitle : undefined; // no panel below it
    ya.title = j === 0 ? yTitle : undefined;
    const note = (layout.annotations || [])[k];
    if (note) Object.assign(note, { x: x0 + cw / 2, y: y1 });
  }
  return cols;
}

// ---------------------------------------------------------------- replay transport bar
// The explorer's figure names its moving traces in layout.meta.replay (ui/figures/explorer.py);
// every training step is replayed here from the path points already drawn: no frames to
// send, no server round trip per step. A path whose players take turns (AltGD) also carries
// the states between the two turns of each step (dynamics.methods.half_steps, paths[i].half
// with the players' order in paths[i].phases): with "half-steps" ticked, the step counter
// moves in halves and the marker stops there, the first player moved, the second not yet.

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
  const halfBox = document.createElement("label");
  halfBox.className = "lab-half";
  halfBox.title = "Show the generator's and the discriminator's moves of each step one at a time";
  const halfToggle = document.createElement("input");
  halfToggle.type = "checkbox";
  halfToggle.setAttribute("aria-label", "Show half-steps");
  halfBox.append(halfToggle, " half-steps");
  halfBox.style.display = "none"; // shown when a path's players take turns
  const phase = document.createElement("span");
  phase.className = "lab-phase";
  phase.setAttribute("aria-live", "off");
  bar.append(range, label, speedBox, halfBox, phase);
  parentElement.appendChild(bar);

  const st = { step: 0, steps: 1, paths: [], playing: false, busy: false, pending: null };
  // the replay moves in steps of 1, or of ½ with half-steps shown
  const unit = () => (st.halves && halfToggle.checked ? 0.5 : 1);

  function posAt(p, k) {
    // index of the last kept point at or before step k (paths are decimated beyond 1500 points)
    let lo = 0;
    let hi = p.k.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (p.k[mid] <= k) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  function position(p, s) {
    // where path p stands at step s (s = k + ½: between its players' turns of step k)
    const k = Math.floor(s);
    const i = posAt(p, k);
    if (s > k && p.half && p.k[i] === k && 2 * i + 1 < p.half.length) {
      return [p.half[2 * i], p.half[2 * i + 1]];
    }
    return [p.x[i], p.y[i]];
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
      const [t, s] = position(p, k);
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
    const u = unit();
    st.step = Math.max(0, Math.min(st.steps, Math.round(k / u) * u));
    range.step = String(u);
    range.value = String(st.step);
    const whole = Math.floor(st.step);
    label.textContent = "step " + whole + (st.step > whole ? "½" : "") + " / " + st.steps;
    // which player moved last: the first of step k+1 at k + ½, the second at k + 1
    phase.textContent =
      u < 1 && st.step > 0 ? st.phases[st.step > whole ? 0 : 1] + " moved" : "";
    phase.style.display = u < 1 ? "" : "none";
    if (st.paths.length && !drawn) draw(st.step);
  }

  function tick(now) {
    if (!st.playing || !gd.isConnected) return;
    const u = unit();
    const rate = Math.max(1, (st.steps / RUN_SECONDS) * SPEEDS[Number(speed.value)]);
    const k = Math.min(st.steps, Math.floor((st.from + ((now - st.t0) / 1000) * rate) / u) * u);
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
  el.back.addEventListener("click", () => (pause(), setStep(st.step - unit())));
  el.fwd.addEventListener("click", () => (pause(), setStep(st.step + unit())));
  halfToggle.addEventListener("change", () => {
    el.fwd.textContent = halfToggle.checked ? "+½ ▶" : "+1 ▶";
    el.back.textContent = halfToggle.checked ? "◀ −½" : "◀ −1";
    setStep(Math.floor(st.step)); // off: back to the whole step
    if (st.playing) play(); // on at the new pace
  });
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
      return { ...p, x, y, k: k.length ? k : [0], half: numbers(p.half) };
    }).filter((p) => p.x.length);
    const turns = st.paths.find((p) => p.half);
    st.halves = Boolean(turns);
    st.phases = turns ? turns.phases : [];
    halfBox.style.display = st.halves ? "" : "none";
    range.max = String(st.steps);
    if (st.playing) {
      st.from = Math.min(st.step, st.steps);
      st.t0 = performance.now();
    }
    // a new figure arrives drawn at step 0: no second draw then (a slider move stays fast)
    const k = Math.min(st.step, st.steps);
    setStep(unit() < 1 ? k : Math.floor(k), k === 0);
  };
  return bar;
}

function numbers(spec) {
  // a numeric array as sent: a plain list, or Plotly's typed-array spec (ui/figures.py)
  if (!spec) return null;
  if (Array.isArray(spec)) return spec.flat();
  const types = { f4: Float32Array, f8: Float64Array };
  const bin = atob(spec.bdata);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return Array.from(new (types[spec.dtype] || Float32Array)(bytes.buffer));
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
