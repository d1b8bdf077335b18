"""Every figure of the site, measured in Chromium: text size, dark mode, alt text.

The figure system (docs/_ext/figure_style.py, docs/_ext/figures.py) writes into each PNG the
smallest font size in the figure (points) and the image's resolution (dpi). Chromium gives
the width each image is shown at; together they give the smallest text in css px:
``pt / 72 * dpi * shown_width / image_width_px``.

- at a 1280 px window, no figure text below 12 css px;
- at a 390 px window (a phone), none below 8.5 css px ("about 9");
- in dark mode every figure shown is a dark rendering, and none (thumbnails included) is
  brighter than the page's card background (median luminance of the image);
- no image's alt text is a file path, and only gallery thumbnails (decorative: the
  example's title follows as a link) have an empty one.
"""

from __future__ import annotations

import functools
import re

import pytest
from conftest import SITE, SUMMARY, site_pages

PAGES = site_pages()
MIN_DESKTOP_PX = 12.0
MIN_PHONE_PX = 8.5
PATH_ALT = re.compile(r"(^|/)_images/|\.(png|svg|jpe?g)$", re.IGNORECASE)

#: The smallest figure text seen, per viewport, for the summary line.
SMALLEST: dict[int, tuple[float, str]] = {}
BRIGHTEST: list[tuple[float, float, str]] = []
PATH_ALTS: list[str] = []

IMAGES_JS = """() => Array.from(document.querySelectorAll('main img, article img')).map(img => {
  const r = img.getBoundingClientRect();
  const style = getComputedStyle(img);
  return {src: img.currentSrc || img.src, alt: img.getAttribute('alt'), width: r.width,
          shown: r.width > 0 && r.height > 0 && style.display !== 'none'
                 && style.visibility !== 'hidden',
          classes: img.className, background: style.backgroundColor,
          padding: parseFloat(style.paddingTop) || 0};
})"""

CARD_JS = """() => {
  const probe = document.createElement('div');
  probe.style.background = 'var(--pst-color-on-background)';
  document.body.appendChild(probe);
  const colour = getComputedStyle(probe).backgroundColor;
  probe.remove();
  return colour;
}"""


@functools.cache
def png_info(relpath: str) -> tuple[dict[str, str], int, float]:
    """tEXt chunks, pixel width and median relative luminance of one image of the site."""
    import numpy as np
    from PIL import Image

    with Image.open(SITE / relpath) as im:
        info = {k: v for k, v in im.info.items() if isinstance(v, str)}
        rgb = np.asarray(im.convert("RGB"), dtype=float) / 255
        width = im.size[0]
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = lin @ np.array([0.2126, 0.7152, 0.0722])
    return info, width, float(np.median(luminance))


def _relative(src: str, base_url: str) -> str | None:
    if not src.startswith(base_url):
        return None
    return src[len(base_url) :].split("?", 1)[0].split("#", 1)[0]


def _luminance_css(colour: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", colour)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _images(browser, base_url: str, relpath: str, width: int, scheme: str) -> tuple[list, str]:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, device_scale_factor=2
    )
    # Figures do not need MathJax, which is most of a page's rendering time; the widths
    # of the text column and of the images do not depend on it.
    context.route("**/_static/mathjax/**", lambda route: route.abort())
    try:
        page = context.new_page()
        page.goto(base_url + relpath, wait_until="load")
        page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")
        return page.evaluate(IMAGES_JS), page.evaluate(CARD_JS)
    finally:
        context.close()


def _smallest_text(images: list, base_url: str) -> list[tuple[float, str]]:
    sizes = []
    for img in images:
        rel = _relative(img["src"], base_url)
        if not img["shown"] or rel is None or not rel.endswith(".png"):
            continue
        info, px_width, _ = png_info(rel)
        if "vgrad:min_font_pt" not in info:
            continue
        pt, dpi = float(info["vgrad:min_font_pt"]), float(info["vgrad:dpi"])
        sizes.append((pt / 72 * dpi * img["width"] / px_width, rel))
    return sizes


@pytest.mark.parametrize("relpath", PAGES)
def test_figures(relpath: str, browser, base_url: str) -> None:
    if "<img" not in (SITE / relpath).read_text(encoding="utf-8"):
        return  # no image to measure
    problems = []
    for width, floor in ((1280, MIN_DESKTOP_PX), (390, MIN_PHONE_PX)):
        images, _ = _images(browser, base_url, relpath, width, "light")
        for px, rel in _smallest_text(images, base_url):
            if px < SMALLEST.get(width, (float("inf"), ""))[0]:
                SMALLEST[width] = (px, f"{relpath}: {rel}")
            if px < floor:
                problems.append(f"{rel}: smallest text {px:.1f} css px at {width} px < {floor}")
        if width == 1280:
            for img in images:
                alt = (img["alt"] or "").strip()
                # A gallery thumbnail is decorative (alt=""): the example's title follows it
                # as a link. Every other image says what it shows.
                decorative = "_thumb" in img["src"] and not alt
                if img["shown"] and (PATH_ALT.search(alt) or not (alt or decorative)):
                    problems.append(f"{img['src']}: alt text {alt!r} is empty or a path")
                    PATH_ALTS.append(img["src"])
            figures = [i for i in images if i["shown"] and "only-light" in i["classes"]]
            for img in figures:
                rel = _relative(img["src"], base_url)
                if rel and "vgrad:theme" in png_info(rel)[0]:
                    assert png_info(rel)[0]["vgrad:theme"] == "light", rel

    images, card = _images(browser, base_url, relpath, 1280, "dark")
    card_lum = _luminance_css(card)
    for img in images:
        rel = _relative(img["src"], base_url)
        if not img["shown"] or rel is None or not rel.endswith(".png"):
            continue
        if rel.startswith("_static/"):
            continue  # Sphinx's own icons (the module index's plus/minus), not figures
        info, _, lum = png_info(rel)
        BRIGHTEST.append((lum, card_lum, f"{relpath}: {rel}"))
        frame = img["background"]
        if (
            img["padding"] > 0
            and not frame.startswith("rgba(0, 0, 0, 0")
            and (_luminance_css(frame) > card_lum)
        ):
            problems.append(f"{rel}: shown in dark mode on a light frame ({frame})")
        if info.get("vgrad:theme", "dark") != "dark" and "sphx_glr" not in rel:
            problems.append(f"{rel}: a {info['vgrad:theme']} figure shown in dark mode")
        if lum > card_lum:
            problems.append(
                f"{rel}: median luminance {lum:.3f} in dark mode, brighter than the card "
                f"background ({card}, {card_lum:.3f})"
            )
    assert not problems, "\n".join(problems)


def test_zz_summary() -> None:
    """Not a check: the numbers for the closing summary (runs last, by name)."""
    for width, (px, where) in sorted(SMALLEST.items()):
        SUMMARY.append(f"figures: smallest text at {width} px: {px:.1f} css px ({where})")
    SUMMARY.append(f"figures: images with a file path or no alt text: {len(PATH_ALTS)}")
    if BRIGHTEST:
        lum, card, where = max(BRIGHTEST)
        SUMMARY.append(
            f"figures: brightest image in dark mode: median luminance {lum:.4f} "
            f"(card background {card:.4f}; {where}); {len(BRIGHTEST)} images"
        )
