/* The shared part of vgrad's live figures (docs/_ext/live_figure.py places them on pages):
 * controls, the log-scale SVG plot, the screen-reader table, the live summary, and the
 * few numerics more than one figure needs. Each figure's own script (live_decay.js,
 * live_powers.js, live_forget.js, live_cliff.js) only says what its controls are and what
 * it computes:
 *
 *     vgradLiveCore.mount("powers", {controls, compute, summary, ...});
 *
 * `compute(data, state)` returns {series: [ln0, ln1, ...], ...}: natural logs of the plotted
 * values at x = 0, 1, ..., len - 1. The plot draws log10 of them; the table holds them, the
 * exact logs in data-ln attributes, where the browser tests read them.
 *
 * Plain JavaScript, no library and no network: the pages work from the built files alone,
 * over file:// too (a figure's data is a script, not fetched JSON).
 */
(() => {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const LN10 = Math.log(10);

  // ---------------------------------------------------------------------------------------
  // Numerics

  /** Flatten nested rows into a Float64Array. */
  function flat(rows) {
    const out = new Float64Array(rows.length * rows[0].length);
    let i = 0;
    for (const row of rows) for (const v of row) out[i++] = v;
    return out;
  }

  /** Largest singular value of the n x n matrix A (one-sided Jacobi; A is not modified):
   * accurate to rounding, where power iteration stops short on nearly equal values. */
  function spectralNorm(A, n) {
    const U = Float64Array.from(A);
    const tol = 4 * Number.EPSILON;
    for (let sweep = 0; sweep < 80; sweep++) {
      let rotated = false;
      for (let p = 0; p < n - 1; p++) {
        for (let q = p + 1; q < n; q++) {
          let alpha = 0;
          let beta = 0;
          let gamma = 0;
          for (let i = 0; i < n; i++) {
            const up = U[i * n + p];
            const uq = U[i * n + q];
            alpha += up * up;
            beta += uq * uq;
            gamma += up * uq;
          }
          // Columns p and q are orthogonal to rounding: nothing to do.
          if (Math.abs(gamma) <= tol * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
          rotated = true;
          const zeta = (beta - alpha) / (2 * gamma);
          const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.hypot(1, zeta));
          const c = 1 / Math.hypot(1, t);
          const s = c * t;
          for (let i = 0; i < n; i++) {
            const up = U[i * n + p];
            const uq = U[i * n + q];
            U[i * n + p] = c * up - s * uq;
            U[i * n + q] = s * up + c * uq;
          }
        }
      }
      if (!rotated) break;
    }
    let best = 0;
    for (let j = 0; j < n; j++) {
      let norm2 = 0;
      for (let i = 0; i < n; i++) norm2 += U[i * n + j] * U[i * n + j];
      best = Math.max(best, norm2);
    }
    return Math.sqrt(best);
  }

  /** Natural logs of ||F(1) F(2) ... F(k)||_2 for k = 0..K, where factor(k, out) writes the
   * n x n factor F(k) into out: the running product is divided by its Frobenius norm after
   * every factor and the scale kept as a sum of logs, so nothing overflows (the product of
   * vgrad's log_norms_of_products, step for step). */
  function logNormsOfProducts(factor, K, n) {
    const out = new Float64Array(K + 1); // out[0] = log ||I||_2 = 0
    let P = new Float64Array(n * n);
    for (let i = 0; i < n; i++) P[i * n + i] = 1;
    let scale = 0;
    const F = new Float64Array(n * n);
    for (let k = 1; k <= K; k++) {
      factor(k, F);
      const next = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let l = 0; l < n; l++) {
          const pil = P[i * n + l];
          if (pil === 0) continue;
          for (let j = 0; j < n; j++) next[i * n + j] += pil * F[l * n + j];
        }
      }
      let fro = 0;
      for (let i = 0; i < n * n; i++) fro += next[i] * next[i];
      fro = Math.sqrt(fro);
      if (fro === 0) {
        out.fill(-Infinity, k);
        break;
      }
      for (let i = 0; i < n * n; i++) next[i] /= fro;
      scale += Math.log(fro);
      P = next;
      out[k] = scale + Math.log(spectralNorm(P, n));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------
  // Formatting

  const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴" };
  Object.assign(SUPERSCRIPT, { 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" });
  const superscript = (s) => String(s).replace(/[-0-9]/g, (c) => SUPERSCRIPT[c]);

  /** exp(ln) as "0.012", "117" or "3.4 × 10⁻⁹" (from its log, so it never overflows). */
  function fromLog(ln, digits = 3) {
    if (ln === -Infinity) return "0";
    const e10 = ln / LN10;
    if (e10 >= -2 && e10 < 4) return Number(Math.exp(ln).toPrecision(digits)).toString();
    let exponent = Math.floor(e10);
    let mantissa = Number((10 ** (e10 - exponent)).toPrecision(digits));
    if (mantissa >= 10) {
      mantissa /= 10;
      exponent += 1;
    }
    return `${mantissa} × 10${superscript(exponent)}`;
  }

  /** A number with a real minus sign. */
  const fixed = (v, digits) => v.toFixed(digits).replace("-", "−");

  // ---------------------------------------------------------------------------------------
  // Plot

  /** A "nice" tick step (1, 2, 2.5 or 5 times a power of ten) giving at most maxTicks. */
  function tickStep(span, maxTicks, integer) {
    const raw = span / maxTicks;
    const power = 10 ** Math.floor(Math.log10(raw));
    for (const m of [1, 2, 2.5, 5, 10]) {
      const step = m * power;
      if (step >= raw && (!integer || Number.isInteger(step))) return step;
    }
    return 10 * power;
  }

  function svgEl(name, attrs = {}, text = null) {
    const node = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text !== null) node.textContent = text;
    return node;
  }

  /** Plot geometry for a figure `width` CSS pixels wide: drawn at 1:1, so text stays legible
   * on a phone instead of shrinking with a fixed viewBox. */
  function boxFor(width) {
    const w = Math.round(Math.min(760, Math.max(300, width || 640)));
    return {
      width: w,
      height: Math.round(Math.min(380, Math.max(240, 0.58 * w))),
      left: 62,
      right: 14,
      top: 14,
      bottom: 50,
    };
  }

  /** Draw log10 of every series against x = 0..len-1. The y range covers the series whose
   * `fit` is not false; the others are clipped to the frame. Returns each series' 'd'. */
  function draw(svg, id, spec, series, box) {
    let BOX = box;
    const X = series[0].ln.length - 1;
    const log10 = series.map((s) => Array.from(s.ln, (v) => v / LN10));
    const finite = log10.filter((_, i) => series[i].fit !== false).flat().filter(Number.isFinite);
    let lo = Math.floor(Math.min(...finite));
    let hi = Math.ceil(Math.max(...finite));
    if (hi - lo < 2) {
      lo -= 1;
      hi += 1;
    }
    const yStep = Math.max(1, tickStep(hi - lo, 8, true));
    lo = Math.floor(lo / yStep) * yStep;
    hi = Math.ceil(hi / yStep) * yStep;
    const xStep = tickStep(X, BOX.width < 480 ? 6 : 10, true);
    // Room on the left for the widest exponent ("10" and about 7 px a character) between
    // the tick labels and the rotated axis title.
    let digits = 1;
    for (let v = lo; v <= hi + 1e-9; v += yStep) digits = Math.max(digits, String(v).length);
    BOX = { ...BOX, left: 52 + 7 * digits };

    const plotW = BOX.width - BOX.left - BOX.right;
    const plotH = BOX.height - BOX.top - BOX.bottom;
    const x = (k) => BOX.left + (k / X) * plotW;
    const y = (v) => BOX.top + ((hi - v) / (hi - lo)) * plotH;
    const r = (v) => Math.round(v * 1000) / 1000;

    svg.setAttribute("viewBox", `0 0 ${BOX.width} ${BOX.height}`);
    svg.replaceChildren();
    const clip = svgEl("clipPath", { id: `${id}-clip` });
    clip.append(svgEl("rect", { x: BOX.left, y: BOX.top - 2, width: plotW, height: plotH + 4 }));
    const defs = svgEl("defs");
    defs.append(clip);
    const grid = svgEl("g", { class: "vgrad-live-grid" });
    const axes = svgEl("g", { class: "vgrad-live-axes" });
    for (let v = lo; v <= hi + 1e-9; v += yStep) {
      grid.append(svgEl("line", { x1: BOX.left, x2: BOX.left + plotW, y1: r(y(v)), y2: r(y(v)) }));
      const label = svgEl(
        "text",
        { x: BOX.left - 8, y: r(y(v)), "text-anchor": "end", "dominant-baseline": "middle" },
        "10",
      );
      // The exponent in ordinary digits raised by a tspan: superscript characters at a
      // reduced size came out as 4 px dots.
      label.append(
        svgEl("tspan", { dy: "-0.45em", "font-size": "0.85em" }, String(v).replace("-", "\u2212")),
      );
      axes.append(label);
    }
    for (let k = 0; k <= X + 1e-9; k += xStep) {
      grid.append(svgEl("line", { x1: r(x(k)), x2: r(x(k)), y1: BOX.top, y2: BOX.top + plotH }));
      axes.append(
        svgEl("text", { x: r(x(k)), y: BOX.top + plotH + 18, "text-anchor": "middle" }, String(k)),
      );
    }
    axes.append(
      svgEl("rect", { x: BOX.left, y: BOX.top, width: plotW, height: plotH, class: "vgrad-live-frame" }),
    );
    const xTitle = { x: BOX.left + plotW / 2, y: BOX.height - 8, "text-anchor": "middle" };
    axes.append(svgEl("text", { ...xTitle, class: "vgrad-live-axis-title" }, spec.xTitle));
    const yTitle = svgEl("text", {
      x: 0,
      y: 0,
      transform: `translate(16 ${BOX.top + plotH / 2}) rotate(-90)`,
      "text-anchor": "middle",
      class: "vgrad-live-axis-title",
    });
    // [text, subscript] pairs: the subscript lowered by a tspan
    for (const [text, sub] of spec.yTitle) {
      yTitle.append(svgEl("tspan", {}, text));
      if (sub) yTitle.append(svgEl("tspan", { "baseline-shift": "sub", "font-size": "0.75em" }, sub));
    }
    axes.append(yTitle);

    const path = (values) => {
      let d = "";
      let pen = "M";
      values.forEach((v, k) => {
        if (!Number.isFinite(v)) {
          pen = "M";
          return;
        }
        d += `${pen}${r(x(k))},${r(y(v))}`;
        pen = "L";
      });
      return d;
    };
    svg.append(defs, grid, axes);
    const ds = [];
    // Drawn last first, so the first series (the measured one) is on top.
    for (let i = series.length - 1; i >= 0; i--) {
      ds[i] = path(log10[i]);
      const attrs = { d: ds[i], class: series[i].cls };
      if (series[i].fit === false) attrs["clip-path"] = `url(#${id}-clip)`;
      svg.append(svgEl("path", attrs));
    }
    return ds;
  }

  // ---------------------------------------------------------------------------------------
  // Widget

  let instances = 0;

  function el(name, attrs = {}, text = null) {
    const node = document.createElement(name);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text !== null) node.textContent = text;
    return node;
  }

  /** One control from its spec: {id, key, label, min, max, step, value, digits} is a slider
   * with its value beside it, {id, key, label, options: [[value, text]], value} a select. */
  function control(prefix, spec) {
    const id = `${prefix}-${spec.id}`;
    const wrap = el("div", { class: "vgrad-live-control" });
    let input;
    let output = null;
    if (spec.options) {
      input = el("select", { id });
      for (const [value, text] of spec.options) {
        const option = el("option", { value }, text);
        option.selected = value === spec.value;
        input.append(option);
      }
    } else {
      const { min, max, step, value } = spec;
      input = el("input", { type: "range", id, min, max, step, value });
      output = el("output", { for: id, id: `${id}-value` });
    }
    wrap.append(el("label", { for: id }, spec.label), input);
    if (output) wrap.append(output);
    return { spec, input, output, wrap };
  }

  /** Build one figure in `root` from the figure's spec and data. */
  function build(root, data, spec) {
    const id = `vgrad-live-${++instances}`;
    const controls = spec.controls(data).map((c) => control(id, c));
    const fieldset = el("fieldset", { class: "vgrad-live-controls" });
    fieldset.append(el("legend", {}, "Settings"), ...controls.map((c) => c.wrap));

    const caption = el("figcaption", { id: `${id}-caption` });
    caption.innerHTML = spec.caption(data);
    const svg = svgEl("svg", {
      role: "img",
      "aria-labelledby": `${id}-caption ${id}-summary`,
      class: "vgrad-live-plot",
    });
    const legend = el("ul", { class: "vgrad-live-legend", "aria-hidden": "true" });
    legend.innerHTML = spec.series
      .map((s) => `<li><span class="vgrad-live-swatch ${s.cls}"></span>${s.html}</li>`)
      .join("");
    const summaryP = el("p", { id: `${id}-summary`, class: "vgrad-live-summary", "aria-live": "polite" });

    const table = el("table", { class: "vgrad-live-table", id: `${id}-table` });
    // Tables ignore a 1px width; their wrapper can be hidden from view (not from readers).
    const tableBox = el("div", { class: "vgrad-visually-hidden" });
    tableBox.append(table);
    const tableCaption = el("caption");
    const thead = el("thead");
    thead.innerHTML =
      `<tr><th scope="col">${spec.xName}</th>` +
      spec.series.map((s) => `<th scope="col">${s.html}</th>`).join("") +
      "</tr>";
    const tbody = el("tbody");
    table.append(tableCaption, thead, tbody);

    const figure = el("figure", { class: "vgrad-live-figure", role: "group", "aria-labelledby": caption.id });
    figure.append(fieldset, svg, legend, summaryP, caption, tableBox);
    root.replaceChildren(figure);

    const state = {};
    const instance = { root, state, result: null, paths: [] };
    let pending = false;

    function render() {
      pending = false;
      for (const { spec: c, input, output } of controls) {
        if (c.options) state[c.key] = input.value;
        else {
          state[c.key] = Number(input.value);
          const text = fixed(state[c.key], c.digits || 0);
          output.value = text;
          input.setAttribute("aria-valuetext", text);
        }
      }
      const result = spec.compute(data, state);
      const series = spec.series.map((s, i) => ({ ...s, ln: result.series[i] }));
      instance.result = result;
      instance.paths = draw(svg, id, spec, series, boxFor(svg.getBoundingClientRect().width));
      summaryP.innerHTML = spec.summary(state, result, data);
      tableCaption.textContent = `Plotted values: ${spec.settingsText(state)}`;
      const rows = [];
      for (let k = 0; k < series[0].ln.length; k++) {
        const tr = el("tr", { "data-k": k });
        tr.append(el("th", { scope: "row" }, String(k)));
        for (const s of series) tr.append(el("td", { "data-ln": String(s.ln[k]) }, fromLog(s.ln[k], 3)));
        rows.push(tr);
      }
      tbody.replaceChildren(...rows);
      for (const [key, value] of Object.entries(state)) root.dataset[key] = String(value);
      root.dataset.renders = String(Number(root.dataset.renders || 0) + 1);
    }

    // Dragging fires many input events per frame; compute once per frame.
    const schedule = () => {
      if (!pending) {
        pending = true;
        requestAnimationFrame(render);
      }
    };
    for (const { input } of controls) {
      input.addEventListener("input", schedule);
      input.addEventListener("change", schedule);
    }
    instance.render = render;
    root.hidden = false; // before the first render, which measures the width
    render();
    // Redraw at the new size when the column changes width (window resized, sidebar toggled).
    let drawnWidth = svg.getBoundingClientRect().width;
    new ResizeObserver(() => {
      if (Math.abs(svg.getBoundingClientRect().width - drawnWidth) >= 8) {
        drawnWidth = svg.getBoundingClientRect().width;
        schedule();
      }
    }).observe(svg);
    return instance;
  }

  function fail(root, message) {
    const p = el("p", { class: "vgrad-live-error", role: "alert" }, `${message} `);
    const href = root.dataset.fallbackHref;
    if (href) p.append(el("a", { href }, "The static figure of the same quantity is in the gallery."));
    root.replaceChildren(p);
    root.hidden = false;
  }

  /** Build every `[data-vgrad-live=name]` of the page with `spec`; `spec.prepare` turns the
   * figure's data (window.vgradLiveData[name], written by the build) into what `compute`
   * reads; a figure without data has no `prepare`. */
  function mount(name, spec) {
    const start = () => {
      // The figures on the page and their computations, for a curious reader's console.
      const live = (window.vgradLive = window.vgradLive || { instances: [] });
      live[name] = spec.compute;
      if (name === "decay") live.compute = spec.compute;
      for (const root of document.querySelectorAll(`[data-vgrad-live="${name}"]`)) {
        const raw = (window.vgradLiveData || {})[name];
        if (spec.prepare && !raw) {
          fail(root, "The data of this interactive figure did not load.");
          continue;
        }
        live.instances.push(build(root, spec.prepare ? spec.prepare(raw) : {}, spec));
      }
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }

  window.vgradLiveCore = { flat, spectralNorm, logNormsOfProducts, fromLog, fixed, mount };
})();
