/* The release picker of docs/what-changed.md (site_build/history.py writes it): the answer for
 * the reader's release, open and alone, right under it. Without JavaScript the picker stays
 * hidden and the page lists every release's answer, folded (<details>), for the reader to open
 * theirs. The choice is kept in the address (#keras-3-12), so that a link opens on one release. */
(function () {
  "use strict";

  function start() {
    var picker = document.getElementById("release-picker");
    if (!picker) return;
    var select = picker.querySelector("select");
    var answers = document.querySelectorAll(".release-answer");
    var values = Array.prototype.map.call(select.options, function (option) { return option.value; });

    // The chosen release's answer, open and alone; none chosen: every release, folded.
    function show(chosen) {
      answers.forEach(function (answer) {
        answer.hidden = chosen !== "" && answer.id !== chosen;
        answer.open = answer.id === chosen;
      });
    }

    select.addEventListener("change", function () {
      show(select.value);
      history.replaceState(null, "", select.value ? "#" + select.value : location.pathname + location.search);
    });
    // A link to one release (#keras-3-3), from another page or from another release's answer.
    function follow() {
      var asked = decodeURIComponent(location.hash.slice(1));
      if (values.indexOf(asked) > 0) {
        select.value = asked;
        show(asked);
        document.getElementById(asked).scrollIntoView();
      }
    }
    window.addEventListener("hashchange", follow);
    follow();
    picker.hidden = false;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
