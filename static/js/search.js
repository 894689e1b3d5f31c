// Search page: keep the filter form in step with the results fragment htmx swapped in
// (chips and pagination links change the URL without touching the form).
(function () {
  "use strict";

  function syncForm(form, query) {
    var params = new URLSearchParams(query);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "submit" || el.type === "button") return;
      var values = params.getAll(el.name);
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) !== -1; });
      } else if (document.activeElement !== el) {
        el.value = values.length ? values[0] : (el.name === "page_size" ? el.value : "");
      }
    });
  }

  // Leave empty fields out of the request, so the pushed URL holds only the active filters.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "search-form") return;
    var params = event.detail.parameters;
    var empty = [];
    params.forEach(function (value, key) { if (value === "") empty.push(key); });
    empty.forEach(function (key) {
      var kept = params.getAll(key).filter(function (v) { return v !== ""; });
      params.delete(key);
      kept.forEach(function (v) { params.append(key, v); });
    });
    if (params.get("page_size") === "25") params.delete("page_size");
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "results") return;
    var root = event.detail.target.querySelector("[data-query]");
    var form = document.getElementById("search-form");
    if (!root || !form) return;
    syncForm(form, root.dataset.query);
    var saveQuery = document.getElementById("save-query");
    if (saveQuery) saveQuery.value = root.dataset.query;
  });
})();
