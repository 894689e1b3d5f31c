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
