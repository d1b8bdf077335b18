// vgrad's search ranking (conf.py: html_search_scorer), on top of Sphinx's defaults.
// The site is one argument told in chapters; the gallery and the API reference support
// it. Sphinx scores a word in a page's text the same on every page and breaks ties by
// title, so "forget gate" found the API reference first and "clipping" found the
// clipping chapter sixth. A chapter (a page at the top of the site that is not reference
// material) gains CHAPTER_BONUS on every hit, which puts it ahead of the API pages and
// the examples that mention its topic; an exact match of an API name (say
// "clip_by_norm": 11 + 5) still beats a chapter that merely mentions it (5 + 10), so API
// look-ups keep finding the API.
var Scorer = {
  CHAPTER_BONUS: 10,
  NOT_CHAPTERS: new Set(["api", "references", "install", "genindex", "py-modindex", "search"]),
  score: (result) => {
    const [docname, , , , score, , kind] = result;
    const chapter = !docname.includes("/") && !Scorer.NOT_CHAPTERS.has(docname);
    return chapter && kind !== "object" ? score + Scorer.CHAPTER_BONUS : score;
  },
  // Sphinx's defaults (searchtools.js) for the rest.
  objNameMatch: 11,
  objPartialMatch: 6,
  // Sphinx gives modules priority 0 and a bonus of 15, so the module vgrad.clipping
  // (26 points for "clipping") outranked the clipping chapter (15 + CHAPTER_BONUS); a
  // module here counts like any other API name (5), which an exact name match still wins.
  objPrio: { 0: 5, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
