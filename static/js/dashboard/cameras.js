// The centre dashboard's table of its own cameras, from the page's first data.
(function () {
  "use strict";

  var D = (window.WasswebDashboard = window.WasswebDashboard || {});
  var f = D.format;

  D.renderCameras = function (cameras, T) {
    var body = document.getElementById("camera-rows");
    if (!body) return;
    body.replaceChildren.apply(body, (cameras || []).map(function (camera) {
      var row = f.el("tr");
      row.appendChild(f.el("td", "code", camera.code));
      row.appendChild(f.el("td", null, camera.name));
      row.appendChild(f.el("td", null, camera.kind_label));
      row.appendChild(f.el("td", null, camera.reads_plates ? T.reading_on : T.reading_off));
      row.appendChild(f.el("td", null, camera.active ? T.camera_active : T.camera_inactive));
      return row;
    }));
  };
})();
