/* Copy buttons: a button with data-copy="<id>" copies the value of that (readonly) input.
   Without JavaScript the buttons stay hidden and the address can be selected by hand. */
(function () {
  "use strict";
  var status = document.querySelector("[data-copy-status]");

  function say(key) {
    if (status) {
      status.textContent = status.getAttribute(key) || "";
    }
  }

  function copy(input) {
    input.focus();
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(
        function () { say("data-copied"); },
        function () { say("data-failed"); }
      );
      return;
    }
    try {
      say(document.execCommand("copy") ? "data-copied" : "data-failed");
    } catch (error) {
      say("data-failed");
    }
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () { copy(input); });
  });
})();
