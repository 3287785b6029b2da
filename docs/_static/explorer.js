/* Shape explorer (docs/explorer.md): what a Keras recurrent layer returns, for your sizes.
 *
 * Everything shown comes from shapes.json, which the build writes by executing every
 * configuration (docs/all-configurations.md documents its format). The executed shapes are
 * integers for the build's own sizes ("dims"), which differ pairwise and from 2·units
 * (2·filters), so
 * each integer names one symbol; the explorer maps each back to its symbol and substitutes
 * the reader's sizes. Plain JavaScript, no requests except shapes.json on this site.
 */
(function () {
  "use strict";

  var SHAPES_URL = "../shapes.json"; // relative to docs/explorer.html
  var PAGE_PREFIX = "../"; // row.page is relative to the site's root
  var MAX_SIZE = 1000000;
  // Every size a layer may ask for, in the order of the fields; a layer asks for some (sizesOf).
  var SIZES = ["batch", "timesteps", "rows", "cols", "depth", "features", "units", "filters"];
  var SPATIAL = { ConvLSTM1D: ["rows"], ConvLSTM2D: ["rows", "cols"], ConvLSTM3D: ["rows", "cols", "depth"] };
  var TWICE = { "2·units": "units", "2·filters": "filters" }; // a concatenated Bidirectional output
  var SERVE_HINT = "python -m http.server -d _build/html";

  var data = null; // {dims, rows, symbolOf} once shapes.json has loaded and checked out
  var els = {};
  // Parameter -> what the address gave for it, which its control cannot take (a layer the build
  // did not execute, "maybe" for a flag, letters for a size): named in a message, and kept in
  // the address, until the reader changes that control.
  var refused = {};
  var editing = false; // the current history entry is the edit in progress, which each input updates

  function byId(id) {
    return document.getElementById(id);
  }

  function formatInt(n) {
    // 1000000 -> "1,000,000" without depending on the reader's locale.
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function shorten(text) {
    return text.length > 24 ? text.slice(0, 21) + "…" : text;
  }

  /* --- Reading the sizes ------------------------------------------------------------ */

  // {value} for a usable size, or {error} saying what is wrong, in words.
  function readSize(name) {
    var input = els[name];
    var raw = String(input.value).trim();
    var range = "a whole number from 1 to " + formatInt(MAX_SIZE);
    if ((input.validity && input.validity.badInput) || refused[name] !== undefined) {
      return { error: name + " is not a number: enter " + range + "." };
    }
    if (raw === "") {
      return { error: name + " is empty: enter " + range + "." };
    }
    var n = Number(raw);
    if (!isFinite(n)) {
      return { error: name + " is not a number: enter " + range + "." };
    }
    if (n > MAX_SIZE) {
      return { error: name + " must be at most " + formatInt(MAX_SIZE) + "; " + shorten(raw) + " is more." };
    }
    if (Math.floor(n) !== n) {
      return { error: name + " must be a whole number; " + shorten(raw) + " is not." };
    }
    if (n < 1) {
      return { error: name + " must be at least 1; " + shorten(raw) + " is not." };
    }
    return { value: n };
  }

  // The control of an address parameter: its name is the parameter's.
  function control(name) {
    return byId("shape-explorer").querySelector('[name="' + name + '"]');
  }

  function showFieldError(name, message) {
    var input = control(name);
    var error = byId(input.id + "-error");
    error.textContent = message || "";
    if (message) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  }

  // A refused choice's message, as a refused size gets one: what the address asked for, and
  // what the control shows instead.
  function refusedChoice(name) {
    if (refused[name] === undefined) {
      return "";
    }
    var asked = "The address asks for " + name + "=" + shorten(refused[name]) + ", which ";
    if (name === "layer") {
      return asked + "the build did not execute: " + els.layer.value + " is shown instead.";
    }
    if (name === "wrapper") {
      var used = els.wrapper.value === "none" ? "no wrapper" : els.wrapper.selectedOptions[0].text;
      return asked + "is not one of the wrappers offered: " + used + " is used instead.";
    }
    return asked + "is neither true nor false: " + (control(name).checked ? "True" : "False") + " is used instead.";
  }

  /* --- shapes.json ------------------------------------------------------------------ */

  // The sizes of the chosen layer, in order: its input's, then units (filters).
  function sizesOf(layer) {
    var spatial = SPATIAL[layer] || [];
    return ["batch", "timesteps"].concat(spatial, ["features", spatial.length ? "filters" : "units"]);
  }

  // Check the file's promise that dims differ pairwise (and from 2·units and 2·filters), so
  // that every executed size reads back as one symbol; throws an Error naming what is wrong.
  function prepare(json) {
    if (!json || typeof json !== "object" || !json.dims || !Array.isArray(json.rows)) {
      throw new Error("it has no dims and rows");
    }
    var symbolOf = {};
    var names = SIZES.concat(Object.keys(TWICE));
    for (var i = 0; i < names.length; i++) {
      var size = TWICE[names[i]] ? 2 * json.dims[TWICE[names[i]]] : json.dims[names[i]];
      if (typeof size !== "number" || Math.floor(size) !== size || size < 1) {
        throw new Error("its dims lack a size for " + names[i]);
      }
      if (Object.prototype.hasOwnProperty.call(symbolOf, size)) {
        throw new Error("its dims are not pairwise distinct (" + size + ")");
      }
      symbolOf[size] = names[i];
    }
    return { dims: json.dims, rows: json.rows, symbolOf: symbolOf };
  }

  function load() {
    setStatus("Loading the executed configurations…", "loading");
    if (typeof fetch !== "function") {
      fail("This browser cannot load shapes.json (it has no fetch); the table of every configuration has the same data.");
      return;
    }
    fetch(SHAPES_URL, { cache: "no-cache" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("the server answered " + response.status + " for " + response.url);
        }
        return response.json();
      })
      .then(function (json) {
        data = prepare(json);
        applyAddress(window.location.search);
        safeUpdate();
      })
      .catch(function (error) {
        var served = window.location.protocol === "http:" || window.location.protocol === "https:";
        // A reader can reload, or read the same data in the table; only someone who opened a
        // local build as a file needs to know how to serve it.
        var why = served
          ? "Could not load shapes.json (" + error.message + "). Reload the page to try again; the " +
            "table of every configuration (linked below the explorer) holds the same data."
          : "Could not load shapes.json: this page was opened as a file, and browsers do not let a page " +
            "read the files next to it. The table of every configuration holds the same data; to use the " +
            "explorer, serve the site over HTTP: in the project folder run " + SERVE_HINT +
            " and open http://localhost:8000/docs/explorer.html";
        fail(why);
      });
  }

  /* --- The chosen configuration ------------------------------------------------------ */

  function findRow() {
    var layer = els.layer.value;
    var wrapper = els.wrapper.value;
    var bidirectional = wrapper !== "none";
    var mergeMode = wrapper === "none" || wrapper === "None" ? null : wrapper;
    var sequences = els.sequences.checked;
    var state = els.state.checked;
    for (var i = 0; i < data.rows.length; i++) {
      var row = data.rows[i];
      if (
        row.layer === layer &&
        row.bidirectional === bidirectional &&
        row.merge_mode === mergeMode &&
        row.return_sequences === sequences &&
        row.return_state === state
      ) {
        return row;
      }
    }
    return null;
  }

  // The executed shape, in symbols: [ "batch", "timesteps", "2·units" ].
  function symbolsOf(output) {
    if (!Array.isArray(output.shape)) {
      throw new Error("an output of this row has no shape");
    }
    return output.shape.map(function (size) {
      if (!Object.prototype.hasOwnProperty.call(data.symbolOf, size)) {
        throw new Error("the size " + size + " in a shape is none of dims");
      }
      return data.symbolOf[size];
    });
  }

  function variableName(name) {
    // "forward hidden state h" -> "forward_h", "backward output" -> "backward_output"
    return String(name).replace(/(hidden|cell) state /, "").replace(/\s+/g, "_");
  }

  // A row's call with the reader's units (or filters).
  function withSizes(call, sizes) {
    return String(call)
      .replace(/\bunits\b/, String(sizes.units))
      .replace(/\bfilters\b/, String(sizes.filters))
      .replace(/'/g, '"');
  }

  // The Python a reader would write, from the executed row's call with their sizes.
  function pythonCall(row, sizes, names) {
    var layer = withSizes(row.call, sizes).replace(/\b(Bidirectional|LSTM|GRU|SimpleRNN|ConvLSTM[123]D)\(/g, "keras.layers.$1(");
    var input = sizesOf(row.layer).slice(0, -1); // all but units (filters)
    var targets = names.map(variableName);
    var valid = targets.every(function (t) {
      return /^[A-Za-z_][A-Za-z0-9_]*$/.test(t);
    });
    var unique = targets.filter(function (t, i) {
      return targets.indexOf(t) === i;
    });
    var left = valid && unique.length === targets.length ? targets.join(", ") : "returned";
    return [
      "import keras",
      "",
      "x = keras.ops.zeros((" + input.map(function (name) { return sizes[name]; }).join(", ") +
        "))  # (" + input.join(", ") + ")",
      wrapCall("layer = " + layer),
      wrapTargets(left, " = layer(x)"),
    ].join("\n");
  }

  var LINE = 79;

  // layer = keras.layers.Bidirectional(keras.layers.LSTM(4), merge_mode="sum") on three
  // lines when it is too long for one, as a formatter would write it.
  function wrapCall(line) {
    var match = /^(layer = keras\.layers\.Bidirectional\()(.*\))(, merge_mode=.*)?\)$/.exec(line);
    if (line.length <= LINE || !match) {
      return line;
    }
    var parts = ["    " + match[2] + ","];
    if (match[3]) {
      parts.push("    " + match[3].slice(2) + ",");
    }
    return [match[1]].concat(parts, [")"]).join("\n");
  }

  // a, b, c = layer(x), with the names in parentheses over two lines when too long.
  function wrapTargets(left, right) {
    if ((left + right).length <= LINE || left.indexOf(", ") < 0) {
      return left + right;
    }
    var names = left.split(", ");
    var half = Math.ceil(names.length / 2);
    return "(\n    " + names.slice(0, half).join(", ") + ",\n    " + names.slice(half).join(", ") + ",\n)" + right;
  }

  /* --- The address --------------------------------------------------------------------- */

  // The explorer's state lives in the address (?layer=GRU&wrapper=None&return_sequences=true&
  // return_state=false&batch=2&...), so that a link reproduces a configuration and its sizes,
  // and back and forward move between what the reader chose. A parameter its control cannot
  // take (a layer the build did not execute, "maybe" for a flag) is named in a message, and the
  // control shows what is used instead; a size goes into its field as if typed, so a bad one
  // gets the same message as a typed one.
  function queryOf() {
    var params = new URLSearchParams();
    var chosen = {
      layer: els.layer.value,
      wrapper: els.wrapper.value,
      return_sequences: String(els.sequences.checked),
      return_state: String(els.state.checked),
    };
    sizesOf(els.layer.value).forEach(function (name) {
      chosen[name] = String(els[name].value);
    });
    for (var name in chosen) {
      params.set(name, refused[name] !== undefined ? refused[name] : chosen[name]);
    }
    return "?" + params.toString();
  }

  // The address's value for a select, or its first option (refused, if the address gave one).
  function choose(params, name) {
    var select = control(name);
    var value = params.get(name);
    var offered = Array.prototype.some.call(select.options, function (option) {
      return option.value === value;
    });
    select.value = offered ? value : select.options[0].value;
    if (!offered && value !== null) {
      refused[name] = value.slice(0, 100);
    }
  }

  // A flag's box ticked for "true" (or Python's "True"), not for "false" or none (refused for
  // anything else).
  function tick(params, name) {
    var value = params.get(name);
    var flag = value === null ? "false" : value.toLowerCase();
    control(name).checked = flag === "true";
    if (flag !== "true" && flag !== "false") {
      refused[name] = value.slice(0, 100);
    }
  }

  // The controls as ``search`` (an address's query) says, the rest as a fresh page has them.
  function applyAddress(search) {
    var params = new URLSearchParams(search);
    refused = {};
    choose(params, "layer");
    choose(params, "wrapper");
    tick(params, "return_sequences");
    tick(params, "return_state");
    for (var i = 0; i < SIZES.length; i++) {
      var name = SIZES[i];
      var raw = params.has(name) ? params.get(name).slice(0, 100) : String(data.dims[name]);
      els[name].value = raw;
      if (els[name].value !== raw && raw.trim() !== "") {
        refused[name] = raw; // e.g. "abc": the field empties itself, as it refuses typed letters
      }
    }
  }

  // The address follows every input event, so that it can be copied at any moment: each edit
  // (a choice, or a field typed in until it is left) gets one new entry in the history, which
  // back returns from, and each keystroke updates that entry instead of adding one.
  function record() {
    var query = queryOf();
    if (!data || query === window.location.search || !window.history || !window.history.replaceState) {
      return;
    }
    if (editing) {
      window.history.replaceState(null, "", query);
    } else {
      window.history.pushState(null, "", query);
      editing = true;
    }
  }

  function onAddressChange() {
    editing = false;
    if (!data) {
      return;
    }
    applyAddress(window.location.search);
    safeUpdate();
  }

  /* --- Showing it ---------------------------------------------------------------------- */

  // kind: "error" (shown, marked as a problem), "result" (read out by screen readers; the
  // table shows the same), or anything else (shown as it is, e.g. while loading). ``short``, a
  // result's short form, is what a phone shows at the bottom of the screen (explorer.css).
  function setStatus(text, kind, short) {
    els.status.textContent = "";
    var full = document.createElement("span");
    full.className = "se-status-full";
    full.textContent = text;
    els.status.appendChild(full);
    if (short) {
      var brief = document.createElement("span");
      brief.className = "se-status-short";
      brief.setAttribute("aria-hidden", "true"); // the full text is read out
      brief.textContent = short;
      els.status.appendChild(brief);
    }
    els.status.classList.toggle("se-status-error", kind === "error");
    els.status.classList.toggle("se-status-result", kind === "result");
  }

  function hideResult() {
    els.result.hidden = true;
    els.call.textContent = "";
    els.caption.textContent = "";
    els.tbody.textContent = "";
    els.link.textContent = "";
    els.link.setAttribute("href", "all-configurations.html");
  }

  function fail(message) {
    hideResult();
    setStatus(message, "error");
  }

  // A table cell; ``label``, its column's heading, shows above it where rows become cards.
  function cell(tag, text, label) {
    var node = document.createElement(tag);
    node.textContent = text;
    if (label) {
      node.setAttribute("data-label", label);
    }
    return node;
  }

  function update() {
    if (!data) {
      return; // still loading, or the load failed and says so
    }
    var needed = sizesOf(els.layer.value);
    var convolutional = Object.prototype.hasOwnProperty.call(SPATIAL, els.layer.value);
    // Show the fields of the chosen layer's sizes; offer only the wrappers its rows have.
    for (var f = 0; f < SIZES.length; f++) {
      els[SIZES[f]].closest(".se-field").hidden = needed.indexOf(SIZES[f]) < 0;
    }
    for (var o = 0; o < els.wrapper.options.length; o++) {
      var option = els.wrapper.options[o];
      option.disabled = convolutional && option.value !== "none" && option.value !== "concat";
    }
    ["layer", "wrapper", "return_sequences", "return_state"].forEach(function (name) {
      showFieldError(name, refusedChoice(name));
    });
    var sizes = {};
    var problems = [];
    for (var i = 0; i < needed.length; i++) {
      var read = readSize(needed[i]);
      showFieldError(needed[i], read.error);
      if (read.error) {
        problems.push(read.error);
      } else {
        sizes[needed[i]] = read.value;
      }
    }
    if (problems.length) {
      fail("No result until the sizes are fixed. " + problems.join(" "));
      return;
    }
    if (els.wrapper.selectedOptions[0] && els.wrapper.selectedOptions[0].disabled) {
      fail(
        "The build executed " + els.layer.value + " without a wrapper and in Bidirectional with its default " +
          'merge_mode="concat": choose one of those.'
      );
      return;
    }
    var row = findRow();
    if (!row) {
      fail("shapes.json has no row for this configuration; the table of every configuration lists those it has.");
      return;
    }
    var values = {};
    for (var s = 0; s < needed.length; s++) {
      values[needed[s]] = sizes[needed[s]];
    }
    for (var twice in TWICE) {
      values[twice] = 2 * sizes[TWICE[twice]];
    }

    var outputs = Array.isArray(row.outputs) ? row.outputs : [];
    var shown = outputs.map(function (output) {
      var symbols = symbolsOf(output);
      return {
        name: String(output.name),
        shape: "(" + symbols.map(function (symbol) { return values[symbol]; }).join(", ") + ")",
        symbols: "(" + symbols.join(", ") + ")",
      };
    });
    if (!shown.length) {
      fail("shapes.json lists nothing returned for this configuration.");
      return;
    }

    var names = shown.map(function (o) { return o.name; });
    els.call.textContent = pythonCall(row, sizes, names);
    els.caption.textContent =
      "What layer(x) returns, in order: " + shown.length + (shown.length === 1 ? " tensor." : " tensors.");
    els.tbody.textContent = "";
    shown.forEach(function (o, index) {
      var tr = document.createElement("tr");
      var labels = Array.prototype.map.call(els.tbody.parentNode.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      tr.appendChild(cell("td", String(index), labels[0]));
      tr.appendChild(cell("td", o.name, labels[1]));
      tr.appendChild(cell("td", o.shape, labels[2]));
      tr.appendChild(cell("td", o.symbols, labels[3]));
      els.tbody.appendChild(tr);
    });
    els.link.textContent = String(row.page_title || row.page); // the page's title, which the build adds
    els.link.setAttribute("href", PAGE_PREFIX + row.page + ".html" + (row.section ? "#" + row.section : ""));
    els.result.hidden = false;
    setStatus(
      withSizes(row.call, sizes) + " returns " +
        shown.map(function (o) { return o.name + " " + o.shape; }).join(", ") + ".",
      "result",
      shown.length + (shown.length === 1 ? " tensor: " : " tensors: ") +
        shown.map(function (o) { return o.shape; }).join(", ")
    );
  }

  function safeUpdate() {
    try {
      update();
    } catch (error) {
      fail("The explorer could not read shapes.json: " + error.message + ".");
    }
  }

  function start() {
    els = {
      layer: byId("se-layer"),
      wrapper: byId("se-wrapper"),
      sequences: byId("se-return-sequences"),
      state: byId("se-return-state"),
      batch: byId("se-batch"),
      timesteps: byId("se-timesteps"),
      features: byId("se-features"),
      units: byId("se-units"),
      rows: byId("se-rows"),
      cols: byId("se-cols"),
      depth: byId("se-depth"),
      filters: byId("se-filters"),
      status: byId("se-status"),
      result: byId("se-result"),
      call: document.querySelector("#se-call code"),
      caption: byId("se-caption"),
      tbody: document.querySelector("#se-table tbody"),
      link: byId("se-page-link"),
    };
    for (var key in els) {
      if (!els[key]) {
        return; // not the explorer page, or its markup changed: do nothing rather than throw
      }
    }
    var root = byId("shape-explorer");
    root.addEventListener("input", function (event) {
      delete refused[event.target.name]; // the reader typed over what the address gave
      safeUpdate();
      record();
    });
    root.addEventListener("change", function () {
      safeUpdate();
      record();
      editing = false; // a choice made (a select, a box, a size left): an entry back can return to
    });
    window.addEventListener("popstate", onAddressChange);
    load();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
