// The officer and centre dashboards, put together from the scripts in static/js/dashboard/ (loaded before
// this one, in the order templates/sightings/dashboard/_scripts.html gives) and the live-alert socket of
// static/js/alerts.js. Reads its first data and most texts from the json_script element "dashboard-data",
// the texts added since from the hidden element "dashboard-texts"; everything shown is set with
// textContent, never parsed as HTML.
(function () {
  "use strict";

  var root = document.getElementById("dashboard");
  var dataElement = document.getElementById("dashboard-data");
  var D = window.WasswebDashboard;
  if (!root || !dataElement || !D) return;

  var data = JSON.parse(dataElement.textContent);
  var T = data.strings;
  var texts = document.getElementById("dashboard-texts");
  if (texts) Object.keys(texts.dataset).forEach(function (key) { if (!(key in T)) T[key] = texts.dataset[key]; });
  var lang = root.getAttribute("data-lang") || "ko";

  var labels = {
    crime: function (hit) { return (data.crimes && data.crimes[hit.crime]) || hit.crime_label; },
    needsVerification: function (hit) { return hit.match_kind === "misread" && hit.verification !== "confirmed"; },
    verification: function (value) { return value === "misread" ? T.marked_misread : T[value] || value; },
  };

  var store = new D.HitStore();
  var sound = new D.Sound(root, T, document.getElementById("sound-toggle"));
  var map = new D.HitMap(root, data, select);
  var list = new D.HitList({
    store: store, T: T, lang: lang, labels: labels,
    onPick: select,
    onMove: function (step) { var next = store.neighbour(step); if (next) select(next.id); },
    onJump: function () { var newest = store.newestToShow(); if (newest) select(newest.id); },
  });
  var footage = new D.FootageStatus({
    T: T, agency: data.agency,
    api: root.getAttribute("data-footage-api"),
    newUrl: root.getAttribute("data-footage-new"),
    pageUrl: root.getAttribute("data-footage-page"),
    liveViewUrl: root.getAttribute("data-live-view-new"),
    onChange: function (sightingId) { if (store.selectedId === sightingId) card.render(); },
  });
  var card = new D.HitCard({
    store: store, T: T, lang: lang, labels: labels, mayAct: root.getAttribute("data-may-act") === "1",
    api: root.getAttribute("data-api"), csrf: root.getAttribute("data-csrf"), onChange: update, footage: footage,
    unitsApi: root.getAttribute("data-units-api"), agencyCode: data.agency_code,
  });

  function select(id) {
    var previous = store.selected();
    if (!store.select(id)) return;
    if (previous) map.drawMarker(previous, false);
    map.drawMarker(store.selected(), true);
    map.focus(store.selected());
    root.setAttribute("data-selected", id);
    list.render();
    card.render();
  }

  function addHit(hit, live) {
    if (store.get(hit.id)) { update(hit); return; }
    store.add(hit, live).forEach(function (id) { map.removeMarker(id); });
    if (live || !map.hasTrail(hit.order)) map.extendTrail(hit);
    map.drawTrail(hit.order, hit.priority === "urgent");
    map.drawMarker(hit, false);
    if (!live) return;
    sound.beep(hit.priority === "urgent");
    root.setAttribute("data-last-hit", hit.id);
    // Only an empty card takes the new hit; a chosen hit stays chosen and the new one is announced.
    if (!store.selectedId) select(hit.id);
    list.render(hit.id);
  }

  function update(change) {
    var hit = store.update(change);
    if (!hit) return;
    map.drawMarker(hit, hit.id === store.selectedId);
    list.render(change.id);
    if (store.selectedId === change.id) card.render();
  }

  function refreshStates() {
    // Updates (verifications, dispatches) sent while the socket was down are read once after reconnecting.
    fetch(root.getAttribute("data-api") + "?limit=100", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (page) { if (page) page.results.forEach(update); })
      .catch(function () {});
  }

  var status = document.getElementById("live-status");
  var everConnected = false;
  function showState(state) {
    status.setAttribute("data-state", state);
    status.textContent = T[state] || state;
    root.setAttribute("data-socket", state);
    if (state === "live") {
      if (everConnected) refreshStates();
      everConnected = true;
    }
  }

  D.renderCameras(data.cameras, T);
  var newest = null;
  data.hits.forEach(function (hit) {
    addHit(hit, false);
    if (hit.seq !== null && (newest === null || hit.seq > newest.seq)) newest = hit;
  });
  var all = store.ordered();
  map.orderIds().forEach(function (orderId) {
    var sample = all.filter(function (h) { return h.order === orderId; })[0];
    map.drawTrail(orderId, sample && sample.priority === "urgent");
  });
  list.render();
  card.render();

  var socket = new window.WasswebAlertSocket({
    path: root.getAttribute("data-ws-path"),
    lastSeq: newest ? newest.seq : null,
    lastId: newest ? newest.id : null,
    onState: showState,
    onFrame: function (frame) {
      if (frame.type === "sighting") addHit(frame, true);
      else if (frame.type === "sighting.update") update(frame);
      else if (frame.type === "footage") {
        footage.frame(frame);
        // The centre dashboard's queue of footage requests (static/js/footage.js).
        if (window.WasswebFootageLive) window.WasswebFootageLive.changed(frame);
      } else if (frame.type === "live_view") {
        // The centre dashboard's live-view queue (static/js/live-view.js).
        if (window.WasswebLiveView) window.WasswebLiveView.changed(frame);
      }
    },
  });
  root.wasswebSocket = socket; // for the browser tests, which cut the connection on purpose
  socket.connect();
})();
