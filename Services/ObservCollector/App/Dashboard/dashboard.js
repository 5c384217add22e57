// The tenant dashboard: signs a tenant admin in at the auth service, then draws the tenant's traffic
// from the collector's routes. The access token lives in this closure only (never in storage), and
// every text that came from an event is put in the page as text (textContent), never as markup.
"use strict";

(() => {
  const authURL = document.body.dataset.authUrl;
  const steps = { "15m": "1m", "1h": "1m", "24h": "1h" };
  let token = null;
  let timer = null;

  const $ = (id) => document.getElementById(id);

  async function call(path, options = {}) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch(path, { ...options, headers: { ...headers, ...(options.headers || {}) } });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const message = body && body.error ? body.error.message : "HTTP " + response.status;
      throw Object.assign(new Error(message), { status: response.status });
    }
    return body;
  }

  // MARK: Signing in and out

  $("signin").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    $("signin-error").textContent = "";
    try {
      const tokens = await call(authURL + "/v1/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ tenant: form.get("tenant"), email: form.get("email"), password: form.get("password") }),
      });
      token = tokens.access_token;
      event.target.reset();
      const me = await call(authURL + "/v1/auth/me");
      $("who").textContent = me.email + " (" + me.role + ")";
      $("signin").hidden = true;
      $("session").hidden = false;
      $("board").hidden = false;
      await refresh();
      timer = setInterval(refresh, 30000);
    } catch (error) {
      token = null;
      $("signin-error").textContent = error.message;
    }
  });

  $("signout").addEventListener("click", () => {
    token = null;
    clearInterval(timer);
    $("board").hidden = true;
    $("session").hidden = true;
    $("signin").hidden = false;
  });
  $("refresh").addEventListener("click", () => refresh());
  $("window").addEventListener("change", () => refresh());

  // MARK: Loading

  async function refresh() {
    const span = $("window").value;
    try {
      const [series, stats, errors, requests, audit, alerts] = await Promise.all([
        call(`/v1/stats/series?window=${span}&step=${steps[span]}`),
        call(`/v1/stats?window=${span}`),
        call("/v1/logs/errors?limit=20"),
        call("/v1/logs/requests?limit=20"),
        call("/v1/logs/audit?limit=20"),
        call("/v1/alerts"),
      ]);
      drawCharts(series.items);
      fillRoutes(stats.items);
      fillEvents("errors", errors.items, (e) => [time(e.ts), e.service, e.message, e.request_id]);
      fillEvents("requests", requests.items, (e) => [time(e.ts), e.service, e.method, e.path, e.status, fixed(e.duration_ms), e.user_agent]);
      fillAudit(audit.items);
      showAlerts(alerts);
      document.body.dataset.loaded = String(Date.now());
    } catch (error) {
      if (error.status === 401) $("signout").click();
      showProblem(error.status === 403 ? "Only an admin of the tenant can read its dashboard." : error.message);
    }
  }

  // MARK: Tables

  function row(cells) {
    const tr = document.createElement("tr");
    for (const value of cells) {
      const td = document.createElement("td");
      td.textContent = value === undefined || value === null ? "" : String(value);
      tr.appendChild(td);
    }
    return tr;
  }

  function fill(id, rows) {
    $(id).querySelector("tbody").replaceChildren(...rows);
  }

  function fillRoutes(items) {
    const busiest = [...items].sort((a, b) => b.count - a.count).slice(0, 8);
    const slowest = [...items].sort((a, b) => b.p99_ms - a.p99_ms).slice(0, 8);
    fill("busiest", busiest.map((r) => row([r.service, r.route, r.count, r.error_count])));
    fill("slowest", slowest.map((r) => row([r.service, r.route, fixed(r.p50_ms), fixed(r.p99_ms)])));
  }

  function fillEvents(id, items, cells) {
    fill(id, items.map((event) => {
      const tr = row(cells(event));
      tr.classList.add("clickable");
      tr.addEventListener("click", () => {
        document.querySelectorAll("tr.selected").forEach((other) => other.classList.remove("selected"));
        tr.classList.add("selected");
        showTrace(event);
      });
      return tr;
    }));
  }

  function fillAudit(items) {
    fill("audit", items.map((e) => {
      const tr = row([time(e.ts), e.action, e.outcome, short(e.actor_id), short(e.subject_id), e.reason, e.client_ip]);
      if (e.outcome === "failure") tr.classList.add("failure");
      return tr;
    }));
  }

  async function showTrace(event) {
    $("trace").hidden = false;
    $("trace-id").textContent = event.trace_id || "(the event has no trace id)";
    if (!event.trace_id) return fill("trace-events", [row([time(event.ts), event.service, event.type, describe(event), ""])]);
    try {
      const trace = await call("/v1/traces/" + encodeURIComponent(event.trace_id));
      fill("trace-events", trace.items.map((e) => row([time(e.ts), e.service, e.type, describe(e), e.span_id])));
    } catch (error) {
      fill("trace-events", [row(["", "", "", error.message, ""])]);
    }
  }

  function describe(e) {
    if (e.type === "request") return `${e.method} ${e.path} → ${e.status} in ${fixed(e.duration_ms)} ms`;
    if (e.type === "audit") return `${e.action}: ${e.outcome}${e.reason ? " (" + e.reason + ")" : ""}`;
    return `${e.error_type || "error"}: ${e.message}`;
  }

  function showAlerts(alerts) {
    const section = $("alerts");
    const list = document.createElement("ul");
    for (const alert of alerts.firing) {
      const item = document.createElement("li");
      item.textContent = `${alert.alert}: ${alert.summary}`;
      list.appendChild(item);
    }
    const title = document.createElement("h2");
    title.textContent = alerts.firing.length ? `Alerts firing (${alerts.firing.length})` : "No alert condition holds (last 5 minutes)";
    section.classList.toggle("firing", alerts.firing.length > 0);
    section.replaceChildren(title, list);
  }

  function showProblem(message) {
    const title = document.createElement("h2");
    title.textContent = message;
    $("alerts").replaceChildren(title);
  }

  // MARK: Charts (hand-written SVG)

  const svgNS = "http://www.w3.org/2000/svg";
  const size = { width: 600, height: 160, left: 44, bottom: 18, top: 8 };

  function drawCharts(steps) {
    chart("chart-requests", steps, [["requests", (s) => s.count]]);
    chart("chart-errors", steps, [["errors", (s) => (s.count ? (100 * s.error_count) / s.count : 0)]], "%");
    chart("chart-latency", steps, [["p50", (s) => s.p50_ms], ["p95", (s) => s.p95_ms], ["p99", (s) => s.p99_ms]]);
  }

  function chart(id, steps, lines, unit = "") {
    const svg = $(id);
    const values = lines.flatMap(([, value]) => steps.map(value)).filter((v) => typeof v === "number");
    const max = Math.max(1, ...values);
    const x = (i) => size.left + (i * (size.width - size.left - 4)) / Math.max(1, steps.length - 1);
    const y = (v) => size.height - size.bottom - (v / max) * (size.height - size.bottom - size.top);
    const parts = [
      element("line", { class: "axis", x1: size.left, y1: y(0), x2: size.width, y2: y(0) }),
      element("line", { class: "axis", x1: size.left, y1: y(max), x2: size.width, y2: y(max) }),
      text(fixed(max) + unit, 2, y(max) + 4),
      text("0", 2, y(0) + 4),
    ];
    if (steps.length) {
      parts.push(text(clock(steps[0].start), size.left, size.height - 4));
      const last = text(clock(steps[steps.length - 1].start), size.width - 2, size.height - 4);
      last.setAttribute("text-anchor", "end");
      parts.push(last);
    }
    for (const [name, value] of lines) {
      const points = steps.map((s, i) => [i, value(s)]).filter(([, v]) => typeof v === "number");
      parts.push(element("polyline", { class: name, points: points.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ") }));
      // A dot for each step with a value: a step alone (the first minute of traffic) shows too.
      for (const [i, v] of points) parts.push(element("circle", { class: name, cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 2 }));
    }
    svg.replaceChildren(...parts);
  }

  function element(name, attributes) {
    const node = document.createElementNS(svgNS, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    return node;
  }

  function text(content, x, y) {
    const node = element("text", { class: "label", x, y });
    node.textContent = content;
    return node;
  }

  // MARK: Formats

  function time(ts) { return ts ? new Date(ts).toLocaleString() : ""; }
  function clock(ts) { return new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }
  function fixed(n) { return typeof n === "number" ? (n >= 100 ? n.toFixed(0) : n.toFixed(1)) : ""; }
  function short(id) { return id ? id.slice(0, 8) : ""; }
})();
