// The console's few behaviours shared by every page: a confirmation before a weighty action.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    const button = e.submitter;
    const message = (button && button.dataset.confirm) || e.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      e.preventDefault();
    }
  });
})();
