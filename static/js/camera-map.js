// The camera pages' map: the offline basemap (static/js/basemap.js) with the centre's cameras, named once zoomed in. A click on the map puts the
// coordinates into the form's latitude and longitude (the new camera's place, or where the camera moves to).
// Reads its data from the json_script element "camera-map-data"; no tiles, nothing from outside the app.
(function () {
  "use strict";

  function start() {
    var element = document.getElementById("camera-map");
    var source = document.getElementById("camera-map-data");
    if (!element || !source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    var lat = document.getElementById("id_lat");
    var lon = document.getElementById("id_lon");
    var map = L.map(element, { zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix(false);
    map.setView(data.centre, 13);

    var basemap = WasswebBasemap.create(map, {
      url: data.basemap,
      places: data.places,
      style: function (code) {
        var own = code === data.municipality;
        return { color: own ? "#1f6feb" : "#9aa6b5", weight: own ? 2 : 0.6, fillColor: own ? "#e3edff" : "#eef1f5", fillOpacity: 1 };
      },
      onLoad: function () { element.dataset.basemapLoaded = "true"; },
      onFail: function () { element.dataset.basemapLoaded = "failed"; },
    });

    var bounds = L.latLngBounds([data.centre]);
    data.cameras.forEach(function (camera) {
      var colour = !camera.active ? "#9aa6b5" : camera.reads_plates ? "#1f6feb" : "#b26a00";
      L.circleMarker([camera.lat, camera.lon], {
        radius: camera.id === data.selected ? 9 : 6, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1,
      })
        .bindTooltip(camera.code, { direction: "top" })
        .bindPopup(document.createTextNode(camera.code + " " + camera.name))
        .addTo(map);
      basemap.nameCamera([camera.lat, camera.lon], camera.name);
      bounds.extend([camera.lat, camera.lon]);
    });
    if (data.cameras.length > 1) map.fitBounds(bounds.pad(0.25), { maxZoom: 14 });

    var chosen = null;
    function choose(latlng) {
      if (!lat || !lon) return;
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      if (!chosen) {
        chosen = L.circleMarker(latlng, { radius: 8, color: "#c62828", weight: 3, fillColor: "#fff", fillOpacity: 0.9 }).addTo(map);
      } else {
        chosen.setLatLng(latlng);
      }
    }
    map.on("click", function (event) { choose(event.latlng); });
    element.dataset.ready = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
