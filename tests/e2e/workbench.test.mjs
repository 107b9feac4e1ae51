// Browser test: a social worker's day in Debian's headless Chromium.
// Starts `jindu demo` on a fresh database (JINDU_E2E_DB, default a temporary SQLite file),
// signs in, opens the 工作台, records a negative urine test for a person whose test is due,
// and checks that the obligation moves and the event appears on the timeline; then checks that a
// social worker of one town cannot open a person of another town by typing its address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { demoServer } from './harness.mjs';

const ctx = demoServer('workbench', 18000);
const { base, dir } = ctx;

test('record a negative urine test from the workbench', async () => {
  const page = await ctx.browser.newPage({ viewport: { width: 375, height: 800 } });
  await page.goto(`${base}/`);
  assert.match(page.url(), /\/login/);
  assert.ok(await page.getByTestId('demo-banner').isVisible(), 'every demo page says 演示数据');
  await page.getByLabel('用户名').fill('office');
  await page.getByLabel('密码').fill('Demo-2026-jindu');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${base}/`);
  await page.getByRole('heading', { name: /我的工作台/ }).waitFor();

  // A person whose drug test is overdue or due: follow its 记录 link.
  const link = page.locator('a[href*="?record=drug_test"]').first();
  assert.ok(await link.count() > 0, 'the demo has persons with a test due');
  await link.click();
  await page.waitForURL(/\/persons\/[0-9a-f-]+\?record=drug_test/);
  const due = page.getByTestId('due-drug_test');
  const dueBefore = (await due.textContent()).trim();
  const today = await page.locator('#ev-date').inputValue();
  assert.ok(dueBefore <= today, `the test was due (${dueBefore} <= ${today})`);

  await page.locator('#ev-kind').selectOption('drug_test');
  await page.locator('#ev-method').selectOption('urine');
  await page.locator('#ev-result').selectOption('negative');
  await page.getByTestId('event-form').getByRole('button', { name: '保存' }).click();
  await page.waitForLoadState('load');

  const dueAfter = (await page.getByTestId('due-drug_test').textContent()).trim();
  assert.ok(dueAfter > today, `the next test moved into the future (${dueBefore} → ${dueAfter})`);
  const entry = page.locator(`ol[data-testid=timeline] li[data-kind=drug_test][data-date="${today}"]`);
  assert.equal(await entry.count(), 1, 'the test is on the timeline');
  assert.match(await entry.textContent(), /阴性/);
  await page.screenshot({ path: join(dir, 'person.png'), fullPage: true });
});

async function signIn(context, username) {
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill('Demo-2026-jindu');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

test('a social worker of one town cannot open a person of another town', async () => {
  // The office finds a person in 广东路街道 (430405009).
  const office = await signIn(await ctx.browser.newContext(), 'office');
  await office.goto(`${base}/persons?town=430405009`);
  const href = await office.locator('table a[href^="/persons/"]').first().getAttribute('href');
  assert.match(href, /^\/persons\/[0-9a-f-]{36}$/);
  const other = await office.goto(`${base}${href}`);
  assert.equal(other.status(), 200, 'the office sees the whole district');

  // sg01 works in 衡州路街道 (430405007): the same address, typed by hand, answers like a
  // missing record, with or without ?unmask=1; the town filter shows nobody.
  const sw = await signIn(await ctx.browser.newContext(), 'sg01');
  for (const path of [href, `${href}?unmask=1`, `${href}/edit`]) {
    const r = await sw.goto(`${base}${path}`);
    assert.ok([403, 404].includes(r.status()), `${path}: ${r.status()}`);
    assert.ok(!(await sw.content()).includes(href.slice(9)), 'nothing of the record is shown');
  }
  const r = await sw.goto(`${base}${href}`);
  assert.equal(r.status(), 404);
  assert.match(await sw.locator('main').textContent(), /未找到/);
  await sw.goto(`${base}/persons?town=430405009`);
  assert.equal(await sw.locator('table a[href^="/persons/"]').count(), 0);
});

test('the office reports a serious breach from its alerts and acknowledges an alert', async () => {
  const page = await signIn(await ctx.browser.newContext(), 'office');
  await page.goto(`${base}/`);
  const total = Number((await page.getByTestId('count-alerts').textContent()).trim());
  assert.ok(total > 0, 'the demo raises alerts');

  // A serious breach (戒毒条例 §20): the alert lists its evidence; the person page shows the
  // counts and the report to the police is recorded.
  await page.goto(`${base}/alerts?kind=serious_breach`);
  const row = page.locator('table[data-testid=alerts] tr[data-kind=serious_breach]').first();
  assert.ok(await row.count() > 0, 'the demo has a serious breach');
  assert.match(await row.textContent(), /第二十条/);
  await row.locator('a[href^="/persons/"]').click();
  await page.waitForURL(/\/persons\/[0-9a-f-]{36}$/);
  assert.ok(await page.getByTestId('breach-serious').isVisible());
  assert.match(await page.getByTestId('breach-departures').textContent(), /3 \/ 3/);
  assert.equal(await page.getByTestId('breach-evidence').locator('li').count() >= 3, true);
  await page.getByTestId('report-breach').click();
  await page.waitForLoadState('load');
  assert.ok(await page.getByTestId('breach-reported').first().isVisible(), 'the report is recorded');
  assert.equal(await page.locator('ol[data-testid=timeline] li[data-kind=breach_reported]').count(), 1);

  // Acknowledging an alert with a note takes it out of this user's inbox.
  await page.goto(`${base}/alerts`);
  const first = page.locator('table[data-testid=alerts] tbody tr').first();
  await first.locator('input[name=note]').fill('已电话联系');
  await first.getByRole('button', { name: '已阅' }).click();
  await page.waitForURL(`${base}/alerts`);
  await page.goto(`${base}/`);
  assert.equal(Number((await page.getByTestId('count-alerts').textContent()).trim()), total - 1);

  // The police work from the list of lost persons.
  const police = await signIn(await ctx.browser.newContext(), 'police');
  await police.goto(`${base}/lost`);
  assert.ok(Number((await police.getByTestId('lost-count').textContent()).trim()) > 0);
  assert.ok(await police.locator('table[data-testid=lost] tbody tr').count() > 0);
});
