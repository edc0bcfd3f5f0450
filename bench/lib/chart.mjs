// A dependency-free grouped bar chart as SVG (no network, no fonts to fetch).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { root } from "./stack.mjs";

const COLORS = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#64748b"];

function esc(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= value) return m * exp;
  return 10 * exp;
}

function fmt(v) {
  if (v >= 1e6) return `${Math.round(v / 1e5) / 10}M`;
  if (v >= 1e4) return `${Math.round(v / 100) / 10}k`;
  if (v >= 100) return String(Math.round(v));
  return String(Math.round(v * 100) / 100);
}

/**
 * @param {{ title: string, yLabel: string, categories: string[], series: { name: string, values: number[] }[],
 *           line?: { value: number, label: string } }} spec
 */
export function barChart(spec) {
  const width = 760;
  const height = 380;
  const m = { top: 48, right: 20, bottom: 70, left: 70 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const all = spec.series.flatMap((s) => s.values).filter(Number.isFinite);
  const max = niceMax(Math.max(...all, spec.line?.value ?? 0));
  const y = (v) => m.top + plotH - (v / max) * plotH;
  const groupW = plotW / spec.categories.length;
  const barW = Math.min(48, (groupW * 0.8) / spec.series.length);
  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  parts.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(spec.title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (max / 5) * i;
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${m.left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#374151">${fmt(v)}</text>`);
  }
  parts.push(`<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#374151">${esc(spec.yLabel)}</text>`);
  spec.categories.forEach((cat, ci) => {
    const gx = m.left + ci * groupW + (groupW - barW * spec.series.length) / 2;
    spec.series.forEach((s, si) => {
      const v = s.values[ci];
      if (!Number.isFinite(v)) return;
      const x = gx + si * barW;
      parts.push(`<rect x="${x}" y="${y(v)}" width="${barW - 2}" height="${Math.max(0, m.top + plotH - y(v))}" fill="${COLORS[si % COLORS.length]}"/>`);
      parts.push(`<text x="${x + (barW - 2) / 2}" y="${y(v) - 4}" text-anchor="middle" font-size="10" fill="#111">${fmt(v)}</text>`);
    });
    parts.push(`<text x="${m.left + ci * groupW + groupW / 2}" y="${m.top + plotH + 18}" text-anchor="middle" fill="#111">${esc(cat)}</text>`);
  });
  if (spec.line) {
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y(spec.line.value)}" y2="${y(spec.line.value)}" stroke="#dc2626" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${width - m.right}" y="${y(spec.line.value) - 5}" text-anchor="end" fill="#dc2626">${esc(spec.line.label)}</text>`);
  }
  const lx0 = m.left;
  spec.series.forEach((s, si) => {
    const lx = lx0 + si * 170;
    parts.push(`<rect x="${lx}" y="${height - 24}" width="12" height="12" fill="${COLORS[si % COLORS.length]}"/>`);
    parts.push(`<text x="${lx + 16}" y="${height - 14}" fill="#111">${esc(s.name)}</text>`);
  });
  parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#9ca3af"/>`);
  parts.push(`</svg>`);
  return parts.join("\n");
}

export function writeChart(name, spec) {
  const dir = path.join(root, "bench", "charts");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.svg`), `${barChart(spec)}\n`);
}
