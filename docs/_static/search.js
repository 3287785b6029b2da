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

  // An excerpt is the sentence of prose that holds the most of the query, from its start:
  // never a block of code (docs/_ext/search.py marks where each one the index keeps starts and
  // ends) and never a heading (the result's title already shows it). Cut at about 30 words.
  var LONGEST = 30;
  var CODE = /^search-code-\d+$/;
  var SENTENCE_END = /[.!?]["'\u2019\u201d)\]]*$/;

  function escaped(word) {
    return word.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // The sentences of prose in words[from, to), each a list of word numbers.
  function sentences(words, from, to, code) {
    var found = [], current = [];
    for (var at = from; at < to; at++) {
      var inCode = code.some(function (range) { return at >= range[0] && at < range[1]; });
      if (inCode) {
        if (current.length) { found.push(current); current = []; }
        continue;
      }
      current.push(at);
      // A colon before a capital ends a sentence too: what follows it on the page (a cell the
      // index leaves out) is not in the index's text.
      var colon = /:$/.test(words[at]) && /^[A-Z]/.test(words[at + 1] || "");
      if (SENTENCE_END.test(words[at]) || colon) { found.push(current); current = []; }
    }
    if (current.length) { found.push(current); }
    return found;
  }

  function excerpt(words, part, code, skip) {
    var scores = {};
    part.weighted_locations.forEach(function (hit) {
      scores[hit.location] = (scores[hit.location] || 0) + hit.balanced_score;
    });
    // The sections are ranked by the most of the query one sentence or block of code holds
    // (a pasted error is whole in the block that shows it), then by all their matches.
    var distinct = function (unit) {
      return new Set(unit.filter(function (at) { return at in scores; }).map(function (at) {
        return words[at].toLowerCase().replace(/\W/g, "");
      })).size;
    };
    var units = sentences(words, part.from, part.to, code).concat(code.map(function (range) {
      var unit = [];
      for (var at = Math.max(range[0], part.from); at < Math.min(range[1], part.to); at++) { unit.push(at); }
      return unit;
    }));
    var most = Math.max.apply(null, units.map(distinct).concat([0]));
    part.score = most * 1e6 + Object.keys(scores).reduce(function (sum, at) { return sum + scores[at]; }, 0);
    var best = null, bestScore = -1;
    sentences(words, part.from + skip, part.to, code).forEach(function (sentence) {
      var score = sentence.reduce(function (sum, at) { return sum + (scores[at] || 0); }, 0);
      if (score > bestScore) { best = sentence; bestScore = score; }
    });
    if (!best) { return ""; }
    var firstHit = best.findIndex(function (at) { return at in scores; });
    var length = Math.max(LONGEST, Math.min(firstHit + 8, 2 * LONGEST));
    var shown = best.slice(0, length).map(function (at) {
      return at in scores ? "<mark>" + escaped(words[at]) + "</mark>" : escaped(words[at]);
    });
    return shown.join(" ") + (best.length > length ? " …" : "");
  }

  // Pagefind's result with excerpts of prose, its sections best first (the first one is where
  // the result leads), and without the page's keywords, which are for searching, not reading.
  function prose(result) {
    delete result.meta.keywords;
    var words = result.content.split(/[\r\n\s]+/g); // as Pagefind counts the words it locates
    var starts = {};
    result.anchors.forEach(function (anchor) { starts[anchor.id] = anchor.location; });
    var code = result.anchors.filter(function (anchor) { return CODE.test(anchor.id); }).map(function (anchor) {
      return [anchor.location, starts[anchor.id + "-end"]];
    });
    var headings = result.anchors.filter(function (anchor) {
      return /h\d/i.test(anchor.element) && anchor.text && /\S/.test(anchor.text);
    }).map(function (anchor) { return anchor.location; }).sort(function (a, b) { return a - b; });
    result.sub_results.forEach(function (part) {
      part.from = part.anchor ? part.anchor.location : 0;
      part.to = headings.filter(function (at) { return at > part.from; })[0] || words.length;
      var title = part.anchor ? part.anchor.text : result.meta.title || "";
      part.excerpt = excerpt(words, part, code, title.split(/\s+/).filter(Boolean).length);
    });
    result.sub_results.sort(function (a, b) { return b.score - a.score; });
    if (result.sub_results.length) {
      result.excerpt = result.sub_results[0].excerpt;
    }
    return result;
  }

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
      processResult: prose,
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
