// The query page of `kg serve`: runs SPARQL against this server only and shows the answer as a table.
// Everything is written with textContent (never innerHTML), so nothing in the data can become markup.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger"].map((t) => XSD + t));
  let prefixes = {};
  let named = [];

  function shorten(iri) {
    let best = null;
    for (const [name, ns] of Object.entries(prefixes)) {
      if (iri.startsWith(ns) && (best === null || ns.length > prefixes[best].length)) {
        const local = iri.slice(ns.length);
        if (/^[A-Za-z0-9_\-.~/%]*$/.test(local)) best = name;
      }
    }
    return best === null ? "<" + iri + ">" : best + ":" + iri.slice(prefixes[best].length);
  }

  function setStatus(text) { $("status").textContent = text; }

  function clearResults() {
    for (const id of ["error", "truncated", "table", "text"]) $(id).hidden = true;
    $("table").tHead.replaceChildren();
    $("table").tBodies[0].replaceChildren();
    $("text").textContent = "";
  }

  function showError(message) {
    $("error").textContent = message;
    $("error").hidden = false;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      td.className = "iri";
      td.textContent = shorten(term.value);
      td.title = term.value;
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else if (term.type === "triple") {
      td.textContent = "<< " + [term.value.subject, term.value.predicate, term.value.object]
        .map((t) => (t.type === "uri" ? shorten(t.value) : t.value)).join(" ") + " >>";
    } else {
      td.textContent = term.value;
      if (term.datatype && NUMERIC.has(term.datatype)) td.className = "num";
      if (term["xml:lang"]) {
        const tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = "@" + term["xml:lang"];
        td.appendChild(tag);
      }
      if (term.datatype) td.title = shorten(term.datatype);
    }
    return td;
  }

  function showTable(data) {
    const vars = data.head.vars || [];
    const head = document.createElement("tr");
    for (const v of vars) {
      const th = document.createElement("th");
      th.textContent = v;
      head.appendChild(th);
    }
    $("table").tHead.appendChild(head);
    const body = $("table").tBodies[0];
    const fragment = document.createDocumentFragment();
    for (const binding of data.results.bindings) {
      const tr = document.createElement("tr");
      for (const v of vars) tr.appendChild(cell(binding[v]));
      fragment.appendChild(tr);
    }
    body.appendChild(fragment);
    $("table").hidden = false;
  }

  async function run(url, init) {
    clearResults();
    for (const b of document.querySelectorAll("button")) b.disabled = true;
    setStatus("running…");
    const started = performance.now();
    try {
      const response = await fetch(url, init);
      const ms = Math.round(performance.now() - started);
      const type = response.headers.get("Content-Type") || "";
      const text = await response.text();
      if (!response.ok) {
        setStatus(`${response.status} ${response.statusText} after ${ms} ms`);
        showError(text.trim() || `HTTP ${response.status}`);
        return;
      }
      if (response.headers.get("X-Truncated") === "true") $("truncated").hidden = false;
      if (type.startsWith("application/sparql-results+json")) {
        const data = JSON.parse(text);
        if (typeof data.boolean === "boolean") {
          $("text").textContent = String(data.boolean);
          $("text").hidden = false;
          setStatus(`answer in ${ms} ms`);
        } else {
          showTable(data);
          const n = data.results.bindings.length;
          setStatus(`${n} row${n === 1 ? "" : "s"} in ${ms} ms`);
        }
      } else {
        $("text").textContent = text;
        $("text").hidden = false;
        setStatus(`${response.headers.get("X-Row-Count") || "?"} triples in ${ms} ms`);
      }
    } catch (err) {
      setStatus("");
      showError("The server could not be reached: " + err);
    } finally {
      for (const b of document.querySelectorAll("button")) b.disabled = false;
    }
  }

  const ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";

  function runEditor() {
    const query = $("query").value;
    history.replaceState(null, "", "#query=" + encodeURIComponent(query));
    run("/sparql", { method: "POST", headers: { "Content-Type": "application/sparql-query", Accept: ACCEPT }, body: query });
  }

  function chooseNamed() {
    const q = named.find((x) => x.name === $("named-select").value);
    const box = $("named-params");
    box.replaceChildren();
    $("named-form").hidden = !q;
    $("named-description").textContent = q ? q.description : "";
    if (!q) return;
    $("query").value = q.sparql;
    for (const p of q.params) {
      const label = document.createElement("label");
      label.textContent = `${p.name}${p.optional ? " (optional)" : ""}`;
      label.title = p.help;
      const input = document.createElement("input");
      input.name = p.name;
      input.placeholder = p.help;
      input.required = !p.optional;
      label.appendChild(input);
      box.appendChild(label);
    }
  }

  function runNamed(event) {
    event.preventDefault();
    const name = $("named-select").value;
    const params = new URLSearchParams();
    for (const input of $("named-params").querySelectorAll("input")) {
      if (input.value.trim()) params.append(input.name, input.value.trim());
    }
    run("/queries/" + encodeURIComponent(name) + "?" + params.toString(), { headers: { Accept: ACCEPT } });
  }

  async function loadNamed() {
    try {
      const response = await fetch("/queries", { headers: { Accept: "application/json" } });
      const data = await response.json();
      prefixes = data.prefixes || {};
      named = data.queries || [];
      for (const q of named) {
        const option = document.createElement("option");
        option.value = q.name;
        option.textContent = q.name + " — " + q.description;
        $("named-select").appendChild(option);
      }
    } catch (err) {
      showError("Could not load the named queries: " + err);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const hash = new URLSearchParams(location.hash.slice(1));
    if (hash.get("query")) $("query").value = hash.get("query");
    $("run").addEventListener("click", runEditor);
    $("query").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        runEditor();
      }
    });
    $("named-select").addEventListener("change", chooseNamed);
    $("named-form").addEventListener("submit", runNamed);
    loadNamed();
  });
})();
