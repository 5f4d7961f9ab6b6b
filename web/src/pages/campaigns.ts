import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { enc, getAll, type Instance, post } from '../api.ts';
import { fillTemplate, recipientsOf, templateVariables } from '../csv.ts';
import { useT } from '../i18n/index.ts';
import { useLiveEvents } from '../live.ts';

interface Campaign {
  id: string;
  instanceId: string;
  name: string | null;
  status: string;
  total: number;
  counts: Record<string, number>;
  createdAt: string;
}

interface Created extends Campaign {
  duplicates: Array<{ to: string; count: number }>;
}

/** What a campaign may send from the form: a text, or media by URL with the template as its caption. */
const KINDS = ['text', 'image', 'video', 'document'] as const;
type Kind = (typeof KINDS)[number];

const DONE = ['sent', 'delivered', 'read', 'played'];
const FINISHED = new Set(['completed', 'cancelled']);
const sum = (counts: Record<string, number>, keys: string[]) =>
  keys.reduce((n, k) => n + (counts[k] ?? 0), 0);

/** Campaigns: a template and pasted CSV, previewed, then progress bars with pause/resume/cancel. */
export function CampaignsPage() {
  const t = useT();
  const [campaigns, setCampaigns] = useState<Campaign[]>([]);
  const [error, setError] = useState<string | undefined>();
  const reload = () =>
    getAll<Campaign>('/campaigns').then(setCampaigns, (err: Error) => setError(err.message));
  useEffect(() => void reload(), []);
  // progress follows the campaign events (one a second at most), and a slow poll while one runs
  useLiveEvents((e) => {
    if (e.event === 'campaign.progress' || e.event === 'campaign.completed') void reload();
  });
  const running = campaigns.some((c) => !FINISHED.has(c.status));
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => void reload(), 2000);
    return () => clearInterval(timer);
  }, [running]);
  const act = async (c: Campaign, action: string) => {
    try {
      await post(`/campaigns/${enc(c.id)}/${action}`);
      await reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return html`<section>
    <h1>${t('campaigns.title')}</h1>
    ${error && html`<p role="alert" class="error">${t('common.error', { message: error })}</p>`}
    <${NewCampaign} onCreated=${reload} onError=${setError} />
    ${campaigns.length === 0 && html`<p>${t('common.none')}</p>`}
    ${campaigns.map((c) => html`<${CampaignCard} key=${c.id} campaign=${c} onAct=${act} />`)}
  </section>`;
}

function CampaignCard(props: { campaign: Campaign; onAct: (c: Campaign, action: string) => void }) {
  const t = useT();
  const c = props.campaign;
  const label = c.name ?? c.id;
  const done = sum(c.counts, DONE);
  const failed = sum(c.counts, ['failed', 'cancelled']);
  return html`<article class="card" aria-label=${label}>
    <h2>${label}</h2>
    <label>
      ${t('campaigns.progress', { name: label })}
      <progress max=${c.total} value=${done + failed}></progress>
    </label>
    <p>${t('campaigns.counts', { done, total: c.total, failed })}</p>
    <p>${t('campaigns.status', { status: c.status })}</p>
    ${
      !FINISHED.has(c.status) &&
      html`<div class="actions">
        <button type="button" onClick=${() => props.onAct(c, 'pause')}>${t('campaigns.pause')}</button>
        <button type="button" onClick=${() => props.onAct(c, 'resume')}>${t('campaigns.resume')}</button>
        <button type="button" class="danger" onClick=${() => props.onAct(c, 'cancel')}>${t('campaigns.cancel')}</button>
      </div>`
    }
  </article>`;
}

function NewCampaign(props: { onCreated: () => void; onError: (m: string) => void }) {
  const t = useT();
  const [instances, setInstances] = useState<Instance[]>([]);
  const [template, setTemplate] = useState('');
  const [csv, setCsv] = useState('');
  const [kind, setKind] = useState<Kind>('text');
  const [note, setNote] = useState<string | undefined>();
  useEffect(() => {
    getAll<Instance>('/instances').then(setInstances, () => undefined);
  }, []);
  const recipients = recipientsOf(csv);
  const missing = templateVariables(template).filter((v) => !recipients.columns.includes(v));
  const first = recipients.rows[0];
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    // a text goes as the template it always was; media carries the template as its caption
    const message =
      kind === 'text'
        ? { template }
        : { message: { type: kind, url: value('mediaUrl'), caption: template || undefined } };
    try {
      const created = await post<Created>(`/instances/${enc(value('instance'))}/campaigns`, {
        name: value('name') || undefined,
        ...message,
        recipients: recipients.rows,
      });
      form.reset();
      setTemplate('');
      setCsv('');
      setKind('text');
      setNote(duplicatesNote(t, created.duplicates));
      props.onCreated();
    } catch (err) {
      props.onError((err as Error).message);
    }
  };
  return html`<form aria-labelledby="new-campaign" onSubmit=${submit}>
    <h2 id="new-campaign">${t('campaigns.new')}</h2>
    <label for="campaign-instance">${t('campaigns.instance')}</label>
    <select id="campaign-instance" name="instance" required>
      ${instances.map((i) => html`<option value=${i.id}>${i.name}</option>`)}
    </select>
    <label>${t('campaigns.name')} <input name="name" maxlength="200" /></label>
    <label for="campaign-kind">${t('campaigns.kind')}</label>
    <select id="campaign-kind" name="kind" value=${kind} onChange=${(e: Event) => setKind((e.target as HTMLSelectElement).value as Kind)}>
      ${KINDS.map((k) => html`<option value=${k}>${t(`campaigns.kind.${k}`)}</option>`)}
    </select>
    ${kind !== 'text' && html`<label>${t('campaigns.mediaUrl')} <input name="mediaUrl" type="url" required maxlength="4096" /></label>`}
    <label>
      ${kind === 'text' ? t('campaigns.template') : t('campaigns.caption')}
      <textarea name="template" rows="3" required=${kind === 'text'} value=${template} onInput=${(e: Event) => setTemplate((e.target as HTMLTextAreaElement).value)}></textarea>
    </label>
    <label>
      ${t('campaigns.csv')}
      <textarea name="csv" rows="5" required value=${csv} onInput=${(e: Event) => setCsv((e.target as HTMLTextAreaElement).value)}></textarea>
    </label>
    <section aria-label=${t('campaigns.preview')} class="preview">
      <p>${t('campaigns.rows', { count: recipients.rows.length })}</p>
      ${first && template && html`<p>${t('campaigns.previewOf', { phone: first.to, text: fillTemplate(template, first.vars) })}</p>`}
      ${missing.length > 0 && html`<p role="alert" class="error">${t('campaigns.missing', { names: missing.join(', ') })}</p>`}
    </section>
    <button type="submit" disabled=${recipients.rows.length === 0 || missing.length > 0}>${t('campaigns.create')}</button>
    ${note && html`<p role="status">${note}</p>`}
  </form>`;
}

/** The recipients the CSV gave more than once, each sent once: said after the campaign starts. */
function duplicatesNote(t: ReturnType<typeof useT>, duplicates: Created['duplicates']): string | undefined {
  if (duplicates.length === 0) return undefined;
  const list = duplicates.map((d) => `${d.to} (×${d.count})`).join(', ');
  return t('campaigns.duplicates', { count: duplicates.length, list });
}
