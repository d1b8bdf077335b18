// Search result snippets as readable text. Sphinx builds each snippet from the page's
// HTML, where a formula is still its TeX source (MathJax typesets it only in the open
// tab), so results read "\(W_{hh}\)". Before Sphinx extracts the text, each formula
// becomes the plain text a reader would say (docs/_ext/reading.py does the same for the
// gallery's tooltips): "W_hh", "σ_max(W_hh) > 1/γ".
(() => {
  const symbols = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", eta: "η", theta: "θ",
    lambda: "λ", mu: "μ", rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", psi: "ψ", omega: "ω",
    Lambda: "Λ", Sigma: "Σ", Delta: "Δ", partial: "∂", nabla: "∇", sum: "Σ", prod: "∏",
    infty: "∞", approx: "≈", le: "≤", leq: "≤", ge: "≥", geq: "≥", neq: "≠", ne: "≠",
    times: "×", cdot: "·", cdots: "⋯", ldots: "…", dots: "…", odot: "⊙", to: "→",
    rightarrow: "→", in: "∈", pm: "±", top: "ᵀ", lVert: "‖", rVert: "‖", "|": "‖",
    ell: "ℓ", sqrt: "√",
    // this site's notation macros (conf.py MATH_MACROS), as the reader sees them
    Loss: "L", lossgrad: "L′", lidx: "ℓ", xvec: "x", hvec: "h", avec: "a", yvec: "y",
    bvec: "b", gvec: "g", Wmat: "W", Whh: "W_hh", Wxh: "W_xh", Why: "W_hy", Jmat: "J",
    Dmat: "D", Mmat: "M", Vmat: "V", Imat: "I", diag: "diag", specrad: "ρ",
    sigmax: "σ_max", Reals: "ℝ", Norm: "‖‖", pdiff: "∂/∂",
  };
  const texToText = (tex) => tex
    .replace(/^\\[([]|\\[)\]]$/g, "")
    .replace(/\\[,;:! ]|\\q?quad\b/g, " ")
    .replace(/\\(left|right|big|Big|bigg|Bigg)\b\s*/g, "")
    .replace(/\\(mathrm|mathbf|mathit|mathcal|operatorname|text|boldsymbol)\s*/g, "")
    .replace(/\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "$1/$2")
    .replace(/\\([A-Za-z]+|\|)/g, (m, name) => symbols[name] ?? name)
    .replace(/[{}]/g, "")
    .replace(/\s+/g, " ")
    .trim();

  const patch = () => {
    if (typeof Search === "undefined" || Search.vgradPlainMath) return;
    const htmlToText = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      for (const el of doc.querySelectorAll(".math")) el.textContent = texToText(el.textContent);
      return htmlToText(doc.documentElement.outerHTML, anchor);
    };
    Search.vgradPlainMath = true;
  };
  patch();
  document.addEventListener("DOMContentLoaded", patch);
})();
