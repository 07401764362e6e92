// bankdesk agent desktop: small progressive enhancements. Every page works without it.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // A double click on "open contact" or "save note" must not act twice: once a form
  // marked data-once is submitted, its buttons are disabled.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.disabled = true;
      });
    });
  });

  // Coming back with the browser's Back button shows the page as it was left: enable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once] button[type=submit]").forEach(function (b) {
      b.disabled = false;
    });
  });

  // The search box suits its key: digits for phone and card numbers, text for names.
  var by = document.getElementById("search-by");
  var q = document.getElementById("search-q");
  if (by && q) {
    var modes = { phone: "tel", id_number: "text", card_number: "numeric", name: "text" };
    var apply = function () {
      q.setAttribute("inputmode", modes[by.value] || "text");
    };
    by.addEventListener("change", function () {
      apply();
      q.focus();
    });
    apply();
  }
});
