// investigator web UI: the little JavaScript it needs (no library).
// 1. An element with data-poll="URL" is replaced, every data-every ms, by the fragment that URL returns
//    (the server renders it; a fragment without data-poll ends the polling: the job finished).
// 2. A job table with data-refresh="MS" reloads its rows while jobs are unfinished (not while two are picked).
// 3. The compare button is enabled when exactly two jobs are checked.
// 4. A form with data-confirm="QUESTION" is sent only when the user confirms (delete a watch).
// 5. The one-time message of a redirect (?done=...) is dropped from the address, so a reload does not repeat it.
(function () {
  "use strict";

  // the fragment's HTML; null: try again later; GONE: stop (the job no longer exists)
  var GONE = {};
  function fragment(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Fragment": "1" } }).then(function (r) {
      if (r.status === 401) { window.location.reload(); return GONE; }
      if (r.status === 404) { return GONE; }
      return r.ok ? r.text() : null;
    });
  }

  function poll(el) {
    window.setTimeout(function () {
      fragment(el.dataset.poll).then(function (html) {
        if (html === GONE) { return; }
        var next = el;
        if (html) {
          var tpl = document.createElement("template");
          tpl.innerHTML = html.trim();
          var fresh = tpl.content.firstElementChild;
          if (fresh) {
            el.querySelectorAll("details[id]").forEach(function (d) {  // keep what the user opened or closed
              var same = fresh.querySelector("details#" + d.id);
              if (same) { same.open = d.open; }
            });
            var scroller = el.querySelector(".events");
            var atEnd = !scroller || scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 4;
            el.replaceWith(fresh);
            next = fresh;
            var list = fresh.querySelector(".events");
            if (list && atEnd) { list.scrollTop = list.scrollHeight; }
          }
        }
        if (next.isConnected && next.dataset.poll) { poll(next); }
      }, function () { if (el.isConnected) { poll(el); } });
    }, Number(el.dataset.every || 1000));
  }

  function refreshRows(table) {
    window.setTimeout(function () {
      if (table.querySelector("input[type=checkbox]:checked")) { refreshRows(table); return; }
      fragment(window.location.href).then(function (html) {
        if (html === GONE) { return; }
        if (!html) { refreshRows(table); return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("table.jobs");
        if (!fresh) { return; }
        table.replaceWith(fresh);
        wireCompare();
        if (fresh.dataset.refresh) { refreshRows(fresh); }
      }, function () { refreshRows(table); });
    }, Number(table.dataset.refresh));
  }

  function wireCompare() {
    var form = document.getElementById("compare-form");
    var button = document.getElementById("compare-button");
    if (!form || !button) { return; }
    var update = function () {
      button.disabled = form.querySelectorAll("input[name=job]:checked").length !== 2;
    };
    form.querySelectorAll("input[name=job]").forEach(function (box) { box.addEventListener("change", update); });
    update();
  }

  document.addEventListener("submit", function (event) {
    var question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  var here = new URL(window.location.href);
  if (here.searchParams.has("done")) {
    here.searchParams.delete("done");
    window.history.replaceState(null, "", here.pathname + here.search);  // and a fragment the redirect inherited
  }

  document.querySelectorAll("[data-poll]").forEach(poll);
  document.querySelectorAll("table[data-refresh]").forEach(refreshRows);
  wireCompare();
  document.querySelectorAll(".events").forEach(function (list) { list.scrollTop = list.scrollHeight; });
})();
