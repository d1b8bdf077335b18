/* The live cliff figure of vgrad (clipping.md; docs/_ext/live_figure.py places it).
 *
 * The single-unit recurrent network of Pascanu, Mikolov & Bengio (2013), as the gallery's
 * cliff examples define it (its constants come from window.vgradLiveData.cliff):
 *     x_t = w sigma(x_{t-1}) + b,  t = 1..T,  x_0 = x0,  loss L(w, b) = (x_T - y)^2,
 * its gradient by backpropagation through time. From the reader's start (w, b), learning
 * rate eta and threshold tau, plain gradient descent runs twice, theta <- theta - eta g:
 * once with g as it is, once with g clipped to norm tau as vgrad.clip_by_norm does it
 * (g * tau/||g|| when ||g|| > tau, the norm taken with vgrad.global_norm's common scale).
 * The plot is the loss after each step of both runs; the summary says where each ends and
 * its longest step. The controls, the plot and the table are those of live_core.js.
 */
(() => {
  "use strict";

  const core = window.vgradLiveCore;
  const { fromLog, fixed } = core;

  /** sigma(a), as vgrad.sigmoid: exp never sees a large positive argument. */
  function sigmoid(a) {
    const e = Math.exp(-Math.abs(a));
    return (a >= 0 ? 1 : e) / (1 + e);
  }

  /** [L, dL/dw, dL/db] by backpropagation through time (the gallery's loss_and_grad). */
  function lossAndGrad(m, w, b) {
    const x = [m.x0];
    const s = [];
    for (let t = 1; t <= m.T; t++) {
      s.push(sigmoid(x[t - 1]));
      x.push(w * s[t - 1] + b);
    }
    let dx = 2.0 * (x[m.T] - m.target);
    let dw = 0;
    let db = 0;
    for (let t = m.T; t > 0; t--) {
      dw += dx * s[t - 1];
      db += dx;
      dx = dx * w * s[t - 1] * (1.0 - s[t - 1]);
    }
    const r = x[m.T] - m.target;
    return [r * r, dw, db];
  }

  /** vgrad.global_norm of (gw, gb): with a common scale, so nothing overflows. */
  function globalNorm(gw, gb) {
    const peak = Math.max(Math.abs(gw), Math.abs(gb));
    if (peak === 0) return 0;
    const a = gw / peak;
    const c = gb / peak;
    return peak * Math.sqrt(a * a + c * c);
  }

  /** One descent: the path (steps + 1 points), the losses along it, the gradient norms. */
  function descend(m, s, clip) {
    let w = s.w0;
    let b = s.b0;
    const path = [[w, b]];
    const losses = [];
    let clipped = 0;
    for (let k = 0; k < s.steps; k++) {
      let [L, gw, gb] = lossAndGrad(m, w, b);
      losses.push(L);
      if (clip) {
        const norm = globalNorm(gw, gb);
        if (norm > s.tau) {
          const scale = s.tau / norm;
          gw *= scale;
          gb *= scale;
          clipped += 1;
        }
      }
      w -= s.eta * gw;
      b -= s.eta * gb;
      path.push([w, b]);
    }
    losses.push(lossAndGrad(m, w, b)[0]);
    return { path, losses, clipped };
  }

  function compute(m, s) {
    const plain = descend(m, s, false);
    const clip = descend(m, s, true);
    const ln = (run) => Float64Array.from(run.losses, Math.log);
    return { series: [ln(clip), ln(plain)], plain, clip };
  }

  /** The longest step of a run: [its length, its index]. */
  function longest(path) {
    let best = [0, 0];
    for (let k = 1; k < path.length; k++) {
      const len = Math.hypot(path[k][0] - path[k - 1][0], path[k][1] - path[k - 1][1]);
      if (len > best[0]) best = [len, k]; // step k, counted from 1: the plot's x = k
    }
    return best;
  }

  const num = (v) => String(Number(v.toPrecision(3))).replace("-", "−");
  const point = ([w, b]) => `(${num(w)}, ${num(b)})`;

  function summary(s, { plain, clip }) {
    const end = (run) => run.path[run.path.length - 1];
    const [lenU, kU] = longest(plain.path);
    const [lenC] = longest(clip.path);
    return (
      `Without clipping the longest step is ${Number(lenU.toPrecision(3))} long (step ${kU}) and ` +
      `the descent ends at (<var>w</var>, <var>b</var>) = ${point(end(plain))} with loss ` +
      `${fromLog(Math.log(plain.losses[s.steps]))}. Clipped to τ = ${fixed(s.tau, 0)}, ` +
      `${clip.clipped} of ${s.steps} steps are shortened, none is longer than ` +
      `${Number(lenC.toPrecision(3))}, and it ends at ${point(end(clip))} with loss ` +
      `${fromLog(Math.log(clip.losses[s.steps]))}.`
    );
  }

  core.mount("cliff", {
    prepare: (raw) => raw,
    controls: (m) => [
      { id: "w0", key: "w0", label: "start w", ...m.w0, digits: 2 },
      { id: "b0", key: "b0", label: "start b", ...m.b0, digits: 2 },
      { id: "eta", key: "eta", label: "learning rate η", ...m.eta, digits: 3 },
      { id: "tau", key: "tau", label: "threshold τ", ...m.tau, digits: 0 },
      { id: "steps", key: "steps", label: "steps", ...m.steps },
    ],
    compute,
    summary,
    settingsText: (s) =>
      `start (w, b) = (${fixed(s.w0, 2)}, ${fixed(s.b0, 2)}), η = ${fixed(s.eta, 3)}, ` +
      `τ = ${fixed(s.tau, 0)}, ${s.steps} steps`,
    caption: (m) =>
      `The loss (<var>x</var><sub><var>T</var></sub> − <var>y</var>)² of the one-unit network ` +
      `(<var>T</var> = ${m.T}) after each step of gradient descent from your start, with the ` +
      "gradient clipped to norm τ (solid) and as it is (dashed; the same until a step is clipped), on a " +
      "log scale. Computed in your browser.",
    xName: "step",
    xTitle: "step",
    yTitle: [["loss"]],
    series: [
      { cls: "vgrad-live-measured", html: "norm clipping" },
      { cls: "vgrad-live-reference", html: "no clipping" },
    ],
  });
})();
