// Keyboard flow for reviewers: a key presses the button that carries it in data-key; "t" focuses the note.
// No inline script anywhere: the Content-Security-Policy allows scripts from this origin's files only.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && target.closest && target.closest("input, textarea, select")) {
      if (event.key === "Escape") target.blur();
      return;
    }
    var focus = document.querySelector('[data-focus-key="' + CSS.escape(event.key) + '"]');
    if (focus) { event.preventDefault(); focus.focus(); return; }
    var button = document.querySelector('[data-key="' + CSS.escape(event.key) + '"]');
    if (button && !button.disabled) { event.preventDefault(); button.click(); }
  });
})();
