/* The desk's live fragments (docs/console.md): every element with data-live-on="<event type> …"
 * is re-read (the htmx trigger "live-update" on it) when the user's event socket (/ws/events/,
 * docs/realtime.md) carries one of those event types, once after every reconnect (events sent
 * while the socket was down are lost), and every 30 s while the socket is down. Events are only
 * signals; a burst of them costs one re-read, and regions are re-read one at a time. A fragment whose form field has the focus waits
 * until the focus leaves it, so nobody loses what they were typing. */
(function () {
  "use strict";
  var regions = Array.prototype.slice.call(document.querySelectorAll("[data-live-on]"));
  if (!regions.length || !("WebSocket" in window)) return;
  var FALLBACK_MS = 30000;
  var DEBOUNCE_MS = 150;
  var retryDelay = 1000;
  var everOpened = false;
  var fallback = null;
  var timers = regions.map(function () { return null; });

  function setState(state) {
    document.documentElement.setAttribute("data-live-state", state);
  }

  function typingIn(region) {
    var active = document.activeElement;
    return !!active && region.contains(active) &&
      (active.tagName === "INPUT" || active.tagName === "TEXTAREA" || active.tagName === "SELECT");
  }

  // One re-read at a time: the page's regions queue behind each other (htmx:afterRequest).
  var queue = [];
  var inFlight = null;
  var stuck = null;

  function next() {
    clearTimeout(stuck);
    inFlight = null;
    while (queue.length && !inFlight) {
      var region = queue.shift();
      if (typingIn(region)) {
        region.setAttribute("data-live-pending", "1");
        continue;
      }
      region.removeAttribute("data-live-pending");
      if (!window.htmx) return;
      inFlight = region;
      stuck = setTimeout(next, 10000); // a request that never ends does not hold the queue
      window.htmx.trigger(region, "live-update");
    }
  }

  function reread(region) {
    if (queue.indexOf(region) < 0) queue.push(region);
    if (!inFlight) next();
  }

  regions.forEach(function (region) {
    region.addEventListener("htmx:afterRequest", function (event) {
      if (event.target === region && inFlight === region) next();
    });
  });

  function schedule(index) {
    clearTimeout(timers[index]);
    timers[index] = setTimeout(function () { reread(regions[index]); }, DEBOUNCE_MS);
  }

  function rereadFor(type) {
    regions.forEach(function (region, index) {
      var wanted = (region.getAttribute("data-live-on") || "").split(/\s+/);
      if (type === null || wanted.indexOf(type) >= 0) schedule(index);
    });
  }

  regions.forEach(function (region) {
    region.addEventListener("focusout", function (event) {
      if (region.hasAttribute("data-live-pending") && !region.contains(event.relatedTarget)) {
        reread(region);
      }
    });
  });

  function startFallback() {
    if (fallback === null) fallback = setInterval(function () { rereadFor(null); }, FALLBACK_MS);
  }

  function stopFallback() {
    if (fallback !== null) clearInterval(fallback);
    fallback = null;
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/events/");
    socket.addEventListener("open", function () {
      retryDelay = 1000;
      stopFallback();
      // The server joins the user's groups before it answers; the pong says it has.
      socket.send(JSON.stringify({ type: "ping" }));
      if (everOpened) rereadFor(null);
      everOpened = true;
    });
    socket.addEventListener("message", function (message) {
      var event;
      try {
        event = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (event.type === "pong") {
        setState("ready");
      } else if (typeof event.type === "string") {
        rereadFor(event.type);
      }
    });
    socket.addEventListener("close", function (closed) {
      setState("closed");
      if (closed.code === 4401) return; // signed out: never reconnect on our own
      startFallback();
      window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  }

  connect();
})();
