/* The live gradient-decay figure of vgrad (docs/_ext/live_figure.py places it on a page).
 *
 * For the reader's spectral radius rho, number of steps T, activation phi, kind of matrix M
 * and input scale s_in (named in words on the page), this script runs the recurrence
 *     h_t = phi(W_xh (s_in x_t) + rho M h_{t-1}),  h_0 = 0,  t = 1..T,
 * on the inputs that vgrad wrote at build time (window.vgradLiveData.decay, _static/live/
 * decay_data.js), and plots log10 ||dh_T/dh_{T-k}||_2 for k = 0..T, where
 *     dh_T/dh_{T-k} = J_T J_{T-1} ... J_{T-k+1},  J_s = diag(phi'(a_s)) rho M,
 * against rho^k. It is the computation of vgrad.RNN.jacobian_log_norms, step for step: the
 * running product is divided by its Frobenius norm after every factor and the scale kept as
 * a sum of logarithms, so nothing overflows at rho = 1.5, T = 100; the spectral norm of each
 * rescaled product comes from a one-sided Jacobi SVD (accurate to rounding, where power
 * iteration would stop short on nearly equal singular values).
 *
 * The controls, the plot and the table are those of live_core.js.
 * Plain JavaScript, no library and no network: the page works from the built files alone,
 * over file:// too (the data is a script, not fetched JSON).
 */
(() => {
  "use strict";

  const core = window.vgradLiveCore;
  const { fromLog } = core;
  const DEFAULTS = { rho: 0.95, T: 60, activation: "identity", kind: "normal", inputScale: 0.5 };
  const T_MIN = 5;

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

  /** The figure's numbers for one setting: log ||dh_T/dh_{T-k}||_2, k = 0..T (as
   * vgrad.RNN.jacobian_log_norms), and log rho^k. */
  function compute(data, state) {
    const { n } = data;
    const W = data.matrices[state.kind].map((v) => state.rho * v);
    const dphi = slopes(data, W, state.T, state.activation, state.inputScale);
    // factor k is J_{T-k+1} = diag(phi'(a_{T-k+1})) W
    const factor = (k, F) => {
      const slope = dphi[state.T - k];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) F[i * n + j] = slope[i] * W[i * n + j];
    };
    const ln = core.logNormsOfProducts(factor, state.T, n);
    const scalar = ln.map((_, k) => k * Math.log(state.rho));
    return { series: [ln, scalar], ln };
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
  function summary(state, { ln }) {
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

  core.mount("decay", {
    prepare: (raw) => ({
      n: raw.n,
      d: raw.d,
      T_max: raw.T_max,
      rho: raw.rho,
      inputScale: raw.input_scale,
      Wxh: core.flat(raw.W_xh),
      xs: core.flat(raw.xs),
      matrices: { normal: core.flat(raw.matrices.normal), nonnormal: core.flat(raw.matrices.nonnormal) },
    }),
    controls: (data) => [
      { id: "rho", key: "rho", label: "spectral radius ρ", ...data.rho, value: DEFAULTS.rho, digits: 2 },
      {
        id: "T",
        key: "steps",
        label: "steps T",
        min: T_MIN,
        max: data.T_max,
        step: 1,
        value: Math.min(DEFAULTS.T, data.T_max),
      },
      {
        id: "activation",
        key: "activation",
        label: "activation φ",
        options: [
          ["identity", "identity"],
          ["tanh", "tanh"],
        ],
        value: DEFAULTS.activation,
      },
      {
        id: "kind",
        key: "kind",
        label: "recurrent matrix",
        options: [
          ["normal", "normal: ρQ"],
          ["nonnormal", "non-normal"],
        ],
        value: DEFAULTS.kind,
      },
      { id: "inputs", key: "inputScale", label: "input scale", ...data.inputScale, value: DEFAULTS.inputScale, digits: 2 },
    ],
    compute: (data, s) =>
      compute(data, { rho: s.rho, T: s.steps, activation: s.activation, kind: s.kind, inputScale: s.inputScale }),
    summary: (s, result) =>
      summary({ rho: s.rho, T: s.steps, activation: s.activation, kind: s.kind, inputScale: s.inputScale }, result),
    settingsText: (s) =>
      `ρ = ${s.rho.toFixed(2)}, T = ${s.steps}, ${s.activation}, ${KIND_TEXT[s.kind]}, input scale ${s.inputScale.toFixed(2)}`,
    caption: (data) =>
      `${NORM_HTML} against the number of steps back <var>k</var>, on a log scale, for a ` +
      `${data.n}-unit network with recurrent matrix ρ<var>M</var>; dashed: ρ<sup><var>k</var></sup>. ` +
      "Computed in your browser, from the inputs vgrad wrote for this page.",
    xName: "<var>k</var>",
    xTitle: "steps back k",
    yTitle: [["‖∂h", "T"], ["/∂h", "T−k"], ["‖", "2"]],
    series: [
      { cls: "vgrad-live-measured", html: NORM_HTML },
      { cls: "vgrad-live-reference", html: "ρ<sup><var>k</var></sup>" },
    ],
  });
})();
