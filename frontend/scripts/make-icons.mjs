// Draws the app's PNG icons from public/favicon.svg, once: `node scripts/make-icons.mjs`.
// The PNGs are committed (the build does not run this); run it again when the favicon changes.
// It uses Debian's Chromium through playwright-core, which the end-to-end tests already need,
// so no image library joins the dependencies. CHROMIUM_PATH overrides /usr/bin/chromium.
//
//   public/icons/icon-192.png, icon-512.png   the favicon as drawn (transparent corners)
//   public/icons/maskable-512.png             full-bleed theme colour, the face inside the
//                                             safe zone (the inner 80 % circle) for masks
//   public/icons/apple-touch-icon.png         180 px on the theme colour (iOS ignores the
//                                             manifest's icons and fills transparency black)
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const publicDir = path.resolve(here, '..', 'public');
const outDir = path.join(publicDir, 'icons');
const svg = readFileSync(path.join(publicDir, 'favicon.svg'), 'utf8');
// The theme colour (styles.css --green; index.html's theme-color).
const THEME = '#14532d';

const ICONS = [
  { file: 'icon-192.png', size: 192, background: null, scale: 1 },
  { file: 'icon-512.png', size: 512, background: null, scale: 1 },
  { file: 'maskable-512.png', size: 512, background: THEME, scale: 0.8 },
  { file: 'apple-touch-icon.png', size: 180, background: THEME, scale: 0.9 },
];

function page({ size, background, scale }) {
  const inner = Math.round(size * scale);
  return `<!doctype html><html><head><style>
    html, body { margin: 0; padding: 0; background: ${background ?? 'transparent'}; }
    body { width: ${size}px; height: ${size}px; display: grid; place-items: center; }
    svg { width: ${inner}px; height: ${inner}px; display: block; }
  </style></head><body>${svg}</body></html>`;
}

mkdirSync(outDir, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  for (const icon of ICONS) {
    const tab = await browser.newPage({ viewport: { width: icon.size, height: icon.size }, deviceScaleFactor: 1 });
    await tab.setContent(page(icon));
    await tab.screenshot({ path: path.join(outDir, icon.file), omitBackground: icon.background === null, clip: { x: 0, y: 0, width: icon.size, height: icon.size } });
    await tab.close();
    console.log(`public/icons/${icon.file} (${icon.size}×${icon.size})`);
  }
} finally {
  await browser.close();
}
