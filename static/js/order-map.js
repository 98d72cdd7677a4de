// The order page's map: the offline basemap (static/js/basemap.js), the vehicle's trail and the likely next
// cameras, named once zoomed in.
// Reads its data from the json_script element "order-map-data"; no tiles, nothing from outside the app.
(function () {
  "use strict";

  function start() {
    var element = document.getElementById("order-map");
    var source = document.getElementById("order-map-data");
    if (!element || !source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    var passed = new Set(data.municipalities);
    var map = L.map(element, { zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix(false);
    map.setView([36.4, 127.8], 7);

    var basemap = WasswebBasemap.create(map, {
      url: data.basemap,
      places: data.places,
      style: function (code) {
        var hit = passed.has(code);
        return {
          color: hit ? "#1f6feb" : "#9aa6b5",
          weight: hit ? 1.5 : 0.6,
          fillColor: hit ? "#cfe0ff" : "#eef1f5",
          fillOpacity: hit ? 0.7 : 1,
        };
      },
      onLoad: function () { element.dataset.basemapLoaded = "true"; },
      onFail: function () { element.dataset.basemapLoaded = "failed"; },
    });

    var points = data.trail.map(function (p) { return [p.lat, p.lon]; });
    var bounds = L.latLngBounds(points);
    if (points.length > 1) {
      L.polyline(points, { color: "#c62828", weight: 3, opacity: 0.85 }).addTo(map);
    }
    data.trail.forEach(function (p, index) {
      var last = index === data.trail.length - 1;
      L.circleMarker([p.lat, p.lon], {
        radius: last ? 9 : 6,
        color: "#fff",
        weight: 2,
        fillColor: p.verification === "misread" ? "#9aa6b5" : "#c62828",
        fillOpacity: 1,
      })
        .bindTooltip(String(index + 1), { permanent: true, direction: "center", className: "trail-label" })
        .bindPopup(document.createTextNode(p.seen_at + " · " + p.camera + " " + p.name + " · " + p.municipality))
        .addTo(map);
      basemap.nameCamera([p.lat, p.lon], p.name);
    });
    data.next.forEach(function (c) {
      L.circleMarker([c.lat, c.lon], {
        radius: 7, color: "#1f6feb", weight: 2, dashArray: "3 3", fillColor: "#fff", fillOpacity: 0.9,
      })
        .bindPopup(document.createTextNode(c.camera + " " + c.name + " · " + c.km + " km"))
        .addTo(map);
      basemap.nameCamera([c.lat, c.lon], c.name);
      bounds.extend([c.lat, c.lon]);
    });
    if (bounds.isValid()) {
      map.fitBounds(bounds.pad(0.35), { maxZoom: 13 });
    }
    element.dataset.ready = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
