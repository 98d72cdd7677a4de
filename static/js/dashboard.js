// The officer and centre dashboards: live hit list, map with trails, and the hit card with its actions.
// Reads its first data from the json_script element "dashboard-data" and its texts from the same place;
// everything shown is set with textContent, never parsed as HTML.
(function () {
  "use strict";

  var root = document.getElementById("dashboard");
  var dataElement = document.getElementById("dashboard-data");
  if (!root || !dataElement) return;

  var data = JSON.parse(dataElement.textContent);
  var T = data.strings;
  var api = root.getAttribute("data-api");
  var lang = root.getAttribute("data-lang") || "ko";
  var mayAct = root.getAttribute("data-may-act") === "1";
  var csrf = root.getAttribute("data-csrf");
  var MAX_HITS = 200;

  var hits = {}; // id -> payload
  var selectedId = null;
  var soundOn = true;
  var audio = null;
  var everConnected = false;

  // -- helpers -----------------------------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function when(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString(lang, { hour12: false, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function sortKey(hit) {
    return hit.seq !== null && hit.seq !== undefined ? hit.seq : Number.MAX_SAFE_INTEGER - 1;
  }

  function orderedHits() {
    return Object.keys(hits).map(function (id) { return hits[id]; }).sort(function (a, b) {
      var ka = sortKey(a), kb = sortKey(b);
      if (ka !== kb) return kb - ka;
      return a.received_at < b.received_at ? 1 : -1;
    });
  }

  function crimeLabel(hit) {
    return (data.crimes && data.crimes[hit.crime]) || hit.crime_label;
  }

  function needsVerification(hit) {
    return hit.match_kind === "misread" && hit.verification !== "confirmed";
  }

  function verificationLabel(value) {
    return value === "misread" ? T.marked_misread : T[value] || value;
  }

  // -- sound -------------------------------------------------------------------------------------------------

  function beep(urgent) {
    root.setAttribute("data-beeps", String(Number(root.getAttribute("data-beeps") || "0") + 1));
    if (!soundOn) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      var tones = urgent ? [0, 0.22, 0.44] : [0];
      tones.forEach(function (offset) {
        var oscillator = audio.createOscillator();
        var gain = audio.createGain();
        oscillator.type = "sine";
        oscillator.frequency.value = urgent ? 1040 : 880;
        gain.gain.setValueAtTime(0.0001, audio.currentTime + offset);
        gain.gain.exponentialRampToValueAtTime(0.25, audio.currentTime + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + offset + 0.18);
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(audio.currentTime + offset);
        oscillator.stop(audio.currentTime + offset + 0.2);
      });
    } catch (error) { /* no audio device: the highlight still shows the hit */ }
  }

  // Browsers start audio only after a gesture on the page; the first click unlocks it.
  document.addEventListener("click", function () {
    if (!audio && soundOn) {
      try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (error) { audio = null; }
    } else if (audio && audio.state === "suspended") {
      audio.resume();
    }
  }, { once: true });

  var soundToggle = document.getElementById("sound-toggle");
  if (soundToggle) {
    soundToggle.addEventListener("click", function () {
      soundOn = !soundOn;
      soundToggle.textContent = soundOn ? T.sound_on : T.sound_off;
      soundToggle.setAttribute("aria-pressed", soundOn ? "true" : "false");
    });
  }

  // -- map ---------------------------------------------------------------------------------------------------

  var map = null;
  var markers = {}; // hit id -> circle marker
  var trails = {}; // order id -> {points: [[lat, lon, seen_at]], line}
  var KOREA = [[33.0, 124.6], [38.7, 131.0]];

  function setUpMap() {
    var container = document.getElementById("hit-map");
    if (!container || !window.L) return;
    map = window.L.map(container, { zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix(false);
    map.fitBounds(KOREA);
    fetch(root.getAttribute("data-geo"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (geo) {
        if (!geo) return;
        window.L.geoJSON(geo, {
          interactive: false,
          style: { color: "#8a97a8", weight: 0.6, fillColor: "#e8edf3", fillOpacity: 1 },
        }).addTo(map).bringToBack();
        map.attributionControl.addAttribution("행정구역 경계 © 통계청 SGIS / southkorea-maps");
        root.setAttribute("data-basemap", "loaded");
      })
      .catch(function () { /* the markers still show without the outline map */ });

    if (data.cameras && data.cameras.length) {
      var bounds = [];
      data.cameras.forEach(function (camera) {
        window.L.circleMarker([camera.lat, camera.lon], {
          radius: 4, color: "#5b6675", weight: 1, fillColor: camera.active ? "#9aa5b4" : "#ffffff", fillOpacity: 1,
        }).bindTooltip(camera.code + " " + camera.name).addTo(map);
        bounds.push([camera.lat, camera.lon]);
      });
      map.fitBounds(bounds, { padding: [40, 40], maxZoom: 12 });
    }
    Object.keys(data.trails || {}).forEach(function (orderId) {
      trails[orderId] = { points: data.trails[orderId].map(function (p) { return [p[0], p[1], ""]; }), line: null };
    });
  }

  function drawTrail(orderId, urgent) {
    if (!map) return;
    var trail = trails[orderId];
    if (!trail) return;
    var latlngs = trail.points.map(function (p) { return [p[0], p[1]]; });
    if (trail.line) {
      trail.line.setLatLngs(latlngs);
    } else {
      trail.line = window.L.polyline(latlngs, { color: urgent ? "#c62828" : "#1f6feb", weight: 3, opacity: 0.7, dashArray: "6 6" }).addTo(map);
    }
  }

  function addToTrail(hit) {
    var trail = trails[hit.order] = trails[hit.order] || { points: [], line: null };
    var last = trail.points[trail.points.length - 1];
    if (!last || last[0] !== hit.lat || last[1] !== hit.lon || (last[2] && last[2] !== hit.seen_at)) {
      trail.points.push([hit.lat, hit.lon, hit.seen_at]);
    }
  }

  function drawMarker(hit) {
    if (!map) return;
    var urgent = hit.priority === "urgent";
    var style = {
      radius: hit.id === selectedId ? 10 : 7,
      color: hit.id === selectedId ? "#1b2430" : "#ffffff",
      weight: 2,
      fillColor: hit.verification === "misread" ? "#9aa5b4" : urgent ? "#c62828" : "#1f6feb",
      fillOpacity: 0.95,
    };
    if (markers[hit.id]) {
      markers[hit.id].setStyle(style).setRadius(style.radius);
      return;
    }
    markers[hit.id] = window.L.circleMarker([hit.lat, hit.lon], style)
      .bindTooltip(hit.plate + " · " + hit.camera_name)
      .on("click", function () { select(hit.id); })
      .addTo(map);
  }

  function focus(hit) {
    // Show the vehicle's whole trail across municipalities, or the hit's surroundings when it is alone.
    if (!map) return;
    var trail = trails[hit.order];
    var points = trail ? trail.points.map(function (p) { return [p[0], p[1]]; }) : [];
    points.push([hit.lat, hit.lon]);
    map.fitBounds(points, { padding: [60, 60], maxZoom: 12 });
  }

  // -- list --------------------------------------------------------------------------------------------------

  function listItem(hit) {
    var item = el("li", "hit");
    item.setAttribute("data-id", hit.id);
    item.setAttribute("data-seq", hit.seq === null ? "" : String(hit.seq));
    item.setAttribute("data-verification", hit.verification);
    item.setAttribute("tabindex", "0");
    if (hit.priority === "urgent") item.classList.add("urgent");
    if (hit.id === selectedId) item.classList.add("selected");
    if (hit.verification === "misread") item.classList.add("dismissed");

    var top = el("div", "hit-top");
    top.appendChild(el("span", "plate", hit.plate));
    if (hit.plate !== hit.wanted) top.appendChild(el("span", "wanted muted", "≈ " + hit.wanted));
    top.appendChild(el("time", "hit-time", when(hit.seen_at)));
    item.appendChild(top);

    var where = el("div", "hit-where muted", hit.municipality_name + " · " + hit.camera_name);
    item.appendChild(where);

    var badges = el("div", "badges");
    if (hit.priority === "urgent") badges.appendChild(el("span", "badge urgent", T.urgent));
    badges.appendChild(el("span", "badge", crimeLabel(hit)));
    if (needsVerification(hit)) badges.appendChild(el("span", "badge misread", T.misread));
    if (hit.verification !== "unverified") badges.appendChild(el("span", "badge " + (hit.verification === "confirmed" ? "confirmed" : "dismissed"), verificationLabel(hit.verification)));
    if (hit.dispatched_unit) badges.appendChild(el("span", "badge dispatched", T.dispatched + ": " + hit.dispatched_unit));
    else if (hit.acknowledged_by) badges.appendChild(el("span", "badge acknowledged", T.acknowledged_by + " " + hit.acknowledged_by));
    item.appendChild(badges);

    item.addEventListener("click", function () { select(hit.id); });
    item.addEventListener("keydown", function (event) { if (event.key === "Enter") select(hit.id); });
    return item;
  }

  function renderList(flashId) {
    var list = document.getElementById("hit-list");
    var all = orderedHits();
    list.replaceChildren.apply(list, all.map(listItem));
    document.getElementById("hit-count").textContent = String(all.length);
    document.getElementById("hit-empty").hidden = all.length > 0;
    if (flashId) {
      var item = list.querySelector('[data-id="' + flashId + '"]');
      if (item) {
        item.classList.add("flash");
        window.setTimeout(function () { item.classList.remove("flash"); }, 4000);
      }
    }
  }

  // -- the hit card ------------------------------------------------------------------------------------------

  function charRow(label, chars, side) {
    var row = el("div", "chars-row");
    row.appendChild(el("span", "chars-label", label));
    var boxes = el("span", "chars");
    chars.forEach(function (pair) {
      var box = el("span", "ch" + (pair.differs ? " differs" : ""), pair[side] || "·");
      boxes.appendChild(box);
    });
    row.appendChild(boxes);
    return row;
  }

  function fact(list, label, value) {
    if (value === null || value === undefined || value === "") return;
    list.appendChild(el("dt", null, label));
    list.appendChild(el("dd", null, value));
  }

  function renderCard() {
    var card = document.getElementById("hit-card");
    var hit = selectedId && hits[selectedId];
    if (!hit) {
      card.replaceChildren(el("p", "muted", T.select_hit));
      return;
    }
    var parts = [];
    var head = el("div", "card-head");
    head.appendChild(el("span", "plate big", hit.wanted));
    if (hit.priority === "urgent") head.appendChild(el("span", "badge urgent", T.urgent));
    head.appendChild(el("span", "badge", crimeLabel(hit)));
    head.appendChild(el("span", "badge", T[hit.match_kind] || hit.match_kind));
    parts.push(head);

    if (needsVerification(hit)) {
      var banner = el("div", "misread-banner", "⚠ " + T.misread_banner);
      banner.setAttribute("role", "alert");
      banner.setAttribute("data-testid", "misread-banner");
      parts.push(banner);
    }

    var compare = el("div", "compare");
    var photo = el("figure", "plate-photo");
    if (hit.has_plate_image) {
      var img = el("img");
      img.src = api + hit.id + "/photos/plate/";
      img.alt = T.plate_photo + " " + hit.plate;
      photo.appendChild(img);
    } else {
      photo.appendChild(el("div", "no-photo muted", T.no_photo));
    }
    photo.appendChild(el("figcaption", "muted", T.plate_photo));
    compare.appendChild(photo);
    var chars = el("div", "char-compare");
    chars.setAttribute("data-testid", "char-compare");
    chars.appendChild(charRow(T.read, hit.comparison, "read"));
    chars.appendChild(charRow(T.wanted, hit.comparison, "wanted"));
    compare.appendChild(chars);
    parts.push(compare);

    var facts = el("dl", "facts");
    fact(facts, T.camera, hit.camera_name + " (" + hit.camera + ") · " + hit.municipality_name);
    fact(facts, T.seen_at, when(hit.seen_at));
    fact(facts, T.case, hit.case_number);
    fact(facts, T.score, Math.round(hit.score * 100) + "%");
    if (hit.confidence !== null) fact(facts, T.confidence, Math.round(hit.confidence * 100) + "%");
    if (hit.verification !== "unverified") fact(facts, T.verified_by, verificationLabel(hit.verification) + " · " + hit.verified_by + " · " + when(hit.verified_at));
    if (hit.acknowledged_by) fact(facts, T.acknowledged_by, hit.acknowledged_by + " · " + when(hit.acknowledged_at));
    if (hit.dispatched_unit) fact(facts, T.dispatched, hit.dispatched_unit + " · " + hit.dispatched_by + " · " + when(hit.dispatched_at));
    if (hit.retrospective) fact(facts, "", T.retrospective);
    parts.push(facts);

    if (mayAct) parts.push(actions(hit));
    card.replaceChildren.apply(card, parts);
    card.setAttribute("data-id", hit.id);
    card.setAttribute("data-verification", hit.verification);
  }

  function actions(hit) {
    var box = el("div", "hit-actions");
    var error = el("p", "error action-error");
    error.hidden = true;
    var unverified = hit.verification === "unverified";

    function button(label, className, name, enabled, send) {
      var b = el("button", className, label);
      b.type = "button";
      b.setAttribute("data-action", name);
      b.disabled = !enabled;
      b.addEventListener("click", function () {
        b.disabled = true;
        post(hit.id, name, send ? send() : {}).then(function (problem) {
          if (problem) { error.textContent = T.failed + " " + problem; error.hidden = false; b.disabled = false; }
        });
      });
      return b;
    }

    box.appendChild(button(T.confirm, "primary", "verify", unverified, function () { return { verdict: "confirmed" }; }));
    var misread = button(T.mark_misread, "", "verify", unverified, function () { return { verdict: "misread" }; });
    misread.setAttribute("data-verdict", "misread");
    box.appendChild(misread);
    box.appendChild(button(T.acknowledge, "", "acknowledge", !hit.acknowledged_at));
    var unit = el("input", "unit-input");
    unit.type = "text";
    unit.maxLength = 60;
    unit.placeholder = T.unit_placeholder;
    unit.setAttribute("aria-label", T.unit_placeholder);
    var canDispatch = !hit.dispatched_unit && hit.verification !== "misread" && !needsVerification(hit);
    unit.disabled = !canDispatch;
    var dispatch = button(T.dispatch, "danger", "dispatch", canDispatch, function () { return { unit: unit.value.trim() }; });
    var dispatchRow = el("div", "dispatch-row");
    dispatchRow.appendChild(unit);
    dispatchRow.appendChild(dispatch);
    box.appendChild(dispatchRow);
    box.appendChild(error);
    return box;
  }

  function post(id, action, body) {
    return fetch(api + id + "/" + action + "/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (payload) {
        if (!response.ok) {
          var fields = payload.errors ? Object.keys(payload.errors).map(function (k) { return k + ": " + payload.errors[k]; }) : [];
          return fields.length ? fields.join("; ") : payload.detail || String(response.status);
        }
        update(payload);
        return null;
      });
    }).catch(function (error) { return String(error); });
  }

  // -- state changes -----------------------------------------------------------------------------------------

  function select(id) {
    var previous = selectedId;
    selectedId = id;
    if (previous && hits[previous]) drawMarker(hits[previous]);
    if (hits[id]) {
      drawMarker(hits[id]);
      focus(hits[id]);
    }
    renderList();
    renderCard();
  }

  function addHit(hit, live) {
    if (hits[hit.id]) { update(hit); return; }
    hits[hit.id] = hit;
    // The first paint's trails come complete from the server; live hits extend them.
    if (live || !trails[hit.order]) addToTrail(hit);
    drawTrail(hit.order, hit.priority === "urgent");
    drawMarker(hit);
    var all = orderedHits();
    if (all.length > MAX_HITS) {
      all.slice(MAX_HITS).forEach(function (old) {
        if (markers[old.id] && map) map.removeLayer(markers[old.id]);
        delete markers[old.id];
        delete hits[old.id];
      });
    }
    if (live) {
      beep(hit.priority === "urgent");
      root.setAttribute("data-last-hit", hit.id);
      if (!selectedId || hit.priority === "urgent") { select(hit.id); }
      renderList(hit.id);
    }
  }

  function update(change) {
    var hit = hits[change.id];
    if (!hit) return;
    ["verification", "verified_by", "verified_at", "acknowledged_by", "acknowledged_at", "dispatched_unit", "dispatched_by", "dispatched_at"].forEach(function (key) {
      if (key in change) hit[key] = change[key];
    });
    drawMarker(hit);
    renderList(change.id);
    if (selectedId === change.id) renderCard();
  }

  function refreshStates() {
    // Updates (verifications, dispatches) sent while the socket was down are read once after reconnecting.
    fetch(api + "?limit=100", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (page) { if (page) page.results.forEach(update); })
      .catch(function () {});
  }

  // -- cameras (centre dashboard) ----------------------------------------------------------------------------

  function renderCameras() {
    var body = document.getElementById("camera-rows");
    if (!body) return;
    body.replaceChildren.apply(body, (data.cameras || []).map(function (camera) {
      var row = el("tr");
      row.appendChild(el("td", "code", camera.code));
      row.appendChild(el("td", null, camera.name));
      row.appendChild(el("td", null, camera.kind_label));
      row.appendChild(el("td", null, camera.reads_plates ? T.reading_on : T.reading_off));
      row.appendChild(el("td", null, camera.active ? T.camera_active : T.camera_inactive));
      return row;
    }));
  }

  // -- start -------------------------------------------------------------------------------------------------

  var status = document.getElementById("live-status");
  function showState(state) {
    status.setAttribute("data-state", state);
    status.textContent = T[state] || state;
    root.setAttribute("data-socket", state);
    if (state === "live") {
      if (everConnected) refreshStates();
      everConnected = true;
    }
  }

  setUpMap();
  renderCameras();
  var newest = null;
  data.hits.forEach(function (hit) {
    addHit(hit, false);
    if (hit.seq !== null && (newest === null || hit.seq > newest.seq)) newest = hit;
  });
  Object.keys(trails).forEach(function (orderId) {
    var sample = orderedHits().filter(function (h) { return h.order === orderId; })[0];
    drawTrail(orderId, sample && sample.priority === "urgent");
  });
  renderList();
  renderCard();

  var socket = new window.WasswebAlertSocket({
    path: root.getAttribute("data-ws-path"),
    lastSeq: newest ? newest.seq : null,
    lastId: newest ? newest.id : null,
    onState: showState,
    onFrame: function (frame) {
      if (frame.type === "sighting") addHit(frame, true);
      else if (frame.type === "sighting.update") update(frame);
    },
  });
  root.wasswebSocket = socket; // for the browser tests, which cut the connection on purpose
  socket.connect();
})();
