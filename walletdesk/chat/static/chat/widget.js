/* The wallet's live chat on the operator's own site (docs/chat-widget.md):
 *   <script src="https://wallet.example.com/static/chat/widget.js" data-label="在线客服" defer></script>
 * A button at the bottom right opens the chat (/support/chat/?embed=1 on the wallet's host) in a
 * panel with an iframe; the chat itself, its socket and its session stay on the wallet's origin.
 * No dependencies, no globals but window.WalletDeskChat. */
(function () {
  "use strict";
  if (window.WalletDeskChat) return;
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, location.href).origin;
  var label = script.getAttribute("data-label") || "在线客服 · Chat";
  var closeLabel = script.getAttribute("data-close") || "×";
  var panel = null;

  function style(node, rules) {
    Object.keys(rules).forEach(function (k) { node.style[k] = rules[k]; });
  }

  var button = document.createElement("button");
  button.type = "button";
  button.id = "walletdesk-chat-button";
  button.textContent = label;
  button.setAttribute("aria-haspopup", "dialog");
  style(button, {
    position: "fixed", right: "16px", bottom: "16px", zIndex: "2147483000",
    padding: "12px 18px", border: "0", borderRadius: "24px", background: "#1556d6",
    color: "#fff", font: "600 15px/1.2 system-ui, sans-serif", cursor: "pointer",
    boxShadow: "0 4px 14px rgba(0,0,0,.2)"
  });

  function open() {
    if (!panel) {
      panel = document.createElement("div");
      panel.id = "walletdesk-chat-panel";
      panel.setAttribute("role", "dialog");
      panel.setAttribute("aria-label", label);
      var narrow = window.innerWidth <= 480;
      style(panel, {
        position: "fixed", zIndex: "2147483001", background: "#fff",
        boxShadow: "0 8px 30px rgba(0,0,0,.25)", display: "flex", flexDirection: "column",
        right: narrow ? "0" : "16px", bottom: narrow ? "0" : "16px",
        width: narrow ? "100%" : "380px", height: narrow ? "100%" : "600px",
        maxHeight: "100%", borderRadius: narrow ? "0" : "14px", overflow: "hidden"
      });
      var close = document.createElement("button");
      close.type = "button";
      close.id = "walletdesk-chat-close";
      close.textContent = closeLabel;
      close.setAttribute("aria-label", closeLabel);
      style(close, {
        alignSelf: "flex-end", margin: "6px", padding: "6px 12px", border: "0",
        background: "transparent", font: "15px system-ui, sans-serif", cursor: "pointer"
      });
      close.addEventListener("click", hide);
      var frame = document.createElement("iframe");
      frame.id = "walletdesk-chat-frame";
      frame.title = label;
      frame.src = origin + "/support/chat/?embed=1";
      frame.setAttribute("allow", "clipboard-write");
      style(frame, {flex: "1", width: "100%", border: "0"});
      panel.appendChild(close);
      panel.appendChild(frame);
      document.body.appendChild(panel);
    }
    panel.style.display = "flex";
    button.style.display = "none";
  }

  function hide() {
    if (panel) panel.style.display = "none";
    button.style.display = "";
    button.focus();
  }

  button.addEventListener("click", open);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel && panel.style.display !== "none") hide();
  });
  function mount() { document.body.appendChild(button); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
  window.WalletDeskChat = {open: open, close: hide};
})();
