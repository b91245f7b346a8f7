// While a volunteer types, show known knelpunten that look the same and suggested categories.
// The page works without this script: the same check runs when the form is submitted.
(function () {
  "use strict";
  var form = document.querySelector("form[data-similar-url]");
  var target = document.getElementById("similar-live");
  if (!form || !target || !window.fetch) { return; }
  var fields = [form.elements.title, form.elements.description];
  var timer = null;
  var last = "";
  var selects = { thema: form.elements.themes, regeling: form.elements.schemes, uitvoerder: form.elements.agency };

  function addApplyButtons() {
    target.querySelectorAll("li[data-facet]").forEach(function (item) {
      var select = selects[item.getAttribute("data-facet")];
      if (!select) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button-link";
      button.textContent = target.getAttribute("data-apply-label");
      button.addEventListener("click", function () {
        var value = item.getAttribute("data-value");
        Array.prototype.forEach.call(select.options, function (option) {
          if (option.value === value) { option.selected = true; }
        });
        var details = select.closest("details");
        if (details) { details.open = true; }
        button.textContent = target.getAttribute("data-applied-label");
        button.disabled = true;
      });
      item.appendChild(document.createTextNode(" "));
      item.appendChild(button);
    });
  }

  function check() {
    var text = fields[0].value + "\n" + fields[1].value;
    if (text.trim().length < 8 || text === last) { return; }
    last = text;
    var body = new FormData();
    body.append("title", fields[0].value);
    body.append("description", fields[1].value);
    fetch(form.getAttribute("data-similar-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.elements.csrf_token.value }
    }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      target.innerHTML = html;
      addApplyButtons();
    }).catch(function () { /* the check on submit still runs */ });
  }

  fields.forEach(function (field) {
    if (!field) { return; }
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 400);
    });
  });
  addApplyButtons();
})();
