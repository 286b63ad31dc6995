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

  // Stop shows while something is being answered, like Send turning into Stop elsewhere.
  function showStop() {
    const stopAll = document.getElementById("stop-all");
    if (stopAll) stopAll.hidden = !document.querySelector(".turn.is-streaming, .continuation.is-streaming");
  }

  function start(turn) {
    if (turn.dataset.started) return;
    turn.dataset.started = "1";
    showStop();
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
          showStop();
          document.dispatchEvent(new CustomEvent("playground:turn-done"));
          break;
      }
    };
    source.onerror = function () {
      // The answers keep running on the server: the browser reconnects by itself and, sending the
      // last event id it saw, gets the rest. Only a turn the server no longer knows ends here.
      paint();
      if (source.readyState !== EventSource.CLOSED) return;
      turn.classList.remove("is-streaming");
      showStop();
      turn.querySelectorAll('.answer[data-status="streaming"], .answer[data-status="queued"]').forEach(function (c) {
        setStatus(c, "error", "connection lost");
      });
    };
  }

  // A turn, or a continuation (a model's answer to the tool results the user typed), streams.
  const STREAMING = ".turn[data-stream-url], .continuation[data-stream-url]";
  function startAll(root) {
    root = root || document;
    if (root.matches && root.matches(STREAMING)) start(root);
    root.querySelectorAll(STREAMING).forEach(start);
  }

  document.addEventListener("htmx:afterSwap", function (e) { startAll(e.target); });
  document.addEventListener("htmx:load", function (e) { startAll(e.target); });
  document.addEventListener("DOMContentLoaded", function () { startAll(document); });

  document.addEventListener("click", function (event) {
    const stopOne = event.target.closest(".stop-one");
    if (stopOne) {
      const col = stopOne.closest(".answer");
      const turn = stopOne.closest("[data-stop-url]");
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
      // Stop is the one thing that cancels: every running model of every streaming turn.
      document.querySelectorAll(".turn.is-streaming, .continuation.is-streaming").forEach(function (turn) {
        fetch(turn.dataset.stopUrl, {
          method: "POST",
          headers: { "X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded" },
          body: "",
          credentials: "same-origin",
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

  // Model picker: an ARIA combobox (input + listbox). Typing filters, arrows move, Enter adds or
  // removes the active model, Escape closes; chosen models are chips carrying the form's `models`.
  function picker() { return document.getElementById("model-picker"); }
  function pickerMax() { return Number(picker() && picker().dataset.max) || 1; }
  function chosenSlugs() {
    return Array.from(document.querySelectorAll('#model-chips input[name="models"]')).map(function (i) { return i.value; });
  }
  function visibleOptions() {
    return Array.from(document.querySelectorAll("#model-options [role=option]")).filter(function (o) { return !o.hidden; });
  }
  function setOpen(open) {
    const input = document.getElementById("model-search");
    const pop = document.getElementById("picker-pop");
    if (!input || !pop) return;
    pop.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) setActive(null);
  }
  function note(text, url) {
    const box = document.getElementById("picker-note");
    if (!box) return;
    if (!box.dataset.base) box.dataset.base = box.querySelector(".picker-note-text").textContent;
    box.querySelector(".picker-note-text").textContent = text || box.dataset.base;
    const link = box.querySelector(".picker-note-link");
    link.hidden = !url;
    if (url) link.href = url;
  }
  function explain(option) {
    if (!option) return note();
    if (option.dataset.unavailable) return note(option.dataset.name + ": " + option.dataset.unavailable, option.dataset.actionUrl);
    const full = chosenSlugs().length >= pickerMax() && option.getAttribute("aria-selected") !== "true";
    note(full ? "Up to " + pickerMax() + " models at once: remove one to add " + option.dataset.name + "." : "");
  }
  function setActive(option) {
    const input = document.getElementById("model-search");
    document.querySelectorAll("#model-options .is-active").forEach(function (o) { o.classList.remove("is-active"); });
    if (option) {
      option.classList.add("is-active");
      option.scrollIntoView({ block: "nearest" });
      input.setAttribute("aria-activedescendant", option.id);
    } else if (input) {
      input.removeAttribute("aria-activedescendant");
    }
    explain(option);
  }
  function filterOptions(query) {
    const q = query.trim().toLowerCase();
    let shown = 0;
    document.querySelectorAll("#model-options [role=group]").forEach(function (group) {
      let any = false;
      group.querySelectorAll("[role=option]").forEach(function (o) {
        o.hidden = q !== "" && !(o.dataset.search || "").includes(q);
        if (!o.hidden) { any = true; shown += 1; }
      });
      group.hidden = !any;
    });
    const none = document.querySelector(".picker-none");
    if (none) none.hidden = shown > 0;
  }
  function chip(option) {
    const li = document.createElement("li");
    li.className = "chip";
    li.dataset.slug = option.dataset.slug;
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "models";
    input.value = option.dataset.slug;
    const name = document.createElement("span");
    name.textContent = option.dataset.name;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.setAttribute("aria-label", "Remove " + option.dataset.name);
    remove.textContent = "×";
    li.append(input, name, remove);
    return li;
  }
  function removeModel(slug) {
    document.querySelectorAll("#model-chips .chip").forEach(function (c) { if (c.dataset.slug === slug) c.remove(); });
    syncPicker();
  }
  function toggle(option) {
    if (!option || option.getAttribute("aria-disabled") === "true") return explain(option);
    const slug = option.dataset.slug;
    if (chosenSlugs().includes(slug)) return removeModel(slug);
    if (chosenSlugs().length >= pickerMax()) return explain(option);
    const lacking = lacks(option);
    if (lacking.length) return note(option.dataset.name + " does not support " + lacking.join(", ") + ": clear that setting to add it.");
    document.getElementById("model-chips").appendChild(chip(option));
    // The query did its work: the full list is back for the next model of a comparison.
    const input = document.getElementById("model-search");
    if (input && input.value) { input.value = ""; filterOptions(""); }
    syncPicker();
    explain(option);
  }
  function optionFor(slug) {
    return document.querySelector('#model-options [role=option][data-slug="' + CSS.escape(slug) + '"]');
  }
  function syncPicker() {
    const chosen = chosenSlugs();
    document.querySelectorAll("#model-options [role=option]").forEach(function (o) {
      o.setAttribute("aria-selected", chosen.includes(o.dataset.slug) ? "true" : "false");
    });
    const models = chosen.map(optionFor).filter(Boolean);
    document.dispatchEvent(new CustomEvent("playground:models", { detail: models }));
  }
  document.addEventListener("input", function (event) {
    if (event.target.id !== "model-search") return;
    filterOptions(event.target.value);
    setOpen(true);
    setActive(visibleOptions()[0] || null);
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.id === "model-search") setOpen(true);
    else if (!event.target.closest("#model-picker")) setOpen(false);
  });
  document.addEventListener("keydown", function (event) {
    const input = event.target;
    if (input.id !== "model-search") return;
    const options = visibleOptions();
    const active = document.querySelector("#model-options .is-active");
    const at = options.indexOf(active);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      setOpen(true);
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = at < 0 ? (step > 0 ? 0 : options.length - 1) : (at + step + options.length) % options.length;
      setActive(options[next] || null);
    } else if (event.key === "Enter") {
      event.preventDefault();
      toggle(active);
    } else if (event.key === "Escape") {
      if (input.value) { input.value = ""; filterOptions(""); } else { setOpen(false); }
    } else if (event.key === "Backspace" && !input.value) {
      const last = chosenSlugs().pop();
      if (last) removeModel(last);
    }
  });
  document.addEventListener("mousedown", function (event) {
    // Keep the focus in the input while an option is clicked, so the list stays open.
    if (event.target.closest("#model-options")) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    const option = event.target.closest("#model-options [role=option]");
    if (option) { setActive(option); toggle(option); return; }
    const remove = event.target.closest(".chip-remove");
    if (remove) {
      removeModel(remove.closest(".chip").dataset.slug);
      const input = document.getElementById("model-search");
      if (input) input.focus();
      return;
    }
    if (!event.target.closest("#model-picker")) setOpen(false);
  });
  document.addEventListener("DOMContentLoaded", syncPicker);

  // What the turn asks of every chosen model beyond text (the server refuses the rest as well).
  const NEEDS = { tools: "tool calling", vision: "images", jsonMode: "JSON mode", jsonSchema: "a JSON schema" };
  function needs() {
    const wanted = [];
    if (Array.from(document.querySelectorAll('input[name="tool_name"]')).some(function (i) { return i.value.trim(); })) wanted.push("tools");
    const attach = document.getElementById("attach");
    if (attach && attach.files.length) wanted.push("vision");
    const type = document.getElementById("response_type");
    if (type && type.value === "json_object") wanted.push("jsonMode");
    if (type && type.value === "json_schema") wanted.push("jsonSchema");
    return wanted;
  }
  function lacks(option) {
    return needs().filter(function (cap) { return option.dataset[cap] !== "1"; }).map(function (cap) { return NEEDS[cap]; });
  }
  function markLacking() {
    let first = "";
    document.querySelectorAll("#model-chips .chip").forEach(function (c) {
      const option = optionFor(c.dataset.slug);
      const lacking = option ? lacks(option) : [];
      c.classList.toggle("is-lacking", lacking.length > 0);
      if (lacking.length && !first) first = option.dataset.name + " does not support " + lacking.join(", ") + ": remove it, or that setting.";
    });
    note(first);
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "response_type") {
      document.querySelectorAll("[data-schema-field]").forEach(function (f) { f.hidden = event.target.value !== "json_schema"; });
    }
    if (event.target.closest && event.target.closest("#tools-editor, #json-mode") || event.target.id === "attach") markLacking();
  });
  document.addEventListener("playground:models", markLacking);

  // The tools editor: one row per tool; "Add a tool" copies the first row, empty, with its own ids.
  document.addEventListener("click", function (event) {
    if (!event.target.closest("#add-tool")) return;
    const rows = document.getElementById("tool-rows");
    const number = rows.querySelectorAll("[data-tool-row]").length + 1;
    const row = rows.querySelector("[data-tool-row]").cloneNode(true);
    row.querySelectorAll("[id]").forEach(function (el) { el.id = el.id.replace(/^tool-\d+-/, "tool-" + number + "-"); });
    row.querySelectorAll("[for]").forEach(function (el) { el.htmlFor = el.htmlFor.replace(/^tool-\d+-/, "tool-" + number + "-"); });
    row.querySelectorAll("[aria-describedby]").forEach(function (el) { el.setAttribute("aria-describedby", "tool-" + number + "-error"); });
    row.querySelectorAll("input, textarea").forEach(function (el) { el.value = ""; });
    row.querySelector(".surface-error").textContent = "";
    row.querySelectorAll("label").forEach(function (l) { l.textContent = l.textContent.replace(/^Tool \d+/, "Tool " + number); });
    rows.appendChild(row);
    row.querySelector("input").focus();
  });

  // Images: picked, pasted into the message or dropped on the composer; all of them live in the
  // file input (sent with the form), shown as thumbnails that can be removed.
  function attachInput() { return document.getElementById("attach"); }
  function showAttachments() {
    const list = document.getElementById("attachments");
    const input = attachInput();
    if (!list || !input) return;
    list.replaceChildren();
    Array.from(input.files).forEach(function (file, index) {
      const li = document.createElement("li");
      const img = document.createElement("img");
      img.alt = "Attached image " + (index + 1) + ": " + file.name;
      const reader = new FileReader();
      reader.onload = function () { img.src = reader.result; };
      reader.readAsDataURL(file);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "thumb-remove";
      remove.dataset.removeAttachment = String(index);
      remove.setAttribute("aria-label", "Remove image " + (index + 1));
      remove.textContent = "×";
      li.append(img, remove);
      list.appendChild(li);
    });
    markLacking();
  }
  function setFiles(files) {
    const input = attachInput();
    const dt = new DataTransfer();
    files.forEach(function (f) { dt.items.add(f); });
    input.files = dt.files;
    showAttachments();
  }
  function addFiles(files) {
    const images = Array.from(files).filter(function (f) { return f.type.startsWith("image/"); });
    if (images.length) setFiles(Array.from(attachInput().files).concat(images));
    return images.length > 0;
  }
  document.addEventListener("change", function (event) { if (event.target.id === "attach") showAttachments(); });
  document.addEventListener("click", function (event) {
    const remove = event.target.closest("[data-remove-attachment]");
    if (!remove) return;
    const index = Number(remove.dataset.removeAttachment);
    setFiles(Array.from(attachInput().files).filter(function (_, i) { return i !== index; }));
  });
  document.addEventListener("paste", function (event) {
    if (event.target.id !== "prompt" || !event.clipboardData) return;
    if (addFiles(event.clipboardData.files)) event.preventDefault();
  });
  document.addEventListener("dragover", function (event) {
    if (event.target.closest && event.target.closest("form.composer")) event.preventDefault();
  });
  document.addEventListener("drop", function (event) {
    if (!event.target.closest || !event.target.closest("form.composer") || !event.dataTransfer) return;
    event.preventDefault();
    addFiles(event.dataTransfer.files);
  });
  document.addEventListener("reset", function (event) {
    if (event.target.matches("form.composer")) setTimeout(showAttachments, 0);
  });

  // Parameters the chosen models support, within the ranges they all accept. A value outside them is
  // explained next to its field (and the send stops there), never dropped silently.
  const BOUNDS = [
    { id: "temperature", min: "tempMin", max: "tempMax" },
    { id: "top_p", min: "topPMin", max: "topPMax" },
    { id: "max_tokens", max: "maxTokens" },
  ];
  function fieldNote(input) {
    let note = document.getElementById(input.id + "-note");
    if (!note) {
      note = document.createElement("p");
      note.id = input.id + "-note";
      note.className = "field-note";
      note.setAttribute("role", "status");
      note.hidden = true;
      (input.closest(".param, .field") || input.parentNode).appendChild(note);
      input.setAttribute("aria-describedby", note.id);
    }
    return note;
  }
  function explainField(input, text) {
    const note = fieldNote(input);
    let message = text || "";
    if (!input.validity.valid) {
      const who = input.dataset.boundBy ? " for " + input.dataset.boundBy : "";
      if (input.validity.rangeOverflow) message = "At most " + input.max + who + ".";
      else if (input.validity.rangeUnderflow) message = "At least " + input.min + who + ".";
      else message = input.validationMessage;
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
    note.textContent = message;
    note.hidden = !message;
    note.classList.toggle("is-error", !input.validity.valid);
  }
  document.addEventListener("playground:models", function (event) {
    const chosen = event.detail;
    const any = function (attr) { return chosen.some(function (o) { return o.dataset[attr] === "1"; }); };
    document.querySelectorAll("[data-needs]").forEach(function (field) { field.hidden = !any(field.dataset.needs); });
    BOUNDS.forEach(function (bound) {
      const input = document.getElementById(bound.id);
      if (!input) return;
      input.dataset.defaultMin = input.dataset.defaultMin || input.min;
      input.dataset.defaultMax = input.dataset.defaultMax || input.max;
      const values = function (attr) {
        return chosen.map(function (o) { return parseFloat(o.dataset[attr]); }).filter(function (n) { return !isNaN(n); });
      };
      const mins = bound.min ? values(bound.min) : [];
      const maxes = values(bound.max);
      const min = mins.length ? Math.max.apply(null, mins) : Number(input.dataset.defaultMin);
      const max = maxes.length ? Math.min.apply(null, maxes) : Number(input.dataset.defaultMax);
      const strictest = chosen.filter(function (o) { return parseFloat(o.dataset[bound.max]) === max; })[0];
      input.dataset.boundBy = strictest && chosen.length ? strictest.dataset.name : "";
      const before = input.value;
      input.min = String(min);
      input.max = String(max);
      let text = "";
      if (input.type === "range" && input.value !== before) {
        // A slider moves itself inside its new range: say so rather than change the value unseen.
        text = "Set to " + input.value + ": " + (input.dataset.boundBy || "the chosen models") + " accepts " + min + " to " + max + ".";
        document.querySelectorAll('output[for="' + input.id + '"]').forEach(function (out) { out.value = input.value; });
      }
      explainField(input, text);
    });
  });
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("#params")) explainField(event.target);
  });
  document.addEventListener("htmx:validation:failed", function (event) {
    explainField(event.target);
  });
  document.addEventListener("htmx:validation:halted", function () {
    const invalid = document.querySelector("#params [aria-invalid=true]");
    const errors = document.getElementById("send-errors");
    if (errors) errors.textContent = "Not sent: a setting is out of range" + (invalid ? " (" + (invalid.labels[0] ? invalid.labels[0].firstChild.textContent.trim() : invalid.name) + ")." : ".");
    if (invalid) invalid.focus();
  });

  // Edit or regenerate a turn: the composer sends it again as a new turn that replaces this one and
  // everything after it (they are hidden, not deleted). The page drops them once the server accepts.
  function editField(form) {
    let field = form.querySelector('input[name="edit_turn"]');
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "edit_turn";
      form.appendChild(field);
    }
    return field;
  }
  document.addEventListener("click", function (event) {
    const edit = event.target.closest("[data-edit-turn]");
    if (!edit) return;
    const form = document.querySelector("form.composer");
    const turn = edit.closest(".turn");
    const prompt = form.querySelector("#prompt");
    prompt.value = turn.querySelector(".turn-text").textContent;
    editField(form).value = edit.dataset.editTurn;
    document.querySelectorAll(".turn.is-editing").forEach(function (t) { t.classList.remove("is-editing"); });
    turn.classList.add("is-editing");
    if (edit.hasAttribute("data-resend")) {
      form.requestSubmit();
      return;
    }
    prompt.focus();
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    // Only the composer's accepted turns land in #turns; a refusal is retargeted to #send-errors.
    if (!event.detail.target || event.detail.target.id !== "turns" || event.detail.xhr.status !== 200) return;
    const errors = document.getElementById("send-errors");
    if (errors) errors.textContent = "";
    document.querySelectorAll(".surface-error").forEach(function (e) { e.textContent = ""; });
    const form = document.querySelector("form.composer");
    const field = form.querySelector('input[name="edit_turn"]');
    if (!field || field.value === "") return;
    const edited = document.querySelector('.turn[data-turn="' + CSS.escape(field.value) + '"]');
    let node = edited;
    while (node) {
      const next = node.nextElementSibling;
      node.remove();
      node = next && next.classList.contains("turn") ? next : null;
    }
    field.value = "";
  });
  document.addEventListener("keydown", function (event) {
    // Escape in the composer leaves edit mode: the next message is a new turn again.
    if (event.key !== "Escape" || event.target.id !== "prompt") return;
    const field = event.target.form.querySelector('input[name="edit_turn"]');
    if (field) field.value = "";
    document.querySelectorAll(".turn.is-editing").forEach(function (t) { t.classList.remove("is-editing"); });
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
