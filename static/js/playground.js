// Playground streaming client. One EventSource per turn carries every model of a comparison.
// Deltas are appended as text (never parsed as HTML); the finished answer is swapped for the
// server-rendered, sanitised markdown once the model is done.
(function () {
  "use strict";

  function csrf() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  const FINAL = new Set(["done", "error", "cancelled"]);
  let followAnswer = function () {}; // set by the scrolling code below
  const LABELS = { done: "done", error: "error", cancelled: "stopped" };

  function column(turn, model) {
    return turn.querySelector('.answer[data-model="' + CSS.escape(model) + '"]');
  }

  function setStatus(col, status, text) {
    col.dataset.status = status;
    const badge = col.querySelector(".answer-status");
    if (badge) badge.textContent = text || status;
    const stop = col.querySelector(".stop-one");
    if (stop) stop.hidden = !(status === "queued" || status === "streaming");
  }

  // Money arrives as the server formats it everywhere (a string, eight decimals); shown as is.
  function fmtCost(cost) {
    return cost === null || cost === undefined ? "unpriced" : "$" + cost;
  }

  function showMetrics(col, m) {
    const el = col.querySelector(".answer-metrics");
    if (!el) return;
    const parts = [
      (m.prompt_tokens ?? "?") + " in / " + (m.completion_tokens ?? "?") + " out" + (m.estimated ? " (est.)" : ""),
      fmtCost(m.cost),
      m.ttft_ms != null ? "first token " + Math.round(m.ttft_ms) + " ms" : null,
      m.duration_ms != null ? "total " + (m.duration_ms / 1000).toFixed(2) + " s" : null,
      m.finish_reason ? "finish: " + m.finish_reason : null,
      m.cached ? "from cache" : null,
      m.answered_by && m.answered_by !== col.dataset.model ? "answered by " + m.answered_by + " (fallback)" : null,
    ];
    el.textContent = parts.filter(Boolean).join(" · ");
  }

  function finish(col) {
    const url = col.dataset.renderUrl;
    if (url && col.dataset.generation) {
      htmx.ajax("GET", url.replace("00000000-0000-0000-0000-000000000000", col.dataset.generation), { target: col.querySelector(".answer-body"), swap: "innerHTML" });
    }
  }

  function start(turn) {
    if (turn.dataset.started) return;
    turn.dataset.started = "1";
    const pending = new Map(); // model -> text not yet painted
    let frame = 0;
    const paint = function () {
      frame = 0;
      pending.forEach(function (text, model) {
        const col = column(turn, model);
        if (col) col.querySelector(".answer-stream").append(document.createTextNode(text));
      });
      pending.clear();
      followAnswer();
    };
    const source = new EventSource(turn.dataset.streamUrl);
    turn._source = source;
    source.onmessage = function (event) {
      let msg;
      try { msg = JSON.parse(event.data); } catch (e) { return; }
      const col = msg.model ? column(turn, msg.model) : null;
      switch (msg.type) {
        case "session":
          Object.entries(msg.generations || {}).forEach(function ([model, id]) {
            const c = column(turn, model);
            if (c) c.dataset.generation = id;
          });
          if (msg.conversation_url && window.location.pathname !== msg.conversation_url) {
            history.replaceState(null, "", msg.conversation_url);
          }
          break;
        case "status":
          if (!col) break;
          if (FINAL.has(msg.status)) {
            // The model's last word: done, error or cancelled. Its rendered answer replaces the deltas.
            paint();
            if (col.dataset.status !== "error") setStatus(col, msg.status, LABELS[msg.status]);
            finish(col);
          } else {
            setStatus(col, msg.status);
          }
          break;
        case "chunk":
          if (col) {
            pending.set(msg.model, (pending.get(msg.model) || "") + msg.content);
            if (!frame) frame = requestAnimationFrame(paint);
          }
          break;
        case "metrics":
          if (col) {
            if (msg.generation_id) col.dataset.generation = msg.generation_id;
            showMetrics(col, msg);
          }
          break;
        case "error":
          if (col) {
            paint();
            setStatus(col, "error", "error");
            const err = col.querySelector(".answer-error");
            err.hidden = false;
            err.textContent = msg.message + (msg.code ? " (" + msg.code + ")" : "");
          }
          break;
        case "done":
          paint();
          source.close();
          turn.classList.remove("is-streaming");
          document.dispatchEvent(new CustomEvent("playground:turn-done"));
          break;
      }
    };
    source.onerror = function () {
      // The server closes the stream after `done`; anything else is a lost connection.
      if (source.readyState === EventSource.CLOSED) return;
      source.close();
      paint();
      turn.classList.remove("is-streaming");
      turn.querySelectorAll('.answer[data-status="streaming"], .answer[data-status="queued"]').forEach(function (c) {
        setStatus(c, "error", "connection lost");
      });
    };
  }

  function startAll(root) {
    (root || document).querySelectorAll(".turn[data-stream-url]").forEach(start);
  }

  document.addEventListener("htmx:afterSwap", function (e) { startAll(e.target); });
  document.addEventListener("DOMContentLoaded", function () { startAll(document); });

  document.addEventListener("click", function (event) {
    const stopOne = event.target.closest(".stop-one");
    if (stopOne) {
      const col = stopOne.closest(".answer");
      const turn = stopOne.closest(".turn");
      fetch(turn.dataset.stopUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded" },
        body: "model=" + encodeURIComponent(col.dataset.model),
        credentials: "same-origin",
      });
      return;
    }
    const stopAll = event.target.closest("#stop-all");
    if (stopAll) {
      document.querySelectorAll(".turn.is-streaming").forEach(function (turn) {
        if (turn._source) turn._source.close();
        turn.classList.remove("is-streaming");
        turn.querySelectorAll('.answer[data-status="streaming"], .answer[data-status="queued"]').forEach(function (c) {
          setStatus(c, "cancelled", "stopped");
        });
      });
    }
  });

  // Dialogs (share, view code): content arrives by htmx, then the dialog opens.
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target.id === "dialog-body") {
      const dialog = document.getElementById("dialog");
      if (dialog && !dialog.open) dialog.showModal();
    }
  });

  // Model picker: search filter, at most the page's limit, parameters the chosen models support.
  document.addEventListener("input", function (event) {
    const filter = event.target.closest("[data-filter-target]");
    if (!filter) return;
    const q = filter.value.trim().toLowerCase();
    document.querySelectorAll(filter.dataset.filterTarget).forEach(function (label) {
      label.hidden = q !== "" && !(label.dataset.search || "").includes(q);
    });
  });
  function syncPicker() {
    const boxes = Array.from(document.querySelectorAll('#model-picker input[name="models"]'));
    const chosen = boxes.filter(function (b) { return b.checked; });
    const picker = document.getElementById("model-picker");
    const most = Number(picker && picker.dataset.max) || 1;
    boxes.forEach(function (b) { b.disabled = !b.checked && chosen.length >= most; });
    const any = function (attr) { return chosen.some(function (b) { return b.dataset[attr] === "1"; }); };
    document.querySelectorAll("[data-needs]").forEach(function (field) {
      field.hidden = !any(field.dataset.needs);
    });
    const maxTokens = document.getElementById("max_tokens");
    if (maxTokens && chosen.length) {
      maxTokens.max = Math.min.apply(null, chosen.map(function (b) { return Number(b.dataset.maxTokens) || 4096; }));
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target.closest("#model-picker")) syncPicker();
  });
  document.addEventListener("DOMContentLoaded", syncPicker);
  document.addEventListener("htmx:afterSwap", syncPicker);

  // Edit an earlier message: put it back in the composer; sending replaces that turn onwards.
  document.addEventListener("click", function (event) {
    const edit = event.target.closest("[data-edit-turn]");
    if (!edit) return;
    const form = document.querySelector("form.composer");
    const turn = edit.closest(".turn");
    form.querySelector("#prompt").value = turn.querySelector(".turn-text").textContent;
    let field = form.querySelector('input[name="edit_turn"]');
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "edit_turn";
      form.appendChild(field);
    }
    field.value = edit.dataset.editTurn;
    if (edit.hasAttribute("data-resend")) {
      // Regenerate: the same prompt again; the turn and everything after it are replaced.
      let node = turn;
      while (node) {
        const next = node.nextElementSibling;
        node.remove();
        node = next && next.classList.contains("turn") ? next : null;
      }
      form.requestSubmit();
      return;
    }
    form.querySelector("#prompt").focus();
  });

  // Sending: Enter (Shift+Enter for a new line), or Ctrl/Cmd+Enter for those who prefer it (remembered).
  const CTRL_KEY = "playground.sendWithCtrl";
  function sendWithCtrl() {
    try { return localStorage.getItem(CTRL_KEY) === "1"; } catch (e) { return false; }
  }
  function showSendHint() {
    const ctrl = sendWithCtrl();
    const box = document.getElementById("send-with-ctrl");
    if (box) box.checked = ctrl;
    document.querySelectorAll("[data-send-hint]").forEach(function (hint) {
      hint.hidden = (hint.dataset.sendHint === "ctrl") !== ctrl;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.id !== "send-with-ctrl") return;
    try { localStorage.setItem(CTRL_KEY, event.target.checked ? "1" : "0"); } catch (e) { /* private mode */ }
    showSendHint();
  });
  document.addEventListener("DOMContentLoaded", showSendHint);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing || event.target.id !== "prompt") return;
    const modified = event.ctrlKey || event.metaKey;
    const sends = sendWithCtrl() ? modified : !event.shiftKey && !event.altKey;
    if (!sends) return;
    event.preventDefault();
    if (event.target.value.trim()) event.target.form.requestSubmit();
  });

  // Scrolling: the view follows a streaming answer while the reader is at the bottom; once they
  // scroll up it stays put and offers a way back.
  let following = true;
  function turnsBox() { return document.getElementById("turns"); }
  function atBottom(box) { return box.scrollHeight - box.scrollTop - box.clientHeight < 48; }
  function showJump() {
    const box = turnsBox();
    const jump = document.getElementById("jump-latest");
    if (box && jump) jump.hidden = following || atBottom(box);
  }
  function toLatest() {
    const box = turnsBox();
    if (!box) return;
    following = true;
    box.scrollTop = box.scrollHeight;
    showJump();
  }
  followAnswer = function () {
    const box = turnsBox();
    if (box && following) box.scrollTop = box.scrollHeight;
    showJump();
  };
  document.addEventListener("scroll", function (event) {
    if (event.target.id === "turns") {
      following = atBottom(event.target);
      showJump();
    }
  }, true);
  document.addEventListener("click", function (event) {
    if (event.target.closest("#jump-latest")) toLatest();
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target.id === "turns") toLatest();
    else if (e.target.closest && e.target.closest("#turns")) followAnswer();
  });
  document.addEventListener("DOMContentLoaded", toLatest);
})();
