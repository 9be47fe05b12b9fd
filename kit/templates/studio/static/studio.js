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
  // Checks as you type: the same check as on save, asked of the studio a moment after typing stops.
  const editor = document.getElementById("editor");
  let pending = null;
  const showProblems = (placed) => {
    for (const list of editor.querySelectorAll(".field > ul.problems, fieldset > ul.problems")) list.remove();
    for (const input of editor.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    for (const [name, problems] of Object.entries(placed)) {
      const box = document.getElementById(`f-${name}`);
      if (!box || !name) continue;
      const list = document.createElement("ul");
      list.className = "problems";
      list.id = `p-${name}`;
      for (const p of problems) {
        const item = document.createElement("li");
        item.className = p.severity;
        item.textContent = p.text;
        list.append(item);
      }
      box.append(list);
      const control = box.querySelector("input:not([type=hidden]), select, textarea");
      if (control && problems.some((p) => p.severity === "error")) control.setAttribute("aria-invalid", "true");
      if (control) control.setAttribute("aria-describedby", list.id);
    }
  };
  if (editor) {
    editor.addEventListener("input", (event) => {
      if (event.target.type === "file") return;
      clearTimeout(pending);
      pending = setTimeout(() => {
        const data = new FormData(editor);
        data.delete("image.upload");
        fetch(editor.getAttribute("action") + "/check", {method: "POST", body: data, credentials: "same-origin"})
          .then((r) => r.ok ? r.json() : Promise.reject(r.status)).then(showProblems).catch(() => {});
      }, 700);
    });
  }
  // Live counters with the rules of kit/data/platforms.yaml (X counts a link as 23 and an emoji or CJK character as 2).
  const limitsNode = document.getElementById("limits");
  if (!limitsNode) return;
  const limits = JSON.parse(limitsNode.textContent);
  const lang = document.documentElement.lang;
  const urlPattern = /https?:\/\/\S+/g;
  const weighted = (text, p) => {
    let total = 0;
    const rest = p.url === null ? text : text.replace(urlPattern, () => { total += p.url; return ""; });
    if (!p.weighted) return total + [...rest].length;
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
