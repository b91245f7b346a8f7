// While a volunteer types, show known knelpunten that look the same and suggested categories,
// directly below the description. Once they have been shown for the current text, Opslaan
// stores at once (the hidden field similar_checked says so to the server).
// The page works without this script: the same check runs when the form is submitted.
(function () {
  "use strict";
  var form = document.querySelector("form[data-similar-url]");
  var target = document.getElementById("similar-live");
  if (!form || !target || !window.fetch) { return; }
  var fields = [form.elements.title, form.elements.description];
  var timer = null;
  var last = "";
  var controls = { thema: "themes", regeling: "schemes", uitvoerder: "agency" };

  // Similar signals: has the volunteer seen them for the text as it is now?
  function markSimilarSeen(seen) {
    if (form.elements.similar_checked) { form.elements.similar_checked.value = seen ? "1" : ""; }
  }

  // A suggestion picks a checkbox (themes, schemes) or an option of a select (agency).
  function applySuggestion(name, value) {
    var control = form.elements[name];
    if (!control) { return; }
    if (control.tagName === "SELECT") {
      control.value = value;
      return;
    }
    var boxes = control.length === undefined ? [control] : control;
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.value === value) {
        box.checked = true;
        var details = box.closest("details");
        if (details) { details.open = true; }
      }
    });
  }

  function addApplyButtons() {
    target.querySelectorAll("li[data-facet]").forEach(function (item) {
      var name = controls[item.getAttribute("data-facet")];
      if (!name || !form.elements[name]) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button-link";
      button.textContent = target.getAttribute("data-apply-label");
      button.addEventListener("click", function () {
        applySuggestion(name, item.getAttribute("data-value"));
        button.textContent = target.getAttribute("data-applied-label");
        button.disabled = true;
      });
      item.appendChild(document.createTextNode(" "));
      item.appendChild(button);
    });
  }

  function checkSimilar() {
    var text = fields[0].value + "\n" + fields[1].value;
    if (text.trim().length < 8) { return; }
    if (text === last) { markSimilarSeen(true); return; }
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
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      target.innerHTML = html;
      addApplyButtons();
      var now = fields[0].value + "\n" + fields[1].value;
      markSimilarSeen(now === text);
    }).catch(function () { markSimilarSeen(false); /* the check on submit still runs */ });
  }

  fields.forEach(function (field) {
    if (!field) { return; }
    field.addEventListener("input", function () {
      markSimilarSeen(false);
      clearTimeout(timer);
      timer = setTimeout(checkSimilar, 400);
    });
  });
  addApplyButtons();
  // A form shown again (privacy findings, an error) already holds text: check it now.
  if ((fields[0] && fields[0].value) || (fields[1] && fields[1].value)) { checkSimilar(); }
})();

// Privacy: while a volunteer types, show the personal data the guard finds (names, phone
// numbers, …) before Opslaan. The box always stays in place; the check on submit still runs.
(function () {
  "use strict";
  var box = document.querySelector("[data-privacy-url]");
  var form = box && box.closest("form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var names = (box.getAttribute("data-privacy-fields") || "").split(" ");
  var timer = null;
  var last = "";

  function privacyFields() {
    return names.map(function (name) { return form.elements[name]; })
      .filter(function (field) { return field && typeof field.value === "string"; });
  }

  function privacyCheck() {
    var fields = privacyFields();
    var text = fields.map(function (field) { return field.value; }).join("\n");
    if (text === last) { return; }
    last = text;
    if (!text.trim()) { box.innerHTML = ""; return; }
    var body = new FormData();
    fields.forEach(function (field) { body.append(field.name, field.value); });
    fetch(box.getAttribute("data-privacy-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.elements.csrf_token.value }
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null) { box.innerHTML = html; }
    }).catch(function () { /* keep what is shown; the check on submit still runs */ });
  }

  privacyFields().forEach(function (field) {
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(privacyCheck, 300);
    });
  });
})();
