/* The live forget-gate figure of vgrad (gated.md; docs/_ext/live_figure.py places it).
 *
 * For the reader's forget-gate bias b_f, input scale s and number of steps T, this script
 * runs the LSTM that vgrad wrote at build time (window.vgradLiveData.forget,
 * _static/live/forget_data.js) over T steps of its inputs, as vgrad.LSTM.forward does:
 *     a_t = W_x (s x_t) + b + W_h h_{t-1},   b = (0, b_f, 0, 0) in the blocks (i, f, g, o),
 *     c_t = f_t * c_{t-1} + i_t * g_t,   h_t = o_t * tanh(c_t),   h_0 = c_0 = 0,
 * and plots the cell path's gain over k steps back, prod_{s=T-k+1..T} f_s[j], in the median
 * unit j (the diagonal of dc_T/dc_{T-k} along the cell path: the log of
 * vgrad.LSTM.cell_path_log_gains, median over the units), against sigma(b_f)^k (dashed),
 * the gate at its bias. Beside it (dotted): ||dh_T/dh_{T-k}||_2 of a vanilla tanh RNN,
 *     h_t = tanh(W_xh (s x_t) + Q h_{t-1}),
 * with Q orthogonal (spectral radius 1, its best case) and W_xh the LSTM's candidate rows,
 * computed as vgrad.RNN.jacobian_log_norms (live_core.js: logNormsOfProducts). The
 * controls, the plot and the table are those of live_core.js.
 */
(() => {
  "use strict";

  const core = window.vgradLiveCore;
  const { fromLog, fixed } = core;

  /** log sigma(a) = -log(1 + e^(-a)), as numpy's logaddexp(0, -a): finite for every a. */
  const logSigmoid = (a) => -(Math.max(0, -a) + Math.log1p(Math.exp(-Math.abs(a))));
  /** sigma(a), as vgrad.sigmoid: exp never sees a large positive argument. */
  function sigmoid(a) {
    const e = Math.exp(-Math.abs(a));
    return (a >= 0 ? 1 : e) / (1 + e);
  }

  /** log f_t (t = 1..T) of every unit, from the LSTM's forward pass. */
  function forgetLogs(data, s) {
    const { n, d } = data;
    const logF = [];
    let h = new Float64Array(n);
    let c = new Float64Array(n);
    const a = new Float64Array(4 * n);
    for (let t = 0; t < s.steps; t++) {
      for (let i = 0; i < 4 * n; i++) {
        let v = 0;
        for (let j = 0; j < d; j++) v += data.Wx[i * d + j] * (s.inputScale * data.xs[t * d + j]);
        v += i >= n && i < 2 * n ? s.forgetBias : 0;
        let r = 0;
        for (let j = 0; j < n; j++) r += data.Wh[i * n + j] * h[j];
        a[i] = v + r;
      }
      const hNext = new Float64Array(n);
      const cNext = new Float64Array(n);
      const lf = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const gi = sigmoid(a[j]);
        const gf = sigmoid(a[n + j]);
        const gg = Math.tanh(a[2 * n + j]);
        const go = sigmoid(a[3 * n + j]);
        cNext[j] = gf * c[j] + gi * gg;
        hNext[j] = go * Math.tanh(cNext[j]);
        lf[j] = logSigmoid(a[n + j]);
      }
      logF.push(lf);
      h = hNext;
      c = cNext;
    }
    return logF;
  }

  /** tanh'(a_t) (t = 1..T) of the vanilla RNN h_t = tanh(W_xh (s x_t) + Q h_{t-1}). */
  function rnnSlopes(data, s) {
    const { n, d } = data;
    const slopes = [];
    let h = new Float64Array(n);
    for (let t = 0; t < s.steps; t++) {
      const hNext = new Float64Array(n);
      const slope = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < d; j++) v += data.Wxh[i * d + j] * (s.inputScale * data.xs[t * d + j]);
        let r = 0;
        for (let j = 0; j < n; j++) r += data.Q[i * n + j] * h[j];
        const th = Math.tanh(v + r);
        hNext[i] = th;
        slope[i] = 1 - th * th;
      }
      slopes.push(slope);
      h = hNext;
    }
    return slopes;
  }

  function compute(data, s) {
    const { n } = data;
    const T = s.steps;
    const logF = forgetLogs(data, s);
    // cell path over the last k steps, per unit: the running sum of log f from t = T down;
    // plotted: its median over the units (numpy's: the mean of the middle two of 16)
    const cell = new Float64Array(T + 1);
    const best = new Float64Array(T + 1);
    const sum = new Float64Array(n);
    for (let k = 1; k <= T; k++) {
      for (let j = 0; j < n; j++) sum[j] += logF[T - k][j];
      const sorted = Float64Array.from(sum).sort();
      const m = n >> 1;
      cell[k] = n % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
      best[k] = sorted[n - 1];
    }
    const bias = cell.map((_, k) => k * logSigmoid(s.forgetBias));
    const slopes = rnnSlopes(data, s);
    const factor = (k, F) => {
      const slope = slopes[T - k];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) F[i * n + j] = slope[i] * data.Q[i * n + j];
    };
    const rnn = core.logNormsOfProducts(factor, T, n);
    return { series: [cell, bias, rnn], cell, best, bias, rnn };
  }

  const CELL_HTML = "LSTM cell path (median unit)";
  const RNN_HTML = "tanh RNN ‖∂<var>h</var><sub><var>T</var></sub>/∂<var>h</var><sub><var>T</var>−<var>k</var></sub>‖<sub>2</sub>";

  function summary(s, { cell, best, bias, rnn }) {
    const T = s.steps;
    const half = Math.LN2 / Math.log1p(Math.exp(-s.forgetBias));
    return (
      `With forget bias ${fixed(s.forgetBias, 1)} (a half-life of ${half.toPrecision(3)} steps at the bias) ` +
      `and input scale ${fixed(s.inputScale, 2)}, over ${T} steps the LSTM's cell path keeps ` +
      `${fromLog(cell[T])} of the gradient in its median unit (${fromLog(best[T])} in its best), the gate at its bias σ(<var>b</var><sub>f</sub>)<sup>${T}</sup> = ` +
      `${fromLog(bias[T])}, and the tanh RNN at most ${fromLog(rnn[T])}.`
    );
  }

  core.mount("forget", {
    prepare: (raw) => {
      const { n, d } = raw;
      const Wx = core.flat(raw.W_x);
      return {
        n,
        d,
        T_max: raw.T_max,
        bias: raw.forget_bias,
        inputScale: raw.input_scale,
        Wx,
        Wh: core.flat(raw.W_h),
        Wxh: Wx.slice(2 * n * d, 3 * n * d), // the candidate (g) rows
        Q: core.flat(raw.Q),
        xs: core.flat(raw.xs),
      };
    },
    controls: (data) => [
      { id: "bf", key: "forgetBias", label: "forget-gate bias", ...data.bias, value: 1, digits: 1 },
      { id: "inputs", key: "inputScale", label: "input scale", ...data.inputScale, value: 1, digits: 2 },
      { id: "T", key: "steps", label: "steps T", min: 5, max: data.T_max, step: 1, value: Math.min(100, data.T_max) },
    ],
    compute,
    summary,
    settingsText: (s) => `b_f = ${fixed(s.forgetBias, 1)}, input scale ${fixed(s.inputScale, 2)}, T = ${s.steps}`,
    caption: (data) =>
      `The gradient kept over <var>k</var> steps back, on a log scale, by a ${data.n}-unit LSTM's cell path ` +
      "(its median unit) and by a tanh RNN of the same size with an orthogonal recurrent matrix, " +
      "on the same inputs; dashed: a forget gate fixed at its bias. Computed in your browser, from the " +
      "weights and inputs vgrad wrote for this page.",
    xName: "<var>k</var>",
    xTitle: "steps back k",
    yTitle: [["gradient kept"]],
    series: [
      { cls: "vgrad-live-measured", html: CELL_HTML },
      { cls: "vgrad-live-reference", html: "σ(<var>b</var><sub>f</sub>)<sup><var>k</var></sup>" },
      { cls: "vgrad-live-third", html: RNN_HTML },
    ],
  });
})();
