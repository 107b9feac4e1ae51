import { chromium } from 'playwright-core';
const base = process.env.BASE ?? 'http://127.0.0.1:8090';
const out = process.env.OUT ?? '/tmp';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
for (const [w, tag] of [[1280, 'wide'], [375, 'phone']]) {
  const page = await browser.newPage({ viewport: { width: w, height: 900 } });
  await page.goto(`${base}/login`);
  await page.fill('#username', 'office'); await page.fill('#password', 'Demo-2026-jindu');
  await page.click('button[type=submit]'); await page.waitForURL(`${base}/`);
  await page.screenshot({ path: `${out}/${tag}-workbench.png` });
  await page.goto(`${base}/persons`); await page.screenshot({ path: `${out}/${tag}-persons.png` });
  const href = await page.locator('table a').first().getAttribute('href');
  await page.goto(`${base}${href}`); await page.screenshot({ path: `${out}/${tag}-person.png`, fullPage: true });
  await page.goto(`${base}/overview`); await page.screenshot({ path: `${out}/${tag}-overview.png`, fullPage: true });
  await page.goto(`${base}/persons/new`);
  await page.fill('#name', '测试'); await page.fill('#id_number', '110105194912310021');
  await page.click('form[data-testid=register-form] button[type=submit]');
  await page.screenshot({ path: `${out}/${tag}-register-error.png`, fullPage: true });
}
await browser.close();
