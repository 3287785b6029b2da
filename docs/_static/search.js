/* The search page (docs/_templates/search.html): Pagefind's search (pagefind/pagefind.js) on
 * the index the build wrote into pagefind/, drawn as a list of its own, started with the query
 * of the address (?q=, which the search box in every page's sidebar sends). Pagefind scores
 * words, not their order, so a call written whole ties on every page whose title holds its
 * words; the order on top of its score (ranked(), below) settles what it cannot. */
(function () {
  "use strict";

  // Words a question is made of but an answer need not contain (Sphinx's English list, short,
  // and the words of a comparison): Pagefind returns only pages holding every word of the query.
  var STOP = new Set(("a about an and are as at be between by can difference differences do does for " +
    "from get how i if in into is it " +
    "its me my of on or should so the their then there these they this to was what when where which " +
    "versus vs why will with would you your").split(" "));

  // What Pagefind is asked: a call pasted whole, return_state=True or LSTM(4), as its words.
  function term(query) {
    var words = query.replace(/[=(),]/g, " ").trim().split(/\s+/);
    var kept = words.filter(function (word) { return !STOP.has(word.toLowerCase()); });
    return kept.length ? kept.join(" ") : query;
  }

  // The calls a text writes, LSTM(4, return_state=True) or go_backwards=True: its runs split at
  // spaces outside brackets that start with a name and hold "(" or "=", without spaces or case.
  function calls(text) {
    var found = [], token = "", depth = 0;
    Array.from(text + " ").forEach(function (character) {
      if (character === "(") { depth += 1; }
      if (character === ")") { depth = Math.max(0, depth - 1); }
      if (/\s/.test(character) && depth === 0) {
        token = token.replace(/^["'`\u2018\u201c]+|["'`\u2019\u201d?!.,;:]+$/g, "");
        if (/^[\w.]+[(=]/.test(token)) { found.push(token.replace(/\s+/g, "").toLowerCase()); }
        token = "";
      } else {
        token += character;
      }
    });
    return found;
  }

  // The Keras releases a text names: "keras 3.10", "3.10", "Keras 2", "tf.keras".
  var RELEASE = /\b(tf\.keras|keras\s*[23](?:\.\d+)?|[23]\.\d+)\b/gi;

  function releases(text) {
    return (text.match(RELEASE) || []).map(function (name) {
      name = name.replace(/\s+/g, "").toLowerCase();
      return /^\d/.test(name) ? "keras" + name : name;
    });
  }

  // A text's words, lower case, without punctuation: a phrase is found however it is spaced.
  function plain(text) {
    return text.toLowerCase().replace(/[^a-z0-9_]+/g, " ").trim();
  }

  // What a query of three words or more is found as whole: itself, and, for an error pasted
  // with its type ("IndexError: list index out of range"), its message, which Keras prints
  // on a line of its own.
  function phrases(query) {
    return [query, query.split(": ").slice(1).join(": ")].map(plain).filter(function (phrase) {
      return phrase.split(" ").length >= 3;
    });
  }

  function holds(text, found) {
    var words = " " + plain(text) + " ";
    return found.some(function (phrase) { return words.indexOf(" " + phrase + " ") >= 0; });
  }

  // The most words of the query a heading says in the query's order, one after another (2 or
  // more: one word in common is what every result has).
  function run(heading, query) {
    var a = plain(heading).split(" "), b = plain(query).split(" "), longest = 0, last = [];
    a.forEach(function (word) {
      var row = b.map(function (other, at) { return word === other ? (at ? last[at - 1] || 0 : 0) + 1 : 0; });
      longest = Math.max.apply(null, row.concat([longest]));
      last = row;
    });
    return longest >= 2 ? longest : 0;
  }

  // Where each block of code the index keeps starts and ends in the page's words
  // (site_build/search.py marks them): errors, which readers paste, and the doctests.
  var CODE = /^search-code-\d+$/;

  function codeRanges(result) {
    var starts = {};
    result.anchors.forEach(function (anchor) { starts[anchor.id] = anchor.location; });
    return result.anchors.filter(function (anchor) { return CODE.test(anchor.id); }).map(function (anchor) {
      return [anchor.location, starts[anchor.id + "-end"]];
    });
  }

  // How a page holds a query written whole (an error pasted): 3 in a block of code and in its
  // prose (it shows the error and says it: it explains it), 2 in code alone (it prints it, as
  // the backends page prints what each backend raised), 1 in prose alone (it quotes it, as the
  // release table does), 0 not whole.
  function holding(result, whole) {
    if (!whole.length) { return 0; }
    var words = result.content.split(/[\r\n\s]+/g), code = codeRanges(result);
    var inCode = code.some(function (range) { return holds(words.slice(range[0], range[1]).join(" "), whole); });
    var prose = words.map(function (word, at) {
      return code.some(function (range) { return at >= range[0] && at < range[1]; }) ? "|" : word;
    });
    return (inCode ? 2 : 0) + (holds(prose.join(" "), whole) ? 1 : 0);
  }

  // A query about a call: the call and at most two words more ("LSTM(4) output shape"), not an
  // error that writes one ("When using `stateful=True` in a RNN, the batch size must be static").
  function calledFor(query) {
    var asked = calls(query);
    var rest = term(query).split(/\s+/).length - term(asked.join(" ")).split(/\s+/).length;
    return asked.length && rest <= 2 ? asked : [];
  }

  // Pagefind's order, settled where it cannot tell the answer (tests/test_search.py measures
  // the reader queries): first a page whose title's call is the call a query about a call
  // writes; then, for a query naming a Keras release, a page whose title names that release
  // (Keras 2 vs Keras 3), else the release page (data-release on the search page); then the
  // pages holding the query whole (holding(), above); then Pagefind's score.
  function ranked(query, results, releasePage) {
    var asked = calledFor(query), named = releases(query), whole = phrases(query);
    var keys = results.map(function (result, at) {
      var title = result.meta.title || "";
      return {
        result: result,
        call: calls(title).some(function (call) { return asked.indexOf(call) >= 0; }) ? 1 : 0,
        release: named.length && releases(title).some(function (name) { return named.indexOf(name) >= 0; }) ? 2 : 0,
        whole: holding(result, whole),
        at: at,
      };
    });
    if (named.length && !keys.some(function (key) { return key.release; })) {
      keys.forEach(function (key) { key.release = key.result.url === releasePage ? 1 : 0; });
    }
    return keys.sort(function (a, b) {
      return b.call - a.call || b.release - a.release || b.whole - a.whole || a.at - b.at;
    }).map(function (key) { return key.result; });
  }

  // An excerpt is the sentence of prose that holds the most of the query, from its start:
  // never a block of code (site_build/search.py marks where each one the index keeps starts and
  // ends) and never a heading (the result's title already shows it). Cut at about 30 words.
  var LONGEST = 30;
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

  // A result's parts (the page's top and its sections) with excerpts of prose, best first:
  // the one holding the query whole (an error pasted), then the one whose heading says most of
  // it in its order, then the one that matched best.
  function parts(result, query) {
    var whole = phrases(query);
    var words = result.content.split(/[\r\n\s]+/g); // as Pagefind counts the words it locates
    var code = codeRanges(result);
    var headings = result.anchors.filter(function (anchor) {
      return /h\d/i.test(anchor.element) && anchor.text && /\S/.test(anchor.text);
    }).map(function (anchor) { return anchor.location; }).sort(function (a, b) { return a - b; });
    result.sub_results.forEach(function (part) {
      part.from = part.anchor ? part.anchor.location : 0;
      part.to = headings.filter(function (at) { return at > part.from; })[0] || words.length;
      var title = part.anchor ? part.anchor.text : result.meta.title || "";
      part.excerpt = excerpt(words, part, code, title.split(/\s+/).filter(Boolean).length);
      part.holds = holds(words.slice(part.from, part.to).join(" "), whole) ? 1 : 0;
      part.run = run(title, query);
    });
    return result.sub_results.slice().sort(function (a, b) {
      return b.holds - a.holds || b.run - a.run || b.score - a.score;
    });
  }

  // The excerpt as a paragraph, or nothing where a part has no sentence of prose to show.
  function excerptElement(html) {
    if (!html) { return null; }
    var paragraph = document.createElement("p");
    paragraph.className = "search-excerpt";
    paragraph.innerHTML = html; // the page's words, escaped, and <mark>
    return paragraph;
  }

  function link(url, text, className) {
    var anchor = document.createElement("a");
    anchor.href = url;
    anchor.className = className;
    anchor.textContent = text;
    return anchor;
  }

  // One result: its title, linking to the page, the excerpt of its top where that matched
  // best, and the three sections that matched best, each linking to its heading.
  var SECTIONS = 3;

  function drawn(result, query) {
    var item = document.createElement("li");
    item.className = "search-result";
    item.appendChild(link(result.url, result.meta.title || result.url, "search-result-title"));
    var best = parts(result, query);
    var sections = best.filter(function (part) { return part.anchor; }).slice(0, SECTIONS);
    var top = best.length && !best[0].anchor ? excerptElement(best[0].excerpt) : null;
    if (top) { item.appendChild(top); }
    if (sections.length) {
      var list = document.createElement("ul");
      list.className = "search-sections";
      sections.forEach(function (part) {
        var entry = document.createElement("li");
        entry.appendChild(link(part.url, part.anchor.text || part.title, "search-section"));
        var shown = excerptElement(part.excerpt);
        if (shown) { entry.appendChild(shown); }
        list.appendChild(entry);
      });
      item.appendChild(list);
    }
    return item;
  }

  function start() {
    var form = document.getElementById("search-form");
    var field = form.querySelector("input");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    // The site's root as this page's address names it: wherever the site is served.
    var root = new URL(form.dataset.root || "./", location.href).pathname;
    var releasePage = new URL(form.dataset.release, location.href).pathname;
    var loaded = import(root + "pagefind/pagefind.js").then(function (pagefind) {
      pagefind.options({
        baseUrl: root,
        // Many short matches count less than the page the words are about: long pages and
        // words said often count less (on the reader queries, tests/test_search.py).
        // A page's keywords (site_build/search.py) count as much as a few mentions in its text.
        ranking: { termSimilarity: 3, pageLength: 0.4, termFrequency: 0.3, metaWeights: { keywords: 4 } },
      });
      return pagefind;
    });
    var asked = 0;

    function search(query) {
      var number = ++asked; // a later query's results replace this one's, never the reverse
      query = query.trim();
      if (!query) {
        list.replaceChildren();
        status.textContent = "";
        return;
      }
      loaded.then(function (pagefind) {
        return pagefind.search(term(query));
      }).then(function (found) {
        return Promise.all(found.results.map(function (result) { return result.data(); }));
      }).then(function (results) {
        if (number !== asked) { return; }
        var order = ranked(query, results, releasePage);
        list.replaceChildren.apply(list, order.map(function (result) { return drawn(result, query); }));
        var count = order.length === 1 ? "1 result" : order.length ? order.length + " results" : "No results";
        status.textContent = count + " for \u201c" + query + "\u201d";
      }).catch(function (error) {
        if (number === asked) { status.textContent = "The search could not run: " + error.message; }
      });
    }

    var waiting = null;
    field.addEventListener("input", function () {
      clearTimeout(waiting);
      waiting = setTimeout(function () { search(field.value); }, 200);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault(); // the page stays; its address keeps the query, to share or reload
      clearTimeout(waiting);
      history.replaceState(null, "", "?q=" + encodeURIComponent(field.value));
      search(field.value);
    });
    var query = new URLSearchParams(location.search).get("q");
    if (query) {
      field.value = query;
      search(query);
    }
    field.focus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
