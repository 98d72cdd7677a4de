// The hit list, the "new hits" notice above it and the keys that move through it:
//   ↑/↓ (in the list) or j/k (anywhere but a text field) select the next or previous hit, Enter opens the
//   focused one, n jumps to the newest unseen hit (urgent ones first).
(function () {
  "use strict";

  var D = (window.WasswebDashboard = window.WasswebDashboard || {});
  var f = D.format;
  var MOVES = { ArrowDown: 1, ArrowUp: -1, j: 1, k: -1 };

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  // options: store, T, lang, labels (crime, verification, needsVerification), onPick(id), onMove(step), onJump()
  function HitList(options) {
    this.o = options;
    this.list = document.getElementById("hit-list");
    this.count = document.getElementById("hit-count");
    this.empty = document.getElementById("hit-empty");
    this.notice = document.getElementById("new-hits");
    this.unseenUrgent = document.getElementById("unseen-urgent");
    this.unseenAll = document.getElementById("unseen-all");
    var jump = document.getElementById("jump-newest");
    var self = this;
    if (jump) {
      jump.textContent = options.T.jump_newest;
      jump.addEventListener("click", function () { self.o.onJump(); self.focusSelected(); });
    }
    document.addEventListener("keydown", function (event) { self.onKey(event); });
  }

  HitList.prototype.onKey = function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    var inList = this.list.contains(event.target);
    var step = MOVES[event.key];
    if (step && (inList || event.key.length === 1)) {
      event.preventDefault();
      this.o.onMove(step);
      this.focusSelected();
    } else if (event.key === "n") {
      event.preventDefault();
      this.o.onJump();
      this.focusSelected();
    } else if (event.key === "Enter" && inList && event.target.hasAttribute("data-id")) {
      event.preventDefault();
      this.o.onPick(event.target.getAttribute("data-id"));
      this.focusSelected();
    }
  };

  HitList.prototype.focusSelected = function () {
    var id = this.o.store.selectedId;
    var item = id && this.list.querySelector('[data-id="' + id + '"]');
    if (!item) return;
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest" });
  };

  HitList.prototype.item = function (hit) {
    var o = this.o, T = o.T, store = o.store;
    var item = f.el("li", "hit");
    item.setAttribute("data-id", hit.id);
    item.setAttribute("data-seq", hit.seq === null ? "" : String(hit.seq));
    item.setAttribute("data-verification", hit.verification);
    item.setAttribute("tabindex", "0");
    if (hit.priority === "urgent") item.classList.add("urgent");
    if (hit.id === store.selectedId) {
      item.classList.add("selected");
      item.setAttribute("aria-current", "true");
    }
    if (store.isUnseen(hit.id)) item.classList.add("unseen");
    if (hit.verification === "misread") item.classList.add("dismissed");

    var top = f.el("div", "hit-top");
    top.appendChild(f.el("span", "plate", hit.plate));
    if (hit.plate !== hit.wanted) top.appendChild(f.el("span", "wanted muted", "≈ " + hit.wanted));
    top.appendChild(f.timeElement(hit.seen_at, o.lang, "hit-time"));
    item.appendChild(top);
    item.appendChild(f.el("div", "hit-where muted", hit.municipality_name + " · " + hit.camera_name));

    var badges = f.el("div", "badges");
    if (store.isUnseen(hit.id)) badges.appendChild(f.el("span", "badge new", T.new_hit));
    if (hit.priority === "urgent") badges.appendChild(f.el("span", "badge urgent", T.urgent));
    badges.appendChild(f.el("span", "badge", o.labels.crime(hit)));
    if (o.labels.needsVerification(hit)) badges.appendChild(f.el("span", "badge misread", T.misread));
    if (hit.verification !== "unverified") badges.appendChild(f.el("span", "badge " + (hit.verification === "confirmed" ? "confirmed" : "dismissed"), o.labels.verification(hit.verification)));
    if (hit.dispatched_unit) {
      var report = hit.dispatch_status && hit.dispatch_status !== "assigned" ? " · " + (T["report_" + hit.dispatch_status] || hit.dispatch_status) : "";
      badges.appendChild(f.el("span", "badge dispatched", T.dispatched + ": " + hit.dispatched_unit + report));
    }
    else if (hit.acknowledged_by) badges.appendChild(f.el("span", "badge acknowledged", T.acknowledged_by + " " + hit.acknowledged_by));
    item.appendChild(badges);

    item.addEventListener("click", function () { o.onPick(hit.id); });
    return item;
  };

  HitList.prototype.render = function (flashId) {
    var focused = this.list.contains(document.activeElement) ? document.activeElement.getAttribute("data-id") : null;
    var all = this.o.store.ordered();
    this.list.replaceChildren.apply(this.list, all.map(this.item, this));
    this.count.textContent = String(all.length);
    this.empty.hidden = all.length > 0;
    if (focused) {
      var again = this.list.querySelector('[data-id="' + focused + '"]');
      if (again) again.focus({ preventScroll: true });
    }
    if (flashId) {
      var item = this.list.querySelector('[data-id="' + flashId + '"]');
      if (item) {
        item.classList.add("flash");
        window.setTimeout(function () { item.classList.remove("flash"); }, 4000);
      }
    }
    this.renderNotice();
  };

  HitList.prototype.renderNotice = function () {
    if (!this.notice) return;
    var T = this.o.T;
    var counts = this.o.store.unseenCounts();
    this.notice.hidden = counts.all === 0;
    this.notice.setAttribute("data-unseen", String(counts.all));
    this.notice.setAttribute("data-unseen-urgent", String(counts.urgent));
    this.unseenUrgent.hidden = counts.urgent === 0;
    this.unseenUrgent.textContent = f.fill(T.unseen_urgent, { n: counts.urgent });
    this.unseenAll.textContent = f.fill(T.unseen_hits, { n: counts.all });
  };

  D.HitList = HitList;
})();
