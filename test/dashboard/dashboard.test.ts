import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { ADMIN_KEY, GatewayProcess, PACING_OFF } from '../support/gateway-harness.ts';
import { pngBytes } from '../support/media-fixtures.ts';
import { buildDashboard, launchChromium, screenshot } from './browser.ts';

const USER = 'operator';
const PASSWORD = 'a long operator password';

let sim: RunningSimulator;
let gw: GatewayProcess;
let browser: Browser;
let base: string;
const contexts: BrowserContext[] = [];

async function newPage(locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1200, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(base);
  return page;
}

async function signInWithKey(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByRole('form', { name: 'With an API key' }).getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Instances' }).waitFor();
}

/** The QR the page shows now, as its data URL. */
const shownQr = (page: Page) => page.getByRole('img', { name: 'QR code' }).getAttribute('src');

beforeAll(async () => {
  buildDashboard();
  sim = await startSimulator();
  gw = new GatewayProcess({
    sim: sim.info,
    env: {
      ...PACING_OFF,
      ADMIN_USER: USER,
      ADMIN_PASSWORD: PASSWORD,
      // the webhook receiver is on this machine; a failed delivery waits for the page's redeliver
      ALLOW_PRIVATE_URLS: '1',
      WEBHOOK_RETRY_BASE_MS: '600000',
      WEBHOOK_RETRY_MAX_MS: '600000',
    },
  });
  await gw.start();
  base = `http://127.0.0.1:${gw.port}/`;
  browser = await launchChromium();
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await gw?.dispose();
  await sim?.close();
});

describe('the dashboard in Chromium', () => {
  let admin: Page;
  let instanceId: string;
  let instancePhone: string;

  it('signs in with the admin key', async () => {
    admin = await newPage();
    await admin.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(admin, 'sign-in');
    await signInWithKey(admin, ADMIN_KEY);
    await admin.getByText('Signed in as the operator').waitFor();
  });

  it('creates an instance; its QR appears, refreshes, is scanned, and the page turns "connected" live', async () => {
    await admin.getByRole('button', { name: 'New instance' }).click();
    await admin.getByLabel('Name', { exact: true }).fill('dash-one');
    await admin.getByRole('button', { name: 'Create' }).click();
    await admin.getByRole('heading', { name: 'dash-one' }).waitFor();
    instanceId = decodeURIComponent(new URL(admin.url()).hash.split('/').pop() ?? '');
    const qr = admin.getByRole('img', { name: 'QR code' });
    await qr.waitFor({ timeout: 30_000 });
    const first = await shownQr(admin);
    expect(first).toMatch(/^data:image\/png;base64,/);
    await screenshot(admin, 'instance-qr');

    // a restart opens a new connection with new QR refs: the image must follow without a reload
    await admin.evaluate(() => {
      (globalThis as { marker?: string }).marker = 'same page';
    });
    await admin.getByRole('button', { name: 'Restart' }).click();
    await expect.poll(() => shownQr(admin), { timeout: 30_000 }).not.toBe(first);

    // the phone scans the code the page shows (the API's QR, drawn the same way, is that image)
    const current = await gw.api.get<{ qr: string; qrDataUrl: string }>(`/api/v1/instances/${instanceId}/qr`);
    expect(current.body.qrDataUrl).toBe(await shownQr(admin));
    const { phone } = sim.api.createAccount({ name: 'dash-one' });
    instancePhone = phone;
    sim.api.linkQr(phone, current.body.qr);
    await admin.getByRole('status').getByText('connected', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await admin.evaluate(() => (globalThis as { marker?: string }).marker)).toBe('same page');
    await expect.poll(() => qr.count()).toBe(0);
    await screenshot(admin, 'instance-connected');
  });

  it('lists the instance with its live status', async () => {
    await admin.getByRole('link', { name: 'Back' }).click();
    const row = admin.getByRole('row').filter({ hasText: 'dash-one' });
    await row.getByText('connected', { exact: true }).waitFor();
    await screenshot(admin, 'instances');
  });

  it('sends a text from the chat view and sees it reach delivered, then read, live', async () => {
    await admin.goto(`${base}#/instances/${instanceId}/chats`);
    const contact = sim.api.createContact({ name: 'Carla' });
    await admin.getByLabel('Phone number or chat', { exact: true }).fill(contact.phone);
    await admin.getByRole('button', { name: 'Open chat' }).click();
    await admin.getByLabel('Message', { exact: true }).fill('hello from the dashboard');
    await admin.getByRole('button', { name: 'Send', exact: true }).click();
    const bubble = admin.getByRole('listitem').filter({ hasText: 'hello from the dashboard' });
    await bubble.getByText('Status: delivered').waitFor({ timeout: 30_000 });
    const sent = await gw.api.get<{ items: { waMessageId: string }[] }>(
      `/api/v1/instances/${instanceId}/messages?chat=${contact.phone}`,
    );
    const waMessageId = sent.body.items[0]?.waMessageId ?? '';
    sim.api.contactReceipt(contact.phone, { from: instancePhone, ids: [waMessageId], type: 'read' });
    await bubble.getByText('Status: read').waitFor({ timeout: 30_000 });

    // the contact answers: the answer shows up in the open chat without a reload
    await sim.api.contactSend(contact.phone, { to: instancePhone, type: 'text', text: 'hello, dashboard' });
    await admin.getByRole('listitem').filter({ hasText: 'hello, dashboard' }).waitFor({ timeout: 30_000 });

    // a file: an image goes out as an image message, shown from the gateway's media route
    const png = await QRCode.toBuffer('a picture', { type: 'png', width: 64 });
    await admin.getByLabel('File to send', { exact: true }).setInputFiles({
      name: 'picture.png',
      mimeType: 'image/png',
      buffer: png,
    });
    await admin.getByRole('button', { name: 'Send file' }).click();
    const image = admin
      .getByRole('listitem')
      .filter({ has: admin.getByRole('img', { name: 'image message' }) });
    await image.getByText('Status: delivered').waitFor({ timeout: 30_000 });
    await screenshot(admin, 'chat');
  });

  it('links a second instance by pairing code from its page', async () => {
    const created = await gw.api.post<{ id: string }>('/api/v1/instances', { name: 'dash-code' });
    await admin.goto(`${base}#/instances/${created.body.id}`);
    const { phone } = sim.api.createAccount({ name: 'dash-code' });
    await admin.getByLabel('Phone number (international form)', { exact: true }).fill(phone);
    await admin.getByRole('button', { name: 'Get a pairing code' }).click();
    const shown = admin.getByText(/^Type this code on the phone: /);
    await shown.waitFor({ timeout: 30_000 });
    const code = (await shown.textContent())?.split(': ')[1] ?? '';
    expect(code).toMatch(/^[0-9A-Z]{8}$/);
    await sim.api.linkCode(phone, code);
    await admin.getByRole('status').getByText('connected', { exact: true }).waitFor({ timeout: 30_000 });

    // its settings, as a form
    await admin.getByLabel('Minimum delay between sends (ms)', { exact: true }).fill('4000');
    await admin.getByLabel('Maximum delay between sends (ms)', { exact: true }).fill('4000');
    await admin.getByLabel('Messages a day (0: no limit)', { exact: true }).fill('500');
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByRole('status').getByText('Saved').waitFor();
    const saved = await gw.api.get<{ settings: { pacing?: { dailyLimit?: number } } }>(
      `/api/v1/instances/${created.body.id}`,
    );
    expect(saved.body.settings.pacing?.dailyLimit).toBe(500);
  });

  it('runs a campaign from pasted CSV: preview, missing variables, progress to completion', async () => {
    const ana = sim.api.createContact({ name: 'Ana' });
    const bruno = sim.api.createContact({ name: 'Bruno' });
    await admin.getByRole('link', { name: 'Campaigns' }).click();
    await admin.getByLabel('Instance', { exact: true }).selectOption({ label: 'dash-one' });
    await admin.getByLabel('Campaign name', { exact: true }).fill('spring');
    const template = admin.getByLabel('Message template (use {{column}})', { exact: true });
    await template.fill('Hi {{name}}, your code is {{code}}');
    await admin
      .getByLabel('Recipients as CSV (a phone column, then your variables)', { exact: true })
      .fill(`phone,name\n${ana.phone},Ana\n"${bruno.phone}","Bruno"\n`);
    await admin.getByRole('alert').getByText('Missing variables: code').waitFor();
    expect(await admin.getByRole('button', { name: 'Create campaign' }).isDisabled()).toBe(true);
    await template.fill('Hi {{name}}!');
    await admin.getByText(`First message to ${ana.phone}: Hi Ana!`).waitFor();
    await admin.getByText('2 recipients').waitFor();
    await admin.getByRole('button', { name: 'Create campaign' }).click();
    const card = admin.getByRole('article', { name: 'spring' });
    await card.getByText('2 of 2 sent, 0 failed').waitFor({ timeout: 30_000 });
    await card.getByText('Status: completed').waitFor({ timeout: 30_000 });
    expect(await card.getByRole('progressbar').getAttribute('value')).toBe('2');
    await screenshot(admin, 'campaigns');
    expect(sim.api.contactInbox(ana.phone).length).toBeGreaterThan(0);
  });

  it('runs an image campaign from a media URL, and says which recipients it sent to once', async () => {
    const png = pngBytes(8_000);
    let fetched = 0;
    const media = createServer((_req, res) => {
      fetched++;
      res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    await new Promise<void>((r) => media.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(media.address() as AddressInfo).port}/flyer.png`;
    try {
      const ines = sim.api.createContact({ name: 'Ines' });
      const joao = sim.api.createContact({ name: 'Joao' });
      await admin.getByRole('link', { name: 'Campaigns' }).click();
      await admin.getByLabel('Instance', { exact: true }).selectOption({ label: 'dash-one' });
      await admin.getByLabel('Campaign name', { exact: true }).fill('flyer');
      await admin.getByLabel('Send as', { exact: true }).selectOption({ label: 'Image' });
      await admin.getByLabel('Media URL', { exact: true }).fill(url);
      await admin.getByLabel('Caption (optional, use {{column}})', { exact: true }).fill('Hi {{name}}');
      await admin
        .getByLabel('Recipients as CSV (a phone column, then your variables)', { exact: true })
        .fill(`phone,name\n${ines.phone},Ines\n${joao.phone},Joao\n+${ines.phone},Ines again\n`);
      await admin.getByRole('button', { name: 'Create campaign' }).click();
      await admin
        .getByRole('status')
        .getByText(`Sent once to 1 recipient(s) given more than once: ${ines.phone} (×2)`)
        .waitFor();
      const card = admin.getByRole('article', { name: 'flyer' });
      await card.getByText('2 of 2 sent, 0 failed').waitFor({ timeout: 30_000 });
      const captions = (phone: string) =>
        sim.api
          .contactInbox(phone)
          .filter((m) => m.type === 'image')
          .map((m) => m.content.caption);
      await expect.poll(() => captions(joao.phone)).toEqual(['Hi Joao']);
      await expect.poll(() => captions(ines.phone)).toEqual(['Hi Ines']);
      expect(fetched).toBe(1);
    } finally {
      media.close();
    }
  });

  it('pauses, resumes and cancels a campaign from its card', async () => {
    // dash-code sends one message every 4 s (its settings above): the campaign is still going
    const recipients = ['Eva', 'Fabio', 'Gil', 'Hugo'].map((name) => ({
      to: sim.api.createContact({ name }).phone,
    }));
    const created = await gw.api.post('/api/v1/instances/dash-code/campaigns', {
      name: 'slow',
      template: 'one at a time',
      recipients,
    });
    expect(created.status).toBe(201);
    await admin.reload();
    const card = admin.getByRole('article', { name: 'slow' });
    await card.getByRole('button', { name: 'Pause' }).click();
    await card.getByText('Status: paused').waitFor();
    await card.getByRole('button', { name: 'Resume' }).click();
    await card.getByText('Status: running').waitFor();
    await card.getByRole('button', { name: 'Cancel campaign' }).click();
    await card.getByText('Status: cancelled').waitFor();
    await expect.poll(() => card.getByRole('button').count()).toBe(0);
  });

  it("redelivers a webhook's failed delivery from the page", async () => {
    const received: string[] = [];
    let answer = 500;
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(String(answer));
        res.writeHead(answer).end(answer === 200 ? 'ok' : 'receiver down');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      await admin.getByRole('link', { name: 'Webhooks' }).click();
      await admin.getByLabel('URL', { exact: true }).fill(url);
      await admin.getByLabel('Events (comma-separated, * for all)', { exact: true }).fill('message.status');
      await admin.getByRole('button', { name: 'Create webhook' }).click();
      await admin.getByText(/Signing secret \(shown once, copy it now\): \S{8,}/).waitFor();
      // events for it: a message's statuses as it goes out
      const contact = sim.api.createContact({ name: 'Dora' });
      const text = await gw.api.post(`/api/v1/instances/${instanceId}/messages`, {
        to: contact.phone,
        type: 'text',
        text: 'for the webhook',
      });
      expect(text.status).toBe(202);
      await expect.poll(() => received.length, { timeout: 30_000 }).toBeGreaterThan(0);
      await admin.getByRole('button', { name: 'Deliveries' }).click();
      const table = admin.getByRole('table', { name: `Deliveries of ${url}` });
      const row = table.getByRole('row').filter({ hasText: 'receiver down' }).first();
      await row.waitFor({ timeout: 30_000 });
      expect(await row.textContent()).toContain('pending');
      answer = 200;
      await row.getByRole('button', { name: 'Redeliver' }).click();
      await table.getByRole('row').filter({ hasText: 'delivered' }).first().waitFor({ timeout: 30_000 });
      expect(received).toContain('200');
      await screenshot(admin, 'webhooks');
    } finally {
      receiver.close();
    }
  });

  it('shows the overview with charts', async () => {
    await admin.getByRole('link', { name: 'Overview' }).click();
    await admin.getByText('Instances by status').waitFor();
    await admin.getByText('Messages per hour').waitFor();
    await expect.poll(() => admin.locator('canvas').count()).toBeGreaterThanOrEqual(2);
    await admin.getByRole('heading', { name: 'Tenants' }).waitFor();
    await screenshot(admin, 'overview');
  });

  it('signs in with the user name and password', async () => {
    const page = await newPage();
    await page.getByLabel('User name', { exact: true }).fill(USER);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page
      .getByRole('form', { name: 'With a user name and password' })
      .getByRole('button', { name: 'Sign in' })
      .click();
    await page.getByRole('row').filter({ hasText: 'dash-one' }).waitFor();
  });

  it('refuses a wrong key with a message, and signs in from the keyboard alone', async () => {
    const page = await newPage();
    await page.getByLabel('API key', { exact: true }).fill('zg_wrong');
    await page
      .getByRole('form', { name: 'With an API key' })
      .getByRole('button', { name: 'Sign in' })
      .click();
    await page.getByRole('alert').getByText('Wrong API key').waitFor();
    // from the keyboard alone: the language picker comes first, then the key field; Enter submits
    await page.getByLabel('Language', { exact: true }).focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(ADMIN_KEY);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Instances' }).waitFor();
  });

  it('a tenant signed in sees only its own instances', async () => {
    const tenant = await gw.api.post<{ tenant: { id: string }; apiKey: { key: string } }>('/api/v1/tenants', {
      name: 'shop',
    });
    const own = await gw.api
      .withKey(tenant.body.apiKey.key)
      .post('/api/v1/instances', { name: 'shop-one', start: false });
    expect(own.status).toBe(201);
    const page = await newPage();
    await signInWithKey(page, tenant.body.apiKey.key);
    await page.getByRole('row').filter({ hasText: 'shop-one' }).waitFor();
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'dash-one' }).count()).toBe(0);
    await page.getByText(`Signed in as tenant ${tenant.body.tenant.id}`).waitFor();
    await screenshot(page, 'instances-tenant');
  });

  it('deletes an instance after a confirmation', async () => {
    const created = await gw.api.post<{ id: string }>('/api/v1/instances', {
      name: 'to-delete',
      start: false,
    });
    await admin.getByRole('link', { name: 'Instances' }).click();
    const row = admin.getByRole('row').filter({ hasText: 'to-delete' });
    await row.getByRole('button', { name: 'Delete' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Yes, delete to-delete' }).click();
    await expect.poll(() => admin.getByRole('row').filter({ hasText: 'to-delete' }).count()).toBe(0);
    expect((await gw.api.get(`/api/v1/instances/${created.body.id}`)).status).toBe(404);
  });

  it('speaks Brazilian Portuguese to a pt-BR browser, and switches to English', async () => {
    const page = await newPage('pt-BR');
    await page.getByRole('heading', { name: 'Entrar' }).waitFor();
    await page.getByLabel('Chave de API', { exact: true }).waitFor();
    await page.getByLabel('Usuário', { exact: true }).waitFor();
    await screenshot(page, 'sign-in-pt-BR');
    await page.getByLabel('Chave de API', { exact: true }).fill(ADMIN_KEY);
    await page
      .getByRole('form', { name: 'Com uma chave de API' })
      .getByRole('button', { name: 'Entrar' })
      .click();
    await page.getByRole('button', { name: 'Nova instância' }).waitFor();
    await page
      .getByRole('row')
      .filter({ hasText: 'dash-one' })
      .getByText('conectada', { exact: true })
      .waitFor();
    await screenshot(page, 'instances-pt-BR');
    await page.getByLabel('Idioma', { exact: true }).selectOption('en');
    await page.getByRole('button', { name: 'New instance' }).waitFor();
  });
});
