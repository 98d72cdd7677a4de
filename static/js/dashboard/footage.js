// The footage line of the hit card: the status of the request made about the hit, with a link to it, or the
// button that opens the footage request form filled in from the hit. Requests are the officer's agency's own,
// so their status is asked of the API per hit (once) and kept current by the socket's footage frames.
(function () {
  "use strict";

  var D = (window.WasswebDashboard = window.WasswebDashboard || {});
  var f = D.format;

  // options: T, api (footage requests API), newUrl (the form), pageUrl (the list; a request is pageUrl + id),
  // liveViewUrl (the live-view request form), agency (the officer's), onChange(sightingId)
  function FootageStatus(options) {
    this.o = options;
    this.known = {}; // sighting id -> {id, status} of its request, or null when it has none
    this.asking = {};
  }

  FootageStatus.prototype.element = function (hit) {
    var o = this.o, T = o.T;
    var box = f.el("div", "hit-footage");
    box.setAttribute("data-testid", "hit-footage");
    box.appendChild(f.el("span", "hit-footage-label", T.footage));
    var known = this.known[hit.id];
    if (known === undefined) {
      this.ask(hit.id);
      box.appendChild(f.el("span", "muted", T.footage_checking));
    } else if (known) {
      var link = f.el("a", "footage-link");
      link.href = o.pageUrl + known.id + "/";
      link.appendChild(f.el("span", "badge footage-" + known.status, T["footage_" + known.status] || known.status));
      link.setAttribute("data-testid", "footage-status");
      box.setAttribute("data-status", known.status);
      box.appendChild(link);
    } else if (String(hit.agency) === String(o.agency)) {
      var button = f.el("a", "button", T.request_footage);
      button.href = o.newUrl + "?sighting=" + encodeURIComponent(hit.id);
      button.setAttribute("data-testid", "request-footage");
      button.setAttribute("aria-label", T.request_footage + " — " + hit.plate);
      box.setAttribute("data-status", "none");
      box.appendChild(button);
    } else {
      box.appendChild(f.el("span", "muted", T.footage_other_agency));
    }
    // An urgent order of the officer's own agency: the camera's live picture may be asked for beside the footage.
    if (o.liveViewUrl && hit.priority === "urgent" && String(hit.agency) === String(o.agency)) {
      var live = f.el("a", "button", T.live_view);
      live.href = o.liveViewUrl + "?sighting=" + encodeURIComponent(hit.id);
      live.setAttribute("data-testid", "request-live-view");
      live.setAttribute("aria-label", T.live_view + " — " + hit.camera_name);
      box.appendChild(document.createTextNode(" "));
      box.appendChild(live);
    }
    return box;
  };

  FootageStatus.prototype.ask = function (sightingId) {
    var self = this;
    if (this.asking[sightingId]) return;
    this.asking[sightingId] = true;
    fetch(this.o.api + "?sighting=" + encodeURIComponent(sightingId), {
      credentials: "same-origin", headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (page) {
        var first = page && page.results && page.results[0];
        self.known[sightingId] = first ? { id: first.id, status: first.status } : null;
      })
      .catch(function () { self.known[sightingId] = null; })
      .then(function () {
        delete self.asking[sightingId];
        self.o.onChange(sightingId);
      });
  };

  // A footage frame from the socket: a decision on one of the officer's own requests.
  FootageStatus.prototype.frame = function (frame) {
    if (!frame.sighting) return;
    this.known[frame.sighting] = { id: frame.id, status: frame.status };
    this.o.onChange(frame.sighting);
  };

  D.FootageStatus = FootageStatus;
})();
