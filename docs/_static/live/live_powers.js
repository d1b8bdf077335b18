/* The live 2 x 2 matrix explorer of vgrad (eigenvalues.md; docs/_ext/live_figure.py places it).
 *
 * For the reader's eigenvalues lambda_1, lambda_2 and coupling c, the triangular matrix
 *     M = [[lambda_1, c], [0, lambda_2]]
 * has exactly those eigenvalues (a triangular matrix's diagonal), so rho(M) =
 * max(|lambda_1|, |lambda_2|), and it is normal only at c = 0. The script plots
 * log10 ||M^p||_2 for p = 0..P against rho^p (dashed) and sigma_max(M)^p (dotted): the
 * sandwich rho^p <= ||M^p||_2 <= sigma_max^p, transient growth while rho < 1, and Gelfand's
 * limit ||M^p||^(1/p) -> rho, which the summary quotes at p = P. ||M^p||_2 is the renormalised
 * running product of vgrad.power_norms, step for step (live_core.js: logNormsOfProducts);
 * the controls, the plot and the table are those of live_core.js. No data: every input is
 * the reader's.
 */
(() => {
  "use strict";

  const core = window.vgradLiveCore;
  const { fromLog, fixed } = core;
  const NORM_HTML = "‖<var>M</var><sup><var>p</var></sup>‖<sub>2</sub>";

  /** The matrix of a setting, row-major. */
  const matrix = (s) => Float64Array.of(s.lambda1, s.coupling, 0, s.lambda2);
  /** p log x, with 0^0 = 1. */
  const powerLog = (x, P) => Array.from({ length: P + 1 }, (_, p) => (p === 0 ? 0 : p * Math.log(x)));

  function compute(_data, s) {
    const M = matrix(s);
    const ln = core.logNormsOfProducts((_k, F) => F.set(M), s.powers, 2);
    const rho = Math.max(Math.abs(s.lambda1), Math.abs(s.lambda2));
    const sigma = core.spectralNorm(M, 2);
    return { series: [ln, powerLog(rho, s.powers), powerLog(sigma, s.powers)], ln, rho, sigma };
  }

  /** One or two sentences (HTML) on the setting and its result, for the aria-live region. */
  function summary(s, { ln, rho, sigma }) {
    const P = s.powers;
    let text =
      `Spectral radius ρ = ${fixed(rho, 2)}, largest singular value σ<sub>max</sub> = ` +
      `${fixed(sigma, 2)}${s.coupling === 0 ? " (c = 0: a normal matrix)" : ""}. `;
    let peak = 0;
    for (let p = 1; p <= P; p++) if (ln[p] > ln[peak]) peak = p;
    // Only a spectral radius below one makes the norm fall for good: at |lambda| >= 1 a
    // peak inside the window can be one swing of a norm that keeps growing or oscillating.
    if (rho < 1 && peak > 0 && ln[peak] > Math.log(1.01) && ln[P] < ln[peak]) {
      text += `${NORM_HTML} grows to ${fromLog(ln[peak])} at <var>p</var> = ${peak}, then falls. `;
    }
    text +=
      ln[P] === -Infinity
        ? `<var>M</var><sup>${P}</sup> = 0.`
        : `At <var>p</var> = ${P}, ${NORM_HTML} = ${fromLog(ln[P])} and ${NORM_HTML}<sup>1/<var>p</var></sup> = ` +
          `${fixed(Math.exp(ln[P] / P), 3)} (Gelfand: it tends to ρ).`;
    return text;
  }

  const settingsText = (s) =>
    `λ1 = ${fixed(s.lambda1, 2)}, λ2 = ${fixed(s.lambda2, 2)}, c = ${fixed(s.coupling, 2)}, P = ${s.powers}`;

  core.mount("powers", {
    controls: () => [
      { id: "l1", key: "lambda1", label: "eigenvalue λ₁", min: -1.2, max: 1.2, step: 0.01, value: 0.9, digits: 2 },
      { id: "l2", key: "lambda2", label: "eigenvalue λ₂", min: -1.2, max: 1.2, step: 0.01, value: 0.9, digits: 2 },
      { id: "c", key: "coupling", label: "coupling c (0: normal)", min: 0, max: 10, step: 0.05, value: 2, digits: 2 },
      { id: "P", key: "powers", label: "largest power P", min: 10, max: 200, step: 1, value: 80 },
    ],
    compute,
    summary,
    settingsText,
    caption: () =>
      `${NORM_HTML} of <var>M</var> = [[λ₁, <var>c</var>], [0, λ₂]] against the power <var>p</var>, ` +
      "on a log scale; dashed: ρ<sup><var>p</var></sup>, the lower bound; dotted: " +
      "σ<sub>max</sub><sup><var>p</var></sup>, the upper bound. Computed in your browser.",
    xName: "<var>p</var>",
    xTitle: "power p",
    yTitle: [["‖M"], ["ᵖ‖", "2"]],
    series: [
      { cls: "vgrad-live-measured", html: NORM_HTML },
      { cls: "vgrad-live-reference", html: "ρ<sup><var>p</var></sup>" },
      { cls: "vgrad-live-third", html: "σ<sub>max</sub><sup><var>p</var></sup>", fit: false },
    ],
  });
})();
