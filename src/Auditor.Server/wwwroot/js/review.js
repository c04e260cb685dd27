// Keyboard flow for reviewers: a key presses the button that carries it in data-key; "t" focuses the note.
// No inline script anywhere: the Content-Security-Policy allows scripts from this origin's files only.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // A checkbox (a folded loop's expander) keeps no typing focus: the review keys still work after clicking one.
    if (target && target.closest && target.closest("input:not([type=checkbox]), textarea, select")) {
      if (event.key === "Escape") target.blur();
      return;
    }
    var focus = document.querySelector('[data-focus-key="' + CSS.escape(event.key) + '"]');
    if (focus) { event.preventDefault(); focus.focus(); return; }
    var button = document.querySelector('[data-key="' + CSS.escape(event.key) + '"]');
    if (button && !button.disabled) { event.preventDefault(); button.click(); }
  });
  // Rendered / raw toggle: every element of the group flips its hidden attribute; the button says what it shows next.
  document.addEventListener("click", function (event) {
    var toggle = event.target && event.target.closest ? event.target.closest("[data-toggle-view]") : null;
    if (!toggle) return;
    var group = toggle.getAttribute("data-toggle-view");
    var rendered = false;
    document.querySelectorAll('[data-view-group="' + CSS.escape(group) + '"]').forEach(function (view) {
      view.hidden = !view.hidden;
      if (view.getAttribute("data-view") === "rendered" && !view.hidden) rendered = true;
    });
    toggle.firstChild.textContent = rendered ? "Raw text " : "Rendered markdown ";
    toggle.setAttribute("aria-pressed", rendered ? "true" : "false");
  });
})();
