// Edge SLM Bench results viewer: sorting, filtering and run selection on the served pages.
// Plain browser JavaScript, served by the Deno server; the pages work without it (filters that
// need the records are server-side forms), this only adds instant sorting and filtering.
"use strict";

function cellValue(row, index) {
  const cell = row.children[index];
  if (!cell) return "";
  return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
}

function compareValues(a, b) {
  const x = Number(a);
  const y = Number(b);
  const numeric = a !== "" && b !== "" && Number.isFinite(x) && Number.isFinite(y);
  if (numeric) return x - y;
  if (a === "" || a === "–") return 1;
  if (b === "" || b === "–") return -1;
  return a.localeCompare(b, undefined, { numeric: true });
}

function makeSortable(table) {
  const heads = [...table.querySelectorAll("thead th")];
  heads.forEach((th, index) => {
    if (th.dataset.sort === undefined) return;
    th.addEventListener("click", () => {
      const body = table.tBodies[0];
      const ascending = !th.classList.contains("sorted-asc");
      heads.forEach((h) => h.classList.remove("sorted-asc", "sorted-desc"));
      th.classList.add(ascending ? "sorted-asc" : "sorted-desc");
      const rows = [...body.rows];
      rows.sort((r1, r2) => {
        const c = compareValues(cellValue(r1, index), cellValue(r2, index));
        return ascending ? c : -c;
      });
      rows.forEach((r) => body.appendChild(r));
    });
  });
}

function applyFilters(tableId) {
  const table = document.getElementById(tableId);
  if (!table) return;
  const controls = [...document.querySelectorAll(`[data-filter-for="${tableId}"]`)];
  let shown = 0;
  for (const row of table.tBodies[0].rows) {
    let ok = true;
    for (const c of controls) {
      const value = c.value.trim().toLowerCase();
      if (!value) continue;
      if (c.dataset.attr) {
        if ((row.dataset[c.dataset.attr] || "").toLowerCase() !== value) ok = false;
      } else if (!row.textContent.toLowerCase().includes(value)) ok = false;
    }
    row.hidden = !ok;
    if (ok) shown++;
  }
  for (const out of document.querySelectorAll(`[data-count-for="${tableId}"]`)) {
    out.textContent = String(shown);
  }
}

function setupFilters() {
  const ids = new Set();
  for (const c of document.querySelectorAll("[data-filter-for]")) {
    ids.add(c.dataset.filterFor);
    c.addEventListener("input", () => applyFilters(c.dataset.filterFor));
  }
  ids.forEach(applyFilters);
}

function setupCompare() {
  const button = document.getElementById("compare-selected");
  if (!button) return;
  const picks = [...document.querySelectorAll("input.pick")];
  const update = () => {
    const chosen = picks.filter((p) => p.checked);
    button.disabled = chosen.length !== 2;
    button.textContent = chosen.length === 2
      ? "Compare the two selected runs"
      : `Select two eval runs to compare (${chosen.length}/2)`;
  };
  picks.forEach((p) => p.addEventListener("change", update));
  button.addEventListener("click", () => {
    const [a, b] = picks.filter((p) => p.checked).map((p) => encodeURIComponent(p.value));
    if (a && b) location.href = `/compare?a=${a}&b=${b}`;
  });
  update();
}

function setupKeys() {
  document.addEventListener("keydown", (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    const rel = e.key === "ArrowLeft" ? "prev" : e.key === "ArrowRight" ? "next" : null;
    const link = rel && document.querySelector(`a[rel="${rel}"]`);
    if (link) location.href = link.href;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.sortable").forEach(makeSortable);
  setupFilters();
  setupCompare();
  setupKeys();
});
