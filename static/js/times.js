/* SocialDesk: relative times ("5 min ago", "Due in 12 min", "Overdue by 1 h")
   drawn in the browser from <time datetime>, so the server's markup never
   ages and an unchanged list stays byte-identical between polls. Without
   script the server's absolute time stays. CSP-clean: a static file, no
   inline style (classes only). */
(function () {
  "use strict";

  var SOON_MINUTES = 15;
  var ICONS = { overdue: "!", soon: "\u25F7", ok: "\u25CB" };

  function span(minutes) {
    if (minutes < 60) return minutes + " min";
    if (minutes < 48 * 60) {
      var hours = Math.floor(minutes / 60), rest = minutes % 60;
      return rest ? hours + " h " + rest + " min" : hours + " h";
    }
    return Math.floor(minutes / (24 * 60)) + " days";
  }

  function age(then, now) {
    var minutes = Math.max(0, Math.floor((now - then) / 60000));
    if (minutes < 1) return "just now";
    if (minutes < 60) return minutes + " min ago";
    if (minutes < 48 * 60) return Math.floor(minutes / 60) + " h ago";
    return Math.floor(minutes / (24 * 60)) + " days ago";
  }

  function due(el, then, now) {
    var seconds = (then - now) / 1000;
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var level = seconds < 0 ? "overdue" : minutes < SOON_MINUTES ? "soon" : "ok";
    var box = el.closest("[data-due]");
    if (box) {
      box.classList.remove("due-overdue", "due-soon", "due-ok");
      box.classList.add("due-" + level);
      var icon = box.querySelector(".due-icon");
      if (icon) icon.textContent = ICONS[level];
    }
    return seconds < 0 ? "Overdue by " + span(minutes) : "Due in " + span(minutes);
  }

  function draw(root) {
    var now = Date.now();
    var found = (root || document).querySelectorAll("time[data-relative]");
    for (var i = 0; i < found.length; i++) {
      var el = found[i];
      var then = Date.parse(el.getAttribute("datetime"));
      if (isNaN(then)) continue;
      if (!el.title) el.title = el.textContent;  // the exact time stays on hover
      el.textContent = el.dataset.relative === "due" ? due(el, then, now) : age(then, now);
    }
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (e) { draw(e.detail.elt); });
  setInterval(function () { draw(document); }, 30000);
})();
