// ticketbot dashboard: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Filters apply as soon as a select or checkbox changes.
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () {
      if (el.form) { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); }
    });
  });

  // Destructive forms ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });

  // Copy buttons copy the text of the element they name.
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var el = document.querySelector(btn.getAttribute("data-copy"));
      if (!el || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(el.textContent.trim()).then(function () {
        var old = btn.textContent;
        btn.textContent = "Copied";
        setTimeout(function () { btn.textContent = old; }, 1500);
      });
    });
  });

  // A form submits once: the button is disabled while the next page loads.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (ev.defaultPrevented) { return; }
      setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
})();
