/* The search page (docs/_templates/search.html): Pagefind's interface on the index the build
 * wrote into pagefind/, started with the query of the address (?q=, which the search box in
 * every page's sidebar sends). */
(function () {
  "use strict";

  // Words a question is made of but an answer need not contain (Sphinx's English list, short,
  // and the words of a comparison): Pagefind returns only pages holding every word of the query.
  var STOP = new Set(("a about an and are as at be between by can difference differences do does for " +
    "from get how i if in into is it " +
    "its me my of on or should so the their then there these they this to was what when where which " +
    "versus vs why will with would you your").split(" "));

  function start() {
    var box = document.getElementById("search");
    // The site's root as this page's address names it: wherever the site is served.
    var root = new URL(box.dataset.root || "./", location.href).pathname;
    // Added here, not in the page's head, so that it does not hold up the page's first paint.
    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = root + "pagefind/pagefind-ui.css";
    document.head.appendChild(style);
    var search = new PagefindUI({
      element: "#search",
      bundlePath: root + "pagefind/",
      baseUrl: root,
      showImages: false,
      showSubResults: true,
      autofocus: true,
      processTerm: function (term) {
        // A call pasted whole, return_state=True or LSTM(4), is searched as its words.
        var words = term.replace(/[=(),]/g, " ").trim().split(/\s+/);
        var kept = words.filter(function (word) { return !STOP.has(word.toLowerCase()); });
        return kept.length ? kept.join(" ") : term;
      },
      // Many short matches count less than the page the words are about: long pages and
      // words said often count less (on the reader queries, tests/test_search.py).
      // A page's keywords (docs/_ext/search.py) count as much as a few mentions in its text.
      ranking: { termSimilarity: 3, pageLength: 0.4, termFrequency: 0.3, metaWeights: { keywords: 4 } },
    });
    var input = box.querySelector("input");
    if (input) {
      input.setAttribute("aria-label", "Search the site"); // its placeholder is no label
    }
    var query = new URLSearchParams(location.search).get("q");
    if (query) {
      search.triggerSearch(query);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
