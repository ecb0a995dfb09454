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
    announce(el.textContent);
    setTimeout(function () { el.remove(); }, 6000);
  }

  // The page's one polite live region. The server asks for a sentence with the HX-Trigger header
  // {"relais:announce": {"message": ...}}; scripts dispatch the same event. Emptied first, so that
  // the same sentence twice is read twice.
  function announce(message) {
    var region = document.getElementById("announcer");
    if (!region || !message) { return; }
    region.textContent = "";
    setTimeout(function () { region.textContent = message; }, 50);
  }
  document.body.addEventListener("relais:announce", function (evt) {
    announce(evt.detail && evt.detail.message);
  });

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

  // A secret shown once (API token, webhook secret): its "Copy" button puts it on the clipboard and says so.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    navigator.clipboard.writeText(source ? source.textContent.trim() : "").then(function () {
      button.textContent = button.getAttribute("data-copied") || button.textContent;
      announce(button.getAttribute("data-copied"));
    });
  });

  // Close open menus when clicking elsewhere.
  document.addEventListener("click", function (evt) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(evt.target)) { menu.removeAttribute("open"); }
    });
  });

  // Escape closes the open menus (user menu, agency switcher, column menus); focus goes back to the
  // menu's button when it was inside. Other Escape handlers (the card drawer) see defaultPrevented.
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") { return; }
    var open = document.querySelectorAll("details.menu[open]");
    if (!open.length) { return; }
    open.forEach(function (menu) {
      var inside = menu.contains(document.activeElement);
      menu.removeAttribute("open");
      if (inside) { menu.querySelector("summary").focus(); }
    });
    evt.preventDefault();
  });

  // The top bar's menu on phones and narrow windows (base.html): the button shows and hides the panel of
  // sections. Escape closes it and gives focus back to the button; a tap elsewhere closes it and goes no
  // further (the page under the dimmed backdrop is not clicked by accident), and so does leaving it by Tab.
  var toggle = document.querySelector(".nav-toggle");
  var siteMenu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  function menuOpen() { return toggle.getAttribute("aria-expanded") === "true"; }
  function setMenu(open, refocus) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    siteMenu.classList.toggle("is-open", open);
    if (!open && refocus) { toggle.focus(); }
  }
  if (siteMenu) {
    toggle.addEventListener("click", function () { setMenu(!menuOpen(), false); });
    document.addEventListener("click", function (evt) {
      if (!menuOpen() || siteMenu.contains(evt.target) || toggle.contains(evt.target)) { return; }
      setMenu(false, false);
      evt.preventDefault();
      evt.stopPropagation();
    }, true);
    document.addEventListener("keydown", function (evt) {
      if (evt.key !== "Escape" || evt.defaultPrevented || !menuOpen()) { return; }  // an open menu inside closes first
      setMenu(false, siteMenu.contains(document.activeElement) || document.activeElement === toggle);
      evt.preventDefault();
    });
    siteMenu.addEventListener("focusout", function (evt) {
      var next = evt.relatedTarget;
      if (menuOpen() && next && next !== toggle && !siteMenu.contains(next)) { setMenu(false, false); }
    });
    window.matchMedia("(min-width: 1101px)").addEventListener("change", function (evt) {
      if (evt.matches) { setMenu(false, false); }
    });
  }

  // What keyboard focus can land on.
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), " +
    "textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";
  function focusables(root) {
    return Array.prototype.filter.call(root.querySelectorAll(FOCUSABLE), function (el) {
      return el.getClientRects().length > 0;
    });
  }
  window.relaisFocusables = focusables;

  // htmx swaps: when the focused element is replaced, focus its counterpart in the new content
  // (same id, same test id or name, else the same place), else the first new element, never the top.
  var kept = null;
  function describe(el) {
    var anchor = el.parentElement ? el.parentElement.closest("[id]") : null;
    return {
      el: el, anchorId: anchor ? anchor.id : null, testid: el.getAttribute("data-testid"),
      name: el.getAttribute("name"), tag: el.tagName,
      index: anchor ? focusables(anchor).indexOf(el) : -1
    };
  }
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    var active = document.activeElement;
    if (!active || active === document.body || !evt.detail.target || !evt.detail.target.contains(active)) { return; }
    kept = describe(active);
    kept.target = evt.detail.target;
    kept.parent = evt.detail.target.parentElement;
    kept.previous = evt.detail.target.previousElementSibling;
  });
  function counterpart(saved) {
    var anchor = saved.anchorId && document.getElementById(saved.anchorId);
    if (anchor) {
      var found = (saved.testid && anchor.querySelector("[data-testid='" + saved.testid + "']")) ||
        (saved.name && anchor.querySelector(saved.tag + "[name='" + saved.name + "']"));
      if (found) { return found; }
      var items = focusables(anchor);
      if (saved.index >= 0 && items[saved.index]) { return items[saved.index]; }
    }
    if (saved.target.isConnected) { return focusables(saved.target)[0] || null; }
    var first = saved.previous && saved.previous.isConnected ? saved.previous.nextElementSibling
      : (saved.parent && saved.parent.isConnected ? saved.parent.firstElementChild : null);
    if (first && !first.matches(FOCUSABLE)) { first.setAttribute("tabindex", "-1"); }
    return first;
  }
  document.body.addEventListener("htmx:afterSettle", function () {
    var saved = kept;
    kept = null;
    if (!saved || saved.el.isConnected) { return; }
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) { return; }  // htmx kept it (same id)
    var next = counterpart(saved);
    if (next) { next.focus({ preventScroll: false }); }
  });

  // Selects that save on their own (data-autosave, the form listens for "autosave"). A pick with the
  // mouse saves at once; arrow keys only browse (Chromium fires "change" on each arrow of a closed
  // select), and the choice is saved on Enter or when focus leaves the select.
  function isAutosave(el) { return el && el.matches && el.matches("select[data-autosave]"); }
  function commit(select) {
    delete select.dataset.browsing;
    delete select.dataset.dirty;
    if (select.value !== select.dataset.saved) {
      select.dataset.saved = select.value;
      htmx.trigger(select.form, "autosave");
    }
  }
  document.addEventListener("keydown", function (evt) {
    if (!isAutosave(evt.target) || evt.key === "Tab" || evt.key === "Shift") { return; }
    if (evt.key === "Enter") {
      evt.preventDefault();
      commit(evt.target);
    } else {
      evt.target.dataset.browsing = "1";
    }
  });
  document.addEventListener("pointerdown", function (evt) {
    if (isAutosave(evt.target)) { delete evt.target.dataset.browsing; }
  });
  document.addEventListener("change", function (evt) {
    if (!isAutosave(evt.target)) { return; }
    if (evt.target.dataset.browsing) { evt.target.dataset.dirty = "1"; } else { commit(evt.target); }
  });
  document.addEventListener("focusout", function (evt) {
    if (isAutosave(evt.target) && evt.target.dataset.dirty) { commit(evt.target); }
  });

  // Form errors: every message is tied to its field (aria-invalid, aria-describedby). The shared
  // `field` macro writes them; this covers the forms written by hand, on load and after htmx swaps.
  var errorCount = 0;
  function linkErrors(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form .error"), function (error) {
      var box = error.closest(".field") || error.parentElement;
      var control = null;
      Array.prototype.forEach.call(box.querySelectorAll("input:not([type=hidden]), select, textarea"), function (el) {
        if (el.compareDocumentPosition(error) & Node.DOCUMENT_POSITION_FOLLOWING) { control = el; }
      });
      if (!control || control.getAttribute("aria-invalid") === "true") { return; }
      if (!error.id) { error.id = "error-" + (++errorCount); }
      var described = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(error.id) < 0) { described.push(error.id); }
      control.setAttribute("aria-describedby", described.join(" "));
      control.setAttribute("aria-invalid", "true");
    });
  }
  linkErrors(document);
  htmx.onLoad(function (el) { if (el.querySelectorAll) { linkErrors(el); labelCells(el); } });

  // Tables on a phone show each row as a card (app.css): every cell is labelled with its column's heading.
  // Headings only read by screen readers (an "Actions" column) and cells spanning columns stay unlabelled.
  function labelCells(root) {
    var tables = root.matches && root.matches("table.list") ? [root] : root.querySelectorAll("table.list");
    if (!tables.length && root.closest) { var up = root.closest("table.list"); if (up) { tables = [up]; } }
    Array.prototype.forEach.call(tables, function (table) {
      var heads = table.tHead ? table.tHead.rows[0] : null;
      if (!heads) { return; }
      var labels = [];
      Array.prototype.forEach.call(heads.cells, function (th) {
        var shown = th.cloneNode(true);
        Array.prototype.forEach.call(shown.querySelectorAll(".sr-only"), function (el) { el.remove(); });
        for (var n = 0; n < (th.colSpan || 1); n++) { labels.push(th.colSpan > 1 ? "" : shown.textContent.trim()); }
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var column = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            if (cell.colSpan === 1 && labels[column]) { cell.setAttribute("data-label", labels[column]); }
            column += cell.colSpan || 1;
          });
        });
      });
    });
  }
  labelCells(document);
})();
