// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit")) {
      target.form.submit();
    }
  });
  // A money form is submitted once: the button is disabled while the request is in flight, and
  // the idempotency key in the form makes a second submit a harmless replay anyway.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-once")) {
      // A disabled button is left out of the form data, and the browser builds that data after
      // this handler returns: carry the clicked button's name/value (e.g. step=quote) in a
      // hidden field so the server still learns which button was pressed.
      var submitter = event.submitter;
      if (submitter instanceof HTMLButtonElement && submitter.name) {
        var carried = form.querySelector("input[data-submitter]");
        if (!carried) {
          carried = document.createElement("input");
          carried.type = "hidden";
          carried.setAttribute("data-submitter", "");
          form.appendChild(carried);
        }
        carried.name = submitter.name;
        carried.value = submitter.value;
      }
      var buttons = form.querySelectorAll("button[type=submit]");
      buttons.forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      });
    }
  });
})();
