// Browser test: 批量导入 (issue #6) in Debian's headless Chromium against `jindu demo`. The office
// uploads a sheet in its own layout (a title, a blank row, headers Jindu does not know), is shown
// the first rows, maps the columns by hand (列对应), checks again, imports, and finds the persons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { demoServer } from './harness.mjs';

const ctx = demoServer('import', 22000);
const { base, dir } = ctx;

/** A valid synthetic ID number (GB 11643 check digit), born 1931-02-<day>, sequence 5xx. */
function idNumber(day, seq) {
  const first17 = `430405193102${String(day).padStart(2, '0')}${String(500 + seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

test('a sheet in the office\'s own layout is mapped by hand, checked and imported', async () => {
  const page = await ctx.browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名').fill('office');
  await page.getByLabel('密码').fill('Demo-2026-jindu');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${base}/`);

  const csv = [
    '2026年新增人员名单,,,',
    '',
    '编号,当事人,证照号,所属街道',
    `1,浏览器甲,${idNumber(3, 1)},东风街道`,
    `2,浏览器乙,${idNumber(4, 2)},广东路街道`,
  ].join('\r\n');
  await page.goto(`${base}/import`);
  await page.locator('#file').setInputFiles({ name: '名单.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.locator('#sheet').selectOption('persons');
  await page.getByRole('button', { name: '上传并检查' }).click();

  // The header cannot be read: the sentence, the first rows, and the 列对应 form on row 3.
  await page.getByTestId('import-refused').waitFor();
  assert.match(await page.getByTestId('import-refused').textContent(), /列对应/);
  assert.match(await page.getByTestId('import-preview').textContent(), /证照号/);
  const form = page.getByTestId('import-map');
  await form.getByLabel('编号').selectOption('-');
  await form.getByLabel('当事人').selectOption('name');
  await form.getByLabel('证照号').selectOption('id_number');
  await page.getByTestId('import-map-submit').click();

  // The check with the mapping: two rows, no problems; then the import itself.
  await page.getByTestId('import-clean').waitFor();
  assert.equal((await page.getByTestId('valid').textContent()).trim(), '2');
  assert.match(await page.getByTestId('mapping-used').textContent(), /证照号/);
  await page.getByTestId('import-commit').click();
  await page.getByTestId('import-done').waitFor();
  assert.equal((await page.getByTestId('created').textContent()).trim(), '2');
  await page.screenshot({ path: join(dir, 'import.png'), fullPage: true });

  // The persons are in the registry.
  await page.goto(`${base}/persons?q=${encodeURIComponent('浏览器甲')}`);
  assert.match(await page.locator('main').textContent(), /浏览器甲/);
});
