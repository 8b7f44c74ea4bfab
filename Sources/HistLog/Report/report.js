"use strict";
(function () {
  const body = document.body;
  let errorCount = 0;
  window.addEventListener("error", function (event) {
    errorCount += 1;
    body.dataset.errors = String(errorCount);
    console.error("histlog report:", event.message);
  });
  body.dataset.errors = "0";

  const data = JSON.parse(document.getElementById("histlog-data").textContent);
  const keys = data.k;
  const byName = new Map(keys.map(function (k, i) { return [k.k, i]; }));
  const findingsByKey = new Map();
  for (const f of data.findings) {
    if (!findingsByKey.has(f.key)) findingsByKey.set(f.key, []);
    findingsByKey.get(f.key).push(f);
  }
  const RIDGE = { w: 300, h: 196, left: 6, right: 50, top: 18, bottom: 20 };
  const BAND = { w: 300, h: 196, left: 54, right: 8, top: 18, bottom: 20 };
  let drawn = 0;
  body.dataset.keys = String(keys.length);
  body.dataset.chartsDrawn = "0";

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }[c];
    });
  }
  function fmt(x) {
    if (x === null || x === undefined) return "–";
    if (!isFinite(x)) return String(x);
    if (x === 0) return "0";
    const a = Math.abs(x);
    if (a >= 1e-3 && a < 1e5) return String(Number(x.toPrecision(4)));
    return x.toExponential(2).replace("e+", "e");
  }
  function fmtStep(s) { return String(s); }
  function bytes(b64) {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function n1(x) { return x.toFixed(1); }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // Header and doctor findings.
  document.title = data.title;
  $("title").textContent = data.title;
  $("meta").textContent = keys.length + " keys · " + data.records + " records · " + data.source +
    " · histlog " + data.version;
  (function findings() {
    const box = $("findings");
    const list = data.findings;
    const errors = list.filter(function (f) { return f.severity === "error"; }).length;
    const h = el("h2");
    if (list.length === 0) {
      box.className = "ok";
      h.textContent = "Doctor: no problems found";
      box.appendChild(h);
      return;
    }
    box.className = errors > 0 ? "bad" : "warn";
    h.textContent = "Doctor: " + plural(list.length, "finding") + " (" + plural(errors, "error") + ", " +
      plural(list.length - errors, "warning") + ")";
    box.appendChild(h);
    const table = el("table");
    const head = el("tr");
    for (const t of ["", "rule", "key", "first step", "evidence"]) head.appendChild(el("th", "", t));
    table.appendChild(head);
    for (const f of list) {
      const tr = el("tr");
      const sev = el("td");
      sev.appendChild(el("span", "sev " + f.severity, f.severity));
      tr.appendChild(sev);
      tr.appendChild(el("td", "", f.rule.replace(/_/g, " ")));
      const keyCell = el("td");
      const link = el("a", "", f.key);
      const index = byName.get(f.key);
      if (index !== undefined) {
        link.href = "#key-" + index;
        link.addEventListener("click", function (event) { event.preventDefault(); reveal(index); });
      }
      keyCell.appendChild(link);
      tr.appendChild(keyCell);
      tr.appendChild(el("td", "step", fmtStep(f.step)));
      tr.appendChild(el("td", "", f.message));
      table.appendChild(tr);
    }
    box.appendChild(table);
  })();

  // Keys grouped by their "/" folders.
  const root = { name: "", children: new Map(), keys: [], count: 0 };
  keys.forEach(function (k, i) {
    const parts = k.k.split("/");
    let node = root;
    node.count++;
    for (const part of parts.slice(0, -1)) {
      if (!node.children.has(part)) node.children.set(part, { name: part, children: new Map(), keys: [], count: 0 });
      node = node.children.get(part);
      node.count++;
    }
    node.keys.push(i);
  });
  const cards = new Array(keys.length);
  const groups = [];
  const observer = "IntersectionObserver" in window
    ? new IntersectionObserver(function (entries) {
        for (const entry of entries) {
          if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
        }
        markReady();
      }, { rootMargin: "600px 0px" })
    : null;

  function card(i) {
    const k = keys[i];
    const c = el("article", "card");
    c.id = "key-" + i;
    c.dataset.index = String(i);
    const fs = findingsByKey.get(k.k) || [];
    if (fs.length) c.classList.add(fs.some(function (f) { return f.severity === "error"; }) ? "has-error" : "has-warning");
    const h = el("h3");
    h.appendChild(el("span", "role " + k.r, k.r));
    h.appendChild(el("span", "name", k.k.split("/").pop()));
    if (fs.length) h.appendChild(el("span", "badge", fs.map(function (f) { return f.rule.replace(/_/g, " "); }).join(", ")));
    c.appendChild(h);
    c.appendChild(el("div", "full", k.k + " · " + k.ns + (k.ns === 1 ? " step" : " steps") +
      (k.n !== k.ns ? " (" + k.n + " records)" : "")));
    const charts = el("div", "charts");
    charts.appendChild(el("div", "chart ridge"));
    charts.appendChild(el("div", "chart band"));
    c.appendChild(charts);
    cards[i] = c;
    if (observer) observer.observe(c);
    return c;
  }

  function group(node, depth) {
    const d = el("details", "group");
    d.open = true;
    const s = el("summary", "", node.name + "/");
    s.appendChild(el("span", "count", node.count + (node.count === 1 ? " key" : " keys")));
    d.appendChild(s);
    fill(d, node, depth);
    groups.push(d);
    return d;
  }

  function fill(parent, node, depth) {
    if (node.keys.length) {
      const grid = el("div", "cards");
      for (const i of node.keys) grid.appendChild(card(i));
      parent.appendChild(grid);
    }
    for (const child of node.children.values()) parent.appendChild(group(child, depth + 1));
  }

  const main = $("keys");
  if (keys.length === 0) main.appendChild(el("div", "empty", "This run has no histograms."));
  fill(main, root, 0);

  // Charts.
  function draw(c) {
    if (c.dataset.drawn) return;
    c.dataset.drawn = "1";
    const k = keys[Number(c.dataset.index)];
    const ridge = c.querySelector(".ridge"), band = c.querySelector(".band");
    ridge.innerHTML = ridgeSVG(k) + '<span class="label">histogram</span>';
    band.innerHTML = bandSVG(k) + '<span class="label">distribution</span>';
    hover(band.querySelector("svg"), k);
    c.appendChild(stats(k));
    drawn += 2;
    body.dataset.chartsDrawn = String(drawn);
  }

  function ridgeSVG(k) {
    const g = RIDGE, steps = data.steps[k.rs], rows = steps.length;
    const h = bytes(k.h), cells = rows ? h.length / rows : 0;
    const pw = g.w - g.left - g.right, ph = g.h - g.top - g.bottom;
    const peak = rows > 1 ? ph * 0.42 : ph, dy = rows > 1 ? (ph - peak) / (rows - 1) : 0;
    let s = '<svg width="' + g.w + '" height="' + g.h + '" viewBox="0 0 ' + g.w + " " + g.h + '">';
    for (let r = 0; r < rows; r++) {
      const base = g.top + peak + r * dy, row = r * cells;
      const xs = [], ys = [];
      for (let c = 0; c < cells; c++) {
        xs.push(n1(g.left + (c + 0.5) * pw / cells));
        ys.push(n1(base - h[row + c] / 255 * peak));
      }
      // Filled shape down to the ridge's baseline; outline only where the ridge is above it.
      let fill = "M" + g.left + "," + n1(base), line = "";
      let drawing = false;
      for (let c = 0; c < cells; c++) {
        fill += "L" + xs[c] + "," + ys[c];
        const near = h[row + c] || (c > 0 && h[row + c - 1]) || (c + 1 < cells && h[row + c + 1]);
        if (near) { line += (drawing ? "L" : "M") + xs[c] + "," + ys[c]; drawing = true; } else drawing = false;
      }
      fill += "L" + (g.left + pw) + "," + n1(base) + "Z";
      const t = rows > 1 ? r / (rows - 1) : 1;
      const light = Math.round(88 - 40 * t);
      s += '<g><title>step ' + esc(steps[r]) + '</title><path d="' + fill + '" fill="hsl(24,92%,' + light + '%)"/>' +
        '<path d="' + line + '" fill="none" stroke="hsl(24,75%,' + Math.max(22, light - 28) + '%)" stroke-width="0.8"/></g>';
    }
    const bottom = g.h - g.bottom;
    s += '<line x1="' + g.left + '" x2="' + (g.left + pw) + '" y1="' + (bottom + 1) + '" y2="' + (bottom + 1) + '" stroke="#d0d7de"/>';
    s += '<text x="' + g.left + '" y="' + (g.h - 5) + '">' + esc(fmt(k.x0)) + "</text>";
    s += '<text x="' + (g.left + pw / 2) + '" y="' + (g.h - 5) + '" text-anchor="middle">' + esc(fmt((k.x0 + k.x1) / 2)) + "</text>";
    s += '<text x="' + (g.left + pw) + '" y="' + (g.h - 5) + '" text-anchor="end">' + esc(fmt(k.x1)) + "</text>";
    if (rows > 0) {
      const right = g.left + pw + 4;
      s += '<text x="' + right + '" y="' + n1(g.top + peak + 3) + '">' + esc(fmtStep(steps[0])) + "</text>";
      if (rows > 1) s += '<text x="' + right + '" y="' + n1(g.top + ph + 3) + '">' + esc(fmtStep(steps[rows - 1])) + "</text>";
      s += '<text x="' + right + '" y="' + n1(g.top + peak / 2) + '">step</text>';
    }
    return s + "</svg>";
  }

  function bandValues(k) {
    const steps = data.steps[k.bs], n = steps.length, b = bytes(k.b);
    const series = [];
    for (let s = 0; s < 7; s++) {
      const row = new Array(n);
      for (let i = 0; i < n; i++) {
        const o = 2 * (s * n + i), q = b[o] | (b[o + 1] << 8);
        row[i] = q === 65535 ? null : k.lo + (k.hi - k.lo) * q / 65534;
      }
      series.push(row);
    }
    return { steps: steps, series: series };
  }

  function bandGeometry(k, steps) {
    const g = BAND, pw = g.w - g.left - g.right, ph = g.h - g.top - g.bottom;
    const s0 = steps[0], s1 = steps[steps.length - 1];
    return {
      x: function (step) { return g.left + (s1 > s0 ? (step - s0) / (s1 - s0) : 0.5) * pw; },
      y: function (v) { return k.hi > k.lo ? g.top + ph - (v - k.lo) / (k.hi - k.lo) * ph : g.top + ph / 2; },
      pw: pw, ph: ph
    };
  }

  function bandSVG(k) {
    const g = BAND, v = bandValues(k), steps = v.steps, n = steps.length, geo = bandGeometry(k, steps);
    let s = '<svg width="' + g.w + '" height="' + g.h + '" viewBox="0 0 ' + g.w + " " + g.h + '">';
    const bottom = g.h - g.bottom;
    for (const t of [0, 0.5, 1]) {
      const y = g.top + geo.ph * (1 - t);
      s += '<line x1="' + g.left + '" x2="' + (g.w - g.right) + '" y1="' + n1(y) + '" y2="' + n1(y) + '" stroke="#eaeef2"/>';
      s += '<text x="' + (g.left - 4) + '" y="' + n1(y + 3) + '" text-anchor="end">' + esc(fmt(k.lo + (k.hi - k.lo) * t)) + "</text>";
    }
    const colors = ["#c6dbef", "#9ecae1", "#6baed6"];
    const pairs = [[0, 6], [1, 5], [2, 4]];
    pairs.forEach(function (pair, p) {
      const lower = v.series[pair[0]], upper = v.series[pair[1]];
      for (const seg of segments(lower, upper, n)) {
        let d = "";
        const widen = seg.length === 1 ? 2 : 0;
        seg.forEach(function (i, j) { d += (j ? "L" : "M") + n1(geo.x(steps[i]) - widen) + "," + n1(geo.y(upper[i])); });
        if (widen) d += "L" + n1(geo.x(steps[seg[0]]) + widen) + "," + n1(geo.y(upper[seg[0]]));
        if (widen) d += "L" + n1(geo.x(steps[seg[0]]) + widen) + "," + n1(geo.y(lower[seg[0]]));
        for (let j = seg.length - 1; j >= 0; j--) d += "L" + n1(geo.x(steps[seg[j]]) - widen) + "," + n1(geo.y(lower[seg[j]]));
        s += '<path d="' + d + 'Z" fill="' + colors[p] + '" stroke="' + colors[p] + '" stroke-width="0.5"/>';
      }
    });
    const median = v.series[3];
    for (const seg of segments(median, median, n)) {
      let d = "";
      seg.forEach(function (i, j) { d += (j ? "L" : "M") + n1(geo.x(steps[i])) + "," + n1(geo.y(median[i])); });
      if (seg.length === 1) d += "h0.1";
      s += '<path d="' + d + '" fill="none" stroke="#08519c" stroke-width="1.5" stroke-linecap="round"/>';
    }
    s += '<line x1="' + g.left + '" x2="' + (g.w - g.right) + '" y1="' + (bottom + 1) + '" y2="' + (bottom + 1) + '" stroke="#d0d7de"/>';
    s += '<text x="' + g.left + '" y="' + (g.h - 5) + '">' + esc(fmtStep(steps[0])) + "</text>";
    if (n > 1) s += '<text x="' + (g.w - g.right) + '" y="' + (g.h - 5) + '" text-anchor="end">' + esc(fmtStep(steps[n - 1])) + "</text>";
    s += '<text x="' + (g.left + geo.pw / 2) + '" y="' + (g.h - 5) + '" text-anchor="middle">step</text>';
    s += '<line class="cursor" x1="0" x2="0" y1="' + g.top + '" y2="' + bottom + '" stroke="#24292f" stroke-dasharray="2,2" visibility="hidden"/>';
    return s + "</svg>";
  }

  // Runs of consecutive points where both series have values.
  function segments(a, b, n) {
    const out = [];
    let cur = [];
    for (let i = 0; i < n; i++) {
      if (a[i] !== null && b[i] !== null) cur.push(i);
      else if (cur.length) { out.push(cur); cur = []; }
    }
    if (cur.length) out.push(cur);
    return out;
  }

  const tip = $("tip");
  const names = ["max", "90%", "75%", "median", "25%", "10%", "min"];
  function hover(svg, k) {
    let values = null;
    const cursor = svg.querySelector(".cursor");
    svg.addEventListener("mousemove", function (event) {
      if (!values) values = bandValues(k);
      const steps = values.steps, geo = bandGeometry(k, steps);
      const box = svg.getBoundingClientRect();
      const x = event.clientX - box.left;
      let best = 0;
      for (let i = 1; i < steps.length; i++) {
        if (Math.abs(geo.x(steps[i]) - x) < Math.abs(geo.x(steps[best]) - x)) best = i;
      }
      const cx = geo.x(steps[best]);
      cursor.setAttribute("x1", cx);
      cursor.setAttribute("x2", cx);
      cursor.setAttribute("visibility", "visible");
      let text = "step " + steps[best];
      for (let s = 6; s >= 0; s--) text += "\n" + names[6 - s].padEnd(7) + fmt(values.series[s][best]);
      tip.textContent = text;
      tip.hidden = false;
      tip.style.left = Math.min(window.innerWidth - 160, event.clientX + 14) + "px";
      tip.style.top = Math.max(4, event.clientY - 60) + "px";
    });
    svg.addEventListener("mouseleave", function () {
      tip.hidden = true;
      cursor.setAttribute("visibility", "hidden");
    });
  }

  function stats(k) {
    const s = k.s;
    const box = el("div");
    const grid = el("div", "stats");
    const cells = [
      ["mean", fmt(s[0])], ["std", fmt(s[1])], ["min", fmt(s[2])], ["median", fmt(s[4])], ["max", fmt(s[3])],
      ["zeros", s[5] === null ? "–" : fmt(100 * s[5]) + "%"], ["outliers", fmt(s[6])],
      ["values", fmt(s[9])], ["NaN", fmt(s[7])], ["Inf", fmt(s[8])], ["skewness", fmt(s[10])],
      ["kurtosis", fmt(s[11])], ["under/over", fmt(s[13]) + " / " + fmt(s[14])],
      ["step", fmtStep(data.steps[k.rs][data.steps[k.rs].length - 1])]
    ];
    for (const c of cells) {
      const d = el("div", (c[0] === "NaN" || c[0] === "Inf") && c[1] !== "0" ? "bad" : "");
      d.appendChild(el("b", "", c[0]));
      d.appendChild(document.createTextNode(c[1]));
      grid.appendChild(d);
    }
    box.appendChild(grid);
    let note = "latest step";
    if (s[12]) note += " · statistics estimated from the bins (pre-computed histogram)";
    if (k.t !== null) note += " · logged " + new Date(k.t * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
    box.appendChild(el("div", "note", note));
    return box;
  }

  // Filter.
  const filter = $("filter"), only = $("only-findings"), shown = $("shown");
  const lowered = keys.map(function (k) { return k.k.toLowerCase(); });
  let pending = 0;
  function applyFilter() {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    let count = 0;
    keys.forEach(function (k, i) {
      const ok = (!only.checked || k.f > 0) && words.every(function (w) { return lowered[i].includes(w); });
      cards[i].hidden = !ok;
      if (ok) count++;
    });
    for (let j = groups.length - 1; j >= 0; j--) groups[j].hidden = !groups[j].querySelector(".card:not([hidden])");
    shown.textContent = count === keys.length ? keys.length + " keys" : count + " of " + keys.length + " keys";
  }
  filter.addEventListener("input", function () { clearTimeout(pending); pending = setTimeout(applyFilter, 80); });
  only.addEventListener("change", applyFilter);
  shown.textContent = keys.length + " keys";

  function reveal(i) {
    if (cards[i].hidden) { filter.value = ""; only.checked = false; applyFilter(); }
    for (let p = cards[i].parentElement; p; p = p.parentElement) if (p.tagName === "DETAILS") p.open = true;
    draw(cards[i]);
    cards[i].scrollIntoView({ block: "start" });
    history.replaceState(null, "", "#key-" + i);
  }

  let ready = false;
  function markReady() {
    if (ready) return;
    ready = true;
    requestAnimationFrame(function () { body.dataset.readyMs = performance.now().toFixed(1); });
  }
  function drawAll() { for (const c of cards) draw(c); markReady(); }
  window.histlogReport = { drawAll: drawAll, reveal: reveal };
  if (location.hash === "#all" || !observer) drawAll();
  else if (keys.length === 0) markReady();
  else {
    const m = /^#key-(\d+)$/.exec(location.hash);
    if (m && Number(m[1]) < keys.length) reveal(Number(m[1]));
  }
})();
