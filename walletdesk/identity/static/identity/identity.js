// Identity pages: "get code" buttons and passkeys (WebAuthn). No inline handlers (CSP).
(function () {
  "use strict";
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var match = document.cookie.match(/(?:^|; )(?:__Host-)?csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "Content-Type": "application/json" },
      body: body === undefined ? "{}" : JSON.stringify(body)
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-send-code]") : null;
    if (!button) { return; }
    var status = button.parentNode.querySelector("[data-send-status]");
    button.disabled = true;
    post(button.getAttribute("data-send-code")).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok) {
          status.textContent = status.getAttribute("data-sent-text");
          setTimeout(function () { button.disabled = false; }, 60000);
        } else {
          status.textContent = data.error ? data.error.message : "";
          button.disabled = false;
        }
      });
    });
  });

  // --- WebAuthn helpers: base64url <-> ArrayBuffer -------------------------------------------
  function b64ToBuf(value) {
    var s = value.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return bytes.buffer;
  }
  function bufToB64(buffer) {
    var bytes = new Uint8Array(buffer), bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function credentialToJSON(cred) {
    var r = cred.response, out = { id: cred.id, rawId: bufToB64(cred.rawId), type: cred.type, response: {},
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {} };
    out.response.clientDataJSON = bufToB64(r.clientDataJSON);
    if (r.attestationObject) {
      out.response.attestationObject = bufToB64(r.attestationObject);
      if (r.getTransports) { out.response.transports = r.getTransports(); }
    }
    if (r.authenticatorData) {
      out.response.authenticatorData = bufToB64(r.authenticatorData);
      out.response.signature = bufToB64(r.signature);
      out.response.userHandle = r.userHandle ? bufToB64(r.userHandle) : null;
    }
    if (cred.authenticatorAttachment) { out.authenticatorAttachment = cred.authenticatorAttachment; }
    return out;
  }
  function showError(id) { var el = document.getElementById(id); if (el) { el.hidden = false; } }
  window.walletdeskPasskey = {
    get: function (optionsUrl) {
      return post(optionsUrl).then(function (r) { return r.json(); }).then(function (options) {
        options.challenge = b64ToBuf(options.challenge);
        (options.allowCredentials || []).forEach(function (c) { c.id = b64ToBuf(c.id); });
        return navigator.credentials.get({ publicKey: options });
      }).then(credentialToJSON);
    }
  };

  var add = document.getElementById("passkey-add");
  if (add && window.PublicKeyCredential) {
    add.addEventListener("click", function () {
      add.disabled = true;
      post(add.getAttribute("data-options-url")).then(function (r) { return r.json(); }).then(function (options) {
        options.challenge = b64ToBuf(options.challenge);
        options.user.id = b64ToBuf(options.user.id);
        (options.excludeCredentials || []).forEach(function (c) { c.id = b64ToBuf(c.id); });
        return navigator.credentials.create({ publicKey: options });
      }).then(function (cred) {
        var name = document.getElementById("passkey-name").value;
        return post(add.getAttribute("data-register-url"), { credential: credentialToJSON(cred), name: name });
      }).then(function (response) {
        if (response.ok) { window.location.reload(); } else { showError("passkey-error"); add.disabled = false; }
      }).catch(function () { showError("passkey-error"); add.disabled = false; });
    });
  }

  var login = document.getElementById("passkey-login");
  if (login && window.PublicKeyCredential) {
    login.hidden = false;
    login.addEventListener("click", function () {
      window.walletdeskPasskey.get(login.getAttribute("data-options-url")).then(function (cred) {
        return post(login.getAttribute("data-login-url"), cred);
      }).then(function (response) { return response.json().then(function (data) {
        if (response.ok) { window.location.assign(data.redirect); } else { showError("passkey-error"); }
      }); }).catch(function () { showError("passkey-error"); });
    });
  }
})();
