/* The customer's chat page (templates chat/customer.html), over ChatLink. */
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root || !window.ChatLink) return;
  var T = JSON.parse(document.getElementById("chat-strings").textContent);
  var thread = document.getElementById("chat-thread");
  var statusLine = document.getElementById("chat-status");
  var typingLine = document.getElementById("chat-typing");
  var input = document.getElementById("chat-input");
  var quick = document.getElementById("chat-quick");
  var leave = document.getElementById("chat-leave");
  var conversation = sessionStorage.getItem("wd-chat-conversation");
  var typingTimer = null, lastTyping = 0, readTimer = null;

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; });
  }

  function bubble(author, text, id) {
    var li = document.createElement("li");
    li.className = "chat-msg chat-" + author;
    if (text) {
      var p = document.createElement("p");
      p.textContent = text;
      li.appendChild(p);
    }
    if (id) li.dataset.clientId = id;
    thread.appendChild(li);
    li.scrollIntoView({block: "end"});
    return li;
  }

  // A card: a record with its status, a help article, a link into the app (text only, no HTML
  // from the server is ever inserted).
  function card(c) {
    var box = document.createElement(c.url ? "a" : "div");
    box.className = "chat-card chat-card-" + (c.type || "link");
    if (c.url) box.href = c.url;
    var title = document.createElement("strong");
    title.textContent = c.title || "";
    box.appendChild(title);
    if (c.subtitle) {
      var sub = document.createElement("span");
      sub.className = "chat-card-sub";
      sub.textContent = c.subtitle;
      box.appendChild(sub);
    }
    if (c.status_label) {
      // The record's status as it is now (the fields keep what it was when the card was sent).
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

  // A file in the thread: pictures inline, PDFs as a link (served by the checked file view).
  function fileView(f) {
    if (/^image\//.test(f.content_type)) {
      var img = document.createElement("img");
      img.className = "chat-img";
      img.src = f.url;
      img.alt = f.name;
      img.loading = "lazy";
      return img;
    }
    var a = document.createElement("a");
    a.className = "chat-file";
    a.href = f.url;
    a.textContent = "📄 " + f.name;
    return a;
  }

  function csrf() {
    var input = document.querySelector("#chat-compose input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  var link = new ChatLink(root.dataset.socket, {
    open: function () {
      statusLine.classList.remove("chat-offline");
      if (!conversation) link.join(null);
    },
    closed: function (code) {
      statusLine.classList.add("chat-offline");
      statusLine.textContent = code === 4401 ? T.signed_out : T.offline;
    },
    joined: function (frame) {
      conversation = frame.conversation;
      sessionStorage.setItem("wd-chat-conversation", conversation);
      root.dataset.conversation = conversation;
    },
    message: function (frame) {
      sessionStorage.setItem("wd-chat-seq-" + frame.conversation, frame.seq);
      var mine = frame.author === "customer";
      var pending = mine && frame.client_id &&
        thread.querySelector("li[data-client-id='" + frame.client_id + "']");
      var li = pending || bubble(frame.author, frame.text);
      li.classList.remove("chat-pending");
      li.dataset.seq = frame.seq;
      var payload = frame.payload || {};
      if (!pending) (payload.files || []).forEach(function (f) { li.appendChild(fileView(f)); });
      (payload.cards || []).forEach(function (c) { li.appendChild(card(c)); });
      var replies = payload.quick_replies || [];
      replies.forEach(function (r) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "btn btn-secondary btn-compact";
        b.dataset.quick = r.id;
        b.dataset.label = r.label;
        b.textContent = r.label;
        li.appendChild(b);
      });
      if (!mine) {
        typingLine.hidden = true;
        clearTimeout(readTimer);
        readTimer = setTimeout(function () {
          link.raw({type: "read", conversation: frame.conversation, seq: frame.seq});
        }, 300);
      }
    },
    queue: function (frame) {
      root.dataset.state = frame.state;
      var text = T[frame.state] || "";
      if (frame.state === "waiting" || frame.state === "offered") {
        text = fmt(T.waiting, {position: frame.position});
        text += " " + (frame.eta_seconds === null ? T.no_agents :
          fmt(T.eta, {minutes: Math.max(1, Math.round(frame.eta_seconds / 60))}));
      } else if (frame.state === "left_message") {
        text = fmt(T.left_message, {ticket: frame.ticket});
      }
      statusLine.textContent = text;
      quick.hidden = frame.state !== "bot";
      leave.hidden = frame.state !== "after_hours";
      document.getElementById("chat-rate").hidden = !frame.can_rate;
      document.getElementById("chat-end").hidden =
        frame.state !== "ended" && frame.state !== "left_message";
      document.getElementById("chat-leave-chat").hidden =
        ["waiting", "offered", "assigned"].indexOf(frame.state) < 0;
      var over = frame.state === "ended" || frame.state === "left_message";
      document.getElementById("chat-share").hidden = over;
      if (over) showPicker(false);
    },
    typing: function () {
      typingLine.textContent = T.typing;
      typingLine.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typingLine.hidden = true; }, 3000);
    },
    read: function (frame) {
      thread.querySelectorAll("li.chat-customer").forEach(function (li) {
        if (Number(li.dataset.seq) <= frame.seq) li.dataset.read = T.read;
      });
    },
    transcript: function (frame) {
      var note = document.getElementById("chat-transcript-note");
      note.textContent = fmt(T.transcript_sent, {email: frame.sent_to});
      note.hidden = false;
      document.getElementById("chat-transcript").disabled = true;
    },
    error: function (frame) {
      // A refused send or card: its "sending" bubble goes (the message says why).
      var refused = frame.client_id &&
        thread.querySelector("li.chat-pending[data-client-id='" + frame.client_id + "']");
      if (refused) refused.remove();
      if (frame.code === "chat_no_email" || frame.code === "chat_wrong_state") {
        var note = document.getElementById("chat-transcript-note");
        note.textContent = frame.message || "";
        note.hidden = false;
      }
      if (frame.message) statusLine.textContent = frame.message;
    }
  });

  if (conversation) {
    link.lastSeq[conversation] = 0;  // the page is new: show the whole history again
    link.joined[conversation] = true;
  }

  document.getElementById("chat-compose").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    var id = link.send(conversation, text);
    bubble("customer", text, id).classList.add("chat-pending");
    input.value = "";
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      document.getElementById("chat-compose").requestSubmit();
    }
  });
  input.addEventListener("input", function () {
    var now = Date.now();
    if (conversation && now - lastTyping > 2000) {
      lastTyping = now;
      link.raw({type: "typing", conversation: conversation});
    }
  });
  root.addEventListener("click", function (event) {
    var star = event.target.closest("[data-score]");
    if (star && conversation) {
      link.raw({type: "rate", conversation: conversation, score: Number(star.dataset.score)});
      return;
    }
    var b = event.target.closest("[data-quick]");
    if (!b || !conversation) return;
    if (b.dataset.quick === "handoff") {
      link.raw({type: "handoff", conversation: conversation});
    } else if (root.dataset.state === "bot") {
      // The assistant's other quick replies: the label is what the customer "says".
      var label = b.dataset.label || b.textContent;
      var id = link.send(conversation, label, {quick_reply: b.dataset.quick});
      bubble("customer", label, id).classList.add("chat-pending");
    }
  });
  var fileInput = document.getElementById("chat-file");
  fileInput.addEventListener("change", function () {
    var picked = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (!picked || !conversation) return;
    var body = new FormData();
    body.append("conversation", conversation);
    body.append("file", picked);
    var li = bubble("customer", picked.name);
    li.classList.add("chat-pending");
    fetch(document.getElementById("chat-compose").dataset.upload, {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf()}, body: body
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      if (!result.ok) {
        li.remove();
        statusLine.textContent = (result.data.error && result.data.error.message) || T.offline;
        return;
      }
      li.querySelector("p").remove();
      li.appendChild(fileView(result.data));
      li.dataset.clientId = link.send(conversation, "", {files: [result.data.id]});
    }).catch(function () {
      li.remove();
      statusLine.textContent = T.offline;
    });
  });
  // 「分享一笔记录」: the picker lists the customer's latest records; the card sent names the
  // record only (kind and id), the server draws it from the record with its status as it is.
  var picker = document.getElementById("chat-records");
  var shareButton = document.getElementById("chat-share-record");
  function showPicker(open) {
    picker.hidden = !open;
    shareButton.setAttribute("aria-expanded", open ? "true" : "false");
  }
  shareButton.addEventListener("click", function () { showPicker(picker.hidden); });
  document.getElementById("chat-records-close").addEventListener("click", function () {
    showPicker(false);
  });
  picker.addEventListener("click", function (event) {
    var pick = event.target.closest(".chat-record-pick");
    if (!pick) return;
    showPicker(false);
    var id = link.sendCard(conversation, {type: "record", kind: pick.dataset.kind, id: pick.dataset.id});
    bubble("customer", "", id).classList.add("chat-pending");
  });
  document.getElementById("chat-transcript").addEventListener("click", function () {
    if (conversation) link.raw({type: "transcript", conversation: conversation});
  });
  document.getElementById("chat-end-button").addEventListener("click", function () {
    if (conversation) link.raw({type: "end", conversation: conversation});
  });
  leave.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = document.getElementById("chat-leave-text").value.trim();
    if (text && conversation) link.raw({type: "leave_message", conversation: conversation, text: text});
  });
  link.connect();
})();
