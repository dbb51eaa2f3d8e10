/* policy-kg graph page. Every string from the data is rendered with textContent (never innerHTML):
   entity names, titles and claims come from documents and must stay text.

   Speed at 20,000 nodes: positions come computed (physics off); nodes and edges are made from column
   arrays; indexes for the side panel are built on first use. In the large-graph mode (data.meta.large)
   vis-network holds the nodes but not the 60,000 edges: they are drawn in one canvas path before each
   frame, and only the highlighted edges become vis-network edges (with labels and arrows). Node labels
   are attached only to the nodes on screen once the zoom makes them readable: measuring 20,000 labels
   up front is most of vis-network's start-up time and none of them can be read at that zoom. */
(function () {
  "use strict";
  var t0 = performance.now();
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var E = data.entities, C = data.claims, D = data.docs, P = data.predicates;
  var REL = data.relations, NREL = REL.from.length, SHOWN = data.meta.shown;
  var X = data.nodes.x, Y = data.nodes.y;
  var typeInfo = {};
  data.types.forEach(function (t) { typeInfo[t.name] = t; });
  var DIM_NODE = 0.18, DIM_EDGE = 0.12, LIST_STEP = 50, LABEL_MAX = 36;
  var EDGE_COLOR = data.options.edges.color.color, EDGE_HIGHLIGHT = data.options.edges.color.highlight;
  var NODE_FONT = data.options.nodes.font.color, NODE_FONT_DIM = "rgba(31,35,40,0.28)";
  var EDGE_FONT = data.options.edges.font.color, EDGE_FONT_DIM = "rgba(75,85,99,0.15)";
  var FONT_SIZE = data.options.nodes.font.size;
  var LARGE = data.meta.large;
  var HIDE_EDGES_ON_MOVE = data.options.interaction.hideEdgesOnDrag;
  var NO_ARROW = { to: { enabled: false } }, TO_ARROW = { to: { enabled: true, scaleFactor: 0.5 } };

  // ---- small DOM helpers (text only) ----------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      parent.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return parent;
  }
  function safeUrl(u) {
    try {
      var p = new URL(String(u));
      return (p.protocol === "https:" || p.protocol === "http:") ? p.href : null;
    } catch (err) { return null; }
  }
  function link(url, text, cls) {
    var href = safeUrl(url);
    if (!href) return el("span", cls, text);
    var a = el("a", cls, text);
    a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
    return a;
  }
  function plural(n, word) { return n.toLocaleString("en") + " " + word + (n === 1 ? "" : "s"); }
  var SVG = "http://www.w3.org/2000/svg";
  function swatch(typeName, size) {
    var t = typeInfo[typeName] || { color: "#9aa0a6", shape: "dot" };
    var s = document.createElementNS(SVG, "svg");
    size = size || 14;
    s.setAttribute("width", size); s.setAttribute("height", size); s.setAttribute("viewBox", "0 0 20 20");
    s.setAttribute("class", "kg-swatch"); s.setAttribute("aria-hidden", "true");
    var shape;
    var pts = {
      diamond: "10,1 19,10 10,19 1,10", triangle: "10,2 19,18 1,18", triangleDown: "1,2 19,2 10,18",
      star: "10,1 12.6,7.2 19,7.6 14,11.8 15.6,18.5 10,14.8 4.4,18.5 6,11.8 1,7.6 7.4,7.2",
      hexagon: "5,2 15,2 19.5,10 15,18 5,18 0.5,10"
    }[t.shape];
    if (pts) { shape = document.createElementNS(SVG, "polygon"); shape.setAttribute("points", pts); }
    else if (t.shape === "square") {
      shape = document.createElementNS(SVG, "rect");
      shape.setAttribute("x", 2); shape.setAttribute("y", 2); shape.setAttribute("width", 16); shape.setAttribute("height", 16);
    } else {
      shape = document.createElementNS(SVG, "circle");
      shape.setAttribute("cx", 10); shape.setAttribute("cy", 10); shape.setAttribute("r", 8.5);
    }
    shape.setAttribute("fill", t.color); shape.setAttribute("stroke", "rgba(0,0,0,.35)");
    s.appendChild(shape);
    return s;
  }
  function typeLabel(name) { return typeInfo[name] ? typeInfo[name].label : name; }

  function shortLabel(label) {
    return label.length <= LABEL_MAX ? label : label.slice(0, LABEL_MAX - 1).replace(/\s+$/, "") + "…";
  }
  function relLabel(i) { return P[REL.p[i]].label; }
  function relation(i) {
    var p = P[REL.p[i]];
    return { from: REL.from[i], to: REL.to[i], label: p.label, symmetric: p.symmetric, seed: REL.seed[i] === 1,
             cross: REL.cross[i] === 1, docs: REL.docs[i],
             evidence: REL.evidence[i].map(function (e) { return { doc: e[0], quote: e[1], rule: e[2], confidence: e[3] }; }) };
  }

  // ---- indexes (built on first use: the first frame does not wait for them) -------------------------
  var index = null;
  function idx() {
    if (index) return index;
    var relsOf = E.map(function () { return []; });
    for (var i = 0; i < NREL; i++) { relsOf[REL.from[i]].push(i); relsOf[REL.to[i]].push(i); }
    var about = E.map(function () { return []; }), made = E.map(function () { return []; }),
        reported = E.map(function () { return []; }), claimCount = E.map(function () { return 0; });
    C.forEach(function (c, i) {
      c.about.forEach(function (e) { about[e].push(i); });
      c.by.forEach(function (e) { made[e].push(i); });
      c.reportedBy.forEach(function (e) { reported[e].push(i); });
      new Set(c.about.concat(c.by)).forEach(function (e) { claimCount[e]++; });
    });
    function claimOrder(a, b) {  // newest source first, then by position in the source
      var da = C[a].doc >= 0 ? D[C[a].doc].date : "", db = C[b].doc >= 0 ? D[C[b].doc].date : "";
      if (da !== db) return da < db ? 1 : -1;
      if (C[a].doc !== C[b].doc) return C[a].doc - C[b].doc;
      return (C[a].start || 0) - (C[b].start || 0);
    }
    var inDoc = D.map(function () { return []; });
    C.forEach(function (c, i) { if (c.doc >= 0) inDoc[c.doc].push(i); });
    inDoc.forEach(function (l) { l.sort(function (a, b) { return (C[a].start || 0) - (C[b].start || 0); }); });
    [about, made, reported].forEach(function (lists) { lists.forEach(function (l) { l.sort(claimOrder); }); });
    var docNodes = D.map(function () { return new Set(); });
    var docEdges = D.map(function () { return new Set(); });
    E.forEach(function (e, i) { if (e.shown) e.docs.forEach(function (d) { docNodes[d].add(i); }); });
    REL.docs.forEach(function (docs, i) {
      docs.forEach(function (d) { docEdges[d].add(i); docNodes[d].add(REL.from[i]); docNodes[d].add(REL.to[i]); });
    });
    index = { relsOf: relsOf, about: about, made: made, reported: reported, claimCount: claimCount, inDoc: inDoc,
              docNodes: docNodes, docEdges: docEdges };
    return index;
  }
  function nodeTitle(i) {
    var e = E[i];
    var rels = plural(e.degree, "relation") + (e.whole !== e.degree ? " (" + e.whole.toLocaleString("en") + " in the whole graph)" : "");
    return e.label + "\n" + typeLabel(e.type) + " · " + rels + " · " + plural(idx().claimCount[i], "claim") +
      " · mentioned in " + plural(e.docs.length, "document") + "\nClick for details";
  }
  function edgeTitle(i) {
    var where = [];
    if (REL.seed[i]) where.push("seed knowledge base");
    if (REL.cross[i]) where.push("cross-document");
    if (REL.docs[i].length) where.push("stated in " + plural(REL.docs[i].length, "document"));
    return E[REL.from[i]].label + " — " + relLabel(i) + " — " + E[REL.to[i]].label + "\n" + where.join("; ");
  }

  // ---- network ----------------------------------------------------------------------------------
  var state = { hidden: new Set(), doc: -1, selected: null, lit: null };
  var nodeOn = new Uint8Array(SHOWN).fill(1), edgeOn = new Uint8Array(NREL).fill(1);
  var counts = { nodes: SHOWN, edges: NREL };
  var nodeList = new Array(SHOWN);
  for (var n = 0; n < SHOWN; n++) {
    // large graphs: no label yet (see labelView), tooltips are made when the pointer first rests on a node
    nodeList[n] = { id: n, group: E[n].type, x: X[n], y: Y[n], size: data.nodes.size[n] };
    if (!LARGE) { nodeList[n].label = shortLabel(E[n].label); nodeList[n].title = nodeTitle(n); }
  }
  var nodes = new vis.DataSet(nodeList);
  var edgeList = [];
  if (!LARGE) {
    var pairs = {};
    for (var k = 0; k < NREL; k++) {
      var a = REL.from[k], b = REL.to[k], key = a < b ? a + ":" + b : b + ":" + a;
      var edge = { id: k, from: a, to: b, label: relLabel(k), title: edgeTitle(k) };
      if (P[REL.p[k]].symmetric) edge.arrows = NO_ARROW;
      var seen = pairs[key] || 0;
      pairs[key] = seen + 1;
      // parallel edges between the same two entities: curve them apart so their labels stay readable
      if (seen) edge.smooth = { enabled: true, type: "curvedCW", roundness: Math.round(25 * seen) / 100 };
      edgeList.push(edge);
    }
  }
  var edges = new vis.DataSet(edgeList);  // large graphs: only the highlighted edges
  var container = document.getElementById("kg-graph");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  function fitView(animate) {
    network.fit({ animation: false });
    // a small graph would be blown up to fill the screen: keep it at (about) its natural size
    if (network.getScale() > 1.1) network.moveTo({ scale: 1.1, animation: animate ? { duration: 300 } : false });
  }
  fitView(false);

  // With physics off, vis-network redraws the whole graph synchronously after every DataSet change: one
  // click (select, highlight its edges, label its neighbours, move the view) would draw 20,000 nodes four
  // times. These entry points hold redraws (vis-network's own _blockRedraw/_allowRedraw events) and draw
  // once at the end.
  var holding = 0;
  function drawOnce(fn) {
    return function () {
      if (holding++ === 0) network.body.emitter.emit("_blockRedraw");
      try { return fn.apply(this, arguments); } finally {
        if (--holding === 0) { network.body.emitter.emit("_allowRedraw"); network.redraw(); }
      }
    };
  }
  selectEntity = drawOnce(selectEntity);
  clearSelection = drawOnce(clearSelection);
  selectRelation = drawOnce(selectRelation);
  refreshFilters = drawOnce(refreshFilters);
  reset = drawOnce(reset);

  // ---- large graphs: edges in one path, labels for what is on screen -----------------------------------
  var moving = false, movingTimer = null;
  if (LARGE) {
    network.on("beforeDrawing", function (ctx) {
      if (moving && HIDE_EDGES_ON_MOVE) return;
      var scale = network.getScale();
      ctx.save();
      ctx.beginPath();
      for (var i = 0; i < NREL; i++) {
        if (!edgeOn[i]) continue;
        ctx.moveTo(X[REL.from[i]], Y[REL.from[i]]);
        ctx.lineTo(X[REL.to[i]], Y[REL.to[i]]);
      }
      ctx.strokeStyle = EDGE_COLOR;
      ctx.lineWidth = Math.max(1.2, 0.6 / scale);  // at least a hairline when zoomed far out
      // zoomed far out, 60,000 hairlines would hide the nodes' colours: lighter then
      ctx.globalAlpha = (state.lit ? 0.45 : 0.8) * (scale < 0.15 ? 0.5 : 1);
      ctx.stroke();
      ctx.restore();
    });
    var stopMoving = function () {
      moving = false; movingTimer = null; network.redraw(); scheduleLabels();
    };
    network.on("dragStart", function () { moving = true; });
    network.on("dragEnd", stopMoving);
    network.on("zoom", function () {
      moving = true;
      if (movingTimer) clearTimeout(movingTimer);
      movingTimer = setTimeout(stopMoving, 200);
    });
    network.on("animationFinished", scheduleLabels);
    network.on("hoverNode", function (p) {
      if (nodes.get(p.node).title === undefined) nodes.update({ id: p.node, title: nodeTitle(p.node) });
    });
  }
  var labelled = new Uint8Array(SHOWN), labelTimer = null;
  function scheduleLabels() {
    if (!LARGE || labelTimer) return;
    labelTimer = setTimeout(function () { labelTimer = null; labelView(); }, 60);
  }
  function labelView() {
    // vis-network leaves out labels smaller than 4 px on screen: only label what it would draw
    var scale = network.getScale();
    if (FONT_SIZE * scale < 4) return;
    var c = network.getViewPosition();
    var w = container.clientWidth / scale / 2 + 200, h = container.clientHeight / scale / 2 + 100;
    var add = [];
    for (var i = 0; i < SHOWN; i++) {
      if (!labelled[i] && Math.abs(X[i] - c.x) < w && Math.abs(Y[i] - c.y) < h) {
        labelled[i] = 1;
        add.push({ id: i, label: shortLabel(E[i].label) });
      }
    }
    if (add.length) drawOnce(function () { nodes.update(add); })();
  }
  // edges at a canvas point (large graphs: vis-network does not know them), nearest first within 6 px
  function edgeAt(point) {
    var best = -1, bestD = 6 / network.getScale();
    for (var i = 0; i < NREL; i++) {
      if (!edgeOn[i]) continue;
      var ax = X[REL.from[i]], ay = Y[REL.from[i]], bx = X[REL.to[i]], by = Y[REL.to[i]];
      var dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
      var t = len2 ? Math.max(0, Math.min(1, ((point.x - ax) * dx + (point.y - ay) * dy) / len2)) : 0;
      var px = ax + t * dx - point.x, py = ay + t * dy - point.y, d = Math.sqrt(px * px + py * py);
      if (d < bestD) { bestD = d; best = i; }
    }
    return best;
  }

  var api = {
    ready: false,
    timings: { parseAndBuildMs: 0, firstDrawMs: 0 },
    network: network,
    large: LARGE,
    nodeCount: function () { return counts.nodes; },
    edgeCount: function () { return counts.edges; },
    totalNodeCount: function () { return SHOWN; },
    nodeIris: function () {
      var out = [];
      for (var i = 0; i < SHOWN; i++) if (nodeOn[i]) out.push(E[i].iri);
      return out.sort();
    },
    selected: function () { return state.selected === null ? null : E[state.selected].iri; },
    select: function (iri) {
      for (var i = 0; i < SHOWN; i++) if (E[i].iri === iri) { selectEntity(i); return true; }
      return false;
    },
    setDocument: function (index) { setDocument(index); },
    reset: function () { reset(); },
    labelled: function () { return nodes.get({ filter: function (n) { return !!n.label; } }).length; }
  };
  window.kgViz = api;
  api.timings.parseAndBuildMs = Math.round(performance.now() - t0);
  network.once("afterDrawing", function () {
    api.timings.firstDrawMs = Math.round(performance.now() - t0);
    api.ready = true;
    document.documentElement.setAttribute("data-kg-ready", "1");
    if (data.meta.focus !== null) selectEntity(data.meta.focus);
    scheduleLabels();
  });

  // ---- highlight ----------------------------------------------------------------------------------
  // Small graphs: everything outside the neighbourhood is dimmed (per-item updates are cheap there).
  // Large graphs: the neighbourhood's edges become vis-network edges, drawn over the others in the
  // selection colour with their labels and arrows; nothing else is touched.
  function neighbourhood(id) {
    var ids = [id], rels = [];
    idx().relsOf[id].forEach(function (i) {
      if (!edgeOn[i]) return;
      rels.push(i);
      ids.push(REL.from[i] === id ? REL.to[i] : REL.from[i]);
    });
    return { nodes: ids, edges: rels };
  }
  function clearHighlight() {
    if (!state.lit) return;
    if (LARGE) {
      edges.clear();
    } else {
      nodes.update(state.lit.nodes.map(function (id) { return { id: id, opacity: 1, font: { color: NODE_FONT } }; }));
      edges.update(state.lit.edges.map(function (id) {
        return { id: id, color: { color: EDGE_COLOR, opacity: 1 }, font: { color: EDGE_FONT } };
      }));
    }
    state.lit = null;
  }
  function highlight(ids, edgeIds) {
    clearHighlight();
    if (LARGE) {
      edges.add(edgeIds.map(function (i) {
        return { id: i, from: REL.from[i], to: REL.to[i], label: relLabel(i), title: edgeTitle(i), width: 2,
                 color: { color: EDGE_HIGHLIGHT }, arrows: P[REL.p[i]].symmetric ? NO_ARROW : TO_ARROW };
      }));
      var missing = ids.filter(function (i) { return !labelled[i]; });
      missing.forEach(function (i) { labelled[i] = 1; });
      if (missing.length) nodes.update(missing.map(function (i) { return { id: i, label: shortLabel(E[i].label) }; }));
      state.lit = { nodes: [], edges: edgeIds };
      return;
    }
    var keepN = new Set(ids), keepE = new Set(edgeIds);
    var dimN = [], dimE = [];
    for (var i = 0; i < SHOWN; i++) if (nodeOn[i] && !keepN.has(i)) dimN.push(i);
    for (var j = 0; j < NREL; j++) if (edgeOn[j] && !keepE.has(j)) dimE.push(j);
    nodes.update(dimN.map(function (id) { return { id: id, opacity: DIM_NODE, font: { color: NODE_FONT_DIM } }; }));
    edges.update(dimE.map(function (id) {
      return { id: id, color: { color: EDGE_COLOR, opacity: DIM_EDGE }, font: { color: EDGE_FONT_DIM } };
    }));
    state.lit = { nodes: dimN, edges: dimE };
  }
  function highlightNeighbourhood(id) {
    var hood = neighbourhood(id);
    highlight(hood.nodes, hood.edges);
  }

  // ---- selection ----------------------------------------------------------------------------------
  function revealEntity(id) {
    var changed = false;
    if (state.hidden.has(E[id].type)) { state.hidden.delete(E[id].type); changed = true; }
    if (state.doc >= 0 && !idx().docNodes[state.doc].has(id)) { state.doc = -1; docSelect.value = "-1"; changed = true; }
    if (changed) refreshFilters();
  }
  function selectEntity(id, opts) {
    opts = opts || {};
    if (!E[id] || !E[id].shown) return;
    revealEntity(id);
    state.selected = id;
    network.selectNodes([id], !LARGE);
    highlightNeighbourhood(id);
    if (opts.move !== false) {
      // on large graphs every frame is a full redraw: jump instead of animating
      network.focus(id, { scale: Math.max(network.getScale(), 1.0),
                          animation: LARGE ? false : { duration: 350, easingFunction: "easeInOutQuad" } });
      scheduleLabels();
    }
    showEntity(id);
  }
  function clearSelection() {
    state.selected = null;
    network.unselectAll();
    clearHighlight();
    closePanel();
  }
  function selectRelation(i) {
    state.selected = null;
    highlight([REL.from[i], REL.to[i]], [i]);
    showRelation(i);
  }
  network.on("click", function (params) {
    if (params.nodes.length) {
      selectEntity(params.nodes[0], { move: false });
    } else if (params.edges.length) {
      selectRelation(params.edges[0]);
    } else {
      var hit = LARGE ? edgeAt(params.pointer.canvas) : -1;
      if (hit >= 0) selectRelation(hit); else clearSelection();
    }
  });
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") clearSelection(); });

  // ---- side panel ---------------------------------------------------------------------------------
  var panel = document.getElementById("kg-panel");
  var body = document.getElementById("kg-panel-body");
  document.getElementById("kg-panel-close").addEventListener("click", clearSelection);
  function openPanel() { panel.hidden = false; body.scrollTop = 0; panel.scrollTop = 0; }
  function closePanel() { panel.hidden = true; body.replaceChildren(); }
  function entityButton(id) {
    var e = E[id];
    if (!e.shown) return el("span", "kg-entity-ref", e.label);
    var b = el("button", "kg-entity-ref kg-link", e.label);
    b.type = "button";
    b.title = typeLabel(e.type) + ": show " + e.label;
    b.addEventListener("click", function () { selectEntity(id); });
    return b;
  }
  function joinEntities(ids) {
    var span = el("span");
    ids.forEach(function (id, k) { if (k) add(span, ", "); add(span, entityButton(id)); });
    return span;
  }
  function docLine(d, extra) {
    var p = el("div", "kg-source");
    if (d < 0) { add(p, "source unknown"); return p; }
    var doc = D[d];
    add(p, link(doc.url, doc.title || doc.id, "kg-source-title"));
    var bits = [doc.publisher, doc.date].concat(extra || []).filter(function (x) { return x; });
    if (bits.length) add(p, el("span", "kg-muted", " · " + bits.join(" · ")));
    return p;
  }
  function section(title, count, open) {
    var det = el("details", "kg-section");
    det.open = open !== false;
    var sum = el("summary", null, title);
    add(sum, el("span", "kg-count", count.toLocaleString("en")));
    det.appendChild(sum);
    return det;
  }
  function pagedList(parent, items, render) {
    var list = el("div", "kg-list");
    parent.appendChild(list);
    var shown = 0;
    var more = el("button", "kg-more kg-link");
    more.type = "button";
    function step() {
      var end = Math.min(items.length, shown + LIST_STEP);
      for (; shown < end; shown++) list.appendChild(render(items[shown]));
      if (shown < items.length) { more.textContent = "Show " + Math.min(LIST_STEP, items.length - shown) + " more of " + (items.length - shown); }
      else more.remove();
    }
    more.addEventListener("click", step);
    parent.appendChild(more);
    step();
  }
  function claimCard(i) {
    var c = C[i];
    var card = el("article", "kg-claim");
    card.setAttribute("data-claim", c.iri);
    add(card, el("blockquote", "kg-quote", c.quote));
    var meta = el("div", "kg-claim-meta");
    if (c.modality) add(meta, el("span", "kg-badge kg-mod-" + c.modality.replace(/[^a-z]/g, ""), c.modality));
    if (c.quotation) add(meta, el("span", "kg-badge", "direct quote"));
    if (c.cue) add(meta, el("span", "kg-muted", "cue: “" + c.cue + "”"));
    card.appendChild(meta);
    var who = el("div", "kg-who");
    add(who, el("span", "kg-muted", "Made by "), c.by.length ? joinEntities(c.by) : el("span", "kg-muted", "the document itself (no speaker named)"));
    if (c.reportedBy.length) add(who, el("span", "kg-muted", " · reported by "), joinEntities(c.reportedBy));
    card.appendChild(who);
    var where = [];
    if (c.page !== null && c.page !== undefined) where.push("p. " + c.page);
    if (c.start !== null && c.end !== null) where.push("chars " + c.start + "–" + c.end);
    card.appendChild(docLine(c.doc, where));
    if (c.sources) {
      add(card, el("div", "kg-muted kg-small", "Stated in " + plural(c.sources, "source") +
        (c.independent !== null ? " (" + c.independent + " independent)" : "")));
    }
    return card;
  }
  function relationRow(i, self) {
    var r = relation(i);
    var row = el("div", "kg-rel");
    var line = el("div", "kg-rel-line");
    add(line, r.from === self ? el("strong", null, E[r.from].label) : entityButton(r.from), " ",
        el("span", "kg-pred", r.label + (r.symmetric ? "" : " →")), " ",
        r.to === self ? el("strong", null, E[r.to].label) : entityButton(r.to));
    row.appendChild(line);
    var prov = [];
    if (r.seed) prov.push("seed knowledge base");
    if (r.cross) prov.push("cross-document");
    if (r.docs.length) prov.push(plural(r.docs.length, "document"));
    add(row, el("div", "kg-muted kg-small", prov.join(" · ")));
    return row;
  }
  function evidenceBlock(r) {
    var wrap = el("div");
    r.evidence.forEach(function (ev) {
      var item = el("div", "kg-claim");
      if (ev.quote) add(item, el("blockquote", "kg-quote", ev.quote));
      var extra = [];
      if (ev.rule) extra.push("rule " + ev.rule);
      if (ev.confidence !== null) extra.push("confidence " + ev.confidence);
      item.appendChild(docLine(ev.doc, extra));
      wrap.appendChild(item);
    });
    return wrap;
  }
  function header(typeName, title) {
    var h = el("div", "kg-panel-head");
    var t = el("div", "kg-type");
    add(t, swatch(typeName, 14), " ", typeLabel(typeName));
    h.appendChild(t);
    h.appendChild(el("h2", null, title));
    return h;
  }
  function showEntity(id) {
    var e = E[id], ix = idx();
    body.replaceChildren();
    body.appendChild(header(e.type, e.label));
    if (e.aliases.length) add(body, el("p", "kg-aliases", "Also: " + e.aliases.join(" · ")));
    var ids = el("p", "kg-ids");
    e.wikidata.forEach(function (q) {
      if (/^Q[1-9][0-9]*$/.test(q)) add(ids, link("https://www.wikidata.org/wiki/" + q, "Wikidata " + q, "kg-wd"), " ");
    });
    add(ids, el("code", "kg-iri", e.iri));
    body.appendChild(ids);
    var rels = ix.relsOf[id].slice().sort(function (a, b) {
      var la = relLabel(a), lb = relLabel(b);
      return la < lb ? -1 : la > lb ? 1 : a - b;
    });
    var s = section("Relations", rels.length);
    if (rels.length) pagedList(s, rels, function (i) { return relationRow(i, id); });
    else add(s, el("p", "kg-muted", "No relations to other entities."));
    body.appendChild(s);
    [["Claims about " + e.label, ix.about[id], true], ["Claims made by " + e.label, ix.made[id], true],
     ["Claims reported by " + e.label, ix.reported[id], false]].forEach(function (spec) {
      if (!spec[1].length) return;
      var sec = section(spec[0], spec[1].length, spec[2]);
      pagedList(sec, spec[1], claimCard);
      body.appendChild(sec);
    });
    if (!ix.about[id].length && !ix.made[id].length && !ix.reported[id].length) {
      add(body, el("p", "kg-muted", "No claims about this entity."));
    }
    if (e.docs.length) {
      var ds = section("Mentioned in", e.docs.length, e.docs.length <= 5);
      pagedList(ds, e.docs, function (d) { return docLine(d); });
      body.appendChild(ds);
    }
    openPanel();
  }
  function showRelation(i) {
    var r = relation(i);
    body.replaceChildren();
    body.appendChild(header(E[r.from].type, r.label));
    var row = relationRow(i, -1);
    body.appendChild(row);
    if (r.evidence.length) {
      var s = section("Evidence", r.evidence.length);
      s.appendChild(evidenceBlock(r));
      body.appendChild(s);
    }
    openPanel();
  }

  function showDocument(d) {
    var doc = D[d], ix = idx();
    body.replaceChildren();
    var h = el("div", "kg-panel-head");
    h.appendChild(el("div", "kg-type", "Document"));
    h.appendChild(el("h2", null, doc.title || doc.id));
    body.appendChild(h);
    var meta = [doc.publisher, doc.date].concat(doc.creators).filter(function (x) { return x; });
    if (meta.length) add(body, el("p", "kg-aliases", meta.join(" · ")));
    var ids = el("p", "kg-ids");
    if (safeUrl(doc.url)) add(ids, link(doc.url, "Open the source", "kg-wd"), " ");
    add(ids, el("code", "kg-iri", doc.id));
    body.appendChild(ids);
    var ents = Array.from(ix.docNodes[d]).sort(function (a, b) { return E[a].label < E[b].label ? -1 : 1; });
    var es = section("Entities", ents.length);
    var wrap = el("p", "kg-entity-list");
    ents.forEach(function (id, k) { if (k) add(wrap, " · "); add(wrap, entityButton(id)); });
    es.appendChild(wrap);
    body.appendChild(es);
    var cs = section("Claims", ix.inDoc[d].length);
    if (ix.inDoc[d].length) pagedList(cs, ix.inDoc[d], claimCard);
    else add(cs, el("p", "kg-muted", "No claims extracted from this document."));
    body.appendChild(cs);
    openPanel();
  }

  // ---- legend (type filter) ----------------------------------------------------------------------
  var legend = document.getElementById("kg-legend-list");
  var legendItems = {};
  data.types.forEach(function (t) {
    var li = el("li");
    var b = el("button", "kg-legend-item");
    b.type = "button";
    b.setAttribute("aria-pressed", "true");
    add(b, swatch(t.name, 14), el("span", "kg-legend-label", t.label), el("span", "kg-count", t.count.toLocaleString("en")));
    b.addEventListener("click", function () {
      if (state.hidden.has(t.name)) state.hidden.delete(t.name); else state.hidden.add(t.name);
      refreshFilters();
    });
    li.appendChild(b);
    legend.appendChild(li);
    legendItems[t.name] = b;
  });
  var legendToggle = document.getElementById("kg-legend-toggle");
  legendToggle.addEventListener("click", function () {
    var open = legendToggle.getAttribute("aria-expanded") !== "true";
    legendToggle.setAttribute("aria-expanded", open ? "true" : "false");
    document.getElementById("kg-legend-body").hidden = !open;
  });
  document.getElementById("kg-types-all").addEventListener("click", function () { state.hidden.clear(); refreshFilters(); });
  document.getElementById("kg-types-none").addEventListener("click", function () {
    data.types.forEach(function (t) { state.hidden.add(t.name); }); refreshFilters();
  });

  // ---- document filter ----------------------------------------------------------------------------
  var docSelect = document.getElementById("kg-doc-filter");
  docSelect.appendChild(new Option("All documents (" + D.length.toLocaleString("en") + ")", "-1"));
  D.map(function (d, i) { return i; }).sort(function (a, b) {
    if (D[a].date !== D[b].date) return D[a].date < D[b].date ? 1 : -1;
    return (D[a].title || D[a].id) < (D[b].title || D[b].id) ? -1 : 1;
  }).forEach(function (i) {
    var d = D[i];
    var text = (d.date ? d.date + " · " : "") + (d.title || d.id) + (d.publisher ? " — " + d.publisher : "");
    docSelect.appendChild(new Option(text.length > 110 ? text.slice(0, 108) + "…" : text, String(i)));
  });
  function setDocument(i) {
    state.doc = i; docSelect.value = String(i);
    state.selected = null;
    network.unselectAll();
    refreshFilters();
    if (i >= 0) { showDocument(i); fitView(false); } else closePanel();
  }
  docSelect.addEventListener("change", function () { setDocument(parseInt(docSelect.value, 10)); });

  // ---- filters, stats ----------------------------------------------------------------------------
  var stats = document.getElementById("kg-stats");
  var empty = document.getElementById("kg-empty");
  function updateStats() {
    var n = counts.nodes, m = counts.edges;
    var text = plural(n, "entity").replace("entitys", "entities") + " · " + plural(m, "relation") + " · " + plural(C.length, "claim");
    if (n !== SHOWN) text += " (filtered from " + SHOWN.toLocaleString("en") + ")";
    if (data.meta.candidates > data.meta.shown) text += " · capped";
    stats.textContent = text;
    stats.title = data.meta.seedOnly ? data.meta.seedOnly.toLocaleString("en") + " entities of the seed knowledge " +
      "base that no document mentions are not drawn (kg viz --include-seed draws them)" : "";
    empty.hidden = n > 0;
  }
  // Visibility is a flag per node and edge; only the items whose flag changes are sent to vis-network.
  function refreshFilters() {
    clearHighlight();
    var docNodes = state.doc >= 0 ? idx().docNodes[state.doc] : null;
    var docEdges = state.doc >= 0 ? idx().docEdges[state.doc] : null;
    var nodeChanges = [], edgeChanges = [];
    counts.nodes = 0; counts.edges = 0;
    for (var i = 0; i < SHOWN; i++) {
      var on = !state.hidden.has(E[i].type) && (docNodes === null || docNodes.has(i)) ? 1 : 0;
      if (on !== nodeOn[i]) { nodeOn[i] = on; nodeChanges.push({ id: i, hidden: !on }); }
      counts.nodes += on;
    }
    for (var j = 0; j < NREL; j++) {
      var eon = nodeOn[REL.from[j]] && nodeOn[REL.to[j]] && (docEdges === null || docEdges.has(j)) ? 1 : 0;
      if (eon !== edgeOn[j]) { edgeOn[j] = eon; if (!LARGE) edgeChanges.push({ id: j, hidden: !eon }); }
      counts.edges += eon;
    }
    if (nodeChanges.length) nodes.update(nodeChanges);
    if (edgeChanges.length) edges.update(edgeChanges);
    if (LARGE) network.redraw();
    Object.keys(legendItems).forEach(function (name) {
      var on = !state.hidden.has(name);
      legendItems[name].setAttribute("aria-pressed", on ? "true" : "false");
      legendItems[name].classList.toggle("kg-off", !on);
    });
    if (state.selected !== null && nodeOn[state.selected]) highlightNeighbourhood(state.selected);
    else if (state.selected !== null) clearSelection();
    updateStats();
  }
  function reset() {
    state.hidden.clear();
    state.doc = -1; docSelect.value = "-1";
    if (search) search.clear(true);
    clearSelection();
    refreshFilters();
    fitView(false);
  }
  document.getElementById("kg-reset").addEventListener("click", reset);
  document.getElementById("kg-fit").addEventListener("click", function () { fitView(true); });

  // ---- notice ---------------------------------------------------------------------------------------
  if (data.meta.notice) {
    var notice = document.getElementById("kg-notice");
    notice.textContent = data.meta.notice;
    notice.hidden = false;
  }

  // ---- search (tom-select; every render function builds DOM nodes from text) ----------------------------
  // Scoring is ours: one indexOf per word over a folded "name · aliases" string (tom-select's own scorer
  // runs regular expressions over every field of 20,000 options on each keystroke). Every typed word must
  // occur; a name or alias equal to the whole text (any case, any accents) comes first, then words found at
  // the start of the name, then at the start of a word, then anywhere; ties go to the most connected.
  function fold(text) {
    return String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  }
  var options = [];
  for (var s = 0; s < SHOWN; s++) {
    var e = E[s];
    var names = [fold(e.label)].concat(e.aliases.map(fold));
    options.push({ value: String(s), text: e.label, aliases: e.aliases.join(" · "), type: e.type, degree: e.degree,
                   names: names, folded: names.join(" · ") });
  }
  // ties go to the alphabetical order of names, as a number: tom-select would fold and compare the two
  // strings in every one of the up to 20,000 x log(20,000) comparisons of each keystroke's sort
  options.map(function (o, i) { return i; })
    .sort(function (a, b) { return options[a].names[0] < options[b].names[0] ? -1 : options[a].names[0] > options[b].names[0] ? 1 : a - b; })
    .forEach(function (o, rank) { options[o].rank = rank; });
  function scoreWord(hay, word) {
    var at = hay.indexOf(word);
    if (at < 0) return 0;
    var start = at === 0 ? 2 : (hay.indexOf(" " + word) >= 0 ? 1.5 : 1);
    return start * word.length / hay.length;
  }
  var search = new TomSelect("#kg-search", {
    options: options,
    valueField: "value", labelField: "text", searchField: ["text", "aliases"],
    score: function (query) {
      var wanted = fold(query), words = wanted.split(" ").filter(function (w) { return w; });
      return function (item) {
        if (!words.length) return 1;
        var total = 0;
        for (var w = 0; w < words.length; w++) {
          var one = scoreWord(item.folded, words[w]);
          if (!one) return 0;
          total += one;
        }
        return item.names.indexOf(wanted) >= 0 ? total + 1000 : total;
      };
    },
    sortField: [{ field: "$score", direction: "desc" }, { field: "degree", direction: "desc" }, { field: "rank" }],
    maxOptions: 40, maxItems: 1, create: false, highlight: true, openOnFocus: false,
    render: {
      option: function (d) {
        var row = el("div", "kg-opt");
        add(row, swatch(d.type, 12), el("span", "kg-opt-name", d.text));
        if (d.aliases) add(row, el("span", "kg-opt-alias", d.aliases));
        return row;
      },
      item: function (d) { return el("div", "kg-opt-item", d.text); },
      no_results: function () { return el("div", "no-results", "No entity has this name or alias"); },
      option_create: function () { return el("div"); },
      loading: function () { return el("div"); }
    },
    // tom-select keeps the option that was active for the previous keystroke when it is still listed
    // ("Q" makes Qwen3 active, and it stays active for "Qwen"): Enter must take the best match for the
    // whole text, so the first option becomes active after every keystroke
    onType: function () {
      var first = this.selectable()[0];
      if (first) this.setActiveOption(first);
    },
    onChange: function (value) { if (value !== "" && value !== null) selectEntity(parseInt(value, 10)); }
  });

  if (data.meta.document !== null) setDocument(data.meta.document);
  updateStats();
})();
