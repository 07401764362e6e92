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

  // An exam's countdown. The server enforces the time limit; this only shows it and
  // hands the paper in when the time is up, so the answers given so far still count.
  var clock = document.querySelector(".countdown[data-deadline]");
  var paper = document.querySelector("form[data-exam]");
  if (clock && paper) {
    var deadline = Number(clock.getAttribute("data-deadline"));
    var handedIn = false;
    var tick = function () {
      var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      var m = Math.floor(left / 60);
      var s = left % 60;
      clock.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      if (left === 0 && !handedIn) {
        handedIn = true;
        paper.submit();
      }
    };
    paper.addEventListener("submit", function () {
      handedIn = true;
    });
    tick();
    window.setInterval(tick, 1000);
  }
});
