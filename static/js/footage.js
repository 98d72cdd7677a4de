// Footage requests, live: when a request on this page changes (a decision, an escalation, access ending),
// the page's live region is re-read from the server and swapped in place, without reloading the page.
(function () {
  "use strict";

  var region = document.querySelector("[data-footage-live]");
  if (!region || !("WebSocket" in window)) return;
  var onlyId = region.getAttribute("data-footage-id");
  var retryDelay = 1000;
  var refreshing = null;

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

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/alerts/");
    socket.addEventListener("open", function () {
      retryDelay = 1000;
      document.body.setAttribute("data-footage-socket", "open");
    });
    socket.addEventListener("message", function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      if (!message || message.type !== "footage") return;
      if (onlyId && message.id !== onlyId) return;
      refresh(message.id);
    });
    socket.addEventListener("close", function (event) {
      document.body.setAttribute("data-footage-socket", "closed");
      if (event.code === 4401 || event.code === 4403) return; // not signed in, or a role without live updates
      window.setTimeout(function () { refresh(null); connect(); }, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  }

  connect();
})();
