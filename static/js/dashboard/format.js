// Dashboard building blocks shared by its other scripts: the namespace, element creation and times.
// Times are always drawn in Korea Standard Time and say so, whatever zone the browser runs in: the server's
// pages, the orders and the ledger all speak KST, and an officer comparing a hit with them must not convert.
(function () {
  "use strict";

  var D = (window.WasswebDashboard = window.WasswebDashboard || {});
  var ZONE = "Asia/Seoul";
  var ZONE_LABEL = "KST";
  var formatters = {};

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function formatter(lang) {
    if (!formatters[lang]) {
      formatters[lang] = new Intl.DateTimeFormat(lang, {
        timeZone: ZONE, hourCycle: "h23", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
      });
    }
    return formatters[lang];
  }

  // "03. 01. 09:30:00 KST" (ko) or "03/01, 09:30:00 KST" (en).
  function when(iso, lang) {
    if (!iso) return "";
    return formatter(lang || "ko").format(new Date(iso)) + " " + ZONE_LABEL;
  }

  // A <time> element: the KST text for people, the instant itself for machines and the tooltip.
  function timeElement(iso, lang, className) {
    var node = el("time", className, when(iso, lang));
    if (iso) node.setAttribute("datetime", iso);
    return node;
  }

  // Fills "{name}" placeholders of a translated text; the texts come from the server, never from the data.
  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (whole, name) { return name in values ? String(values[name]) : whole; });
  }

  D.format = { el: el, when: when, timeElement: timeElement, fill: fill, ZONE: ZONE, ZONE_LABEL: ZONE_LABEL };
})();
