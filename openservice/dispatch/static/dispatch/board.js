/* The dispatch board: drag an order from the queue, or an appointment, onto a technician's row.
   While dragging, a marker shows where the card will land (snapped to 15 minutes); the drop
   posts the technician and the start with htmx, and the server answers with the rows and the
   queue, or with the refusal in the row. Every card also has a form for the same, so nothing
   here is needed to plan. Proposing a plan shows the seconds passing while the optimiser runs.
   The board's layout (days shown, first and last minute of each) is on #board's data. */
(function () {
  "use strict";

  var SNAP = 15;
  var dragged = null; // {url, values, minutes, grab (minutes between the card's start and the pointer)}

  function board() {
    return document.getElementById("board");
  }

  function layout() {
    var data = board().dataset;
    var days = data.days.split(",");
    var first = Number(data.first);
    var last = Number(data.last);
    return { days: days, first: first, span: last - first, total: (last - first) * days.length };
  }

  function pad(value) {
    return String(value).padStart(2, "0");
  }

  function clock(minutes) {
    return pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
  }

  // Minutes along a row's timeline per pixel of its track.
  function scale(track) {
    return layout().total / track.getBoundingClientRect().width;
  }

  // Where a card dropped at clientX on the track starts: the day, the snapped minute of that
  // day and the position (percent) on the row.
  function slot(track, clientX) {
    var shape = layout();
    var rect = track.getBoundingClientRect();
    var along = (clientX - rect.left) * scale(track) - (dragged ? dragged.grab : 0);
    along = Math.min(Math.max(along, 0), shape.total - 1);
    var index = Math.min(Math.floor(along / shape.span), shape.days.length - 1);
    var minute = shape.first + Math.round((along - index * shape.span) / SNAP) * SNAP;
    minute = Math.min(Math.max(minute, shape.first), shape.first + shape.span - SNAP);
    return {
      day: shape.days[index],
      minute: minute,
      left: (100 * (index * shape.span + minute - shape.first)) / shape.total,
      width: (100 * Math.min(dragged.minutes, shape.first + shape.span - minute)) / shape.total,
    };
  }

  function marker(track) {
    var found = track.querySelector(".drop-marker");
    if (!found) {
      found = document.createElement("div");
      found.className = "drop-marker";
      found.setAttribute("aria-hidden", "true");
      track.appendChild(found);
    }
    return found;
  }

  function clearMarkers() {
    document.querySelectorAll(".drop-marker").forEach(function (element) {
      element.remove();
    });
    document.querySelectorAll(".row-track.is-target").forEach(function (element) {
      element.classList.remove("is-target");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var root = board();
    var source = event.target.closest && event.target.closest("[draggable=true]");
    if (!root || !source || !root.contains(source) || !("canPlan" in root.dataset)) {
      return;
    }
    if (source.matches(".queue-card")) {
      dragged = {
        url: root.dataset.assignUrl,
        values: { order: source.dataset.orderId },
        minutes: Number(source.dataset.minutes),
        grab: 0,
      };
    } else if (source.matches(".board-card")) {
      var track = source.closest(".row-track");
      dragged = {
        url: source.dataset.moveUrl,
        values: {},
        minutes: Number(source.dataset.minutes),
        grab: (event.clientX - source.getBoundingClientRect().left) * scale(track),
      };
    } else {
      return;
    }
    source.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", source.dataset.order || "");
  });

  document.addEventListener("dragend", function (event) {
    if (event.target.classList) {
      event.target.classList.remove("is-dragging");
    }
    clearMarkers();
    dragged = null;
  });

  document.addEventListener("dragover", function (event) {
    var track = dragged && event.target.closest && event.target.closest(".row-track");
    if (!track) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    var place = slot(track, event.clientX);
    if (!track.classList.contains("is-target")) {
      clearMarkers();
      track.classList.add("is-target");
    }
    var shown = marker(track);
    shown.style.left = place.left + "%";
    shown.style.width = place.width + "%";
    shown.textContent = clock(place.minute) + "–" + clock(place.minute + dragged.minutes);
  });

  document.addEventListener("dragleave", function (event) {
    var track = event.target.closest && event.target.closest(".row-track");
    if (track && !track.contains(event.relatedTarget)) {
      track.classList.remove("is-target");
      var shown = track.querySelector(".drop-marker");
      if (shown) {
        shown.remove();
      }
    }
  });

  document.addEventListener("drop", function (event) {
    var track = dragged && event.target.closest && event.target.closest(".row-track");
    if (!track) {
      return;
    }
    event.preventDefault();
    var place = slot(track, event.clientX);
    var values = Object.assign({}, dragged.values, {
      technician: track.dataset.technician,
      starts_at: place.day + "T" + clock(place.minute),
    });
    var url = dragged.url;
    clearMarkers();
    track.classList.add("is-busy");
    htmx.ajax("POST", url, {
      source: "#board-state",
      target: "#board-feedback",
      swap: "innerHTML",
      values: values,
    });
  });

  // A refusal (409, or 422 for input that does not parse) is drawn like any answer: the
  // server sends the rows with the refusal in place.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var root = board();
    var status = event.detail.xhr.status;
    if (root && root.contains(event.detail.elt) && (status === 409 || status === 422)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Asking for a plan: the optimiser runs while the request waits, up to the time limit. The
  // answer replaces the form, so the end is taken from the request itself.
  function progress() {
    return document.getElementById("propose-progress");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    var shown = progress();
    if (!form.matches || !form.matches("form[data-propose]") || !shown) {
      return;
    }
    var limit = Number(form.elements.time_limit_seconds.value) || 10;
    var popover = form.closest("[popover]");
    if (popover && popover.matches(":popover-open")) {
      popover.hidePopover();
    }
    var started = Date.now();
    var tick = function () {
      var seconds = (Date.now() - started) / 1000;
      shown.querySelector("[data-elapsed]").textContent = Math.floor(seconds);
      shown.querySelector("[data-bar]").style.width = Math.min(100, (100 * seconds) / limit) + "%";
    };
    shown.querySelector("[data-limit]").textContent = limit;
    shown.hidden = false;
    board().setAttribute("aria-busy", "true");
    tick();
    var timer = window.setInterval(tick, 250);
    event.detail.xhr.addEventListener("loadend", function () {
      window.clearInterval(timer);
      shown.hidden = true;
      var root = board();
      if (root) {
        root.removeAttribute("aria-busy");
      }
    });
  });
})();
