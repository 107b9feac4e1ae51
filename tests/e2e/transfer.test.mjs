// Browser test: 变更执行地 (戒毒条例 §22) in Debian's headless Chromium against `jindu demo`.
// The office (禁毒办, whole district) asks on a person page of 广东路街道 to move the place of
// execution to 衡州路街道, accepts the request on /transfers as the receiving side, and finds the
// person at the new place with the 15-day report deadline (day of acceptance not counted, moved
// past Saturdays and Sundays; the demo enters no holidays).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { demoServer } from './harness.mjs';

const ctx = demoServer('transfer', 20000);
const { base, dir } = ctx;

/** today (YYYY-MM-DD, as the page's date inputs show it) + 15 days, moved past a weekend. */
function reportDeadline(today) {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 15);
  while ([0, 6].includes(d.getUTCDay())) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

test('the office moves a person to another town and the 15-day report is due there', async () => {
  const page = await ctx.browser.newPage({ viewport: { width: 375, height: 900 } });
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名').fill('office');
  await page.getByLabel('密码').fill('Demo-2026-jindu');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${base}/`);

  // A person under control with a running measure in 广东路街道.
  await page.goto(`${base}/persons?town=430405009&status=under_control&measure=community_detox`);
  const href = await page.locator('table a[href^="/persons/"]').first().getAttribute('href');
  await page.goto(`${base}${href}`);
  const today = await page.locator('#ev-date').inputValue();

  // 申请变更执行地 → 王江社区, 衡州路街道.
  const form = page.getByTestId('transfer-form');
  await form.locator('#tr-to').selectOption('430405007006');
  await form.locator('#tr-reason').fill('已搬至衡州路街道居住');
  await form.getByRole('button', { name: '提交申请' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.getByTestId('open-transfer').textContent(), /待接收/);

  // The receiving side (the office sees it too) accepts on /transfers.
  await page.getByRole('navigation').getByRole('link', { name: '变更执行地' }).click();
  await page.waitForURL(`${base}/transfers`);
  const row = page.locator('[data-testid=transfers-incoming] tr[data-status=requested]').first();
  assert.match(await row.textContent(), /已搬至衡州路街道居住/);
  await row.getByTestId('accept-form').getByRole('button', { name: '接收' }).click();
  await page.waitForURL(`${base}${href}`);

  // At the new place, with the report duty due 15 days on (戒毒条例 §22).
  const facts = await page.locator('dl.facts').first().textContent();
  assert.match(facts, /衡州路街道/);
  const due = (await page.getByTestId('due-transfer_report').textContent()).trim();
  assert.equal(due, reportDeadline(today));
  const entry = page.locator(`ol[data-testid=timeline] li[data-kind=transfer][data-date="${today}"]`);
  assert.ok(await entry.count() >= 2, 'request and acceptance are on the timeline');
  await page.screenshot({ path: join(dir, 'transfer.png'), fullPage: true });
});
