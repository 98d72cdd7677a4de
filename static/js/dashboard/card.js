// The hit card: the selected hit's photo, the two plates character by character, its facts and, for the
// police, its actions. Every action is bound to the hit the card was drawn for, names that hit's plate
// above the buttons and in the confirmation it shows once the server has accepted it.
(function () {
  "use strict";

  var D = (window.WasswebDashboard = window.WasswebDashboard || {});
  var f = D.format;

  // options: store, T, lang, api, csrf, mayAct, labels, footage (a FootageStatus), onChange(payload)
  function HitCard(options) {
    this.o = options;
    this.card = document.getElementById("hit-card");
    this.done = null; // {id, text}: the last accepted action's confirmation
    this.drafts = {}; // hit id -> patrol unit typed but not sent, kept across redraws
    this.nearby = {}; // hit id -> {at, units | null while loading, failed}: the nearest available units
  }

  var NEARBY_FRESH_MS = 15000;
  var NEARBY_SHOWN = 3;
  var NEARBY_DELAY_MS = 600;

  function distanceText(metres) {
    return metres >= 1000 ? (metres / 1000).toFixed(1) + " km" : metres + " m";
  }

  function charRow(label, chars, side) {
    var row = f.el("div", "chars-row");
    row.appendChild(f.el("span", "chars-label", label));
    var boxes = f.el("span", "chars");
    chars.forEach(function (pair) { boxes.appendChild(f.el("span", "ch" + (pair.differs ? " differs" : ""), pair[side] || "·")); });
    row.appendChild(boxes);
    return row;
  }

  function fact(list, label, value) {
    if (value === null || value === undefined || value === "") return;
    list.appendChild(f.el("dt", null, label));
    list.appendChild(f.el("dd", null, value));
  }

  HitCard.prototype.render = function () {
    var o = this.o, T = o.T, card = this.card;
    var hit = o.store.selected();
    if (!hit) {
      card.replaceChildren(f.el("p", "muted", T.select_hit));
      card.removeAttribute("data-id");
      return;
    }
    var when = function (iso) { return f.when(iso, o.lang); };
    var parts = [];
    var head = f.el("div", "card-head");
    head.appendChild(f.el("span", "plate big", hit.wanted));
    if (hit.priority === "urgent") head.appendChild(f.el("span", "badge urgent", T.urgent));
    head.appendChild(f.el("span", "badge", o.labels.crime(hit)));
    head.appendChild(f.el("span", "badge", T[hit.match_kind] || hit.match_kind));
    parts.push(head);

    if (o.labels.needsVerification(hit)) {
      var banner = f.el("div", "misread-banner", "⚠ " + T.misread_banner);
      banner.setAttribute("role", "alert");
      banner.setAttribute("data-testid", "misread-banner");
      parts.push(banner);
    }

    var compare = f.el("div", "compare");
    var photo = f.el("figure", "plate-photo");
    if (hit.has_plate_image) {
      var img = f.el("img");
      img.src = o.api + hit.id + "/photos/plate/";
      img.alt = T.plate_photo + " " + hit.plate;
      photo.appendChild(img);
    } else {
      photo.appendChild(f.el("div", "no-photo muted", T.no_photo));
    }
    photo.appendChild(f.el("figcaption", "muted", T.plate_photo));
    compare.appendChild(photo);
    var chars = f.el("div", "char-compare");
    chars.setAttribute("data-testid", "char-compare");
    chars.appendChild(charRow(T.read, hit.comparison, "read"));
    chars.appendChild(charRow(T.wanted, hit.comparison, "wanted"));
    compare.appendChild(chars);
    parts.push(compare);

    var facts = f.el("dl", "facts");
    fact(facts, T.camera, hit.camera_name + " (" + hit.camera + ") · " + hit.municipality_name);
    fact(facts, T.seen_at, when(hit.seen_at));
    fact(facts, T.case, hit.case_number);
    fact(facts, T.score, Math.round(hit.score * 100) + "%");
    if (hit.confidence !== null) fact(facts, T.confidence, Math.round(hit.confidence * 100) + "%");
    if (hit.verification !== "unverified") fact(facts, T.verified_by, o.labels.verification(hit.verification) + " · " + hit.verified_by + " · " + when(hit.verified_at));
    if (hit.acknowledged_by) fact(facts, T.acknowledged_by, hit.acknowledged_by + " · " + when(hit.acknowledged_at));
    if (hit.dispatched_unit) fact(facts, T.dispatched, hit.dispatched_unit + " · " + hit.dispatched_by + " · " + when(hit.dispatched_at));
    if (hit.dispatch_status && hit.dispatch_status !== "assigned") fact(facts, T.unit_report, (T["report_" + hit.dispatch_status] || hit.dispatch_status) + " · " + when(hit.dispatch_status_at));
    if (hit.retrospective) fact(facts, "", T.retrospective);
    parts.push(facts);

    if (o.mayAct && o.footage) parts.push(o.footage.element(hit));
    if (o.mayAct) parts.push(this.actions(hit));
    card.replaceChildren.apply(card, parts);
    card.setAttribute("data-id", hit.id);
    card.setAttribute("data-plate", hit.plate);
    card.setAttribute("data-verification", hit.verification);
  };

  HitCard.prototype.actions = function (hit) {
    var self = this, o = this.o, T = o.T;
    var box = f.el("div", "hit-actions");
    box.setAttribute("data-plate", hit.plate);
    var about = f.el("p", "actions-for");
    about.appendChild(document.createTextNode(T.actions_for + " "));
    about.appendChild(f.el("span", "plate", hit.plate));
    box.appendChild(about);
    var error = f.el("p", "error action-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    var unverified = hit.verification === "unverified";

    function button(label, className, name, enabled, send, confirmation) {
      var b = f.el("button", className, label);
      b.type = "button";
      b.setAttribute("data-action", name);
      b.setAttribute("aria-label", label + " — " + hit.plate);
      b.disabled = !enabled;
      b.addEventListener("click", function () {
        b.disabled = true;
        var body = send ? send() : {};
        self.post(hit, name, body).then(function (problem) {
          if (problem) {
            error.textContent = hit.plate + ": " + T.failed + " " + problem;
            error.hidden = false;
            b.disabled = false;
            return;
          }
          self.done = { id: hit.id, text: f.fill(confirmation, { plate: hit.plate, unit: body.unit || "" }) };
          self.render();
        });
      });
      return b;
    }

    box.appendChild(button(T.confirm, "primary", "verify", unverified, function () { return { verdict: "confirmed" }; }, T.done_confirmed));
    var misread = button(T.mark_misread, "", "verify", unverified, function () { return { verdict: "misread" }; }, T.done_misread);
    misread.setAttribute("data-verdict", "misread");
    box.appendChild(misread);
    box.appendChild(button(T.acknowledge, "", "acknowledge", !hit.acknowledged_at, null, T.done_acknowledged));
    var unit = f.el("input", "unit-input");
    unit.type = "text";
    unit.maxLength = 60;
    unit.placeholder = T.unit_placeholder;
    unit.setAttribute("aria-label", T.unit_placeholder);
    unit.value = this.drafts[hit.id] || "";
    unit.addEventListener("input", function () { self.drafts[hit.id] = unit.value; });
    var canDispatch = !hit.dispatched_unit && hit.verification !== "misread" && !o.labels.needsVerification(hit);
    unit.disabled = !canDispatch;
    if (canDispatch && o.unitsApi) box.appendChild(this.nearest(hit, button));
    var dispatch = button(T.dispatch, "danger", "dispatch", canDispatch, function () { return { unit: unit.value.trim() }; }, T.done_dispatched);
    var dispatchRow = f.el("div", "dispatch-row");
    dispatchRow.appendChild(unit);
    dispatchRow.appendChild(dispatch);
    box.appendChild(dispatchRow);
    box.appendChild(error);
    if (this.done && this.done.id === hit.id) {
      var done = f.el("p", "action-done", "✓ " + this.done.text);
      done.setAttribute("role", "status");
      done.setAttribute("data-testid", "action-done");
      box.appendChild(done);
    }
    return box;
  };

  // The three nearest available units the officer may send, ahead of the vehicle first, each with its own
  // dispatch button; read when the card is drawn and again once the answer is older than NEARBY_FRESH_MS.
  HitCard.prototype.nearest = function (hit, button) {
    var self = this, o = this.o, T = o.T;
    var box = f.el("div", "nearest-units");
    box.setAttribute("data-testid", "nearest-units");
    box.appendChild(f.el("p", "nearest-title", T.nearest_units));
    var known = this.nearby[hit.id];
    if (!known || (known.units && Date.now() - known.at > NEARBY_FRESH_MS)) {
      known = this.nearby[hit.id] = { at: Date.now(), units: known ? known.units : null };
      // A beat after the card is drawn, and only if the hit is still the one shown: a hit's arrival is a burst
      // on every dashboard at once (socket, sound, list, map, photo), and the units can wait for it to pass.
      window.setTimeout(function () {
        if (o.store.selectedId !== hit.id) { delete self.nearby[hit.id]; return; }
        fetch(o.unitsApi + "?near_sighting=" + encodeURIComponent(hit.id) + "&limit=" + NEARBY_SHOWN, {
          credentials: "same-origin", headers: { Accept: "application/json" },
        }).then(function (response) { return response.ok ? response.json() : null; })
          .then(function (page) {
            known.units = page ? page.results : [];
            known.at = Date.now();
            if (o.store.selectedId === hit.id) self.render();
          })
          .catch(function () { known.units = []; });
      }, NEARBY_DELAY_MS);
    }
    if (!known.units) {
      box.appendChild(f.el("p", "muted", T.units_loading));
      return box;
    }
    if (!known.units.length) {
      box.appendChild(f.el("p", "muted", T.no_units_near));
      return box;
    }
    var list = f.el("ol", "nearest-list");
    known.units.forEach(function (unit) {
      var row = f.el("li", "nearest-unit");
      row.setAttribute("data-unit", unit.call_sign);
      var about = f.el("span", "nearest-about");
      about.appendChild(f.el("span", "nearest-call-sign", unit.call_sign));
      about.appendChild(f.el("span", "nearest-distance", distanceText(unit.distance_m)));
      if (unit.ahead) about.appendChild(f.el("span", "badge ahead", T.ahead));
      if (unit.agency !== o.agencyCode) about.appendChild(f.el("span", "nearest-agency muted", unit.agency_name));
      row.appendChild(about);
      var send = button(T.dispatch, "danger", "dispatch", true, function () { return { unit: unit.call_sign }; }, T.done_dispatched);
      send.setAttribute("data-action", "dispatch-nearest");
      send.setAttribute("aria-label", T.dispatch + " " + unit.call_sign + " — " + hit.plate);
      row.appendChild(send);
      list.appendChild(row);
    });
    box.appendChild(list);
    return box;
  };

  // Sends one action for `hit`; resolves to null when accepted, else to the reason it was refused.
  HitCard.prototype.post = function (hit, action, body) {
    var o = this.o, drafts = this.drafts;
    return fetch(o.api + hit.id + "/" + action + "/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": o.csrf, Accept: "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (payload) {
        if (!response.ok) {
          var fields = payload.errors ? Object.keys(payload.errors).map(function (k) { return k + ": " + payload.errors[k]; }) : [];
          return fields.length ? fields.join("; ") : payload.detail || String(response.status);
        }
        if (action === "dispatch") delete drafts[hit.id];
        o.onChange(payload);
        return null;
      });
    }).catch(function (error) { return String(error); });
  };

  D.HitCard = HitCard;
})();
