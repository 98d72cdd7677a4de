// The order form: narrows the legal-basis choices to those the chosen category allows, and says so.
// The server enforces the same table (audit/purposes.py); this only saves the officer a refusal.
(function () {
  "use strict";

  function start() {
    var source = document.getElementById("order-bases");
    var crime = document.getElementById("id_crime");
    var basis = document.getElementById("id_legal_basis");
    var hint = document.querySelector("[data-basis-hint]");
    if (!source || !crime || !basis) return;
    var allowed = JSON.parse(source.textContent);

    function update() {
      var bases = allowed[crime.value] || null;
      Array.prototype.forEach.call(basis.options, function (option) {
        option.disabled = Boolean(bases && option.value && bases.indexOf(option.value) === -1);
      });
      if (bases && basis.value && bases.indexOf(basis.value) === -1) basis.value = bases[0];
      if (bases && !basis.value && bases.length === 1) basis.value = bases[0];
      if (hint) hint.textContent = bases ? hint.dataset.prefix + " " + bases.join(", ") : "";
    }

    crime.addEventListener("change", update);
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
