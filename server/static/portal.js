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

// Where an association ticks target audiences, the suggested buildings follow what is ticked.
const suggestions = document.getElementById("suggestions");
const audienceBoxes = document.querySelectorAll("input[name=target_audiences]");
if (suggestions && audienceBoxes.length > 0) {
  const refresh = () => {
    const ticked = Array.from(audienceBoxes).filter((box) => box.checked).map((box) => box.value);
    fetch(`/suggestions?segments=${encodeURIComponent(ticked.join(","))}`, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("suggestions");
        if (fresh) document.getElementById("suggestions").replaceChildren(...fresh.childNodes);
      })
      .catch(() => {});
  };
  audienceBoxes.forEach((box) => box.addEventListener("change", refresh));
  if (Array.from(audienceBoxes).some((box) => box.checked)) refresh();
}
