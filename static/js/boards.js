// Boards: drag and drop (SortableJS), keyboard moves, the card drawer, the live feed's manners.
(function () {
  "use strict";
  var dragging = false;

  function toast(message, isError) {
    var box = document.getElementById("toasts");
    if (!box || !message) { return; }
    var el = document.createElement("div");
    el.className = "toast" + (isError ? " toast-error" : "");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 6000);
  }

  // A card's move and step addresses extend its own address (the title link).
  function cardUrl(card, action) {
    return card.querySelector(".card-title").getAttribute("href") + "/" + action;
  }

  // The server re-checks every id and answers with the redrawn columns (out of band).
  function saveMove(item) {
    var previous = item.previousElementSibling;
    while (previous && !previous.dataset.cardId) { previous = previous.previousElementSibling; }
    var list = item.closest("[data-sortable-cards]");
    htmx.ajax("POST", cardUrl(item, "move"), {
      source: item, swap: "none",
      values: { column_id: list.dataset.columnId, after_id: previous ? previous.dataset.cardId : "0" }
    });
  }

  function makeSortable(root) {
    if (typeof Sortable === "undefined") { return; }
    var lists = root.matches && root.matches("[data-sortable-cards]") ? [root] : root.querySelectorAll("[data-sortable-cards]");
    Array.prototype.forEach.call(lists, function (list) {
      if (list.dataset.sortableReady) { return; }
      list.dataset.sortableReady = "1";
      Sortable.create(list, {
        group: "cards", draggable: ".card", animation: 150, forceFallback: true, fallbackOnBody: true,
        delayOnTouchOnly: true, delay: 150, ghostClass: "card-ghost", chosenClass: "card-chosen", dragClass: "card-drag",
        onStart: function () { dragging = true; document.body.classList.add("is-dragging"); },
        onEnd: function (evt) {
          dragging = false;
          document.body.classList.remove("is-dragging");
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) { return; }
          saveMove(evt.item);
        }
      });
    });
  }

  htmx.onLoad(makeSortable);
  makeSortable(document);

  // A poll must not redraw the board under someone's drag, open menu or half-typed text.
  function busyOnBoard() {
    var board = document.getElementById("board-columns");
    if (!board) { return false; }
    if (board.querySelector("details[open]")) { return true; }
    var active = document.activeElement;
    return !!(active && board.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) && active.value);
  }

  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    if (evt.detail.elt && evt.detail.elt.id === "board-feed" && (dragging || busyOnBoard())) {
      evt.preventDefault();
    }
  });

  // Keyboard: Enter opens a focused card; Alt + arrows move it, and focus follows the card.
  var keys = { ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down" };
  document.addEventListener("keydown", function (evt) {
    var card = evt.target.closest ? evt.target.closest(".card[data-card-id]") : null;
    if (!card || evt.target !== card) { return; }
    if (evt.key === "Enter") {
      evt.preventDefault();
      card.querySelector(".card-title").click();
    } else if (evt.altKey && keys[evt.key]) {
      evt.preventDefault();
      var id = card.id;
      htmx.ajax("POST", cardUrl(card, "step"), { source: card, swap: "none", values: { direction: keys[evt.key] } })
        .then(function () { var moved = document.getElementById(id); if (moved) { moved.focus(); } });
    }
  });

  // The drawer: open when a card arrives in it, close on the backdrop, the close button or Escape.
  // It is a modal dialog for the keyboard: it takes focus when it opens, Tab stays inside it, and
  // focus goes back to the card that opened it when it closes.
  var opener = null;  // the id of the card (or element) focus returns to

  function dialog() {
    var host = document.getElementById("card-panel");
    return host ? host.querySelector("[role=dialog]") : null;
  }
  function returnFocus() {
    var back = opener && document.getElementById(opener);
    opener = null;
    if (!back) { back = document.querySelector("#board-columns .card[data-card-id]") || document.getElementById("main"); }
    if (back) { back.focus(); }
  }
  function closePanel() {
    var host = document.getElementById("card-panel");
    if (host && host.firstElementChild) {
      host.innerHTML = "";
      document.body.classList.remove("panel-open");
      returnFocus();
    }
  }
  document.addEventListener("click", function (evt) {
    var closer = evt.target.closest ? evt.target.closest("[data-close-panel]") : null;
    if (closer && document.getElementById("board-columns")) {
      evt.preventDefault();
      closePanel();
    }
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Escape" && !evt.defaultPrevented && dialog()) {
      evt.preventDefault();
      closePanel();
    } else if (evt.key === "Tab" && dialog()) {
      var box = dialog(), items = window.relaisFocusables(box), active = document.activeElement;
      if (!items.length) { return; }
      var first = items[0], last = items[items.length - 1];
      if (!box.contains(active)) {
        evt.preventDefault();
        (evt.shiftKey ? last : first).focus();
      } else if (evt.shiftKey && (active === first || active === box)) {
        evt.preventDefault();
        last.focus();
      } else if (!evt.shiftKey && active === last) {
        evt.preventDefault();
        first.focus();
      }
    }
  });
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "card-panel" && !dialog()) {
      var from = document.activeElement;
      var card = from && from.closest ? from.closest("[id]") : null;
      opener = card && card !== document.body ? card.id : null;
    }
  });
  document.body.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "card-panel") {
      var box = dialog();
      document.body.classList.toggle("panel-open", !!box);
      if (box && !box.contains(document.activeElement)) {
        box.focus();
      } else if (!box) {
        returnFocus();  // the card was deleted from the drawer
      }
    }
  });

  // 409: someone saved the card meanwhile. Show the form that comes back (with what was typed)
  // instead of the generic error toast; capture runs before app.js's listener on <body>.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    if (evt.detail.xhr.status === 409 && evt.detail.target && evt.detail.target.matches(".card-form")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
      evt.stopPropagation();
    }
  }, true);

  // Phones: the board shows one column at a time (boards.css). The strip above it names every column with
  // its count; a tap scrolls to that column, and swiping marks the column in view. Redrawn after every swap,
  // since moves, live updates and column changes redraw the columns.
  var picker = null;
  // While the board scrolls to a tapped column, the strip keeps the tapped name marked and stays still (it
  // would otherwise follow each column passed on the way, and move a name from under the next tap); the
  // column in view is marked again once the scroll has been still for a moment.
  var steering = null;
  function steer() {
    clearTimeout(steering);
    steering = setTimeout(function () { steering = null; markCurrent(); }, 180);
  }
  function columnsBox() { return document.getElementById("board-columns"); }
  function currentColumn(box) {
    var best = null, distance = Infinity, left = box.getBoundingClientRect().left;
    Array.prototype.forEach.call(box.querySelectorAll(".board-column[data-column-id]"), function (column) {
      var d = Math.abs(column.getBoundingClientRect().left - left - parseFloat(getComputedStyle(box).scrollPaddingLeft || 0));
      if (d < distance) { distance = d; best = column; }
    });
    return best;
  }
  function markCurrent() {
    var box = columnsBox();
    if (!box || !picker || steering) { return; }
    var column = currentColumn(box);
    Array.prototype.forEach.call(picker.querySelectorAll("a"), function (link) {
      var here = column && link.getAttribute("href") === "#" + column.id;
      link.setAttribute("aria-current", here ? "true" : "false");
      if (here && (link.offsetLeft < picker.scrollLeft || link.offsetLeft + link.offsetWidth > picker.scrollLeft + picker.clientWidth)) {
        picker.scrollLeft = link.offsetLeft - 12;
      }
    });
  }
  function drawPicker() {
    var box = columnsBox();
    if (!box) { return; }
    if (!picker || !picker.isConnected) {
      picker = document.createElement("nav");
      picker.className = "column-picker";
      picker.setAttribute("data-testid", "column-picker");
      picker.setAttribute("aria-label", box.getAttribute("data-picker-label") || "Columns");
      picker.addEventListener("click", function (evt) {
        var link = evt.target.closest("a");
        var column = link && document.getElementById(link.getAttribute("href").slice(1));
        if (!column) { return; }
        evt.preventDefault();
        steer();
        var scroller = columnsBox();
        scroller.scrollTo({ left: scroller.scrollLeft + column.getBoundingClientRect().left - scroller.getBoundingClientRect().left
          - parseFloat(getComputedStyle(scroller).scrollPaddingLeft || 0), behavior: "smooth" });
        Array.prototype.forEach.call(picker.querySelectorAll("a"), function (a) { a.setAttribute("aria-current", a === link ? "true" : "false"); });
      });
    }
    if (picker.nextElementSibling !== box) { box.parentNode.insertBefore(picker, box); }
    picker.setAttribute("aria-label", box.getAttribute("data-picker-label") || "Columns");
    var links = [];
    Array.prototype.forEach.call(box.querySelectorAll(".board-column[data-column-id]"), function (column) {
      var link = document.createElement("a");
      link.href = "#" + column.id;
      if (column.classList.contains("is-over")) { link.className = "is-over"; }
      var title = column.querySelector(".column-head h2");
      var count = column.querySelector("[data-testid=column-count]");
      link.appendChild(document.createTextNode((title ? title.textContent.trim() : "") + " "));
      if (count) {
        var badge = document.createElement("span");
        badge.className = "column-count";
        badge.textContent = count.textContent.trim();
        link.appendChild(badge);
      }
      links.push(link);
    });
    picker.replaceChildren.apply(picker, links);
    if (box.dataset.pickerTracked !== "1") {  // a redrawn box is a new element: it gets its own listener
      box.dataset.pickerTracked = "1";
      var pending = false;
      box.addEventListener("scroll", function () {
        if (steering) { steer(); return; }
        if (pending) { return; }
        pending = true;
        requestAnimationFrame(function () { pending = false; markCurrent(); });
      }, { passive: true });
    }
    markCurrent();
  }
  drawPicker();
  document.body.addEventListener("htmx:afterSettle", drawPicker);

  // Notices sent with HX-Trigger (a column over its WIP limit): shown, and read out.
  document.body.addEventListener("boards:notice", function (evt) {
    var message = evt.detail && evt.detail.message;
    toast(message);
    document.body.dispatchEvent(new CustomEvent("relais:announce", { detail: { message: message } }));
  });
})();
