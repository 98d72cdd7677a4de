// The dashboard's alert tones: one for a hit, three higher ones for an urgent order's hit. The page counts
// every tone in data-beeps (the browser tests read it), sound on or off.
(function () {
  "use strict";

  var D = (window.WasswebDashboard = window.WasswebDashboard || {});

  function Sound(root, T, toggle) {
    this.root = root;
    this.on = true;
    this.audio = null;
    var self = this;

    // Browsers start audio only after a gesture on the page; the first click unlocks it.
    document.addEventListener("click", function () { self.unlock(); }, { once: true });
    if (toggle) {
      toggle.addEventListener("click", function () {
        self.on = !self.on;
        toggle.textContent = self.on ? T.sound_on : T.sound_off;
        toggle.setAttribute("aria-pressed", self.on ? "true" : "false");
      });
    }
  }

  Sound.prototype.unlock = function () {
    if (!this.audio && this.on) {
      try { this.audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (error) { this.audio = null; }
    } else if (this.audio && this.audio.state === "suspended") {
      this.audio.resume();
    }
  };

  Sound.prototype.beep = function (urgent) {
    this.root.setAttribute("data-beeps", String(Number(this.root.getAttribute("data-beeps") || "0") + 1));
    if (!this.on) return;
    try {
      var audio = (this.audio = this.audio || new (window.AudioContext || window.webkitAudioContext)());
      if (audio.state === "suspended") audio.resume();
      var tones = urgent ? [0, 0.22, 0.44] : [0];
      tones.forEach(function (offset) {
        var oscillator = audio.createOscillator();
        var gain = audio.createGain();
        oscillator.type = "sine";
        oscillator.frequency.value = urgent ? 1040 : 880;
        gain.gain.setValueAtTime(0.0001, audio.currentTime + offset);
        gain.gain.exponentialRampToValueAtTime(0.25, audio.currentTime + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + offset + 0.18);
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(audio.currentTime + offset);
        oscillator.stop(audio.currentTime + offset + 0.2);
      });
    } catch (error) { /* no audio device: the highlight still shows the hit */ }
  };

  D.Sound = Sound;
})();
