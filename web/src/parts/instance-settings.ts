import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { type Instance, patch } from '../api.ts';
import { useT } from '../i18n/index.ts';

type Pacing = { minDelayMs?: number; maxDelayMs?: number; dailyLimit?: number };

/** The instance's webhook URL and pacing, as a form (a PATCH of its settings). */
export function InstanceSettingsForm(props: {
  path: string;
  instance: Instance;
  onSaved: (i: Instance) => void;
}) {
  const t = useT();
  const [note, setNote] = useState<string | undefined>();
  const settings = props.instance.settings;
  const pacing = (settings.pacing ?? {}) as Pacing;
  const webhook = (settings.webhook ?? null) as { url?: string } | null;
  const save = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const number = (name: string) => (value(name) === '' ? undefined : Number(value(name)));
    const nextPacing = { minDelayMs: number('min'), maxDelayMs: number('max'), dailyLimit: number('daily') };
    const url = value('webhook');
    const next = {
      pacing: Object.fromEntries(Object.entries(nextPacing).filter(([, v]) => v !== undefined)),
      webhook: url ? { url } : null,
    };
    try {
      props.onSaved(await patch<Instance>(props.path, { settings: next }));
      setNote(t('common.saved'));
    } catch (err) {
      setNote(t('common.error', { message: (err as Error).message }));
    }
  };
  return html`<form class="settings" aria-labelledby="settings-title" onSubmit=${save}>
    <h2 id="settings-title">${t('instance.settings')}</h2>
    <label>${t('instance.webhookUrl')} <input name="webhook" type="url" value=${webhook?.url ?? ''} /></label>
    <label>${t('instance.pacingMin')} <input name="min" type="number" min="0" value=${pacing.minDelayMs ?? ''} /></label>
    <label>${t('instance.pacingMax')} <input name="max" type="number" min="0" value=${pacing.maxDelayMs ?? ''} /></label>
    <label>${t('instance.dailyLimit')} <input name="daily" type="number" min="0" value=${pacing.dailyLimit ?? ''} /></label>
    <button type="submit">${t('common.save')}</button>
    ${note && html`<p role="status">${note}</p>`}
  </form>`;
}
