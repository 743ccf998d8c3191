// ticketbot dashboard: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Filters apply as soon as a select or checkbox changes.
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () {
      if (el.form) { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); }
    });
  });

  // Destructive forms ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });

  // Copy buttons copy the text of the element they name.
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var el = document.querySelector(btn.getAttribute("data-copy"));
      if (!el || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(el.textContent.trim()).then(function () {
        var old = btn.textContent;
        btn.textContent = "Copied";
        setTimeout(function () { btn.textContent = old; }, 1500);
      });
    });
  });

  // A form submits once: the button is disabled while the next page loads.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (ev.defaultPrevented) { return; }
      setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });

  // Keyboard shortcuts (the help is the #shortcuts section): j/k move through the queue, o or
  // Enter opens, x chooses for a bulk change; on a ticket r writes a reply, n an internal
  // note (Ctrl+Enter sends either), a assigns to me; ? shows the help.
  var rows = function () { return Array.prototype.slice.call(document.querySelectorAll(".ticket-row")); };
  var focused = -1;
  var focusRow = function (i) {
    var rs = rows();
    if (!rs.length) { return; }
    focused = Math.max(0, Math.min(rs.length - 1, i));
    rs.forEach(function (r, j) { r.classList.toggle("focused", j === focused); });
    rs[focused].scrollIntoView({ block: "nearest" });
  };
  var composeAs = "reply";
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (typing) {
      if (t.id === "reply" && ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        var btn = document.getElementById(composeAs === "note" ? "send-note" : "send-reply");
        if (btn && t.form) { ev.preventDefault(); t.form.requestSubmit(btn); }
      }
      if (ev.key === "Escape") { t.blur(); }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var rs = rows();
    var reply = document.getElementById("reply");
    switch (ev.key) {
      case "j": focusRow(focused + 1); break;
      case "k": focusRow(focused < 0 ? 0 : focused - 1); break;
      case "o": case "Enter":
        if (focused >= 0 && rs[focused]) { rs[focused].querySelector("a.t-link").click(); } else { return; }
        break;
      case "x":
        if (focused >= 0 && rs[focused]) { var cb = rs[focused].querySelector("input[type=checkbox]"); cb.checked = !cb.checked; } else { return; }
        break;
      case "r": case "n":
        if (!reply) { return; }
        composeAs = ev.key === "n" ? "note" : "reply";
        var f = reply.closest("form");
        if (f) { f.classList.toggle("composing-note", composeAs === "note"); }
        reply.placeholder = composeAs === "note" ? "Internal note: only staff see it. Ctrl+Enter adds it." : "Reply to the requester. Ctrl+Enter sends it.";
        reply.focus();
        break;
      case "a":
        var claim = document.getElementById("claim");
        if (!claim) { return; }
        claim.click();
        break;
      case "?":
        var help = document.getElementById("shortcuts");
        if (!help) { return; }
        help.open = !help.open;
        if (help.open) { help.scrollIntoView({ block: "nearest" }); }
        break;
      default: return;
    }
    ev.preventDefault();
  });

  // Live updates: every few seconds the page is read again and the parts that change (the
  // queue's rows, tabs and totals; a ticket's conversation, history and badges) are swapped
  // in. What is being typed, chosen for a bulk change or focused is never touched.
  var liveIDs = ["ticket-rows", "tabs", "totals", "messages", "no-messages", "history", "ticket-badges", "assignee", "message-count", "ticket-facts"];
  var busy = function () {
    if (document.querySelector(".ticket-row input[type=checkbox]:checked")) { return true; }
    var a = document.activeElement;
    return a && a.closest && a.closest("#tabs, #ticket-rows") !== null;
  };
  // same is an element's markup without the relative times ("3 minutes ago") and the row
  // focus, so a part is swapped only when what it shows really changed.
  var same = function (el) {
    return el.outerHTML.replace(/<time([^>]*)>[^<]*<\/time>/g, "<time$1></time>").replace(/ focused/g, "");
  };
  // swapQueue replaces the whole queue (#queue) when a list turned empty or an empty one got
  // tickets: there are no rows to swap then. Nothing in it is being typed or chosen (busy).
  var swapQueue = function (doc) {
    var old = document.getElementById("queue");
    var now = doc.getElementById("queue");
    if (!old || !now || !document.getElementById("ticket-rows") === !doc.getElementById("ticket-rows")) { return false; }
    old.replaceWith(document.importNode(now, true));
    ["tabs", "totals"].forEach(function (id) {
      var o = document.getElementById(id), n = doc.getElementById(id);
      if (o && n) { o.replaceWith(document.importNode(n, true)); }
    });
    return true;
  };
  // refresh reads the page again and swaps what changed; skipped (the agent is busy or the tab
  // hidden), it calls skipped instead.
  var refresh = function (skipped) {
    skipped = skipped || function () {};
    if (document.hidden || busy()) { skipped(); return; }
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store", headers: { "X-Live": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        if (busy()) { skipped(); return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (swapQueue(doc)) { return; }
        liveIDs.forEach(function (id) {
          var old = document.getElementById(id);
          var now = doc.getElementById(id);
          if (id === "no-messages" && old && !now) { now = doc.getElementById("messages"); }
          if (old && now && same(old) !== same(now)) { old.replaceWith(document.importNode(now, true)); }
        });
        if (focused >= 0) { focusRow(focused); }
      })
      .catch(function () {});
  };
  liveUpdates(refresh);
})();

// liveUpdates keeps the page current. With a stream (data-events, Server-Sent Events) each
// event names a changed ticket and the page is read again at once; a stream that (re)opens
// reads it once to catch up on what it missed. Polling every data-live milliseconds runs only
// while there is no stream (none offered, no EventSource, or the stream is down). The html
// element tells which path ran (data-live-mode, and counts in data-live-sse and
// data-live-poll), for the browser test.
function liveUpdates(refresh) {
  "use strict";
  var live = document.querySelector("[data-live]");
  if (!live) { return; }
  var every = parseInt(live.getAttribute("data-live"), 10) || 5000;
  var root = document.documentElement;
  var count = function (via) { root.dataset["live" + via] = String((parseInt(root.dataset["live" + via], 10) || 0) + 1); };
  var poller = null;
  var poll = function () {
    root.dataset.liveMode = "poll";
    if (!poller) { poller = setInterval(function () { count("Poll"); refresh(); }, every); }
  };
  // soon refreshes at most once a second (a burst of events makes one read, after it), and
  // while refresh is skipped (the agent is busy, the tab hidden) once a second until it is
  // not, so an event is never lost to a busy moment.
  var waiting = null;
  var last = 0;
  var soon = function () {
    if (waiting) { return; }
    var attempt = function () {
      waiting = null;
      last = Date.now();
      refresh(function () { waiting = setTimeout(attempt, 1000); });
    };
    var wait = last + 1000 - Date.now();
    if (wait > 0) { waiting = setTimeout(attempt, wait); } else { attempt(); }
  };
  var src = document.querySelector("[data-events]");
  if (!src || !window.EventSource) { poll(); return; }
  var es = new EventSource(src.getAttribute("data-events"));
  es.onopen = function () {
    root.dataset.liveMode = "sse";
    if (poller) { clearInterval(poller); poller = null; }
    soon();
  };
  es.addEventListener("ticket", function () { count("Sse"); soon(); });
  es.addEventListener("resync", function () { soon(); });
  // A stream that drops reconnects by itself (retry: in the stream); one refused (not
  // signed in, live updates off) is closed for good. Either way the page polls meanwhile.
  es.onerror = function () { poll(); };
  window.addEventListener("pagehide", function () { es.close(); });
}
