// bankdesk supervisor live view: redraws the queue and agent tables from the snapshots
// the server pushes over a WebSocket, and reconnects when the connection drops.
"use strict";

(function () {
  var root = document.getElementById("live");
  if (!root) {
    return;
  }
  var statusLine = document.getElementById("live-status");
  var labels = {};
  document.querySelectorAll("#live-states li").forEach(function (li) {
    labels[li.getAttribute("data-code")] = li.textContent;
  });
  var none = root.getAttribute("data-none");

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) {
      td.className = cls;
    }
    row.appendChild(td);
    return td;
  }

  function named(row, main, small) {
    var td = cell(row, main + " ");
    var s = document.createElement("small");
    s.className = "muted mono";
    s.textContent = small;
    td.appendChild(s);
  }

  function draw(view) {
    var queues = document.getElementById("live-queues");
    var qs = document.createDocumentFragment();
    view.queues.forEach(function (q) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-queue", q.name);
      named(tr, q.label, q.name);
      cell(tr, String(q.waiting), "num");
      cell(tr, String(q.longest_wait_s), "num");
      qs.appendChild(tr);
    });
    queues.replaceChildren(qs);
    var agents = document.getElementById("live-agents");
    var as = document.createDocumentFragment();
    view.agents.forEach(function (a) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-agent", a.username);
      tr.setAttribute("data-state", a.state);
      named(tr, a.display_name, a.username);
      cell(tr, labels[a.state] || a.state);
      cell(tr, a.skills.join(", "), "mono");
      var held = a.contacts.map(function (c) {
        return c.contact_id + " (" + c.channel + ")";
      });
      cell(tr, held.length ? held.join(", ") : none, "mono");
      as.appendChild(tr);
    });
    agents.replaceChildren(as);
  }

  var delay = 1000;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + root.getAttribute("data-socket"));
    ws.onopen = function () {
      delay = 1000;
      statusLine.textContent = root.getAttribute("data-status-live");
    };
    ws.onmessage = function (ev) {
      try {
        draw(JSON.parse(ev.data));
      } catch (e) {
        statusLine.textContent = String(e);
      }
    };
    ws.onclose = function () {
      statusLine.textContent = root.getAttribute("data-status-offline");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
