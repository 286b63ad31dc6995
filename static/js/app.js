// Site-wide behaviour: theme toggle, copy buttons. Kept small; pages add their own scripts.
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
})();
