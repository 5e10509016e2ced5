/* The agent's chat console (templates chat/console.html), over ChatLink: offers, accepted chats,
 * the open thread and the reply box. One socket carries every chat of the agent. */
(function () {
  "use strict";
  var pendingPresence = null;
  var root = document.getElementById("console");
  if (!root || !window.ChatLink) return;
  var T = JSON.parse(document.getElementById("console-strings").textContent);
  var list = document.getElementById("console-chats");
  var empty = document.getElementById("console-empty");
  var statusLine = document.getElementById("console-status");
  var threadBox = document.getElementById("console-thread");
  var messages = document.getElementById("console-messages");
  var typingLine = document.getElementById("console-typing");
  var input = document.getElementById("console-input");
  var current = null, typingTimer = null, lastTyping = 0;
  var threads = {};  // conversation -> [message frames]

  function item(conversation) {
    return list.querySelector("li[data-conversation='" + conversation + "']");
  }

  function ensureItem(conversation, state) {
    var li = item(conversation);
    if (!li) {
      li = document.createElement("li");
      li.className = "console-chat";
      li.dataset.conversation = conversation;
      var open = document.createElement("button");
      open.type = "button";
      open.className = "console-open";
      open.textContent = conversation.slice(0, 8);
      li.appendChild(open);
      list.prepend(li);
    }
    li.dataset.state = state;
    var accept = li.querySelector(".console-accept");
    if (state === "offered" && !accept) {
      accept = document.createElement("button");
      accept.type = "button";
      accept.className = "btn btn-compact console-accept";
      accept.textContent = T.accept;
      li.appendChild(accept);
    } else if (state !== "offered" && accept) {
      accept.remove();
    }
    empty.hidden = list.children.length > 0;
    return li;
  }

  // A card in the thread (text only, nothing from the server inserted as HTML). A record card
  // points at the record in the customer 360 beside the thread; an article opens in a new tab.
  function cardView(c) {
    var box = document.createElement("a");
    box.className = "chat-card chat-card-" + (c.type || "link");
    var record = c.type === "record" &&
      (c.id || ((c.url || "").match(/([0-9a-f-]{36})\/?$/) || [])[1]);
    if (record) {
      box.href = "#customer-360";
      box.dataset.record = record;
    } else if (c.url && c.type !== "record") {
      box.href = c.url;
      box.target = "_blank";
      box.rel = "noopener";
    }
    [["strong", c.title], ["span", c.subtitle, "chat-card-sub"]].forEach(function (part) {
      if (!part[1]) return;
      var el = document.createElement(part[0]);
      el.textContent = part[1];
      if (part[2]) el.className = part[2];
      box.appendChild(el);
    });
    if (c.status_label) {
      var live = document.createElement("span");
      live.className = "chat-card-status chat-status-" + c.status;
      live.textContent = c.status_label;
      box.appendChild(live);
    }
    (c.fields || []).forEach(function (f) {
      var row = document.createElement("span");
      row.className = "chat-card-field";
      row.textContent = f.label + ": " + f.value;
      box.appendChild(row);
    });
    return box;
  }

  // The record the agent last followed from a card stays marked when the customer 360 is drawn
  // again (a late load, an action's answer swaps the panel), until another chat is shown.
  var cardTarget = null;
  function markCardTarget() {
    var entry = cardTarget && document.querySelector(
      "#customer-360 li[data-record='" + cardTarget + "']");
    document.querySelectorAll("#customer-360 .chat-card-target").forEach(function (li) {
      if (li !== entry) li.classList.remove("chat-card-target");
    });
    if (entry) entry.classList.add("chat-card-target");
    return entry;
  }
  messages.addEventListener("click", function (event) {
    var target = event.target.closest("a.chat-card[data-record]");
    if (!target || !document.querySelector(
      "#customer-360 li[data-record='" + target.dataset.record + "']")) return;
    event.preventDefault();
    cardTarget = target.dataset.record;
    markCardTarget().scrollIntoView({block: "center"});
  });
  document.addEventListener("htmx:afterSwap", markCardTarget);

  function render(frame) {
    var li = document.createElement("li");
    li.className = "chat-msg chat-" + frame.author;
    li.dataset.seq = frame.seq;
    var who = document.createElement("span");
    who.className = "chat-author";
    who.textContent = T[frame.author] || frame.author;
    var p = document.createElement("p");
    p.textContent = frame.text;
    li.appendChild(who);
    li.appendChild(p);
    ((frame.payload || {}).cards || []).forEach(function (c) { li.appendChild(cardView(c)); });
    messages.appendChild(li);
    li.scrollIntoView({block: "end"});
  }

  function show(conversation) {
    if (conversation !== current) {
      cardTarget = null;
      document.getElementById("console-ticket").hidden = true;
    }
    current = conversation;
    threadBox.hidden = false;
    document.getElementById("console-title").textContent = conversation.slice(0, 8);
    messages.textContent = "";
    (threads[conversation] || []).forEach(render);
    list.querySelectorAll(".console-chat").forEach(function (li) {
      li.classList.toggle("is-current", li.dataset.conversation === conversation);
    });
    // The customer 360 beside the thread (static/console/workspace.js) loads on this.
    root.dispatchEvent(new CustomEvent("console:open", {detail: {conversation: conversation}}));
  }

  var handlers = {
    closed: function () { statusLine.textContent = T.offline; },
    open: function () { statusLine.textContent = ""; resync(); },
    joined: function (frame) { if (!current) show(frame.conversation); },
    message: function (frame) {
      (threads[frame.conversation] = threads[frame.conversation] || []).push(frame);
      if (frame.conversation === current) render(frame);
      if (frame.author === "customer") {
        typingLine.hidden = true;
        link.raw({type: "read", conversation: frame.conversation, seq: frame.seq});
      }
    },
    offer: function (frame) {
      ensureItem(frame.conversation, "offered");
      statusLine.textContent = T.offer + " · " +
        T.expires.replace("%(seconds)s", frame.expires_in);
    },
    offer_withdrawn: function (frame) {
      var li = item(frame.conversation);
      if (li) li.remove();
      link.leave(frame.conversation);
      empty.hidden = list.children.length > 0;
      statusLine.textContent = frame.conversation === handedOn ? T.handed_on : T.withdrawn;
      if (frame.conversation === current) {
        current = null;
        threadBox.hidden = true;
        document.getElementById("console-360-box").textContent = "";
      }
    },
    ticket: function (frame) {
      if (frame.conversation !== current) return;
      var box = document.getElementById("console-ticket");
      var a = document.getElementById("console-ticket-link");
      a.textContent = frame.number;
      a.href = box.dataset.url.replace("TICKET-NUMBER", encodeURIComponent(frame.number));
      box.hidden = false;
    },
    assigned: function (frame) {
      ensureItem(frame.conversation, "assigned");
      statusLine.textContent = "";
      if (!link.joined[frame.conversation]) link.join(frame.conversation);
      show(frame.conversation);
    },
    presence: function (frame) {
      if (pendingPresence === frame.status) pendingPresence = null;
      if (pendingPresence === null) document.getElementById("presence").value = frame.status;
    },
    typing: function (frame) {
      if (frame.conversation !== current) return;
      typingLine.textContent = T.typing;
      typingLine.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typingLine.hidden = true; }, 3000);
    },
    queue: function (frame) {
      if (frame.state === "ended") {
        var li = item(frame.conversation);
        if (li) li.dataset.state = "ended";
      }
    },
    error: function (frame) { if (frame.message) statusLine.textContent = frame.message; }
  };
  var link = new ChatLink(root.dataset.socket, handlers);

  // The socket only signals: a dropped `offer` frame would let the offer expire unseen. On every
  // (re)connect and every RESYNC_MS the console reads the agent's offers and chats as stored.
  var RESYNC_MS = 10000;
  function resync() {
    if (!root.dataset.resync || !window.fetch) return;
    fetch(root.dataset.resync, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) return;
        var offered = {};
        state.offers.forEach(function (frame) {
          offered[frame.conversation] = true;
          var li = item(frame.conversation);
          if (!li || li.dataset.state !== "offered") handlers.offer(frame);
        });
        list.querySelectorAll(".console-chat[data-state='offered']").forEach(function (li) {
          if (!offered[li.dataset.conversation]) {
            li.remove();
            empty.hidden = list.children.length > 0;
          }
        });
        state.assigned.forEach(function (conversation) {
          var li = item(conversation);
          if (!li || li.dataset.state !== "assigned") {
            ensureItem(conversation, "assigned");
            if (!link.joined[conversation]) link.join(conversation);
          }
        });
        if (pendingPresence === null) {
          document.getElementById("presence").value = state.presence.status;
        }
      })
      .catch(function () { /* offline: the next tick or reconnect tries again */ });
  }
  setInterval(resync, RESYNC_MS);
  resync();

  // Chats already assigned when the page loads: follow them.
  list.querySelectorAll(".console-chat[data-state='assigned']").forEach(function (li) {
    link.joined[li.dataset.conversation] = true;
  });

  list.addEventListener("click", function (event) {
    var li = event.target.closest(".console-chat");
    if (!li) return;
    if (event.target.closest(".console-accept")) {
      link.raw({type: "accept", conversation: li.dataset.conversation});
    } else if (li.dataset.state === "assigned") {
      show(li.dataset.conversation);
    }
  });
  // The agent's choice is sent once the socket is open (it may still be connecting when the page
  // has just loaded); until the server confirms it, a resync does not put the old value back.
  function sendPresence(status) {
    if (pendingPresence !== status) return;
    if (!link.raw({type: "presence", status: status})) {
      setTimeout(function () { sendPresence(status); }, 300);
    }
  }
  document.getElementById("presence").addEventListener("change", function (event) {
    pendingPresence = event.target.value;
    sendPresence(pendingPresence);
  });
  document.getElementById("console-compose").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || !current) return;
    link.send(current, text);
    input.value = "";
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      document.getElementById("console-compose").requestSubmit();
    }
  });
  input.addEventListener("input", function () {
    var now = Date.now();
    if (current && now - lastTyping > 2000) {
      lastTyping = now;
      link.raw({type: "typing", conversation: current});
    }
  });
  // Hand the open chat on to a colleague or a queue with a note (`transfer`), or open a ticket
  // carrying the whole conversation (`to_ticket`, answered with `ticket`).
  var handedOn = null;
  document.getElementById("console-transfer").addEventListener("submit", function (event) {
    event.preventDefault();
    var to = document.getElementById("console-transfer-to").value.split(":");
    if (!current || to.length !== 2) return;
    var note = document.getElementById("console-transfer-note");
    var frame = {type: "transfer", conversation: current, note: note.value.trim()};
    frame[to[0] === "agent" ? "agent" : "team"] = Number(to[1]);
    if (link.raw(frame)) {
      handedOn = current;
      note.value = "";
      document.getElementById("console-handover").open = false;
    }
  });
  document.getElementById("console-to-ticket").addEventListener("click", function () {
    if (current) link.raw({type: "to_ticket", conversation: current});
  });
  // Cards pushed to the customer: a record from the customer 360, an article from agent assist.
  root.addEventListener("click", function (event) {
    var record = event.target.closest(".c360-send-card");
    var article = event.target.closest(".assist-send-card");
    if (!current || !(record || article)) return;
    var card = record ? {type: "record", kind: record.dataset.cardKind, id: record.dataset.cardId}
                      : {type: "article", slug: article.dataset.slug};
    link.sendCard(current, card);
  });

  var endButton = document.getElementById("console-end");
  endButton.addEventListener("click", function () {
    if (current) link.raw({type: "end", conversation: current});
  });

  /* Keyboard shortcuts, as on the desk's ticket list (tickets/static/tickets/desk.js): j / k move
   * through the chats, Enter opens (or accepts an offer), r reply, n internal note, e end (asks
   * first), a accept, ? help. Each key does what a visible control does; nothing fires while
   * typing in a field, where Escape leaves the box. Handled on window in the capture phase so the
   * desk's own keys (loaded on every desk page) do not also act on this page. */
  var help = document.getElementById("console-keys-help");
  var highlighted = null;  // the conversation j / k last moved to

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" ||
      Boolean(target && target.isContentEditable);
  }

  function rows() { return Array.prototype.slice.call(list.querySelectorAll(".console-chat")); }

  function highlight(step) {
    var all = rows();
    if (!all.length) return;
    var at = -1;
    all.forEach(function (li, i) {
      if (li.dataset.conversation === (highlighted || current)) at = i;
    });
    at = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.max(0, Math.min(all.length - 1, at + step));
    highlighted = all[at].dataset.conversation;
    all.forEach(function (li, i) { li.classList.toggle("is-highlighted", i === at); });
    all[at].scrollIntoView({block: "nearest"});
    all[at].querySelector(".console-open").focus({preventScroll: true});
  }

  function accept(li) {
    if (li && li.dataset.state === "offered") {
      link.raw({type: "accept", conversation: li.dataset.conversation});
    }
  }

  function focusBox(box) {
    if (!box || box.offsetParent === null && !box.closest("details")) return;
    var details = box.closest("details");
    if (details) details.open = true;
    box.focus();
    box.scrollIntoView({block: "nearest"});
  }

  function toggleHelp() {
    if (help.open) help.close(); else help.showModal();
  }
  document.getElementById("console-keys-open").addEventListener("click", toggleHelp);

  window.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    var target = event.target;
    if (typing(target)) {
      if (event.key === "Escape" && (target.tagName === "TEXTAREA" || target.tagName === "INPUT") &&
          root.contains(target)) {
        target.blur();
        event.preventDefault();
      }
      return;
    }
    if (help.open && event.key !== "?") return;  /* the dialog's own keys (Escape closes it) */
    var chosen = highlighted && item(highlighted);
    switch (event.key) {
      case "j": highlight(1); break;
      case "k": highlight(-1); break;
      case "Enter": {
        // A focused control other than a chat in the list (Send, End chat…) keeps its Enter.
        var inList = target && target.closest && target.closest(".console-chat");
        if (inList) chosen = inList;
        else if (target && target !== document.body && target.closest && target.closest("button, a")) return;
        if (!chosen) return;
        if (chosen.dataset.state === "offered") accept(chosen);
        else if (chosen.dataset.state === "assigned") show(chosen.dataset.conversation);
        break;
      }
      case "r": if (current && !threadBox.hidden) focusBox(input); break;
      case "n": if (current && !threadBox.hidden) focusBox(document.getElementById("console-note")); break;
      case "e":
        if (current && item(current) && item(current).dataset.state === "assigned" &&
            window.confirm(endButton.dataset.confirm)) {
          endButton.click();
        }
        break;
      case "a":
        accept(chosen && chosen.dataset.state === "offered" ? chosen :
          list.querySelector(".console-chat[data-state='offered']"));
        break;
      case "?": toggleHelp(); break;
      default: return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  }, true);

  link.connect();
})();
