// Passkeys (WebAuthn): buttons marked data-passkey="register" | "sign-in" | "second-factor" run a ceremony.
// The server gives the options (JSON), the browser's authenticator answers, the answer is posted back as JSON
// with the page's CSRF token; the server's answer names the page to open, or a sentence to show.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.content : ""},
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new Error(data.error || ""); }
        return data;
      });
    });
  }

  function show(button, message) {
    var box = button.parentNode.querySelector("[data-passkey-error]");
    if (box) { box.textContent = message; box.hidden = false; }
  }

  function run(button) {
    var kind = button.getAttribute("data-passkey");
    var fallback = button.getAttribute("data-failed") || "";
    var supported = window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON;
    if (!supported) { show(button, button.getAttribute("data-unsupported") || fallback); return; }
    button.disabled = true;
    post(button.getAttribute("data-options")).then(function (data) {
      if (kind === "register") {
        return navigator.credentials.create({publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(data.options)});
      }
      return navigator.credentials.get({publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(data.options)});
    }).then(function (credential) {
      var body = {credential: credential.toJSON()};
      var name = document.getElementById("passkey-name");
      if (kind === "register" && name) { body.name = name.value; }
      var next = document.querySelector('input[name="next"]');
      if (kind === "sign-in" && next) { body.next = next.value; }
      var remember = document.querySelector('input[name="remember"]');
      if (kind === "sign-in" && remember) { body.remember = remember.checked; }
      return post(button.getAttribute("data-verify"), body);
    }).then(function (data) {
      window.location.assign(data.redirect || "/");
    }).catch(function (error) {
      button.disabled = false;
      // The person closed the browser's prompt, or the authenticator refused: say so, keep the page as it is.
      show(button, (error && error.name !== "NotAllowedError" && error.message) || fallback);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-passkey]");
    if (button) { event.preventDefault(); run(button); }
  });
})();
