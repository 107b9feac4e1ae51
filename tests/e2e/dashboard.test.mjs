// Browser test: the 驾驶舱 in Debian's headless Chromium on the demo (珠晖区). A number leads to
// exactly that many rows; a write shows on the next page load; a leader sees counts and the
// ranking of towns, never names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { demoServer } from './harness.mjs';

const ctx = demoServer('dashboard', 22000);
const { base, dir } = ctx;

async function signIn(username) {
  const context = await ctx.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill('Demo-2026-jindu');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

const number = async (page, code) => Number((await page.getByTestId(`kpi-${code}`).textContent()).trim());

// Rows listed over every page of a drill-down (50 a page).
async function rowsOverPages(page) {
  let n = 0;
  for (;;) {
    n += await page.locator('tr[data-row=person]').count();
    const next = page.locator('.pager a', { hasText: '下一页' });
    if (await next.count() === 0) return n;
    await next.click();
    await page.waitForLoadState('load');
  }
}

test('a number on the dashboard lists exactly that many rows, and a write shows at once', async () => {
  const page = await signIn('office');
  await page.goto(`${base}/dashboard`);
  await page.getByRole('heading', { name: /驾驶舱/ }).waitFor();
  assert.ok(await page.getByTestId('demo-banner').isVisible(), 'every demo page says 演示数据');
  // It opens on the last complete month (no 截至 mark); the current month is one click away
  // and marked partial (issue #18, item 17). Writes show at once in the current month.
  assert.equal(await page.getByTestId('partial').count(), 0, 'the default month is complete');
  await page.locator('.period-links a').first().click();
  await page.waitForLoadState('load');
  assert.match(await page.getByTestId('partial').textContent(), /^截至\d+月\d+日$/);
  const thisMonth = page.url();
  assert.ok(await page.locator('figure.chart svg polyline').count() >= 1, 'trend charts are drawn');
  assert.ok(await page.locator('table[data-testid=ranking] tbody tr').count() >= 8, 'the towns are ranked');
  const lost = await number(page, 'lost');
  assert.ok(lost > 0, 'the demo has persons lost from control');
  await page.screenshot({ path: join(dir, 'dashboard.png'), fullPage: true });

  await page.locator('a[data-indicator=lost]').click();
  await page.waitForURL(/\/dashboard\/rows\?indicator=lost/);
  assert.equal(await rowsOverPages(page), lost, 'one row per person lost');
  assert.match(await page.getByTestId('drill-total').textContent(), new RegExp(`^\\s*${lost}\\s`));

  // Record a loss of contact for a person under control: the next load counts one more.
  await page.goto(`${base}/persons?status=under_control`);
  await page.locator('table a[href^="/persons/"]').first().click();
  await page.waitForURL(/\/persons\/[0-9a-f-]+$/);
  await page.locator('#ev-kind').selectOption('contact_lost');
  await page.getByTestId('event-form').getByRole('button', { name: '保存' }).click();
  await page.waitForLoadState('load');
  await page.goto(thisMonth);
  assert.equal(await number(page, 'lost'), lost + 1, 'the write is on the dashboard at the next load');
  await page.locator('a[data-indicator=lost]').click();
  await page.waitForURL(/\/dashboard\/rows\?indicator=lost/);
  assert.equal(await rowsOverPages(page), lost + 1);
});

test('a leader sees figures and the ranking of towns, not names', async () => {
  const page = await signIn('leader');
  assert.match(page.url(), /\/dashboard/, 'a leader starts on the 驾驶舱');
  const registered = await number(page, 'registered');
  assert.ok(registered > 500, `the demo district has its registry (${registered})`);
  const href = await page.locator('a[data-indicator=registered]').getAttribute('href');
  assert.match(href, /rank=registered#ranking/, 'a count leads a leader to the ranking, not to names');
  await page.goto(`${base}${href}`);
  const rows = page.locator('table[data-testid=ranking] tbody tr');
  let sum = 0;
  for (let i = 0; i < await rows.count(); i += 1) {
    sum += Number((await rows.nth(i).locator('td').nth(2).textContent()).trim());
  }
  assert.equal(sum, registered, 'the towns add up to the district');
  const rowsPage = await page.goto(`${base}/dashboard/rows?indicator=lost`);
  assert.equal(rowsPage.status(), 403);
});

test('rankings over the published runs, a run\'s bulletin, a signed letter and a task closed out', async () => {
  const page = await signIn('office');
  await page.goto(`${base}/dashboard`);
  const standings = page.getByTestId('standings');
  await standings.waitFor();
  assert.equal(await standings.locator('tbody tr').count(), 10, 'the ten towns of 珠晖区');
  assert.ok(await standings.locator('thead a').count() >= 2, 'last year and this year\'s finished quarters');
  await standings.locator('thead a').last().click();
  await page.waitForURL(/\/evaluation\/[0-9a-f-]+$/);
  assert.equal((await page.getByTestId('run-status').textContent()).trim(), '已发布');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bulletin-docx').click()]);
  assert.match(download.suggestedFilename(), /^evaluation-430405-\d{4}-Q\d\.docx$/);

  await page.goto(`${base}/responsibility`);
  const unsigned = await page.getByTestId('unsigned').textContent();
  assert.match(unsigned, /待签订/);
  assert.match(unsigned, /未签订/);
  const form = page.getByTestId('letter-form');
  const town = await form.locator('#l-unit option').last().getAttribute('value');
  await form.locator('#l-unit').selectOption(town);
  await form.locator('#l-parties').fill('珠晖区禁毒委员会 — 街道办事处');
  await form.locator('#l-signed').fill('2026-03-01');
  await form.locator('#l-scan').setInputFiles({ name: '责任书.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
  await form.getByRole('button', { name: '保存' }).click();
  await page.waitForLoadState('load');
  assert.equal((await page.locator(`tr[data-unit="${town}"] [data-testid=letter-status]`).textContent()).trim(), '已签订');

  // The overdue task: 销账 with a note, then it reads 已完成.
  const row = page.locator('tr[data-task]', { has: page.locator('td.overdue') }).first();
  const id = await row.getAttribute('data-task');
  await row.locator('summary', { hasText: '销账' }).click();
  await page.locator(`#c-${id}`).fill('经核查已完成');
  await row.getByRole('button', { name: '销账' }).click();
  await page.waitForLoadState('load');
  assert.equal((await page.locator(`tr[data-task="${id}"] [data-testid=task-status]`).textContent()).trim().split(/\s/)[0], '已完成');
  await page.screenshot({ path: join(dir, 'responsibility.png'), fullPage: true });
});

test('the office adapts a scheme item by item; member units are registered and ranked apart', async () => {
  const page = await signIn('office');
  await page.goto(`${base}/dashboard`);
  const members = page.getByTestId('standings-more');
  await members.waitFor();
  assert.equal(await members.locator('tbody tr').count(), 12, 'the twelve member units of the demo committee');

  await page.goto(`${base}/evaluation`);
  await page.getByTestId('evaluation-schemes').getByRole('link', { name: /乡镇（街道）禁毒工作考评/ }).click();
  await page.waitForURL(/\/evaluation\/schemes\/[0-9a-f-]+$/);
  const row = page.locator('tr[data-item="3.4"]');
  assert.match(await row.textContent(), /扣分：失控人数 每次扣 0\.5，最多扣 6/);
  await row.getByRole('link', { name: '修改' }).click();
  const form = page.getByTestId('item-form');
  assert.equal(await form.locator('#i-code').inputValue(), '3.4');
  // A bad number: the sentence on the field, nothing saved.
  await form.locator('#i-each').fill('一分');
  await form.getByRole('button', { name: '保存考评项' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.getByTestId('error-summary').textContent(), /0 至 1000/);
  await page.locator('#i-each').fill('1');
  await page.locator('#i-cap').fill('4');
  await page.getByTestId('item-form').getByRole('button', { name: '保存考评项' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('tr[data-item="3.4"]').textContent(), /每次扣 1，最多扣 4/);
  assert.equal((await page.locator('tr[data-item="3"] td').nth(2).textContent()).trim(), '35');
  await page.screenshot({ path: join(dir, 'scheme.png'), fullPage: true });

  await page.goto(`${base}/responsibility#units`);
  const register = page.getByTestId('unit-form');
  await register.locator('#u-name').fill('区交通运输局');
  await register.locator('#u-duties').fill('寄递物流禁毒管理');
  await register.getByRole('button', { name: '登记成员单位' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.getByTestId('member-units').locator('tbody tr').count(), 13);
  assert.match(await page.getByTestId('member-units').textContent(), /430405U13\s*区交通运输局/);
});
