// Starts GOV.UK Frontend's components and the session-timeout warning.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();

// Session-timeout warning: two minutes before an idle session ends, a modal dialog offers to
// stay signed in. Without JavaScript the session still ends; the next page asks to sign in.
function startTimeoutWarning(dialog) {
  const timeout = Number(dialog.dataset.timeoutSeconds) * 1000;
  const warnBefore = Math.min(120000, timeout / 2);
  const keepAliveUrl = dialog.dataset.keepAliveUrl;
  const signedOutUrl = dialog.dataset.signedOutUrl;
  const signOutUrl = dialog.dataset.signOutUrl;
  const csrfToken = dialog.dataset.csrfToken;
  let warnTimer;
  let endTimer;
  let tick;

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    clearInterval(tick);
    warnTimer = setTimeout(warn, timeout - warnBefore);
    endTimer = setTimeout(async () => {
      // Sign out on the server too: another tab may have kept the session alive.
      try {
        await fetch(signOutUrl, {
          method: "POST",
          headers: { "X-CSRFToken": csrfToken },
          credentials: "same-origin",
        });
      } finally {
        window.location.href = signedOutUrl;
      }
    }, timeout);
  }

  function warn() {
    const visible = dialog.querySelector("[data-countdown]");
    const announced = dialog.querySelector("[data-countdown-announce]");
    let remaining = Math.round(warnBefore / 1000);
    const words = () => {
      const minutes = Math.floor(remaining / 60);
      const seconds = remaining % 60;
      const parts = [];
      if (minutes) parts.push(`${minutes} minute${minutes === 1 ? "" : "s"}`);
      if (seconds || !minutes) parts.push(`${seconds} second${seconds === 1 ? "" : "s"}`);
      return parts.join(" ");
    };
    visible.textContent = words();
    announced.textContent = words();
    tick = setInterval(() => {
      remaining = Math.max(0, remaining - 1);
      visible.textContent = words();
      // Screen readers hear the time left every 20 seconds, not every second.
      if (remaining % 20 === 0) announced.textContent = words();
    }, 1000);
    if (!dialog.open) dialog.showModal();
  }

  dialog.querySelector("[data-stay]").addEventListener("click", async () => {
    const response = await fetch(keepAliveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken },
      credentials: "same-origin",
    });
    if (response.status === 204) {
      dialog.close();
      schedule();
    } else {
      window.location.href = signedOutUrl;
    }
  });
  dialog.addEventListener("cancel", (event) => {
    // Escape means "stay signed in" too, as in the GOV.UK pattern.
    event.preventDefault();
    dialog.querySelector("[data-stay]").click();
  });
  schedule();
}

const timeoutDialog = document.getElementById("session-timeout-dialog");
if (timeoutDialog) startTimeoutWarning(timeoutDialog);

// Warn before leaving a form with unsaved changes (forms marked data-isf-warn-unsaved).
for (const form of document.querySelectorAll("form[data-isf-warn-unsaved]")) {
  let dirty = false;
  form.addEventListener("input", () => {
    dirty = true;
  });
  form.addEventListener("submit", () => {
    dirty = false;
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}
