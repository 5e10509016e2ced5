/* The panels beside the open chat in /desk/chats/, loaded with htmx when chat/console.js opens a
 * thread ("console:open"): agent assist (templates console/_assist.html) and the chat's internal
 * notes (console/_chat_notes.html). "Insert into reply" puts a suggestion into the reply box for
 * the agent to edit; it never sends anything. */
(function () {
  "use strict";
  var root = document.getElementById("console");
  var assistBox = document.getElementById("console-assist-box");
  var notesBox = document.getElementById("console-notes-box");
  if (!root || !assistBox || !notesBox) return;
  var input = document.getElementById("console-input");
  var PLACEHOLDER = "00000000-0000-0000-0000-000000000000";

  function load(box, conversation) {
    box.textContent = "";
    var url = box.dataset.url.replace(PLACEHOLDER, conversation);
    // Each box is its own request's source: htmx queues requests per source element and keeps
    // only the last one waiting, so a shared source (the body) would drop one of the panels.
    if (window.htmx) window.htmx.ajax("GET", url, {source: box, target: box, swap: "innerHTML"});
  }

  root.addEventListener("console:open", function (event) {
    load(assistBox, event.detail.conversation);
    load(notesBox, event.detail.conversation);
  });

  assistBox.addEventListener("click", function (event) {
    var button = event.target.closest(".assist-insert");
    if (!button || !input) return;
    var text = button.dataset.text || "";
    // Keep what the agent already typed: the suggestion goes after it.
    input.value = input.value.trim() ? input.value.replace(/\s+$/, "") + "\n" + text : text;
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    input.dispatchEvent(new Event("input", {bubbles: true}));
  });

  // Enter adds the note (Shift+Enter for a new line), as in the reply box.
  notesBox.addEventListener("keydown", function (event) {
    if (event.target.id !== "console-note") return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      event.target.form.requestSubmit();
    }
  });
  // A refused note (400) comes back as the box with its message: swap it in too, and keep the
  // cursor in the note box after adding one.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target === notesBox && event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== notesBox || event.detail.requestConfig.verb !== "post") return;
    var note = document.getElementById("console-note");
    if (note) note.focus();
  });
})();
