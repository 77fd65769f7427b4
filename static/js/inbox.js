/* SocialDesk inbox: keyboard shortcuts, focus kept across live updates, and
   the composer's length counter. Everything here is an enhancement: every
   action is a plain form or link that works without it. */
(function () {
  "use strict";

  // --- X's length rule (mirrors inbox/text_rules.py: twitter-text v3) ----------------
  var URL_RE = /https?:\/\/\S+/gi;
  var LIGHT = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];

  function xWeightedLength(text) {
    text = text.normalize("NFC");
    var urls = text.match(URL_RE) || [];
    var rest = text.replace(URL_RE, "");
    var weight = 23 * urls.length;
    for (var ch of rest) {
      var code = ch.codePointAt(0);
      var light = LIGHT.some(function (r) { return code >= r[0] && code <= r[1]; });
      weight += light ? 1 : 2;
    }
    return weight;
  }

  // Bluesky counts graphemes (a flag or an emoji family is one), as Intl.Segmenter does.
  function graphemeLength(text) {
    if (!window.Intl || !Intl.Segmenter) return Array.from(text).length;
    return Array.from(new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)).length;
  }

  function measure(rule, text) {
    if (rule === "graphemes") return graphemeLength(text);
    return rule === "x-weighted" ? xWeightedLength(text) : Array.from(text).length;
  }

  function announce(text) {
    var region = document.getElementById("announce");
    if (region) {
      region.textContent = "";
      var p = document.createElement("p");
      p.textContent = text;
      region.appendChild(p);
    }
  }

  function updateCounter(textarea) {
    var form = textarea.form;
    var counter = document.getElementById("reply-count");
    if (!form || !counter) return;
    var privateBox = form.querySelector("#reply-private");
    var isPrivate = privateBox && privateBox.checked;
    var rule = isPrivate ? form.dataset.privateRule : form.dataset.rule;
    var limit = parseInt(isPrivate ? form.dataset.privateLimit : form.dataset.limit, 10);
    var used = measure(rule, textarea.value);
    var over = used > limit;
    counter.textContent = over
      ? used + " of " + limit + " characters: " + (used - limit) + " too many."
      : used + " of " + limit + " characters used" + (rule === "x-weighted" ? " (X counts each link as 23)." : ".");
    counter.classList.toggle("is-over", over);
    if (over !== (textarea.dataset.wasOver === "1")) {
      announce(over ? "Your reply is too long for this network." : "Your reply fits again.");
    }
    textarea.dataset.wasOver = over ? "1" : "0";
  }

  document.addEventListener("input", function (e) {
    if (e.target.id === "reply-text") updateCounter(e.target);
  });
  document.addEventListener("change", function (e) {
    if (e.target.id === "reply-private") {
      var t = document.getElementById("reply-text");
      if (t) updateCounter(t);
    }
  });

  // --- background requests -------------------------------------------------------------
  // Polls and heartbeats are the page talking to itself, not the officer
  // working: marked so, they never keep an unattended session alive.
  document.addEventListener("htmx:configRequest", function (e) {
    if (e.detail.elt && e.detail.elt.hasAttribute && e.detail.elt.hasAttribute("data-background")) {
      e.detail.headers["X-SocialDesk-Background"] = "1";
    }
  });

  // --- presence: say when we leave, so colleagues stop seeing "viewing" at once ---------
  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (err) {
      return "";
    }
  }

  function leaveConversation() {
    var box = document.getElementById("presence");
    var url = box && box.getAttribute("hx-post");
    if (!url || !navigator.sendBeacon) return;
    var form = new FormData();
    form.append("leave", "1");
    form.append("csrfmiddlewaretoken", csrfToken());
    navigator.sendBeacon(url, form);
  }

  window.addEventListener("pagehide", leaveConversation);
  document.addEventListener("htmx:beforeRequest", function (e) {
    var pane = e.detail.target;
    if (pane && pane.id === "conversation-pane" && e.detail.requestConfig.verb === "get") {
      leaveConversation();
    }
  });

  // --- the list: moving, selecting, keeping state across polls -----------------------
  function rowLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("#conversation-list .row-link"));
  }

  function markFocused(link) {
    document.querySelectorAll("#conversation-list .row.is-focused").forEach(function (r) {
      r.classList.remove("is-focused");
    });
    if (link) link.closest(".row").classList.add("is-focused");
  }

  function moveInList(step) {
    var links = rowLinks();
    if (!links.length) return;
    var index = links.indexOf(document.activeElement);
    if (index === -1) {
      var marked = document.querySelector("#conversation-list .row.is-focused .row-link") ||
        document.querySelector("#conversation-list .row.is-current .row-link");
      index = marked ? links.indexOf(marked) : (step > 0 ? -1 : links.length);
    }
    var next = links[Math.min(links.length - 1, Math.max(0, index + step))];
    next.focus();
    markFocused(next);
    next.scrollIntoView({ block: "nearest" });
  }

  // One saved state per swap target: a live poll of the list may swap while
  // an opened conversation is still settling, and must not take its state.
  var savedByTarget = {};
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    var active = document.activeElement;
    var saved = { targetId: target && target.id, focusId: null, focusRow: null, checked: [] };
    savedByTarget[saved.targetId] = saved;
    if (active && target && target.contains(active)) {
      // A control inside a header menu: after the swap the menu is closed,
      // so focus goes back to the menu's own toggle.
      var menu = active.closest("details");
      var toggle = menu && menu.querySelector("summary[id]");
      if (toggle && active !== toggle) active = toggle;
      var withId = active.id ? active : active.closest("[id]");
      saved.focusId = withId ? withId.id : null;
      saved.focusSelf = !!active.id;
      var row = active.closest(".row");
      saved.focusRow = row ? row.dataset.id : null;
    }
    document.querySelectorAll("#conversation-list .row-select:checked").forEach(function (box) {
      saved.checked.push(box.value);
    });
  });

  document.addEventListener("htmx:afterSettle", function (e) {
    var targetId = e.detail.target && e.detail.target.id;
    var state = savedByTarget[targetId];
    if (!state) return;
    delete savedByTarget[targetId];
    state.checked.forEach(function (id) {
      var box = document.getElementById("sel-" + id);
      if (box) box.checked = true;
    });
    if (state.targetId === "conversation-pane") {
      var heading = document.getElementById("conv-heading");
      if (heading) heading.focus();
      syncCurrentRow();
      return;
    }
    if (state.targetId === "conversation-list") syncCurrentRow();
    if (document.activeElement && document.activeElement !== document.body) return;
    var el = null;
    if (state.focusRow) {
      el = document.querySelector('#conversation-list .row[data-id="' + state.focusRow + '"] .row-link');
    }
    if (!el && state.focusId) {
      var holder = document.getElementById(state.focusId);
      if (holder) {
        el = state.focusSelf
          ? holder
          : holder.querySelector("button, a[href], input:not([type=hidden]), select, textarea") || holder;
      }
    }
    if (el) {
      if (!el.matches("a, button, input, select, textarea, [tabindex]")) el.setAttribute("tabindex", "-1");
      el.focus();
      if (el.classList.contains("row-link")) markFocused(el);
    }
  });

  function syncCurrentRow() {
    var conv = document.getElementById("conversation");
    var pk = conv ? conv.dataset.conversation : null;
    document.querySelectorAll("#conversation-list .row").forEach(function (row) {
      var current = row.dataset.id === pk;
      row.classList.toggle("is-current", current);
      if (current) row.classList.remove("is-unread");
      var link = row.querySelector(".row-link");
      if (current) link.setAttribute("aria-current", "true"); else link.removeAttribute("aria-current");
    });
  }

  // --- panes: filters open where there is room, one pane at a time on a phone --------
  // The filters are a <details>: a "Views and filters" button on a narrow screen,
  // always open on a wide one (where the button is hidden).
  var WIDE = window.matchMedia("(min-width: 64em)");
  function openFiltersWhenWide() {
    var filters = document.getElementById("inbox-filters");
    if (filters && WIDE.matches) filters.open = true;
  }
  if (WIDE.addEventListener) WIDE.addEventListener("change", openFiltersWhenWide);
  document.addEventListener("DOMContentLoaded", openFiltersWhenWide);

  // "Back to list" is a plain link (a fresh list without script). With script,
  // and the list already on the page, it empties the conversation pane instead:
  // the list comes back where the officer left it, focus on the row they opened.
  document.addEventListener("click", function (e) {
    var back = e.target.closest && e.target.closest("[data-back-to-list]");
    if (back && !(e.ctrlKey || e.metaKey || e.shiftKey || e.button) && backToList(back)) {
      e.preventDefault();
      return;
    }
    var jump = e.target.closest && e.target.closest("[data-jump-to]");
    if (jump && focusField(jump.getAttribute("data-jump-to"))) e.preventDefault();
  });

  function backToList(link) {
    var pane = document.getElementById("conversation-pane");
    var empty = document.getElementById("empty-pane-template");
    var list = document.getElementById("conversation-list");
    var conv = document.getElementById("conversation");
    if (!pane || !empty || !list || !conv) return false;
    var pk = conv.dataset.conversation;
    leaveConversation();
    pane.replaceChildren(empty.content.cloneNode(true));
    history.pushState({}, "", link.href);
    var holder = document.querySelector("[data-list-title]");
    if (holder) document.title = holder.getAttribute("data-list-title");
    syncCurrentRow();
    var row = document.querySelector('#conversation-list .row[data-id="' + pk + '"] .row-link');
    var target = row || document.getElementById("list-heading");
    if (target === row) { row.focus(); markFocused(row); } else if (target) {
      target.setAttribute("tabindex", "-1");
      target.focus();
    }
    return true;
  }

  // A conversation opened from far down the list on a phone starts at its top.
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "conversation-pane" &&
        window.matchMedia("(max-width: 37.5em)").matches) {
      window.scrollTo(0, 0);
    }
  });

  // --- shortcuts ---------------------------------------------------------------------
  function typingIn(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function focusField(id) {
    var el = document.getElementById(id);
    if (el) { el.focus(); if (el.scrollIntoView) el.scrollIntoView({ block: "nearest" }); }
    return !!el;
  }

  function clickButton(id) {
    var el = document.getElementById(id);
    if (el) el.click();
    return !!el;
  }

  function openMenu(id) {
    var menu = document.getElementById(id);
    if (!menu) return false;
    menu.open = true;
    var first = menu.querySelector(".triage-menu__panel input:not([type=hidden]), .triage-menu__panel button");
    (first || menu.querySelector("summary")).focus();
    return true;
  }

  function openShortcuts() {
    var dialog = document.getElementById("shortcuts-dialog");
    if (dialog && !dialog.open) dialog.showModal();
  }

  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-open-shortcuts]")) openShortcuts();
  });

  var ACTIONS = {
    j: function () { moveInList(1); return true; },
    k: function () { moveInList(-1); return true; },
    x: function () {
      var row = document.activeElement && document.activeElement.closest(".row");
      var box = row && row.querySelector(".row-select");
      if (box) box.click();
      return !!box;
    },
    r: function () { return focusField("reply-text"); },
    n: function () { return focusField("note-text"); },
    a: function () { return clickButton("assign-me-button"); },
    e: function () { return clickButton("resolve-button"); },
    l: function () { return openMenu("labels-menu"); },
    "/": function () { return focusField("search-q") || focusField("site-search-q"); },
    "?": function () { openShortcuts(); return true; },
  };

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    var dialog = document.getElementById("shortcuts-dialog");
    if (dialog && dialog.open) return;
    if (e.key === "Escape" && e.target.closest) {
      // Escape closes a header menu and leaves focus on its toggle.
      var openDetails = e.target.closest("details.triage-menu[open]");
      if (openDetails) {
        openDetails.open = false;
        openDetails.querySelector("summary").focus();
        e.preventDefault();
        return;
      }
    }
    if (typingIn(e.target)) {
      if (e.key === "Escape" && e.target.id !== "site-search-q") {
        // Leave the field without losing what was typed; shortcuts work again.
        var heading = document.getElementById("conv-heading");
        if (heading && e.target.closest("#conversation")) { heading.focus(); e.preventDefault(); }
      }
      return;
    }
    var action = ACTIONS[e.key];
    if (action && action()) e.preventDefault();
  });

  document.addEventListener("focusin", function (e) {
    if (e.target.classList && e.target.classList.contains("row-link")) markFocused(e.target);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var t = document.getElementById("reply-text");
    if (t && t.value) updateCounter(t);
  });
  document.addEventListener("htmx:load", function (e) {
    var t = e.detail.elt.querySelector ? e.detail.elt.querySelector("#reply-text") : null;
    if (t && t.value) updateCounter(t);
  });
})();
