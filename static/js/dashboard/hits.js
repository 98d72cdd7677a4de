// The dashboard's hits and the officer's selection. The selection changes only when the person chooses (a
// click, a key, the "newest" button) or when nothing is selected yet: a hit arriving, urgent or not, never
// moves it, so an action always lands on the hit the person is looking at. Hits that arrived while another
// one was selected stay "unseen" until selected, and the page counts the urgent ones.
(function () {
  "use strict";

  var D = (window.WasswebDashboard = window.WasswebDashboard || {});
  var MAX_HITS = 200;
  var CHANGING = ["verification", "verified_by", "verified_at", "acknowledged_by", "acknowledged_at", "dispatched_unit", "dispatched_by", "dispatched_at", "dispatch_status", "dispatch_status_at"];

  function sortKey(hit) {
    return hit.seq !== null && hit.seq !== undefined ? hit.seq : Number.MAX_SAFE_INTEGER - 1;
  }

  function HitStore() {
    this.hits = {}; // id -> payload
    this.unseen = {}; // id -> true
    this.selectedId = null;
  }

  // Newest first: by the server's sequence, then by arrival for hits without one.
  HitStore.prototype.ordered = function () {
    var hits = this.hits;
    return Object.keys(hits).map(function (id) { return hits[id]; }).sort(function (a, b) {
      var ka = sortKey(a), kb = sortKey(b);
      if (ka !== kb) return kb - ka;
      return a.received_at < b.received_at ? 1 : -1;
    });
  };

  HitStore.prototype.get = function (id) {
    return (id && this.hits[id]) || null;
  };

  HitStore.prototype.selected = function () {
    return this.get(this.selectedId);
  };

  // Adds a hit; returns the ids dropped to keep the list at MAX_HITS (never the selected one).
  HitStore.prototype.add = function (hit, live) {
    this.hits[hit.id] = hit;
    if (live && this.selectedId && this.selectedId !== hit.id) this.unseen[hit.id] = true;
    var dropped = [];
    var all = this.ordered();
    if (all.length > MAX_HITS) {
      var self = this;
      all.slice(MAX_HITS).forEach(function (old) {
        if (old.id === self.selectedId) return;
        delete self.hits[old.id];
        delete self.unseen[old.id];
        dropped.push(old.id);
      });
    }
    return dropped;
  };

  HitStore.prototype.update = function (change) {
    var hit = this.hits[change.id];
    if (!hit) return null;
    CHANGING.forEach(function (key) { if (key in change) hit[key] = change[key]; });
    return hit;
  };

  HitStore.prototype.select = function (id) {
    if (!this.hits[id]) return false;
    this.selectedId = id;
    delete this.unseen[id];
    return true;
  };

  HitStore.prototype.isUnseen = function (id) {
    return Boolean(this.unseen[id]);
  };

  HitStore.prototype.unseenCounts = function () {
    var hits = this.hits;
    var ids = Object.keys(this.unseen);
    return {
      all: ids.length,
      urgent: ids.filter(function (id) { return hits[id] && hits[id].priority === "urgent"; }).length,
    };
  };

  // The hit the "newest" key jumps to: the newest unseen urgent hit, else the newest unseen, else the newest.
  HitStore.prototype.newestToShow = function () {
    var self = this;
    var all = this.ordered();
    var unseen = all.filter(function (hit) { return self.unseen[hit.id]; });
    var urgent = unseen.filter(function (hit) { return hit.priority === "urgent"; });
    return urgent[0] || unseen[0] || all[0] || null;
  };

  // The hit `step` places below (1) or above (-1) the selected one in the list, or the first when none is.
  HitStore.prototype.neighbour = function (step) {
    var all = this.ordered();
    if (!all.length) return null;
    var at = -1;
    for (var i = 0; i < all.length; i++) if (all[i].id === this.selectedId) at = i;
    if (at < 0) return all[0];
    return all[Math.min(all.length - 1, Math.max(0, at + step))];
  };

  D.HitStore = HitStore;
})();
