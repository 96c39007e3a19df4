// chaostracing report: draws the waterfall from the JSON in #trace-data.
// Every string from the trace goes into the page through textContent (never
// as markup), and only the rows in view are in the DOM, so 10,000 spans
// scroll as smoothly as 10.
(function () {
  "use strict";
  var ROW_H = 22;
  var OVERSCAN = 12;
  var data = JSON.parse(document.getElementById("trace-data").textContent);
  var summary = data.summary;
  var rows = data.rows;
  var total = Math.max(summary.duration, 1);
  var app = document.getElementById("app");
  var collapsed = new Uint8Array(rows.length);
  var visible = [];          // indices into rows, in display order
  var positionOf = new Int32Array(rows.length); // row index -> position in visible, -1 hidden
  var mounted = new Map();   // row index -> element
  var selected = -1;
  var byId = new Map();
  rows.forEach(function (row, i) { if (!byId.has(row.id)) byId.set(row.id, i); });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function digits(value) { return value < 10 ? 2 : value < 100 ? 1 : 0; }

  function duration(ns) {
    if (ns === 0) return "0";
    if (ns < 1e3) return ns + " ns";
    if (ns < 1e6) return (ns / 1e3).toFixed(digits(ns / 1e3)) + " µs";
    if (ns < 1e9) return (ns / 1e6).toFixed(digits(ns / 1e6)) + " ms";
    if (ns < 60e9) return (ns / 1e9).toFixed(digits(ns / 1e9)) + " s";
    var minutes = Math.floor(ns / 60e9);
    return minutes + " min " + ((ns - minutes * 60e9) / 1e9).toFixed(1) + " s";
  }

  function percent(ns) { return (ns / total) * 100; }

  var STATUS = ["unset", "ok", "error"];

  // ---- header --------------------------------------------------------
  function header() {
    var top = el("header", "top");
    var titleRow = el("div", "title-row");
    var title = el("h1", null, summary.title || "Trace");
    title.id = "title";
    titleRow.appendChild(title);
    var status = el("span", "badge status-" + summary.status.replace(/[^a-z]/g, ""), summary.status);
    status.id = "run-status";
    titleRow.appendChild(status);
    if (summary.deviated) {
      var badge = el("span", "badge deviated", "deviated");
      badge.id = "deviated-badge";
      titleRow.appendChild(badge);
    }
    top.appendChild(titleRow);
    if (summary.deviation) {
      var banner = el("div", "banner deviation", summary.deviation);
      banner.id = "deviation";
      banner.setAttribute("role", "alert");
      top.appendChild(banner);
    }
    var facts = el("dl", "facts");
    function fact(label, value, id) {
      var item = el("div");
      item.appendChild(el("dt", null, label));
      var dd = el("dd", null, null);
      if (value instanceof Node) dd.appendChild(value); else dd.textContent = value;
      if (id) dd.id = id;
      item.appendChild(dd);
      facts.appendChild(item);
    }
    var traceId = el("span", "mono", summary.traceIds.join(", "));
    fact(summary.traceIds.length > 1 ? "Traces" : "Trace id", traceId, "trace-id");
    if (summary.start) fact("Started", summary.start.replace("T", " ").replace(/\.(\d{3})\d*Z$/, ".$1 UTC"));
    fact("Duration", duration(summary.duration), "run-duration");
    fact("Spans", String(summary.spanCount), "span-count");
    if (summary.link) {
      var link = el("a", null, "open in backend ↗");
      link.href = summary.link;
      link.id = "backend-link";
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      fact("Backend", link);
    }
    top.appendChild(facts);
    if (summary.errors.length) {
      var failures = el("div", "failures");
      failures.id = "failures";
      failures.appendChild(el("span", "label",
        summary.errors.length + (summary.errors.length === 1 ? " error:" : " errors:")));
      // The causes (failed activities) come first; the rest wait behind "more".
      var SHOWN = 4;
      var hidden = [];
      summary.errors.slice(0, 200).forEach(function (index, n) {
        var row = rows[index];
        var button = el("button", "failure", "✕ " + row.name + (row.message ? " — " + row.message : ""));
        button.type = "button";
        button.title = row.message || row.name;
        button.addEventListener("click", function () { reveal(index); select(index); });
        if (n >= SHOWN) { button.classList.add("hidden"); hidden.push(button); }
        failures.appendChild(button);
      });
      if (summary.errors.length > SHOWN) {
        var more = el("button", "more", "+" + (summary.errors.length - SHOWN) + " more");
        more.type = "button";
        more.addEventListener("click", function () {
          hidden.forEach(function (button) { button.classList.remove("hidden"); });
          more.remove();
        });
        failures.appendChild(more);
      }
      top.appendChild(failures);
    }
    return top;
  }

  // ---- time axis -------------------------------------------------------
  function niceStep(span) {
    var raw = span / 8;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= raw) return steps[i] * power;
    return 10 * power;
  }

  function axis() {
    var bar = el("div", "axis");
    bar.appendChild(el("div", "axis-names", "span"));
    var track = el("div", "axis-track");
    var step = niceStep(total);
    for (var t = 0; t <= total; t += step) {
      var tick = el("span", "tick", duration(Math.round(t)));
      tick.style.left = percent(t) + "%";
      track.appendChild(tick);
    }
    bar.appendChild(track);
    return bar;
  }

  // ---- rows ------------------------------------------------------------
  function recompute() {
    visible = [];
    positionOf.fill(-1);
    var hideDeeperThan = Infinity;
    for (var i = 0; i < rows.length; i++) {
      var depth = rows[i].depth;
      if (depth > hideDeeperThan) continue;
      hideDeeperThan = collapsed[i] ? depth : Infinity;
      positionOf[i] = visible.length;
      visible.push(i);
    }
    canvas.style.height = visible.length * ROW_H + "px";
  }

  function tagsOf(row) {
    var tags = [];
    var attributes = new Map(row.attributes);
    if (row.kind === "phase" && attributes.has("chaostoolkit.hypothesis.phase")) {
      tags.push([attributes.get("chaostoolkit.hypothesis.phase"), ""]);
    }
    if (row.kind === "iteration") tags.push(["#" + attributes.get("chaostoolkit.hypothesis.iteration"), ""]);
    if (attributes.get("chaostoolkit.hypothesis.met") === "false") tags.push(["not met", "bad"]);
    if (row.lane === "background" && attributes.get("chaostoolkit.activity.background") === "true") {
      tags.push(["background", "background"]);
    }
    if (row.kind === "pause" && attributes.has("chaostoolkit.pause.when")) {
      tags.push([attributes.get("chaostoolkit.pause.when"), ""]);
    }
    if (row.kind === "foreign" && row.scope) tags.push([row.scope, ""]);
    if (row.orphan) tags.push(["parent missing", "bad"]);
    return tags;
  }

  function eventSeconds(event) {
    // A pause event may say how long it lasted; draw it as a span if so.
    for (var i = 0; i < event.attributes.length; i++) {
      var key = event.attributes[i][0];
      var value = parseFloat(event.attributes[i][1]);
      if (!isFinite(value)) continue;
      if (/duration_ms$/.test(key)) return value / 1e3;
      if (/(seconds|duration)$/.test(key)) return value;
    }
    return null;
  }

  function makeRow(index) {
    var row = rows[index];
    var node = el("div", "row lane-" + row.lane + " kind-" + row.kind + " status-" + STATUS[row.status] +
      (index === selected ? " selected" : ""));
    node.dataset.index = String(index);
    node.dataset.spanId = row.id;
    node.dataset.lane = row.lane;
    node.dataset.kind = row.kind;
    node.style.top = positionOf[index] * ROW_H + "px";

    var name = el("div", "name");
    name.style.paddingLeft = 4 + row.depth * 14 + "px";
    var toggle = el("button", "toggle" + (row.group ? "" : " leaf"), row.group ? (collapsed[index] ? "▸" : "▾") : "");
    toggle.type = "button";
    toggle.tabIndex = -1;
    toggle.dataset.toggle = "1";
    name.appendChild(toggle);
    name.appendChild(el("span", "mark", row.status === 2 ? "✕" : row.status === 1 ? "✓" : ""));
    var label = el("span", "label", row.name);
    label.title = row.name;
    name.appendChild(label);
    tagsOf(row).forEach(function (tag) { name.appendChild(el("span", "tag " + tag[1], tag[0])); });
    node.appendChild(name);

    var track = el("div", "track");
    var bar = el("div", "bar");
    bar.dataset.spanId = row.id;
    bar.style.left = percent(row.start) + "%";
    bar.style.width = percent(row.duration) + "%";
    track.appendChild(bar);
    row.events.forEach(function (event) {
      var seconds = event.name === "pause" ? eventSeconds(event) : null;
      if (seconds !== null) {
        var pause = el("span", "pause-span");
        pause.style.left = percent(event.time) + "%";
        pause.style.width = percent(seconds * 1e9) + "%";
        track.appendChild(pause);
      }
      var mark = el("span", "ev " + (event.name === "exception" ? "exception" : event.name === "pause" ? "pause" : ""));
      mark.style.left = percent(event.time) + "%";
      track.appendChild(mark);
    });
    var end = percent(row.start + row.duration);
    var text = el("span", "dur", duration(row.duration));
    if (percent(row.duration) > 14) {
      // Long bars carry their duration inside, clear of the names column.
      text.className = "dur inside";
      text.style.left = percent(row.start) + "%";
      text.style.marginLeft = "4px";
    } else if (end > 80) {
      text.style.right = 100 - percent(row.start) + "%";
      text.style.marginRight = "4px";
    } else {
      text.style.left = end + "%";
      text.style.marginLeft = "4px";
    }
    track.appendChild(text);
    node.appendChild(track);
    return node;
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; draw(); });
  }

  function draw() {
    var first = Math.max(0, Math.floor(viewport.scrollTop / ROW_H) - OVERSCAN);
    var last = Math.min(visible.length, Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW_H) + OVERSCAN);
    var wanted = new Set();
    for (var p = first; p < last; p++) wanted.add(visible[p]);
    mounted.forEach(function (node, index) {
      if (!wanted.has(index)) { node.remove(); mounted.delete(index); }
    });
    var fragment = document.createDocumentFragment();
    wanted.forEach(function (index) {
      if (!mounted.has(index)) {
        var node = makeRow(index);
        mounted.set(index, node);
        fragment.appendChild(node);
      }
    });
    canvas.appendChild(fragment);
  }

  function redrawAll() {
    mounted.forEach(function (node) { node.remove(); });
    mounted.clear();
    recompute();
    draw();
  }

  // ---- selection and details -------------------------------------------
  function reveal(index) {
    // Expand every collapsed ancestor, then scroll the row into view.
    var changed = false;
    var parent = rows[index].parent;
    while (parent && byId.has(parent)) {
      var p = byId.get(parent);
      if (collapsed[p]) { collapsed[p] = 0; changed = true; }
      parent = rows[p].parent;
    }
    if (changed) redrawAll();
    var top = positionOf[index] * ROW_H;
    if (top < viewport.scrollTop || top + ROW_H > viewport.scrollTop + viewport.clientHeight) {
      viewport.scrollTop = Math.max(0, top - viewport.clientHeight / 3);
    }
    draw();
  }

  function table(pairs) {
    var t = el("table");
    pairs.forEach(function (pair) {
      var tr = el("tr");
      tr.appendChild(el("td", null, pair[0]));
      var value = el("td", pair[2] || null, pair[1]);
      tr.appendChild(value);
      t.appendChild(tr);
    });
    return t;
  }

  function select(index) {
    if (selected >= 0 && mounted.has(selected)) mounted.get(selected).classList.remove("selected");
    selected = index;
    if (mounted.has(index)) mounted.get(index).classList.add("selected");
    var row = rows[index];
    details.replaceChildren();
    details.classList.remove("hidden");
    var close = el("button", "close", "×");
    close.type = "button";
    close.title = "close";
    close.addEventListener("click", function () { details.classList.add("hidden"); });
    details.appendChild(close);
    var heading = el("h2", null, row.name);
    heading.id = "details-name";
    details.appendChild(heading);
    var facts = [
      ["Start", "+" + duration(row.start) + " (" + absolute(row.start) + ")"],
      ["End", "+" + duration(row.start + row.duration)],
      ["Duration", duration(row.duration)],
      ["Status", STATUS[row.status] + (row.message ? ": " + row.message : ""),
        row.status === 2 ? "status-error" : ""],
      ["Span id", row.id],
      ["Parent", row.parent ? (byId.has(row.parent) ? rows[byId.get(row.parent)].name + " (" + row.parent + ")" : row.parent + " (not in this file)") : "—"],
    ];
    if (row.scope) facts.push(["Instrumentation scope", row.scope]);
    var factTable = table(facts);
    factTable.id = "details-facts";
    details.appendChild(factTable);

    details.appendChild(el("h3", null, "Attributes"));
    if (row.attributes.length) {
      var attributes = table(row.attributes);
      attributes.id = "details-attributes";
      details.appendChild(attributes);
    } else {
      details.appendChild(el("p", "hint", "none"));
    }
    details.appendChild(el("h3", null, "Events"));
    if (!row.events.length) details.appendChild(el("p", "hint", "none"));
    row.events.forEach(function (event) {
      var box = el("div", "event " + (event.name === "exception" ? "exception" : ""));
      box.appendChild(el("div", "event-name", event.name + "  +" + duration(event.time)));
      var stack = null;
      var pairs = event.attributes.filter(function (pair) {
        if (pair[0] === "exception.stacktrace") { stack = pair[1]; return false; }
        return true;
      });
      if (pairs.length) box.appendChild(table(pairs));
      if (stack !== null) {
        var pre = el("pre", "stack", stack);
        box.appendChild(pre);
      }
      details.appendChild(box);
    });
    try { history.replaceState(null, "", "#span-" + row.id); } catch (e) { /* file:// in some browsers */ }
  }

  var startMs = summary.start ? Date.parse(summary.start.replace(/\.(\d{3})\d*Z$/, ".$1Z")) : 0;
  var startSubMs = summary.start ? Number((summary.start.match(/\.\d{3}(\d*)Z$/) || ["", "0"])[1] || 0) : 0;
  function absolute(offset) {
    if (!summary.start) return "";
    var ns = startSubMs + offset; // below-millisecond part of the start, plus the offset
    var ms = Math.floor(ns / 1e6);
    var iso = new Date(startMs + ms).toISOString();
    var fraction = String(Math.floor(ns - ms * 1e6)).padStart(6, "0");
    return iso.replace("Z", fraction + " UTC").replace("T", " ");
  }

  // ---- page ------------------------------------------------------------
  app.appendChild(header());
  var body = el("main", "body");
  var waterfall = el("section", "waterfall");
  waterfall.appendChild(axis());
  var viewport = el("div", "viewport");
  viewport.id = "viewport";
  viewport.tabIndex = 0;
  var canvas = el("div", "canvas");
  canvas.id = "rows";
  viewport.appendChild(canvas);
  waterfall.appendChild(viewport);
  body.appendChild(waterfall);
  var details = el("aside", "details");
  details.id = "details";
  details.appendChild(el("p", "hint", "Click a span for its attributes, events and exception."));
  body.appendChild(details);
  app.appendChild(body);
  var legend = el("footer", "legend");
  [["", "ok / unset"], ["error", "error"], ["background", "background lane"], ["pause", "pause"],
    ["foreign", "other instrumentation"]].forEach(function (item) {
    var entry = el("span");
    entry.appendChild(el("span", "sw " + item[0]));
    entry.appendChild(document.createTextNode(item[1]));
    legend.appendChild(entry);
  });
  legend.appendChild(el("span", null, "generated by chaostracing"));
  app.appendChild(legend);
  if (!rows.length) waterfall.appendChild(el("p", "empty", "This trace has no spans."));

  viewport.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", schedule);
  canvas.addEventListener("click", function (event) {
    var node = event.target.closest(".row");
    if (!node) return;
    var index = Number(node.dataset.index);
    if (event.target.dataset.toggle && rows[index].group) {
      collapsed[index] = collapsed[index] ? 0 : 1;
      redrawAll();
      return;
    }
    select(index);
  });
  viewport.addEventListener("keydown", function (event) {
    if (!visible.length) return;
    var position = selected >= 0 ? positionOf[selected] : -1;
    if (event.key === "ArrowDown") position = Math.min(visible.length - 1, position + 1);
    else if (event.key === "ArrowUp") position = Math.max(0, position - 1);
    else if ((event.key === "ArrowLeft" || event.key === "ArrowRight") && selected >= 0 && rows[selected].group) {
      collapsed[selected] = event.key === "ArrowLeft" ? 1 : 0;
      redrawAll();
      event.preventDefault();
      return;
    } else return;
    event.preventDefault();
    if (position < 0) position = 0;
    reveal(visible[position]);
    select(visible[position]);
  });

  recompute();
  draw();
  var wanted = /^#span-([0-9a-f]{16})$/.exec(location.hash);
  if (wanted && byId.has(wanted[1])) { reveal(byId.get(wanted[1])); select(byId.get(wanted[1])); }
  // For tests and the curious: when the first paint's work was done.
  window.__chaostracingReport = { renderedMs: performance.now(), spans: rows.length };
  document.body.dataset.ready = "1";
})();
