// Live pages: the record detail and wallet home listen on the user's event socket
// (/ws/events/, docs/realtime.md) and re-read themselves when one of the user's records changes.
// The page marks what may be replaced with data-live-region; data-live-record (optional) limits
// the page to one record's events. Without JavaScript or a socket the page is simply static.
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root || !("WebSocket" in window) || !window.fetch) {
    return;
  }
  var recordId = root.getAttribute("data-live-record") || "";
  var busy = false;
  var pending = false;
  var retryDelay = 1000;
  var everOpened = false;

  function setState(state) {
    document.documentElement.setAttribute("data-live-state", state);
  }

  function refresh() {
    if (busy) {
      pending = true;
      return;
    }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live-region]").forEach(function (region) {
          var name = region.getAttribute("data-live-region");
          var replacement = fresh.querySelector('[data-live-region="' + name + '"]');
          if (replacement) {
            region.replaceWith(document.importNode(replacement, true));
          }
        });
        setState("updated");
      })
      .catch(function () {
        // A failed re-read leaves the page as it was; the next event tries again.
      })
      .finally(function () {
        busy = false;
        if (pending) {
          pending = false;
          refresh();
        }
      });
  }

  function relevant(event) {
    return event && event.type === "payments.record" && (!recordId || event.id === recordId);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/events/");
    socket.addEventListener("open", function () {
      retryDelay = 1000;
      // The server joins the user's group after accepting; the pong says it has.
      socket.send(JSON.stringify({ type: "ping" }));
      if (everOpened) {
        refresh(); // events may have been missed while the socket was down
      }
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
      } else if (relevant(event)) {
        refresh();
      }
    });
    socket.addEventListener("close", function (closed) {
      setState("closed");
      if (closed.code === 4401) {
        return; // signed out: never reconnect on our own
      }
      window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  }

  connect();
})();
