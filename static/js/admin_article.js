// Article change form: copy the shareable preview link; confirm irreversible steps. No inline scripts (CSP).
"use strict";
document.addEventListener("click", (event) => {
  const copy = event.target.closest("[data-copy-target]");
  if (copy) {
    const input = document.getElementById(copy.dataset.copyTarget);
    input.select();
    const done = () => { copy.textContent = copy.dataset.copiedLabel || copy.textContent; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, () => { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
    return;
  }
  const risky = event.target.closest("[data-confirm]");
  if (risky && !window.confirm(risky.dataset.confirm)) {
    event.preventDefault();
  }
});
