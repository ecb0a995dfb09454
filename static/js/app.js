// Relais front-end glue: CSRF for htmx, form errors swapped in place, small niceties.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');

  document.body.addEventListener("htmx:configRequest", function (evt) {
    if (csrf) { evt.detail.headers["X-CSRFToken"] = csrf.content; }
  });

  // 422 answers carry the form again with its messages: show them in place.
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr.status;
    if (status === 422) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    } else if (status >= 400) {
      showToast(evt.detail.xhr.responseText, true);
    }
  });

  // What cannot be undone asks first: a form (or its submit button) with data-confirm shows the question in
  // the browser's dialog. Listening while capturing runs before htmx's own submit handler, plain forms or not.
  document.addEventListener("submit", function (evt) {
    var button = evt.submitter;
    var question = (button && button.getAttribute("data-confirm")) || evt.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);

  function showToast(html, isError) {
    var box = document.getElementById("toasts");
    if (!box) { return; }
    var el = document.createElement("div");
    el.className = "toast" + (isError ? " toast-error" : "");
    var parsed = new DOMParser().parseFromString(html, "text/html");
    var msg = parsed.querySelector("[data-error-message]");
    el.textContent = msg ? msg.textContent.trim() : (box.dataset.fallback || "Error");
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 6000);
  }

  // Signup: derive the workspace address from the agency name until edited by hand.
  var name = document.getElementById("agency_name");
  var slug = document.getElementById("agency_slug");
  if (name && slug) {
    var touched = slug.value !== "";
    slug.addEventListener("input", function () { touched = true; });
    name.addEventListener("input", function () {
      if (touched) { return; }
      slug.value = name.value.normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
        .toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);
    });
  }

  // Flash messages fade away on their own.
  document.querySelectorAll(".flash[data-autohide]").forEach(function (el) {
    setTimeout(function () { el.classList.add("flash-hide"); }, 5000);
  });

  // Close open menus when clicking elsewhere.
  document.addEventListener("click", function (evt) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(evt.target)) { menu.removeAttribute("open"); }
    });
  });
})();
