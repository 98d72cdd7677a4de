// Footage requests, live: when a request on this page changes (a decision, an escalation, access ending),
// the page's live region is re-read from the server and swapped in place, without reloading the page.
// The connection, its reconnects and back-off are the alert socket's (static/js/alerts.js, loaded first).
(function () {
  "use strict";

  var region = document.querySelector("[data-footage-live]");
  if (!region || !("WebSocket" in window) || !window.WasswebAlertSocket) return;
  var onlyId = region.getAttribute("data-footage-id");
  var refreshing = null;
  var everConnected = false;

  function refresh(changedId) {
    if (refreshing) return refreshing;
    refreshing = fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-footage-live]");
        var current = document.querySelector("[data-footage-live]");
        if (!fresh || !current) return;
        current.innerHTML = fresh.innerHTML;
        var row = changedId && current.querySelector('[data-footage-id="' + changedId + '"]');
        (row || current).classList.add("footage-changed");
        document.body.setAttribute("data-footage-updated", changedId || "");
      })
      .catch(function () { /* the next event or a reload brings the page up to date */ })
      .then(function () { refreshing = null; });
    return refreshing;
  }

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
    onFrame: function (frame) {
      if (!frame || frame.type !== "footage") return;
      if (onlyId && frame.id !== onlyId) return;
      refresh(frame.id);
    },
  });
  socket.connect();
})();
