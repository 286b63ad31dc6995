// Arena battle page: one EventSource for the turn being answered. Events name slots (A, B, ...), never
// models. Deltas are appended as text; the vote opens when every hidden model has finished. A reloaded
// page reads the turn's events again from the start, so it shows the same answers, still growing.
(function () {
  "use strict";

  const FINAL = new Set(["done", "error", "cancelled"]);
  const LABELS = { queued: "waiting", streaming: "answering", done: "done", error: "error", cancelled: "stopped" };

  function csrf() {
    const field = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return field ? field.value : "";
  }

  function latest(battle, slot) {
    return battle.querySelector('.arena-answer[data-latest][data-slot="' + CSS.escape(slot) + '"]');
  }

  function setStatus(col, status) {
    col.dataset.status = status;
    col.querySelector(".answer-status").textContent = LABELS[status] || status;
    const stop = col.querySelector(".stop-one");
    if (stop) stop.hidden = FINAL.has(status);
  }

  function allFinished(battle) {
    return Array.from(battle.querySelectorAll(".arena-answer[data-latest]")).every(function (col) {
      return FINAL.has(col.dataset.status);
    });
  }

  function openVote() {
    ["vote", "continue"].forEach(function (id) {
      const set = document.getElementById(id);
      if (set) set.disabled = false;
    });
    const hint = document.getElementById("vote-hint");
    if (hint) hint.textContent = "Vote to see who answered.";
    const status = document.getElementById("battle-status");
    if (status) status.textContent = "Waiting for the vote";
    const stopAll = document.getElementById("stop-all");
    if (stopAll) stopAll.hidden = true;
  }

  function start(battle) {
    const source = new EventSource(battle.dataset.streamUrl);
    source.onmessage = function (event) {
      let msg;
      try { msg = JSON.parse(event.data); } catch (e) { return; }
      const col = msg.model ? latest(battle, msg.model) : null;
      if (msg.type === "chunk" && col) {
        col.querySelector(".answer-stream").append(document.createTextNode(msg.content));
      } else if (msg.type === "status" && col) {
        if (col.dataset.status !== "error" || !FINAL.has(msg.status)) setStatus(col, msg.status);
        if (FINAL.has(msg.status) && allFinished(battle)) openVote();
      } else if (msg.type === "error" && col) {
        setStatus(col, "error");
        const err = col.querySelector(".answer-error");
        err.hidden = false;
        err.textContent = msg.message;
      } else if (msg.type === "done") {
        source.close();
        if (allFinished(battle)) openVote();
        // The answers as the server renders them (sanitised markdown), still without names.
        htmx.ajax("GET", window.location.pathname, { target: "#battle", select: "#battle", swap: "outerHTML" });
      }
    };
    source.onerror = function () {
      // The answers keep running on the server: the browser reconnects by itself and, sending the last
      // event id it saw, gets the rest. A turn the server no longer streams has ended: show what it recorded.
      if (source.readyState !== EventSource.CLOSED) return;
      htmx.ajax("GET", window.location.pathname, { target: "#battle", select: "#battle", swap: "outerHTML" });
    };
  }

  function stopSlot(battle, slot) {
    fetch(battle.dataset.stopUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded" },
      body: "slot=" + encodeURIComponent(slot),
      credentials: "same-origin",
    });
  }

  document.addEventListener("click", function (event) {
    const battle = document.getElementById("battle");
    const stop = event.target.closest(".stop-one");
    if (stop) {
      stopSlot(battle, stop.closest(".arena-answer").dataset.slot);
      return;
    }
    if (event.target.closest("#stop-all")) {
      battle.querySelectorAll(".arena-answer[data-latest]").forEach(function (col) {
        if (!FINAL.has(col.dataset.status)) stopSlot(battle, col.dataset.slot);
      });
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    const battle = document.getElementById("battle");
    if (battle && battle.dataset.streamUrl) start(battle);
  });
})();
