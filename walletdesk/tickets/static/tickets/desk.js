/* Keyboard shortcuts of the agent desk. Each key does what a visible control does (focus a box,
   follow a link, submit a form on the page); nothing happens while typing in a field. */
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-desk-row]"));
  var current = -1;

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function highlight(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) { row.classList.toggle("is-current", i === current); });
    rows[current].scrollIntoView({ block: "nearest" });
    var link = rows[current].querySelector("[data-open]");
    if (link) link.focus({ preventScroll: true });
  }

  function focusBox(id) {
    var box = document.getElementById(id);
    if (box) { box.focus(); box.scrollIntoView({ block: "center" }); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    /* The live chat rows at the top of the list come and go (htmx), so count rows each time. */
    rows = Array.prototype.slice.call(document.querySelectorAll("[data-desk-row]"));
    if (current >= rows.length) current = rows.length - 1;
    var help = document.getElementById("shortcut-help");
    switch (event.key) {
      case "j": highlight(current + 1); break;
      case "k": highlight(current - 1); break;
      case "Enter":
        if (current < 0 || document.activeElement !== rows[current].querySelector("[data-open]")) {
          if (current >= 0) rows[current].querySelector("[data-open]").click();
          else return;
        } else return; /* the focused link opens itself */
        break;
      case "r": focusBox("reply-body"); break;
      case "n": focusBox("note-body"); break;
      case "e": {
        var solve = document.getElementById("solve-form");
        if (solve) solve.requestSubmit(); else return;
        break;
      }
      case "?": if (help) help.open = !help.open; break;
      default: return;
    }
    event.preventDefault();
  });

  /* After a macro is applied through htmx, put the cursor in the filled reply. */
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "reply-box") focusBox("reply-body");
  });
})();

/* A ticket's SLA timers count down every second between the server's re-reads (every 15 s through
   htmx, the list's rhythm). The deadline is taken as "seconds left when the server drew it" plus
   the moment the card arrived, so a wrong clock on the agent's computer does not move it; a running
   timer past due reads as breached at once, before the next re-read confirms it. */
(function () {
  "use strict";
  var deadlines = new WeakMap();

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function clock(seconds) {
    var hours = Math.floor(seconds / 3600);
    return hours + ":" + pad(Math.floor((seconds % 3600) / 60)) + ":" + pad(seconds % 60);
  }

  function tick() {
    var box = document.getElementById("sla-timers");
    if (!box) return;
    var now = Date.now();
    box.querySelectorAll("[data-seconds-left]").forEach(function (left) {
      if (!deadlines.has(left)) deadlines.set(left, now + Number(left.dataset.secondsLeft) * 1000);
      var seconds = Math.round((deadlines.get(left) - now) / 1000);
      if (seconds > 0) {
        left.textContent = left.dataset.left.replace("__TIME__", clock(seconds));
        return;
      }
      left.textContent = left.dataset.overdue.replace("__TIME__", clock(-seconds));
      var timer = left.closest(".timer");
      if (timer && !timer.classList.contains("timer-breached")) {
        timer.classList.remove("timer-running");
        timer.classList.add("timer-breached");
        var badge = timer.querySelector(".badge");
        if (badge) {
          badge.className = "badge timer-badge-breached";
          badge.textContent = box.dataset.breachedLabel;
        }
      }
    });
  }

  tick();
  window.setInterval(tick, 1000);
  document.body.addEventListener("htmx:afterSettle", tick);
})();
