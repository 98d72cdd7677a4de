// The offline basemap the map pages share (docs/MAPS.md). Far out: the municipal outlines of
// static/geo/korea-municipalities.geojson. Zoomed in: the 읍면동 (towns and neighbourhoods) of the municipalities in
// view, each fetched once from static/geo/emd/<code>.geojson and kept, with their names; and the names of the
// cameras the page registers. Labels never overlap: camera names go first, then places, the largest first.
// There are no roads: no road layer for Korea could be had from installable packages.
(function () {
  "use strict";

  var PLACES_ZOOM = 12;
  var CAMERA_NAMES_ZOOM = 13;
  var MAX_ZOOM = 16; // the 읍면동 are drawn to about 30 m: closer in, they would only look wrong
  // Short credits on the map; the full ones are in static/geo/ATTRIBUTION.md.
  var MUNICIPAL_ATTRIBUTION = "시군구 © 통계청 SGIS · vuski/admdongkor (CC BY 4.0)";
  var PLACES_ATTRIBUTION = "읍면동 © 국토지리정보원";
  var LABEL_FONT = "600 12px \"Noto Sans CJK KR\", \"Noto Sans KR\", system-ui, sans-serif";
  var LABEL_HEIGHT = 16;
  var measure = document.createElement("canvas").getContext("2d");

  function textWidth(text) {
    measure.font = LABEL_FONT;
    return Math.ceil(measure.measureText(text).width) + 6;
  }

  function pane(map, name, zIndex) {
    var element = map.getPane(name) || map.createPane(name);
    element.style.zIndex = zIndex;
    element.style.pointerEvents = "none";
    return name;
  }

  // options: url (the municipal outlines), places (the directory of the 읍면동 files, ending in "/"),
  // style(code) -> the page's Leaflet path style for a municipality, onLoad() once the outlines are drawn,
  // onFail() if they could not be had. The map's element lists the municipalities drawn in detail in
  // data-places-loaded.
  function Basemap(map, options) {
    this.map = map;
    this.options = options;
    map.setMaxZoom(MAX_ZOOM);
    this.municipalities = null;
    this.bounds = {}; // municipality code -> L.LatLngBounds of its outline
    this.requested = {}; // municipality code -> true once its 읍면동 file was asked for
    this.loaded = {}; // municipality code -> true once its 읍면동 are drawn
    this.places = []; // {latlng, text, area}
    this.cameras = []; // {latlng, text}
    this.labels = L.layerGroup();
    this.labelsDue = false;
    pane(map, "basemap-places", 350);
    pane(map, "basemap-borders", 360);
    pane(map, "basemap-labels", 450);
    this.placeLayer = L.layerGroup([], { attribution: PLACES_ATTRIBUTION });
    this.borderLayer = L.layerGroup();
    var self = this;
    map.on("zoomend", function () { self.zoomChanged(); });
    map.on("moveend", function () { self.loadInView(); self.scheduleLabels(); });
    this.labels.addTo(map);
    this.load();
  }

  Basemap.prototype.closeIn = function () {
    return this.map.getZoom() >= PLACES_ZOOM;
  };

  Basemap.prototype.load = function () {
    var self = this;
    fetch(this.options.url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (geo) {
        self.municipalities = L.geoJSON(geo, {
          interactive: false,
          attribution: MUNICIPAL_ATTRIBUTION,
          style: function (feature) { return self.municipalStyle(feature.properties.code); },
          onEachFeature: function (feature, layer) { self.bounds[feature.properties.code] = layer.getBounds(); },
        }).addTo(self.map).bringToBack();
        if (self.options.onLoad) self.options.onLoad();
        self.zoomChanged();
      })
      .catch(function () { if (self.options.onFail) self.options.onFail(); });
  };

  // A municipality whose 읍면동 are drawn hides its coarse outline while zoomed in: the finer one replaces it.
  Basemap.prototype.municipalStyle = function (code) {
    if (this.closeIn() && this.loaded[code]) return { opacity: 0, fillOpacity: 0 };
    return this.options.style(code);
  };

  Basemap.prototype.zoomChanged = function () {
    var map = this.map;
    if (this.closeIn()) {
      if (!map.hasLayer(this.placeLayer)) map.addLayer(this.placeLayer);
      if (!map.hasLayer(this.borderLayer)) map.addLayer(this.borderLayer);
    } else {
      map.removeLayer(this.placeLayer);
      map.removeLayer(this.borderLayer);
    }
    this.restyle();
    this.loadInView();
    this.scheduleLabels();
  };

  Basemap.prototype.restyle = function () {
    var self = this;
    if (this.municipalities) {
      this.municipalities.setStyle(function (feature) { return self.municipalStyle(feature.properties.code); });
    }
  };

  Basemap.prototype.loadInView = function () {
    if (!this.closeIn() || !this.municipalities) return;
    var view = this.map.getBounds().pad(0.2);
    var self = this;
    Object.keys(this.bounds).forEach(function (code) {
      if (self.requested[code] || !view.intersects(self.bounds[code])) return;
      self.requested[code] = true;
      fetch(self.options.places + code + ".geojson", { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (geo) { self.addPlaces(code, geo); })
        .catch(function () { /* the coarse outline stays in its place */ });
    });
  };

  Basemap.prototype.addPlaces = function (code, geo) {
    var style = this.options.style(code);
    var self = this;
    var places = geo.features.filter(function (f) { return f.properties.kind === "place"; });
    var border = geo.features.filter(function (f) { return f.properties.kind === "municipality"; });
    this.placeLayer.addLayer(L.geoJSON(places, {
      interactive: false,
      pane: "basemap-places",
      style: { color: "#aab4c2", weight: 0.7, fillColor: style.fillColor, fillOpacity: style.fillOpacity },
      onEachFeature: function (feature, layer) {
        var label = feature.properties.label;
        var bounds = layer.getBounds();
        self.places.push({
          latlng: L.latLng(label[1], label[0]),
          text: feature.properties.name,
          area: (bounds.getNorth() - bounds.getSouth()) * (bounds.getEast() - bounds.getWest()),
        });
      },
    }));
    this.borderLayer.addLayer(L.geoJSON(border, {
      interactive: false,
      pane: "basemap-borders",
      style: { color: style.color, weight: Math.max(style.weight, 1.2), fill: false },
    }));
    this.places.sort(function (a, b) { return b.area - a.area; });
    this.loaded[code] = true;
    this.restyle();
    this.scheduleLabels();
    this.map.getContainer().dataset.placesLoaded = Object.keys(this.loaded).sort().join(" ");
  };

  // Camera names: shown beside their markers once zoomed in far enough to tell the cameras apart.
  Basemap.prototype.nameCamera = function (latlng, text) {
    this.cameras.push({ latlng: L.latLng(latlng), text: text });
    this.scheduleLabels();
  };

  // Many files or cameras arriving at once lay the labels out once.
  Basemap.prototype.scheduleLabels = function () {
    if (this.labelsDue) return;
    this.labelsDue = true;
    var self = this;
    window.requestAnimationFrame(function () {
      self.labelsDue = false;
      self.placeLabels();
    });
  };

  Basemap.prototype.placeLabels = function () {
    var map = this.map;
    var size = map.getSize();
    var taken = [];
    var labels = this.labels;
    labels.clearLayers();
    function free(box) {
      if (box[0] < 0 || box[1] < 0 || box[2] > size.x || box[3] > size.y) return false;
      for (var i = 0; i < taken.length; i++) {
        var other = taken[i];
        if (box[0] < other[2] && other[0] < box[2] && box[1] < other[3] && other[1] < box[3]) return false;
      }
      return true;
    }
    function put(item, kind, dx) {
      var point = map.latLngToContainerPoint(item.latlng);
      var width = textWidth(item.text);
      var left = kind === "camera" ? point.x + dx : point.x - width / 2;
      var box = [left, point.y - LABEL_HEIGHT / 2, left + width, point.y + LABEL_HEIGHT / 2];
      if (!free(box)) return;
      taken.push(box);
      var text = document.createElement("span");
      text.textContent = item.text;
      labels.addLayer(L.marker(item.latlng, {
        pane: "basemap-labels",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: "map-label " + kind,
          html: text,
          iconSize: [width, LABEL_HEIGHT],
          iconAnchor: kind === "camera" ? [-dx, LABEL_HEIGHT / 2] : [width / 2, LABEL_HEIGHT / 2],
        }),
      }));
    }
    var zoom = map.getZoom();
    if (zoom >= CAMERA_NAMES_ZOOM) {
      this.cameras.forEach(function (camera) { put(camera, "camera", 12); });
    }
    if (zoom >= PLACES_ZOOM) {
      var view = map.getBounds();
      this.places.forEach(function (place) { if (view.contains(place.latlng)) put(place, "place", 0); });
    }
  };

  window.WasswebBasemap = {
    create: function (map, options) { return new Basemap(map, options); },
    PLACES_ZOOM: PLACES_ZOOM,
    CAMERA_NAMES_ZOOM: CAMERA_NAMES_ZOOM,
  };
})();
