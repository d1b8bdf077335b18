// Loaded by docs/conf.py (mathjax_config_path) after window.MathJax = {...mathjax4_config}.
// conf.py drops the `noundefined` package, so an unknown macro is a TeX error instead of
// red text; every TeX error still renders in place as <mjx-merror>, and is also reported
// on the console, where tests_browser/ and a reader's devtools see it with its source.
(() => {
  const config = (window.MathJax = window.MathJax || {});
  const tex = (config.tex = config.tex || {});
  tex.formatError = (jax, err) => {
    console.error(`MathJax TeX error: ${err.message} in: ${jax.latex}`);
    return jax.formatError(err);
  };
})();

// Opened from disk (file://), Chromium refuses to start MathJax 4's speech worker: an
// uncaught error, and no speech. There a screen reader reads each formula from hidden
// MathML instead, as with MathJax 3; served over HTTP, MathJax's speech is on.
(() => {
  if (window.location.protocol !== "file:") return;
  const config = (window.MathJax = window.MathJax || {});
  const options = (config.options = config.options || {});
  Object.assign(options, { enableSpeech: false, enableBraille: false });
  const menu = (options.menuOptions = options.menuOptions || {});
  menu.settings = Object.assign(menu.settings || {}, {
    speech: false,
    braille: false,
    assistiveMml: true,
  });
})();

// A display formula wider than its column scrolls sideways (vgrad.css). A keyboard reader
// must be able to reach it to scroll it (axe: scrollable-region-focusable), so each one
// that overflows becomes a Tab stop, marked "vgrad-scrolls"; formulas that fit stay out
// of the Tab order (conf.py). Rechecked when the window changes width.
(() => {
  const config = (window.MathJax = window.MathJax || {});
  const startup = (config.startup = config.startup || {});
  const previous = startup.pageReady;
  const mark = () => {
    for (const el of document.querySelectorAll('div.math mjx-container[display="true"]')) {
      const scrolls = el.scrollWidth > el.clientWidth + 1;
      el.classList.toggle("vgrad-scrolls", scrolls);
      if (scrolls) el.setAttribute("tabindex", "0");
      else if (el.getAttribute("tabindex") === "0") el.removeAttribute("tabindex");
    }
  };
  startup.pageReady = () =>
    (previous ? previous() : window.MathJax.startup.defaultPageReady())
      .then(mark)
      .then(() => document.fonts.ready) // widths settle once the fonts are in
      .then(mark);
  let timer = null;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(mark, 150);
  });
})();
