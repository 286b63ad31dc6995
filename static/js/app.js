// Site-wide behaviour: theme toggle, copy buttons, and what the templates would otherwise do inline
// (the Content-Security-Policy allows no inline script, event handler or style attribute):
//   form[data-confirm]             asks before submitting
//   form[data-no-submit]           never submits by itself (its fields are read by other forms)
//   output[for=<range input id>]   shows the range input's value as it moves
//   [data-reset-on-success]        an htmx form cleared after a successful request,
//     [data-remove-on-success=sel]   which also removes the element `sel`
//   [data-cat-color], [data-width-percent]   set the --cat colour / the width from the attribute
// Kept small; pages add their own scripts.
(function () {
  "use strict";
  const order = ["system", "light", "dark"];

  function csrf() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  document.addEventListener("click", function (event) {
    const toggle = event.target.closest("#theme-toggle");
    if (toggle) {
      const root = document.documentElement;
      const next = order[(order.indexOf(root.dataset.theme || "system") + 1) % order.length];
      root.dataset.theme = next;
      toggle.setAttribute("aria-label", "Colour theme: " + next + ". Switch");
      fetch(toggle.dataset.themeUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded" },
        body: "theme=" + encodeURIComponent(next),
        credentials: "same-origin",
      });
      return;
    }
    const copy = event.target.closest("[data-copy]");
    if (copy) {
      const source = copy.dataset.copy ? document.querySelector(copy.dataset.copy) : null;
      const text = source ? (source.value !== undefined && source.tagName !== "DIV" && source.tagName !== "PRE" ? source.value : source.innerText) : copy.dataset.copyText;
      navigator.clipboard.writeText(text || "").then(function () {
        const old = copy.textContent;
        copy.textContent = "Copied";
        setTimeout(function () { copy.textContent = old; }, 1200);
      });
    }
  });

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.matches("[data-no-submit]") || (form.dataset.confirm && !window.confirm(form.dataset.confirm))) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener("input", function (event) {
    const input = event.target;
    if (input.type !== "range" || !input.id) return;
    document.querySelectorAll('output[for="' + CSS.escape(input.id) + '"]').forEach(function (out) {
      out.value = input.value;
    });
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (!event.detail.successful || !form.matches || !form.matches("[data-reset-on-success]")) return;
    // A refusal is retargeted to the form's error box: what the user wrote stays, to be corrected.
    if (event.detail.xhr && event.detail.xhr.getResponseHeader("HX-Retarget")) return;
    form.reset();
    const gone = form.dataset.removeOnSuccess && document.querySelector(form.dataset.removeOnSuccess);
    if (gone) gone.remove();
  });

  function each(root, selector, fn) {
    if (root.matches && root.matches(selector)) fn(root);
    root.querySelectorAll(selector).forEach(fn);
  }

  function applyDataStyles(root) {
    each(root, "[data-cat-color]", function (el) { el.style.setProperty("--cat", el.dataset.catColor); });
    each(root, "[data-width-percent]", function (el) {
      el.style.width = Math.max(0, Math.min(100, Number(el.dataset.widthPercent) || 0)) + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { applyDataStyles(document); });
  document.addEventListener("htmx:load", function (event) { applyDataStyles(event.target); });
})();
