// Pay page: confirm a merchant payment with a passkey (fingerprint / face) instead of the
// 6-digit payment password. Needs identity/identity.js (window.walletdeskPasskey). No inline
// handlers (CSP).
(function () {
  "use strict";
  var button = document.getElementById("passkey-pay");
  var field = document.getElementById("passkey-assertion");
  if (!button || !field || !window.PublicKeyCredential || !window.walletdeskPasskey) { return; }
  var form = button.form;
  var submit = document.getElementById("pay-submit");
  var help = document.getElementById("passkey-pay-help");
  var error = document.getElementById("passkey-pay-error");
  button.hidden = false;
  if (help) { help.hidden = false; }
  button.addEventListener("click", function () {
    if (!form.reportValidity()) { return; }
    button.disabled = true;
    if (error) { error.hidden = true; }
    window.walletdeskPasskey.get(button.getAttribute("data-options-url")).then(function (credential) {
      field.value = JSON.stringify(credential);
      var password = form.querySelector("input[name=payment_password]");
      if (password) { password.value = ""; }
      if (form.requestSubmit && submit) { form.requestSubmit(submit); } else { form.submit(); }
    }).catch(function () {
      field.value = "";
      button.disabled = false;
      if (error) { error.hidden = false; }
    });
  });
})();
