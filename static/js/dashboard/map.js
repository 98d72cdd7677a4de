// The dashboard's map: the offline basemap (static/js/basemap.js), the centre's cameras, one marker per hit
// and each order's trail. It knows nothing of the selection rules: the page tells it which hit is selected.
(function () {
  "use strict";

  var D = (window.WasswebDashboard = window.WasswebDashboard || {});
  var KOREA = [[33.0, 124.6], [38.7, 131.0]];

  function HitMap(root, data, onPick) {
    this.root = root;
    this.map = null;
    this.markers = {}; // hit id -> circle marker
    this.trails = {}; // order id -> {points: [[lat, lon, seen_at]], line}
    this.onPick = onPick;
    var container = document.getElementById("hit-map");
    if (container && window.L) this.setUp(container, data);
    var trails = this.trails;
    // The first paint's trails come complete from the server; live hits extend them.
    Object.keys(data.trails || {}).forEach(function (orderId) {
      trails[orderId] = { points: data.trails[orderId].map(function (p) { return [p[0], p[1], ""]; }), line: null };
    });
  }

  HitMap.prototype.setUp = function (container, data) {
    var L = window.L;
    var map = (this.map = L.map(container, { zoomSnap: 0.25, attributionControl: true }));
    var root = this.root;
    map.attributionControl.setPrefix(false);
    map.fitBounds(KOREA);
    var basemap = window.WasswebBasemap.create(map, {
      url: root.getAttribute("data-geo"),
      places: root.getAttribute("data-places"),
      style: function () { return { color: "#8a97a8", weight: 0.6, fillColor: "#e8edf3", fillOpacity: 1 }; },
      onLoad: function () { root.setAttribute("data-basemap", "loaded"); },
    });

    if (data.cameras && data.cameras.length) {
      var bounds = [];
      data.cameras.forEach(function (camera) {
        L.circleMarker([camera.lat, camera.lon], {
          radius: 4, color: "#5b6675", weight: 1, fillColor: camera.active ? "#9aa5b4" : "#ffffff", fillOpacity: 1,
        }).bindTooltip(camera.code + " " + camera.name).addTo(map);
        basemap.nameCamera([camera.lat, camera.lon], camera.name);
        bounds.push([camera.lat, camera.lon]);
      });
      map.fitBounds(bounds, { padding: [40, 40], maxZoom: 12 });
    }
  };

  HitMap.prototype.hasTrail = function (orderId) {
    return Boolean(this.trails[orderId]);
  };

  HitMap.prototype.extendTrail = function (hit) {
    var trail = (this.trails[hit.order] = this.trails[hit.order] || { points: [], line: null });
    var last = trail.points[trail.points.length - 1];
    if (!last || last[0] !== hit.lat || last[1] !== hit.lon || (last[2] && last[2] !== hit.seen_at)) {
      trail.points.push([hit.lat, hit.lon, hit.seen_at]);
    }
  };

  HitMap.prototype.drawTrail = function (orderId, urgent) {
    var trail = this.trails[orderId];
    if (!this.map || !trail) return;
    var latlngs = trail.points.map(function (p) { return [p[0], p[1]]; });
    if (trail.line) {
      trail.line.setLatLngs(latlngs);
    } else {
      trail.line = window.L.polyline(latlngs, { color: urgent ? "#c62828" : "#1f6feb", weight: 3, opacity: 0.7, dashArray: "6 6" }).addTo(this.map);
    }
  };

  HitMap.prototype.orderIds = function () {
    return Object.keys(this.trails);
  };

  HitMap.prototype.drawMarker = function (hit, selected) {
    if (!this.map) return;
    var urgent = hit.priority === "urgent";
    var style = {
      radius: selected ? 10 : 7,
      color: selected ? "#1b2430" : "#ffffff",
      weight: 2,
      fillColor: hit.verification === "misread" ? "#9aa5b4" : urgent ? "#c62828" : "#1f6feb",
      fillOpacity: 0.95,
    };
    if (this.markers[hit.id]) {
      this.markers[hit.id].setStyle(style).setRadius(style.radius);
      if (selected) this.markers[hit.id].bringToFront();
      return;
    }
    var onPick = this.onPick;
    this.markers[hit.id] = window.L.circleMarker([hit.lat, hit.lon], style)
      .bindTooltip(hit.plate + " · " + hit.camera_name)
      .on("click", function () { onPick(hit.id); })
      .addTo(this.map);
  };

  HitMap.prototype.removeMarker = function (id) {
    if (this.markers[id] && this.map) this.map.removeLayer(this.markers[id]);
    delete this.markers[id];
  };

  // Shows the vehicle's whole trail across municipalities, or the hit's surroundings when it is alone.
  HitMap.prototype.focus = function (hit) {
    if (!this.map) return;
    var trail = this.trails[hit.order];
    var points = trail ? trail.points.map(function (p) { return [p[0], p[1]]; }) : [];
    points.push([hit.lat, hit.lon]);
    this.map.fitBounds(points, { padding: [60, 60], maxZoom: 12 });
  };

  D.HitMap = HitMap;
})();
