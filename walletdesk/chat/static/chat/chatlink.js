/* The live chat's client side of docs/chat-protocol.md, shared by the customer's page and the
 * agent console: one socket, reconnect with backoff, join each conversation from the last seq
 * shown, an outbox re-sent with the same client ids until acknowledged. No dependencies. */
(function () {
  "use strict";

  function ChatLink(path, handlers) {
    this.url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
    this.handlers = handlers;
    this.joined = {};   // conversation -> true
    this.lastSeq = {};  // conversation -> highest seq shown
    this.outbox = {};   // client_id -> frame (not yet acknowledged)
    this.attempt = 0;
    this.stopped = false;
    this.ws = null;
  }

  ChatLink.prototype.connect = function () {
    var self = this;
    var ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = function () {
      self.attempt = 0;
      Object.keys(self.joined).forEach(function (c) { self.join(c); });
      if (self.handlers.open) self.handlers.open();
    };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      self.receive(frame);
    };
    ws.onclose = function (event) {
      if (self.ws !== ws) return;
      self.ws = null;
      if (self.handlers.closed) self.handlers.closed(event.code);
      if (event.code === 4401 || event.code === 4403 || self.stopped) return;
      var delay = Math.min(30000, 1000 * Math.pow(2, self.attempt++));
      delay = delay * (0.7 + Math.random() * 0.6);
      setTimeout(function () { self.connect(); }, delay);
    };
  };

  ChatLink.prototype.raw = function (frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  };

  ChatLink.prototype.join = function (conversation) {
    if (conversation) this.joined[conversation] = true;
    this.raw({type: "join", conversation: conversation || null,
              after: (conversation && this.lastSeq[conversation]) || 0});
  };

  ChatLink.prototype.leave = function (conversation) { delete this.joined[conversation]; };

  ChatLink.prototype.newClientId = function () {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return "c-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  };

  ChatLink.prototype.send = function (conversation, text, extra) {
    var frame = {type: "send", conversation: conversation, client_id: this.newClientId(), text: text};
    Object.keys(extra || {}).forEach(function (k) { frame[k] = extra[k]; });
    this.outbox[frame.client_id] = frame;
    // Sent before the first join has named the conversation (a customer typing while the page
    // connects), the frame waits in the outbox and leaves with the join's answer.
    if (conversation) this.raw(frame);
    return frame.client_id;
  };

  // A card (docs/chat-protocol.md "Cards"): a `card` frame kept in the outbox like a `send`.
  ChatLink.prototype.sendCard = function (conversation, card) {
    return this.send(conversation, "", {type: "card", card: card});
  };

  ChatLink.prototype.flush = function (conversation) {
    var self = this;
    Object.keys(this.outbox).forEach(function (id) {
      if (self.outbox[id].conversation === conversation) self.raw(self.outbox[id]);
    });
  };

  ChatLink.prototype.receive = function (frame) {
    var h = this.handlers;
    if (frame.type === "joined") {
      var outbox = this.outbox;
      Object.keys(outbox).forEach(function (id) {
        if (!outbox[id].conversation) outbox[id].conversation = frame.conversation;
      });
      this.joined[frame.conversation] = true;
      if (!(frame.conversation in this.lastSeq)) this.lastSeq[frame.conversation] = 0;
      if (h.joined) h.joined(frame);
      this.flush(frame.conversation);
      return;
    }
    if (frame.type === "message") {
      // Duplicates can only come from a reconnect overlapping a send: drop them.
      if (frame.seq <= (this.lastSeq[frame.conversation] || 0)) return;
      this.lastSeq[frame.conversation] = frame.seq;
      if (frame.client_id) delete this.outbox[frame.client_id];
      if (h.message) h.message(frame);
      return;
    }
    if (frame.type === "ack") {
      delete this.outbox[frame.client_id];
      if (h.ack) h.ack(frame);
      return;
    }
    if (frame.type === "error" && frame.code === "rate_limited" && frame.client_id) {
      var self = this, pending = this.outbox[frame.client_id];
      if (pending) setTimeout(function () { self.raw(pending); }, 2000);
      return;
    }
    // Any other refusal naming a client id is final: sending it again would be refused again.
    if (frame.type === "error" && frame.client_id) delete this.outbox[frame.client_id];
    if (h[frame.type]) h[frame.type](frame);
    else if (h.other) h.other(frame);
  };

  window.ChatLink = ChatLink;
})();
