// vgrad's search ranking (conf.py: html_search_scorer), on top of Sphinx's defaults.
// The site is one argument told in chapters; the gallery and the API reference support
// it. Sphinx scores a word in a page's text the same on every page and breaks ties by
// title, so "forget gate" found the API reference first and "clipping" found the
// clipping chapter sixth. A chapter (a page at the top of the site that is not reference
// material) gains CHAPTER_BONUS on every hit, which puts it ahead of the API pages and
// the examples that mention its topic; an exact match of an API name (say
// "clip_by_norm") still scores higher, so API look-ups keep finding the API.
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
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
