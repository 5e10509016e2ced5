/* The console's workspace panels: the customer 360 beside the open chat (chat/console.js tells
 * which one with a "console:open" event) and beside a ticket (loaded by htmx on the page itself);
 * and opening the chat named by ?c= in the address.
 * Action forms inside the panel post with htmx and swap the panel; a refused action (403 step-up,
 * 400 no reason, 409) comes back as the panel with its message, so it is swapped in too. */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.closest && target.closest(".console-360") &&
        event.detail.xhr.status >= 400 && event.detail.xhr.status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  var root = document.getElementById("console");
  var box = document.getElementById("console-360-box");
  if (!root || !box) return;
  root.addEventListener("console:open", function (event) {
    var url = box.dataset.url.replace("00000000-0000-0000-0000-000000000000",
                                      event.detail.conversation);
    if (window.htmx) window.htmx.ajax("GET", url, {target: box, swap: "innerHTML"});
  });

  // /desk/chats/?c=<conversation> (the desk list's chat rows link here): open that chat if it
  // is the agent's, or put the focus on its Accept button if it is offered to them. The page
  // lists both when it loads; chat/console.js has bound the list's clicks by now (scripts run
  // in document order).
  var wanted = new URLSearchParams(window.location.search).get("c") || "";
  if (/^[0-9a-f-]{36}$/.test(wanted)) {
    var chat = document.querySelector(".console-chat[data-conversation='" + wanted + "']");
    if (chat && chat.dataset.state === "assigned") {
      chat.querySelector(".console-open").click();
    } else if (chat && chat.dataset.state === "offered") {
      chat.classList.add("is-current");
      var accept = chat.querySelector(".console-accept");
      if (accept) accept.focus();
    }
  }
})();
