// kit studio: a few enhancements; every form works without them.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The focus dot where the message's focus point is.
  for (const dot of document.querySelectorAll(".focus-dot")) {
    const [x, y] = dot.dataset.focus.split(/[\s,]+/).map(Number);
    dot.style.left = `${(x || 0.5) * 100}%`;
    dot.style.top = `${(y || 0.5) * 100}%`;
  }
  // A click on the photo sets the focus: say the size it is shown at (a phone may show it smaller).
  for (const picture of document.querySelectorAll(".focus-image")) {
    picture.addEventListener("click", () => {
      const box = picture.getBoundingClientRect();
      picture.form.elements["focus.width"].value = box.width;
      picture.form.elements["focus.height"].value = box.height;
    });
  }
  // Previews: while a build runs, fetch the list again until it is done (each file appears as its job finishes).
  const list = document.getElementById("preview-list");
  const poll = () => {
    if (!list || !list.querySelector('[data-running="yes"]')) return;
    setTimeout(() => fetch(list.dataset.src, {credentials: "same-origin"})
      .then((r) => r.ok ? r.text() : Promise.reject(r.status))
      .then((html) => { if (html !== list.dataset.last) { list.dataset.last = html; list.innerHTML = html; } poll(); })
      .catch(() => setTimeout(poll, 2000)), 400);
  };
  poll();
  // Live counters with the rules of kit/data/platforms.yaml (X counts a link as 23 and an emoji or CJK character as 2).
  const limitsNode = document.getElementById("limits");
  if (!limitsNode) return;
  const limits = JSON.parse(limitsNode.textContent);
  const lang = document.documentElement.lang;
  const urlPattern = /https?:\/\/\S+/g;
  const weighted = (text, p) => {
    if (!p.weighted) return [...text].length;
    let total = 0;
    const rest = text.replace(urlPattern, () => { total += p.url; return ""; });
    for (const ch of rest) {
      const code = ch.codePointAt(0);
      total += (code <= 0x10FF || (code >= 0x2000 && code <= 0x200D) || (code >= 0x2010 && code <= 0x201F) ||
                (code >= 0x2032 && code <= 0x2037)) ? 1 : 2;
    }
    return total;
  };
  const update = (input, out) => {
    const kind = input.dataset.counter;
    const value = input.value;
    let parts = [];
    let over = false;
    if (kind === "alt") {
      for (const [name, p] of Object.entries(limits)) {
        if (!p.alt) continue;
        const n = [...value].length;
        over = over || n > p.alt;
        parts.push(`${name} ${n}/${p.alt}`);
      }
    } else if (kind === "hashtags") {
      const n = value.split(/[\s,]+/).filter(Boolean).length;
      for (const [name, p] of Object.entries(limits)) {
        if (!p.hashtags) continue;
        over = over || n > p.hashtags;
        parts.push(`${name} ${n}/${p.hashtags}`);
      }
    } else if (kind.startsWith("caption:")) {
      const name = kind.slice(8);
      const p = limits[name];
      const n = weighted(value, p);
      over = n > p.caption;
      parts.push(`${name} ${n}/${p.caption}`);
    }
    out.textContent = parts.join(" · ");
    out.classList.toggle("over", over);
  };
  for (const out of document.querySelectorAll(".counter")) {
    const input = document.getElementById(out.dataset.for);
    if (!input) continue;
    update(input, out);
    input.addEventListener("input", () => update(input, out));
  }
});
