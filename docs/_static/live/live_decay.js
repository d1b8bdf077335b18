/* The live gradient-decay figure of vgrad (docs/_ext/live_figure.py places it on a page).
 *
 * For the reader's spectral radius rho, number of steps T, activation phi, kind of matrix M
 * and input scale s_in (named in words on the page), this script runs the recurrence
 *     h_t = phi(W_xh (s_in x_t) + rho M h_{t-1}),  h_0 = 0,  t = 1..T,
 * on the inputs that vgrad wrote at build time (window.vgradLiveData, _static/live/
 * decay_data.js), and plots log10 ||dh_T/dh_{T-k}||_2 for k = 0..T, where
 *     dh_T/dh_{T-k} = J_T J_{T-1} ... J_{T-k+1},  J_s = diag(phi'(a_s)) rho M,
 * against rho^k. It is the computation of vgrad.RNN.jacobian_log_norms, step for step: the
 * running product is divided by its Frobenius norm after every factor and the scale kept as
 * a sum of logarithms, so nothing overflows at rho = 1.5, T = 100; the spectral norm of each
 * rescaled product comes from a one-sided Jacobi SVD (accurate to rounding, where power
 * iteration would stop short on nearly equal singular values).
 *
 * Plain JavaScript, no library and no network: the page works from the built files alone,
 * over file:// too (the data is a script, not fetched JSON).
 */
(() => {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const LN10 = Math.log(10);
  const DEFAULTS = { rho: 0.95, T: 60, activation: "identity", kind: "normal", inputScale: 0.5 };
  const T_MIN = 5;

  // ---------------------------------------------------------------------------------------
  // Numerics (row-major Float64Arrays; n x n matrices are length n * n)

  /** Flatten nested rows into a Float64Array. */
  function flat(rows) {
    const out = new Float64Array(rows.length * rows[0].length);
    let i = 0;
    for (const row of rows) for (const v of row) out[i++] = v;
    return out;
  }

  /** phi'(a_t) for t = 1..T of h_t = phi(W_xh (s x_t) + W h_{t-1}), h_0 = 0: dphi[t - 1]. */
  function slopes(data, W, T, activation, inputScale) {
    const { n, d } = data;
    const dphi = [];
    let h = new Float64Array(n);
    for (let t = 0; t < T; t++) {
      const a = new Float64Array(n);
      const hNext = new Float64Array(n);
      const slope = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += data.Wxh[i * d + j] * (inputScale * data.xs[t * d + j]);
        let r = 0;
        for (let j = 0; j < n; j++) r += W[i * n + j] * h[j];
        a[i] = s + r;
        if (activation === "tanh") {
          const th = Math.tanh(a[i]);
          hNext[i] = th;
          slope[i] = 1 - th * th;
        } else {
          hNext[i] = a[i];
          slope[i] = 1;
        }
      }
      dphi.push(slope);
      h = hNext;
    }
    return dphi;
  }

  /** Largest singular value of the n x n matrix A (one-sided Jacobi; A is not modified). */
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

  /** Natural logs of ||dh_T/dh_{T-k}||_2, k = 0..T (as vgrad.RNN.jacobian_log_norms). */
  function jacobianLogNorms(W, dphi, n) {
    const T = dphi.length;
    const out = new Float64Array(T + 1); // out[0] = log ||I||_2 = 0
    let P = new Float64Array(n * n);
    for (let i = 0; i < n; i++) P[i * n + i] = 1;
    let scale = 0;
    const F = new Float64Array(n * n);
    for (let k = 1; k <= T; k++) {
      const slope = dphi[T - k]; // phi'(a_{T-k+1})
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) F[i * n + j] = slope[i] * W[i * n + j];
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

  /** The figure's numbers for one setting. */
  function compute(data, state) {
    const base = data.matrices[state.kind];
    const W = base.map((v) => state.rho * v);
    const dphi = slopes(data, W, state.T, state.activation, state.inputScale);
    return jacobianLogNorms(W, dphi, data.n);
  }

  // ---------------------------------------------------------------------------------------
  // Formatting

  const SUPERSCRIPT = {
    "-": "⁻",
    0: "⁰",
    1: "¹",
    2: "²",
    3: "³",
    4: "⁴",
    5: "⁵",
    6: "⁶",
    7: "⁷",
    8: "⁸",
    9: "⁹",
  };
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

  const KIND_TEXT = { normal: "the normal matrix", nonnormal: "the non-normal matrix" };
  const ACTIVATION_TEXT = (state) =>
    state.activation === "tanh"
      ? `tanh (input scale ${state.inputScale.toFixed(2)})`
      : "the identity";
  /** The plotted quantity, in HTML. */
  const NORM_HTML =
    "‖∂<var>h</var><sub><var>T</var></sub>/∂<var>h</var><sub><var>T</var>−<var>k</var></sub>‖<sub>2</sub>";

  /** One sentence (HTML) on the setting and its result, for the aria-live region. */
  function summary(state, ln) {
    const T = state.T;
    let text =
      `At ρ = ${state.rho.toFixed(2)}, with ${ACTIVATION_TEXT(state)} and ${KIND_TEXT[state.kind]}, ` +
      `a gradient sent ${T} steps back is multiplied by at most ${fromLog(ln[T])}; ` +
      `the scalar prediction ρ<sup>${T}</sup> is ${fromLog(T * Math.log(state.rho))}.`;
    let peak = 0;
    for (let k = 1; k <= T; k++) if (ln[k] > ln[peak]) peak = k;
    // A hump worth a sentence: at least 1% above both ends (not rounding noise at rho = 1).
    if (ln[peak] - Math.max(ln[0], ln[T]) > Math.log(1.01)) {
      const where = peak === 1 ? "1 step back" : `${peak} steps back`;
      text += ` The largest factor, ${fromLog(ln[peak])}, is ${where}.`;
    }
    return text;
  }

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
    const el = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
    if (text !== null) el.textContent = text;
    return el;
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

  /** Draw log10 of the norms and of rho^k; returns the 'd' of the measured curve. */
  function draw(svg, state, ln, BOX) {
    const T = state.T;
    const measured = Array.from(ln, (v) => v / LN10);
    const reference = measured.map((_, k) => (k * Math.log(state.rho)) / LN10);
    const finite = measured.concat(reference).filter(Number.isFinite);
    let lo = Math.floor(Math.min(...finite));
    let hi = Math.ceil(Math.max(...finite));
    if (hi - lo < 2) {
      lo -= 1;
      hi += 1;
    }
    const yStep = Math.max(1, tickStep(hi - lo, 8, true));
    lo = Math.floor(lo / yStep) * yStep;
    hi = Math.ceil(hi / yStep) * yStep;
    const xStep = tickStep(T, BOX.width < 480 ? 6 : 10, true);

    const plotW = BOX.width - BOX.left - BOX.right;
    const plotH = BOX.height - BOX.top - BOX.bottom;
    const x = (k) => BOX.left + (k / T) * plotW;
    const y = (v) => BOX.top + ((hi - v) / (hi - lo)) * plotH;
    const r = (v) => Math.round(v * 1000) / 1000;

    svg.setAttribute("viewBox", `0 0 ${BOX.width} ${BOX.height}`);
    svg.replaceChildren();
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
    for (let k = 0; k <= T + 1e-9; k += xStep) {
      grid.append(svgEl("line", { x1: r(x(k)), x2: r(x(k)), y1: BOX.top, y2: BOX.top + plotH }));
      axes.append(
        svgEl("text", { x: r(x(k)), y: BOX.top + plotH + 18, "text-anchor": "middle" }, String(k)),
      );
    }
    axes.append(
      svgEl("rect", {
        x: BOX.left,
        y: BOX.top,
        width: plotW,
        height: plotH,
        class: "vgrad-live-frame",
      }),
    );
    axes.append(
      svgEl(
        "text",
        {
          x: BOX.left + plotW / 2,
          y: BOX.height - 8,
          "text-anchor": "middle",
          class: "vgrad-live-axis-title",
        },
        "steps back k",
      ),
    );
    const yTitle = svgEl("text", {
      x: 0,
      y: 0,
      transform: `translate(16 ${BOX.top + plotH / 2}) rotate(-90)`,
      "text-anchor": "middle",
      class: "vgrad-live-axis-title",
    });
    const sub = (text) => svgEl("tspan", { "baseline-shift": "sub", "font-size": "0.75em" }, text);
    const plain = (text) => svgEl("tspan", {}, text);
    yTitle.append(plain("‖∂h"), sub("T"), plain("/∂h"), sub("T−k"), plain("‖"), sub("2"));
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
    const measuredD = path(measured);
    svg.append(grid, axes);
    svg.append(svgEl("path", { d: path(reference), class: "vgrad-live-reference" }));
    svg.append(svgEl("path", { d: measuredD, class: "vgrad-live-measured" }));
    return measuredD;
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

  function control(id, labelText, input, output) {
    const wrap = el("div", { class: "vgrad-live-control" });
    wrap.append(el("label", { for: id }, labelText), input);
    if (output) wrap.append(output);
    return wrap;
  }

  function select(id, options, value) {
    const node = el("select", { id });
    for (const [optionValue, text] of options) {
      const option = el("option", { value: optionValue }, text);
      option.selected = optionValue === value;
      node.append(option);
    }
    return node;
  }

  function build(root, data) {
    const id = `vgrad-live-${++instances}`;
    const state = { ...DEFAULTS, T: Math.min(DEFAULTS.T, data.T_max) };

    const rho = el("input", {
      type: "range",
      id: `${id}-rho`,
      min: data.rho.min,
      max: data.rho.max,
      step: data.rho.step,
      value: state.rho,
    });
    const rhoOut = el("output", { for: `${id}-rho`, id: `${id}-rho-value` });
    const steps = el("input", {
      type: "range",
      id: `${id}-T`,
      min: T_MIN,
      max: data.T_max,
      step: 1,
      value: state.T,
    });
    const stepsOut = el("output", { for: `${id}-T`, id: `${id}-T-value` });
    const activation = select(
      `${id}-activation`,
      [
        ["identity", "identity"],
        ["tanh", "tanh"],
      ],
      state.activation,
    );
    const inputs = el("input", {
      type: "range",
      id: `${id}-inputs`,
      min: data.inputScale.min,
      max: data.inputScale.max,
      step: data.inputScale.step,
      value: state.inputScale,
    });
    const inputsOut = el("output", { for: `${id}-inputs`, id: `${id}-inputs-value` });
    const kind = select(
      `${id}-kind`,
      [
        ["normal", "normal: ρQ"],
        ["nonnormal", "non-normal"],
      ],
      state.kind,
    );

    const controls = el("fieldset", { class: "vgrad-live-controls" });
    controls.append(
      el("legend", {}, "Settings"),
      control(rho.id, "spectral radius ρ", rho, rhoOut),
      control(steps.id, "steps T", steps, stepsOut),
      control(activation.id, "activation φ", activation),
      control(kind.id, "recurrent matrix", kind),
      control(inputs.id, "input scale", inputs, inputsOut),
    );

    const caption = el("figcaption", { id: `${id}-caption` });
    caption.innerHTML =
      `${NORM_HTML} against the number of steps back <var>k</var>, on a log scale, for a ` +
      `${data.n}-unit network with recurrent matrix ρ<var>M</var>; dashed: ρ<sup><var>k</var></sup>. ` +
      "Computed in your browser, from the inputs vgrad wrote for this page.";
    const svg = svgEl("svg", {
      role: "img",
      "aria-labelledby": `${id}-caption ${id}-summary`,
      class: "vgrad-live-plot",
    });
    const legend = el("ul", { class: "vgrad-live-legend", "aria-hidden": "true" });
    legend.innerHTML =
      `<li><span class="vgrad-live-swatch vgrad-live-swatch-measured"></span>${NORM_HTML}</li>` +
      '<li><span class="vgrad-live-swatch vgrad-live-swatch-reference"></span>ρ<sup><var>k</var></sup></li>';
    const summaryP = el("p", {
      id: `${id}-summary`,
      class: "vgrad-live-summary",
      "aria-live": "polite",
    });

    const table = el("table", { class: "vgrad-live-table", id: `${id}-table` });
    // Tables ignore a 1px width; their wrapper can be hidden from view (not from readers).
    const tableBox = el("div", { class: "vgrad-visually-hidden" });
    tableBox.append(table);
    const tableCaption = el("caption");
    const thead = el("thead");
    thead.innerHTML =
      `<tr><th scope="col"><var>k</var></th><th scope="col">${NORM_HTML}</th>` +
      '<th scope="col">ρ<sup><var>k</var></sup></th></tr>';
    const tbody = el("tbody");
    table.append(tableCaption, thead, tbody);

    const figure = el("figure", {
      class: "vgrad-live-figure",
      role: "group",
      "aria-labelledby": caption.id,
    });
    figure.append(controls, svg, legend, summaryP, caption, tableBox);
    root.replaceChildren(figure);

    const instance = { root, state, lnNorms: null, path: "" };
    let pending = false;

    function render() {
      pending = false;
      state.rho = Number(rho.value);
      state.T = Number(steps.value);
      state.activation = activation.value;
      state.kind = kind.value;
      state.inputScale = Number(inputs.value);
      inputsOut.value = state.inputScale.toFixed(2);
      rhoOut.value = state.rho.toFixed(2);
      stepsOut.value = String(state.T);
      rho.setAttribute("aria-valuetext", state.rho.toFixed(2));

      const ln = compute(data, state);
      instance.lnNorms = ln;
      instance.path = draw(svg, state, ln, boxFor(svg.getBoundingClientRect().width));
      summaryP.innerHTML = summary(state, ln);
      tableCaption.textContent =
        `Plotted values: ρ = ${state.rho.toFixed(2)}, T = ${state.T}, ${state.activation}, ` +
        `${KIND_TEXT[state.kind]}, input scale ${state.inputScale.toFixed(2)}`;
      const rows = [];
      for (let k = 0; k <= state.T; k++) {
        const tr = el("tr", { "data-k": k });
        const norm = el("td", { "data-ln": String(ln[k]) }, fromLog(ln[k], 3));
        tr.append(
          el("th", { scope: "row" }, String(k)),
          norm,
          el("td", {}, fromLog(k * Math.log(state.rho), 3)),
        );
        rows.push(tr);
      }
      tbody.replaceChildren(...rows);
      root.dataset.rho = String(state.rho);
      root.dataset.steps = String(state.T);
      root.dataset.activation = state.activation;
      root.dataset.kind = state.kind;
      root.dataset.inputScale = String(state.inputScale);
      root.dataset.renders = String(Number(root.dataset.renders || 0) + 1);
    }

    // Dragging fires many input events per frame; compute once per frame.
    const schedule = () => {
      if (!pending) {
        pending = true;
        requestAnimationFrame(render);
      }
    };
    for (const input of [rho, steps, activation, kind, inputs]) {
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
    if (href) {
      const a = el("a", { href }, "The static figure of the same quantity is in the gallery.");
      p.append(a);
    }
    root.replaceChildren(p);
    root.hidden = false;
  }

  function start() {
    const roots = document.querySelectorAll('[data-vgrad-live="decay"]');
    const data = window.vgradLiveData;
    // The figures on the page and the computation, for a curious reader's console.
    const live = (window.vgradLive = window.vgradLive || { instances: [] });
    live.compute = compute;
    for (const root of roots) {
      if (!data) {
        fail(root, "The data of this interactive figure did not load.");
        continue;
      }
      const prepared = {
        n: data.n,
        d: data.d,
        T_max: data.T_max,
        rho: data.rho,
        inputScale: data.input_scale,
        Wxh: flat(data.W_xh),
        xs: flat(data.xs),
        matrices: { normal: flat(data.matrices.normal), nonnormal: flat(data.matrices.nonnormal) },
      };
      live.instances.push(build(root, prepared));
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
