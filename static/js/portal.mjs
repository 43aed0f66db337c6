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

// The vision statement's live preview stays in view (issue #12 item 17). On a tablet or wider
// the stylesheet keeps it in a sticky column beside the fields; on a narrower screen it is
// moved after the field being typed in (and back before the fields on widening). Either way,
// if its end is below the window, the page scrolls up just enough to show it, never so far
// that the field being typed in leaves the window.
function keepPreviewInView(panel, form) {
  const home = panel.parentElement;
  const narrow = window.matchMedia("(max-width: 40.0525em)");
  let field = null;
  const reveal = () => {
    if (!field) return;
    const over = panel.getBoundingClientRect().bottom - window.innerHeight;
    const room = field.getBoundingClientRect().top - 10;
    if (over > 0 && room > 0) window.scrollBy(0, Math.min(over, room));
  };
  form.addEventListener("input", (event) => {
    field = event.target.closest(".govuk-form-group");
    if (!field) return;
    if (narrow.matches && field.nextElementSibling !== panel) field.after(panel);
    reveal();
  });
  // The preview grows as htmx swaps in the new text: keep showing it whole.
  panel.addEventListener("htmx:afterSwap", reveal);
  narrow.addEventListener("change", () => {
    if (!narrow.matches && panel.parentElement !== home) home.prepend(panel);
  });
}

const visionPanel = document.getElementById("vision-preview-panel");
const visionForm = document.getElementById("vision-form");
if (visionPanel && visionForm) keepPreviewInView(visionPanel, visionForm);
