// Footage requests, live: when a request on this page changes (a decision, an escalation, access ending),
// the page's live region is re-read from the server and swapped in place, without reloading the page.
// The region is read from its own address (data-footage-url: the request's page, never a form's action),
// so a page reached through a form still updates. On the dashboards the dashboard's socket hands the frames
// over (WasswebFootageLive.changed); elsewhere this script opens the alert socket itself (static/js/alerts.js).
(function () {
  "use strict";

  var refreshing = null;

  function region() {
    return document.querySelector("[data-footage-live]");
  }

  function refresh(changedId) {
    var current = region();
    if (!current) return null;
    if (refreshing) return refreshing;
    var source = current.getAttribute("data-footage-url") || window.location.href;
    refreshing = fetch(source, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-footage-live]");
        var now = region();
        if (!fresh || !now) return;
        now.innerHTML = fresh.innerHTML;
        var row = changedId && now.querySelector('[data-footage-id="' + changedId + '"]');
        (row || now).classList.add("footage-changed");
        document.body.setAttribute("data-footage-updated", changedId || "");
      })
      .catch(function () { /* the next event or a reload brings the page up to date */ })
      .then(function () { refreshing = null; });
    return refreshing;
  }

  function changed(frame) {
    var current = region();
    if (!current || !frame || frame.type !== "footage") return;
    var onlyId = current.getAttribute("data-footage-id");
    if (onlyId && frame.id !== onlyId) return;
    refresh(frame.id);
  }

  window.WasswebFootageLive = { refresh: refresh, changed: changed };

  var live = region();
  if (!live) return;
  // Ages and the time left before escalation move on with the clock.
  var every = parseInt(live.getAttribute("data-footage-refresh-seconds") || "0", 10);
  if (every > 0) window.setInterval(function () { refresh(null); }, every * 1000);

  if (document.getElementById("dashboard") || !("WebSocket" in window) || !window.WasswebAlertSocket) return;
  var everConnected = false;
  var socket = new window.WasswebAlertSocket({
    path: "/ws/alerts/",
    onState: function (state) {
      document.body.setAttribute("data-footage-socket", state === "live" ? "open" : "closed");
      // Changes made while the connection was down came with no event: read the page once on return.
      if (state === "live") {
        if (everConnected) refresh(null);
        everConnected = true;
      }
    },
    onFrame: changed,
  });
  socket.connect();
})();
