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

// A kiosk's map page: a click on the map preview places the point whose fields had the focus
// last ("you are here" until another is chosen), in thousandths of the map's width and height.
const mapPreview = document.getElementById("map-preview");
if (mapPreview) {
  let target = { mark: "here", x: "here_x", y: "here_y" };
  document.querySelectorAll("#kiosk-form input, #kiosk-form textarea, #kiosk-form select").forEach((field) => {
    field.addEventListener("focus", () => {
      const place = field.id.match(/^point_[a-z]+_(\d+)$/);
      if (place) target = { mark: `point_${place[1]}`, x: `point_x_${place[1]}`, y: `point_y_${place[1]}`, number: Number(place[1]) + 1 };
      else if (/^here_[xy]$/.test(field.id)) target = { mark: "here", x: "here_x", y: "here_y" };
    });
  });
  mapPreview.addEventListener("click", (event) => {
    const image = mapPreview.querySelector("img").getBoundingClientRect();
    const perMille = (offset, size) => Math.min(1000, Math.max(0, Math.round((offset / size) * 1000)));
    const x = perMille(event.clientX - image.left, image.width);
    const y = perMille(event.clientY - image.top, image.height);
    document.getElementById(target.x).value = x;
    document.getElementById(target.y).value = y;
    let mark = mapPreview.querySelector(`.mark[data-for="${target.mark}"]`);
    if (!mark) {
      mark = document.createElement("span");
      mark.className = "mark";
      mark.dataset.for = target.mark;
      mark.textContent = String(target.number);
      mapPreview.append(mark);
    }
    mark.style.left = `${x / 10}%`;
    mark.style.top = `${y / 10}%`;
  });
}
