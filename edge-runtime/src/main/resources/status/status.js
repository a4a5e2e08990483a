// The gateway's status page: polls /v1/status every second and draws jobs/s and p50/p99 latency.
// With an admin token, open the page as /#token=<token>: the token stays in the browser.
(function () {
  "use strict";
  const WINDOW = 120;
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  const headers = token ? { Authorization: "Bearer " + token } : {};
  const times = [], rates = [], p50s = [], p99s = [];
  let last = null;

  function text(id, value) {
    document.getElementById(id).textContent = value;
  }

  function rows(tableId, items, cells) {
    const body = document.querySelector("#" + tableId + " tbody");
    body.replaceChildren(...items.map(item => {
      const tr = document.createElement("tr");
      for (const [value, numeric] of cells(item)) {
        const td = document.createElement("td");
        td.textContent = value;
        if (numeric) td.className = "num";
        tr.appendChild(td);
      }
      return tr;
    }));
  }

  function plot(id, title, series) {
    return new uPlot({
      title: title, width: 520, height: 220,
      scales: { x: { time: true } },
      series: [{}].concat(series.map(([label, stroke]) => ({ label: label, stroke: stroke, width: 2 })))
    }, [times].concat(series.map(() => [])), document.getElementById(id));
  }

  const ratePlot = plot("plot-rate", "jobs per second", [["jobs/s", "#2f6fdf"]]);
  const latencyPlot = plot("plot-latency", "latency, ms", [["p50", "#2a9d55"], ["p99", "#d9822b"]]);

  function show(s) {
    const now = Date.parse(s.time) / 1000;
    const done = s.jobs.completed + s.jobs.failed;
    const rate = last && now > last.t ? Math.max(0, (done - last.done) / (now - last.t)) : 0;
    last = { t: now, done: done };
    times.push(now); rates.push(rate); p50s.push(s.latencyMs.p50); p99s.push(s.latencyMs.p99);
    if (times.length > WINDOW) { times.shift(); rates.shift(); p50s.shift(); p99s.shift(); }
    ratePlot.setData([times, rates]);
    latencyPlot.setData([times, p50s, p99s]);
    text("gateway", s.gatewayId);
    text("state", s.state);
    document.getElementById("state").className = "state" + (s.state === "RUNNING" ? "" : " down");
    text("backend", "backend " + s.backend);
    text("key", s.publicKey);
    text("rate", rate.toFixed(1));
    text("p50", s.latencyMs.p50.toFixed(2));
    text("p99", s.latencyMs.p99.toFixed(2));
    text("completed", s.jobs.completed);
    text("refused", s.jobs.refused);
    text("queued", s.jobs.queued);
    text("connections", s.connections.mqtt);
    text("lag", s.checkpoint.anchorLagSeconds.toFixed(1));
    text("batch", s.checkpoint.batch);
    text("treeSize", s.checkpoint.treeSize);
    text("root", s.checkpoint.root || "-");
    rows("kernels", s.kernels, k => [[k.kernel], [k.completed, 1], [k.failed, 1], [k.refused, 1],
      [k.p50Ms.toFixed(2), 1], [k.p99Ms.toFixed(2), 1]]);
    rows("sinks", Object.entries(s.checkpoint.sinks), ([name, b]) => [[name], [b.batches, 1], [b.oldestSeconds.toFixed(1), 1]]);
    rows("refusals", s.refusals, r => [[r.at], [r.device], [r.id], [r.code], [r.message]]);
  }

  async function poll() {
    const error = document.getElementById("error");
    try {
      const r = await fetch("/v1/status", { headers: headers, cache: "no-store" });
      if (!r.ok) throw new Error("the gateway answered " + r.status + (r.status === 401 ? ": open the page as /#token=<admin token>" : ""));
      show(await r.json());
      error.hidden = true;
    } catch (e) {
      error.textContent = "no status: " + e.message;
      error.hidden = false;
    }
    setTimeout(poll, 1000);
  }
  poll();
})();
