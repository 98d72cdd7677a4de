// The patrol unit's terminal (templates/sightings/units/terminal.html): signs in with the unit key, listens on
// /ws/units/ for its assignment, reports status with big buttons and shares the device's position. When a live view
// names the unit, the socket brings its approval and the page plays the camera with the live-view player
// (static/js/live-view.js), fetching the signed address with the unit key, until the end frame. The key is
// kept in this device's storage until "Sign out"; it goes to the server in an Authorization header over HTTP and
// as the subprotocol "bearer.<key>" on the socket (browsers cannot set socket headers). Texts come from the
// json_script element "terminal-data"; everything shown is set with textContent, never parsed as HTML.
(function () {
  "use strict";

  var root = document.getElementById("terminal");
  var source = document.getElementById("terminal-data");
  var f = window.WasswebDashboard && window.WasswebDashboard.format;
  if (!root || !source || !f) return;

  var data = JSON.parse(source.textContent);
  var T = data.strings;
  var lang = root.getAttribute("data-lang") || "ko";
  var STORAGE = "wassweb.unitKey";
  var SUBPROTOCOL = "wassweb.units";
  var REFUSED = { 4401: true, 4403: true };
  var CONFIRM_MS = 3000;
  var $ = function (id) { return document.getElementById(id); };

  var key = null;
  var unit = null; // the unit summary from the server
  var assignment = null;
  var socket = null;
  var delay = 1000;
  var stopped = true;
  var photos = {}; // "sighting/kind" -> object URL
  var map = null, basemap = null, layers = null, selfMarker = null;
  var named = {}; // cameras already named on the basemap
  var position = { watch: null, lastSent: 0, notBefore: 0, last: null };
  var live = { id: null, player: null, hide: null }; // the live view playing now

  function storedKey() {
    try { return window.localStorage.getItem(STORAGE); } catch (error) { return null; }
  }

  function storeKey(value) {
    try {
      if (value) window.localStorage.setItem(STORAGE, value);
      else window.localStorage.removeItem(STORAGE);
    } catch (error) { /* private mode: the key lives for this page only */ }
  }

  function setState(state) {
    root.setAttribute("data-state", state);
    $("sign-in").hidden = state !== "signed-out";
    $("waiting").hidden = state !== "waiting";
    $("assignment").hidden = state !== "assigned";
    $("report-buttons").hidden = state !== "assigned";
    $("terminal-foot").hidden = state === "signed-out";
  }

  function showSocket(state) {
    var element = $("live-status");
    element.setAttribute("data-state", state);
    element.textContent = T[state] || state;
    root.setAttribute("data-socket", state);
  }

  function request(path, options) {
    options = options || {};
    var headers = { Authorization: "Bearer " + key, Accept: "application/json" };
    if (options.body) headers["Content-Type"] = "application/json";
    return fetch(data.api + encodeURIComponent(unit.call_sign) + path, {
      method: options.method || "GET",
      headers: headers,
      body: options.body ? JSON.stringify(options.body) : undefined,
      credentials: "omit",
      cache: "no-store",
    });
  }

  // -- the socket ------------------------------------------------------------------------------------------

  function connect() {
    stopped = false;
    showSocket("connecting");
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + window.location.host + data.ws_path, [SUBPROTOCOL, "bearer." + key]);
    socket = ws;
    ws.addEventListener("open", function () { delay = 1000; showSocket("live"); });
    ws.addEventListener("message", function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (error) { return; }
      if (frame.type === "unit" || frame.type === "assignment") render(frame, frame.type === "assignment");
      else if (frame.type === "live_view") liveView(frame);
    });
    ws.addEventListener("close", function (event) {
      if (socket === ws) socket = null;
      if (stopped) return;
      if (REFUSED[event.code]) { refused(); return; }
      showSocket("reconnecting");
      var wait = delay * (0.75 + Math.random() * 0.5);
      delay = Math.min(delay * 2, 30000);
      window.setTimeout(function () { if (!stopped) connect(); }, wait);
    });
  }

  function refused() {
    signOut();
    var error = $("sign-in-error");
    error.textContent = T.refused;
    error.hidden = false;
  }

  // -- drawing ---------------------------------------------------------------------------------------------

  function render(frame, isNew) {
    unit = frame.unit;
    assignment = frame.assignment;
    $("call-sign").textContent = unit.call_sign;
    var status = $("unit-status");
    status.textContent = T["status_" + unit.status] || unit.status;
    status.setAttribute("data-status", unit.status);
    startPosition();
    if (!assignment) {
      $("waiting-text").textContent = T.no_assignment;
      Array.prototype.forEach.call(document.querySelectorAll("[data-status]"), function (b) {
        if (b.tagName === "BUTTON") b.setAttribute("aria-pressed", b.getAttribute("data-status") === unit.status ? "true" : "false");
      });
      setState("waiting");
      return;
    }
    setState("assigned");
    drawAssignment(assignment, isNew);
  }

  function drawAssignment(a, isNew) {
    var urgent = $("assignment-urgent");
    urgent.hidden = a.priority !== "urgent";
    urgent.textContent = T.urgent;
    $("assignment-crime").textContent = a.crime_label;
    var report = $("assignment-report");
    report.textContent = T["report_" + (a.status || "assigned")] || a.status;
    report.setAttribute("data-report", a.status || "assigned");
    $("assignment-plate").textContent = a.wanted;
    var readAs = $("assignment-read-as");
    readAs.hidden = a.plate === a.wanted;
    readAs.textContent = T.read_as + " " + a.plate;
    var vehicle = a.vehicle || {};
    $("assignment-vehicle").textContent = [vehicle.colour, vehicle.make, vehicle.model].filter(Boolean).join(" ");
    var misread = $("assignment-misread");
    misread.hidden = !(a.match_kind === "misread" && a.verification !== "confirmed");
    misread.textContent = "⚠ " + T.misread;
    $("assignment-camera-label").textContent = T.camera;
    $("assignment-camera").textContent = a.camera_name + " · " + a.municipality_name;
    $("assignment-seen-label").textContent = T.seen;
    drawSeen(a);
    $("assignment-sent-by").textContent = a.dispatched_by ? T.dispatched_by + " " + a.dispatched_by + " · " + f.when(a.assigned_at, lang) : "";
    drawPhotos(a);
    drawNextCameras(a);
    drawMap(a);
    root.setAttribute("data-assignment", a.sighting);
    if (isNew) {
      var section = $("assignment");
      section.classList.remove("flash");
      void section.offsetWidth; // restart the animation
      section.classList.add("flash");
      if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
    }
  }

  // "(3 min ago)" moves on with the clock while the same assignment stays on the screen.
  function drawSeen(a) {
    $("assignment-seen").textContent = f.when(a.seen_at, lang) + " (" + ago(a.seen_at) + ")";
  }
  window.setInterval(function () {
    if (assignment && assignment.seen_at) drawSeen(assignment);
  }, 30000);

  function ago(iso) {
    var minutes = Math.floor((Date.now() - new Date(iso).getTime()) / 60000);
    return minutes < 1 ? T.just_now : f.fill(T.ago, { minutes: minutes });
  }

  function drawPhotos(a) {
    var box = $("assignment-photos");
    box.replaceChildren();
    [["plate", a.has_plate_image, T.plate_photo], ["vehicle", a.has_vehicle_image, T.vehicle_photo]].forEach(function (p) {
      var figure = f.el("figure", "photo");
      var caption = f.el("figcaption", "muted", p[2]);
      if (!p[1]) {
        figure.appendChild(f.el("div", "no-photo muted", T.no_photo));
        figure.appendChild(caption);
        box.appendChild(figure);
        return;
      }
      var img = f.el("img");
      img.alt = p[2] + " " + a.plate;
      figure.appendChild(img);
      figure.appendChild(caption);
      box.appendChild(figure);
      var cacheKey = a.sighting + "/" + p[0];
      if (photos[cacheKey]) { img.src = photos[cacheKey]; return; }
      request("/assignment/photos/" + p[0] + "/")
        .then(function (response) { return response.ok ? response.blob() : null; })
        .then(function (blob) {
          if (!blob) return;
          photos[cacheKey] = URL.createObjectURL(blob);
          img.src = photos[cacheKey];
        })
        .catch(function () {});
    });
  }

  function drawNextCameras(a) {
    var list = $("next-cameras");
    list.replaceChildren();
    if (!a.next_cameras.length) return;
    list.appendChild(f.el("li", "next-title", T.next_cameras));
    a.next_cameras.forEach(function (camera) {
      var item = f.el("li", camera.ahead ? "ahead" : null);
      item.appendChild(f.el("span", "next-name", camera.name));
      var distance = camera.distance_m >= 1000 ? (camera.distance_m / 1000).toFixed(1) + " km" : camera.distance_m + " m";
      item.appendChild(f.el("span", "next-distance", distance + (camera.ahead ? " · " + T.ahead : "")));
      list.appendChild(item);
    });
  }

  function drawMap(a) {
    var L = window.L;
    var element = $("terminal-map");
    if (!L || !element) return;
    if (!map) {
      map = L.map(element, { zoomSnap: 0.25, attributionControl: true });
      map.attributionControl.setPrefix(false);
      // The offline basemap the map pages share (static/js/basemap.js): outlines, and 읍면동 with names close in.
      basemap = window.WasswebBasemap.create(map, {
        url: element.getAttribute("data-geo"),
        places: element.getAttribute("data-places"),
        style: function () { return { color: "#8a97a8", weight: 0.6, fillColor: "#e8edf3", fillOpacity: 1 }; },
        onLoad: function () { element.setAttribute("data-basemap", "loaded"); },
      });
      layers = L.layerGroup().addTo(map);
    }
    map.invalidateSize();
    layers.clearLayers();
    var points = a.trail.map(function (p) { return [p[0], p[1]]; });
    if (points.length > 1) L.polyline(points, { color: "#c62828", weight: 4, opacity: 0.8, dashArray: "8 6" }).addTo(layers);
    a.next_cameras.forEach(function (camera) {
      L.circleMarker([camera.lat, camera.lon], { radius: 7, color: "#b26a00", weight: 2, fillColor: "#ffd27a", fillOpacity: 1 })
        .bindTooltip(camera.name).addTo(layers);
      nameCamera(camera.lat, camera.lon, camera.name);
    });
    nameCamera(a.lat, a.lon, a.camera_name);
    L.circleMarker([a.lat, a.lon], { radius: 11, color: "#ffffff", weight: 3, fillColor: "#c62828", fillOpacity: 1 })
      .bindTooltip(a.plate + " · " + a.camera_name).addTo(layers);
    var bounds = points.concat(a.next_cameras.map(function (c) { return [c.lat, c.lon]; }));
    bounds.push([a.lat, a.lon]);
    if (position.last) bounds.push(position.last);
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
    drawSelf();
  }

  function nameCamera(lat, lon, name) {
    var key = lat + "," + lon;
    if (named[key]) return;
    named[key] = true;
    basemap.nameCamera([lat, lon], name);
  }

  function drawSelf() {
    if (!map || !position.last) return;
    if (!selfMarker) {
      selfMarker = window.L.circleMarker(position.last, { radius: 8, color: "#ffffff", weight: 3, fillColor: "#1f6feb", fillOpacity: 1 }).addTo(map);
    } else {
      selfMarker.setLatLng(position.last);
    }
  }

  // -- the live picture ------------------------------------------------------------------------------------

  function liveView(frame) {
    if (frame.status === "approved") {
      if (live.id === frame.id && live.player && !live.player.stopped) return; // already playing (a reconnect)
      startLive(frame);
    } else if (live.id === frame.id) {
      // Denied, ended or expired: the picture stops at once, whatever the address still allows.
      stopLive(T.live_ended);
    }
  }

  function startLive(frame) {
    var Player = window.WasswebLivePlayer;
    var section = $("unit-live");
    if (!Player || !section) return;
    stopLive(null);
    window.clearTimeout(live.hide);
    live.id = frame.id;
    $("unit-live-camera").textContent = frame.camera_name + " · " + frame.municipality_name;
    section.setAttribute("data-live-view", frame.id);
    section.hidden = false;
    var player = new Player(section, {
      api: frame.stream,
      secondsLeft: (new Date(frame.approved_until).getTime() - Date.now()) / 1000,
      texts: { ended: T.live_ended, unsupported: T.live_unsupported, failed: T.live_failed },
      headers: { Authorization: "Bearer " + key },
      credentials: "omit",
      onGone: function () { if (live.player === player) stopLive(T.live_ended); },
    });
    live.player = player;
    player.say(T.live_connecting);
    player.start();
    if (navigator.vibrate) navigator.vibrate(200);
  }

  function stopLive(text) {
    if (live.player) live.player.stop(text || "");
    live.player = null;
    if (text === null || !live.id) { $("unit-live").hidden = true; live.id = null; return; }
    // The crew sees that it ended; the box goes a little later.
    var ended = live.id;
    live.hide = window.setTimeout(function () {
      if (live.id === ended) { $("unit-live").hidden = true; live.id = null; }
    }, 8000);
  }

  // -- reports ---------------------------------------------------------------------------------------------

  function sendStatus(button, status) {
    var error = $("report-error");
    error.hidden = true;
    if (button.getAttribute("data-confirm") && button.getAttribute("data-armed") !== "1") {
      button.setAttribute("data-armed", "1");
      button.setAttribute("data-label", button.textContent);
      button.textContent = T.tap_again;
      window.setTimeout(function () { disarm(button); }, CONFIRM_MS);
      return;
    }
    disarm(button);
    button.disabled = true;
    request("/status/", { method: "POST", body: { status: status } })
      .then(function (response) {
        return response.json().then(function (body) {
          button.disabled = false;
          if (!response.ok) {
            error.textContent = T.failed + " " + (body.detail || response.status);
            error.hidden = false;
            return;
          }
          // The socket brings the new state with the assignment; the answer shows it at once meanwhile.
          if (!body.assignment) render({ unit: body, assignment: null }, false);
          else if (assignment) { assignment.status = status; unit = body; render({ unit: body, assignment: assignment }, false); }
        });
      })
      .catch(function (problem) {
        button.disabled = false;
        error.textContent = T.failed + " " + problem;
        error.hidden = false;
      });
  }

  function disarm(button) {
    if (button.getAttribute("data-armed") !== "1") return;
    button.removeAttribute("data-armed");
    button.textContent = button.getAttribute("data-label");
  }

  // -- position --------------------------------------------------------------------------------------------

  function startPosition() {
    var state = $("position-state");
    if (position.watch !== null) return;
    if (!navigator.geolocation) { state.textContent = T.position_off; return; }
    position.watch = navigator.geolocation.watchPosition(function (fix) {
      position.last = [fix.coords.latitude, fix.coords.longitude];
      state.textContent = T.position_on;
      drawSelf();
      var now = Date.now();
      if (!unit || now < position.notBefore || now - position.lastSent < data.min_interval * 1000) return;
      position.lastSent = now;
      var body = { lat: fix.coords.latitude, lon: fix.coords.longitude, accuracy_m: fix.coords.accuracy };
      if (typeof fix.coords.heading === "number" && !isNaN(fix.coords.heading)) body.heading_deg = fix.coords.heading;
      request("/position/", { method: "POST", body: body }).then(function (response) {
        if (response.status === 429) position.notBefore = Date.now() + 1000 * Number(response.headers.get("Retry-After") || data.min_interval);
      }).catch(function () {});
    }, function () { state.textContent = T.position_off; }, { enableHighAccuracy: true, maximumAge: 5000 });
  }

  function stopPosition() {
    if (position.watch !== null && navigator.geolocation) navigator.geolocation.clearWatch(position.watch);
    position.watch = null;
  }

  // -- signing in and out ----------------------------------------------------------------------------------

  function signIn(value) {
    key = value;
    storeKey(value);
    $("sign-in-error").hidden = true;
    connect();
  }

  function signOut() {
    stopLive(null);
    stopped = true;
    if (socket) socket.close();
    socket = null;
    stopPosition();
    key = null;
    unit = null;
    storeKey(null);
    $("call-sign").textContent = "";
    $("unit-status").textContent = "";
    showSocket("connecting");
    setState("signed-out");
  }

  $("sign-in-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var value = $("unit-key").value.trim();
    $("unit-key").value = "";
    if (value) signIn(value);
  });
  $("sign-out").addEventListener("click", signOut);
  Array.prototype.forEach.call(document.querySelectorAll("#report-buttons [data-report]"), function (button) {
    button.addEventListener("click", function () { sendStatus(button, button.getAttribute("data-report")); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("#waiting [data-status]"), function (button) {
    button.addEventListener("click", function () { sendStatus(button, button.getAttribute("data-status")); });
  });

  root.wasswebTerminal = { socket: function () { return socket; } }; // for the browser tests
  var saved = storedKey();
  if (saved) signIn(saved);
  else setState("signed-out");
})();
