// Live views: the player of an approved session and the live refresh of the live-view pages and queue.
// The player asks wassweb for a signed address of the camera's stream (GET .../stream/), plays it from the centre's
// video server with hls.js (or natively where the browser plays HLS itself), fetches a fresh address before the
// current one expires and signs every playlist and segment request with it (docs/LIVE_VIEW.md). A decision or an
// end on either side arrives as a live_view frame on the alert socket and re-reads the page's live region.
// The player is shared: the unit terminal (static/js/unit-terminal.js) runs it as window.WasswebLivePlayer with its
// unit key as the bearer of the address fetches.
(function () {
  "use strict";

  var SIGNED = ["exp", "view", "sig"];
  var player = null;
  var refreshing = null;

  function region() {
    return document.querySelector("[data-live-view-live]");
  }

  // el holds a <video>, [data-live-state] for messages and [data-live-left] for the time left. Options (each defaults
  // to the element's data- attributes, as on the officer's page): api (the stream address endpoint), secondsLeft,
  // texts {ended, unsupported, failed}, headers for the address fetch (a bearer key), credentials ("same-origin"),
  // and onGone(), called when the session is over (the endpoint refused, or the time ran out).
  function Player(el, options) {
    options = options || {};
    this.el = el;
    this.video = el.querySelector("video");
    this.state = el.querySelector("[data-live-state]");
    this.leftEl = el.querySelector("[data-live-left]");
    this.api = options.api || el.getAttribute("data-stream-api");
    this.left = typeof options.secondsLeft === "number"
      ? Math.floor(options.secondsLeft)
      : parseInt(el.getAttribute("data-seconds-left") || "0", 10);
    this.texts = options.texts || {
      ended: el.getAttribute("data-text-ended"),
      unsupported: el.getAttribute("data-text-unsupported"),
      failed: el.getAttribute("data-text-failed"),
    };
    this.headers = options.headers || {};
    this.credentials = options.credentials || "same-origin";
    this.onGone = options.onGone || function () {};
    this.params = null;
    this.hls = null;
    this.timers = [];
    this.stopped = false;
    this.onPlaying = null;
  }

  Player.prototype.say = function (text, state) {
    if (this.state) this.state.textContent = text;
    if (state) this.el.setAttribute("data-state", state);
  };

  Player.prototype.address = function () {
    var self = this;
    var headers = { Accept: "application/json" };
    Object.keys(this.headers).forEach(function (name) { headers[name] = self.headers[name]; });
    return fetch(this.api, { credentials: this.credentials, headers: headers, cache: "no-store" }).then(function (response) {
      if (self.stopped) return null;
      if (response.status >= 400 && response.status < 500) {
        // Ended, expired, or no longer ours: stop, and let the page say why.
        self.stop(self.texts.ended);
        self.onGone();
        return null;
      }
      if (!response.ok) throw new Error("stream address " + response.status);
      return response.json();
    }).then(function (address) {
      if (!address) return null;
      self.params = new URL(address.url).searchParams;
      return address;
    });
  };

  Player.prototype.sign = function (url) {
    if (!this.params) return url;
    var signed = new URL(url, window.location.href);
    var params = this.params;
    SIGNED.forEach(function (name) { signed.searchParams.set(name, params.get(name)); });
    return signed.toString();
  };

  Player.prototype.start = function () {
    var self = this;
    this.el.setAttribute("data-state", "connecting");
    this.tick();
    this.timers.push(window.setInterval(function () { self.tick(); }, 1000));
    this.onPlaying = function () { if (!self.stopped) self.say("", "playing"); };
    this.video.addEventListener("playing", this.onPlaying);
    this.address().then(function (address) {
      if (!address || self.stopped) return;
      self.timers.push(window.setInterval(function () {
        self.address().catch(function () { /* the current address still runs; tried again next time */ });
      }, Math.max(5, address.refresh_after_seconds) * 1000));
      var Hls = window.Hls;
      if (Hls && Hls.isSupported()) {
        // No worker (the CSP allows scripts from this origin only) and every request signed with the newest address.
        self.hls = new Hls({
          enableWorker: false,
          xhrSetup: function (xhr, url) { xhr.open("GET", self.sign(url), true); },
        });
        self.hls.on(Hls.Events.ERROR, function (event, data) {
          if (!data.fatal) return;
          if (data.type === Hls.ErrorTypes.MEDIA_ERROR) { self.hls.recoverMediaError(); return; }
          self.say(self.texts.failed, "retrying");
          window.setTimeout(function () {
            if (!self.stopped) self.address().then(function (again) { if (again && self.hls) self.hls.startLoad(); });
          }, 3000);
        });
        self.hls.loadSource(address.url);
        self.hls.attachMedia(self.video);
      } else if (self.video.canPlayType("application/vnd.apple.mpegurl")) {
        self.video.src = address.url;
      } else {
        self.say(self.texts.unsupported, "unsupported");
        return;
      }
      var played = self.video.play();
      if (played && played.catch) played.catch(function () { /* muted autoplay; a click on the video plays it */ });
    }).catch(function () {
      if (!self.stopped) self.say(self.texts.failed, "retrying");
    });
  };

  Player.prototype.tick = function () {
    if (this.left <= 0) {
      this.stop(this.texts.ended);
      this.onGone();
      return;
    }
    var minutes = Math.floor(this.left / 60), seconds = this.left % 60;
    if (this.leftEl) this.leftEl.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    this.left -= 1;
  };

  Player.prototype.stop = function (text) {
    if (this.stopped) return;
    this.stopped = true;
    this.timers.forEach(function (timer) { window.clearInterval(timer); });
    if (this.onPlaying) this.video.removeEventListener("playing", this.onPlaying);
    if (this.hls) { this.hls.destroy(); this.hls = null; }
    this.video.pause();
    this.video.removeAttribute("src");
    this.video.load();
    this.say(text || "", "ended");
  };

  function startPlayer() {
    var el = document.getElementById("live-player");
    if (!el || (player && player.el === el && !player.stopped)) return;
    player = new Player(el, { onGone: function () { refresh(null); } });
    player.start();
  }

  function refresh(changedId) {
    var current = region();
    if (!current) return null;
    if (refreshing) return refreshing;
    var source = current.getAttribute("data-live-view-url") || window.location.href;
    refreshing = fetch(source, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live-view-live]");
        var now = region();
        if (!fresh || !now) return;
        if (player && !player.stopped) player.stop();
        now.innerHTML = fresh.innerHTML;
        now.setAttribute("data-live-view-status", fresh.getAttribute("data-live-view-status") || "");
        var row = changedId && now.querySelector('[data-live-view-id="' + changedId + '"]');
        (row || now).classList.add("footage-changed");
        document.body.setAttribute("data-live-view-updated", changedId || "");
        startPlayer();
      })
      .catch(function () { /* the next event or a reload brings the page up to date */ })
      .then(function () { refreshing = null; });
    return refreshing;
  }

  function changed(frame) {
    var current = region();
    if (!current || !frame || frame.type !== "live_view") return;
    var onlyId = current.getAttribute("data-live-view-id");
    if (onlyId) {
      if (frame.id !== onlyId || frame.status === current.getAttribute("data-live-view-status")) return;
      if (player && frame.status !== "approved") player.stop();
    }
    refresh(frame.id);
  }

  window.WasswebLiveView = { refresh: refresh, changed: changed };
  window.WasswebLivePlayer = Player;

  var live = region();
  if (!live) return;
  startPlayer();
  var every = parseInt(live.getAttribute("data-live-view-refresh-seconds") || "0", 10);
  if (every > 0) window.setInterval(function () { refresh(null); }, every * 1000);

  if (document.getElementById("dashboard") || !("WebSocket" in window) || !window.WasswebAlertSocket) return;
  var everConnected = false;
  var socket = new window.WasswebAlertSocket({
    path: "/ws/alerts/",
    onState: function (state) {
      document.body.setAttribute("data-live-view-socket", state === "live" ? "open" : "closed");
      if (state === "live") {
        if (everConnected) refresh(null);
        everConnected = true;
      }
    },
    onFrame: changed,
  });
  socket.connect();
})();
