import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, type InstanceJson } from '../support/gateway-harness.ts';
import { type SandboxProcess, startSandboxProcess } from '../support/sandbox-process.ts';
import { buildDashboard, launchChromium, screenshot } from './browser.ts';

const DEMO_PHONE = '15550001111';

let cwd: string;
let sandbox: SandboxProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];

async function signedIn(
  locale: string,
  labels: { key: string; form: string; submit: string; title: string },
) {
  const context = await browser.newContext({ locale, viewport: { width: 1200, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${sandbox.url}/`);
  await page.getByLabel(labels.key, { exact: true }).fill(ADMIN_KEY);
  await page.getByRole('form', { name: labels.form }).getByRole('button', { name: labels.submit }).click();
  await page.getByRole('heading', { name: labels.title }).waitFor();
  return page;
}

const linkedPhone = async (name: string) =>
  (await sandbox.api.get<InstanceJson>(`/api/v1/instances/${name}`)).body.phone;

beforeAll(async () => {
  buildDashboard();
  cwd = mkdtempSync(join(tmpdir(), 'zg-sandbox-dash-'));
  [sandbox, browser] = await Promise.all([startSandboxProcess({ cwd }), launchChromium()]);
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await sandbox?.stop();
  rmSync(cwd, { recursive: true, force: true });
});

describe("the dashboard's sandbox scan", () => {
  it("links a new instance with the simulator's phone from its QR page, and shows it connected live", async () => {
    const page: Page = await signedIn('en-US', {
      key: 'API key',
      form: 'With an API key',
      submit: 'Sign in',
      title: 'Instances',
    });
    await page.getByRole('button', { name: 'New instance' }).click();
    await page.getByLabel('Name', { exact: true }).fill('scan-me');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'scan-me' }).waitFor();
    await page.getByRole('img', { name: 'QR code' }).waitFor({ timeout: 60_000 });
    const scan = page.getByRole('button', { name: "Scan with the simulator's phone" });
    await page.getByText(`the simulator's phone (${DEMO_PHONE}) can scan this code`).waitFor();
    await screenshot(page, 'sandbox-scan');
    await scan.click();
    await page.getByRole('status').getByText('connected', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByText(`Linked to ${DEMO_PHONE}`).waitFor();
    expect(await scan.count()).toBe(0);
    expect(await linkedPhone('scan-me')).toBe(DEMO_PHONE);
  });

  it('offers it in Portuguese to a pt-BR browser', async () => {
    const created = await sandbox.api.post<InstanceJson>('/api/v1/instances', { name: 'escanear' });
    const page = await signedIn('pt-BR', {
      key: 'Chave de API',
      form: 'Com uma chave de API',
      submit: 'Entrar',
      title: 'Instâncias',
    });
    await page.goto(`${sandbox.url}/#/instances/${created.body.id}`);
    await page.getByRole('img', { name: 'Código QR' }).waitFor({ timeout: 60_000 });
    await page.getByText(`o celular do simulador (${DEMO_PHONE}) pode escanear este código`).waitFor();
    await page.getByRole('button', { name: 'Escanear com o celular do simulador' }).click();
    await page.getByRole('status').getByText('conectada', { exact: true }).waitFor({ timeout: 60_000 });
    await screenshot(page, 'sandbox-scan-pt-BR');
    expect(await linkedPhone('escanear')).toBe(DEMO_PHONE);
  });
});
