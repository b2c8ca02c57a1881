// Civicast portal: the pages work without JavaScript; this only asks before a withdrawal, and
// shows a requested screenshot as soon as it arrives.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});

// While a screenshot is awaited, look every 2 s whether it came, and show it once it has.
const waiting = document.getElementById("screenshot-waiting");
if (waiting) {
  const look = () =>
    fetch(window.location.href, { credentials: "same-origin" })
      .then((response) => response.text())
      .then((page) => {
        if (page.includes('id="screenshot-waiting"')) window.setTimeout(look, 2000);
        else window.location.reload();
      })
      .catch(() => window.setTimeout(look, 5000));
  window.setTimeout(look, 2000);
}
