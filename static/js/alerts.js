// The live-alert socket (/ws/alerts/): connects, resumes after the last hit it saw, reconnects with back-off.
// Protocol and guarantees: docs/ALERTS.md. Used by the dashboards and the footage pages; no page code here.
(function () {
  "use strict";

  var REFUSED = { 4401: true, 4403: true }; // not signed in, or a role without live alerts: do not retry

  function AlertSocket(options) {
    this.path = options.path || "/ws/alerts/";
    this.onFrame = options.onFrame || function () {};
    this.onState = options.onState || function () {};
    this.lastSeq = options.lastSeq || null;
    this.lastId = options.lastId || null;
    this.delay = 1000;
    this.maxDelay = 30000;
    this.socket = null;
    this.stopped = false;
  }

  AlertSocket.prototype.connect = function () {
    var self = this;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    self.onState("connecting");
    var socket = new WebSocket(scheme + window.location.host + self.path);
    self.socket = socket;
    socket.addEventListener("open", function () {
      self.delay = 1000;
      // Always resume: on the first connection from the newest hit the page was drawn with, later from the
      // newest hit received, so nothing committed in between is missed.
      if (self.lastId) socket.send(JSON.stringify({ type: "resume", after: self.lastId }));
      self.onState("live");
    });
    socket.addEventListener("message", function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (error) { return; }
      if (frame && frame.type === "sighting" && typeof frame.seq === "number") {
        if (self.lastSeq === null || frame.seq > self.lastSeq) {
          self.lastSeq = frame.seq;
          self.lastId = frame.id;
        }
      }
      self.onFrame(frame);
    });
    socket.addEventListener("close", function (event) {
      self.socket = null;
      if (self.stopped) return;
      if (REFUSED[event.code]) { self.onState("refused"); return; }
      self.onState("reconnecting");
      // Back-off with jitter, so a restarted server is not hit by every dashboard at the same instant.
      var wait = self.delay * (0.75 + Math.random() * 0.5);
      self.delay = Math.min(self.delay * 2, self.maxDelay);
      window.setTimeout(function () { self.connect(); }, wait);
    });
  };

  AlertSocket.prototype.stop = function () {
    this.stopped = true;
    if (this.socket) this.socket.close();
  };

  window.WasswebAlertSocket = AlertSocket;
})();
