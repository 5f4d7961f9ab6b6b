import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { enc, get, type Instance, post, type QrAnswer } from '../api.ts';
import { useT } from '../i18n/index.ts';
import { useLiveEvents } from '../live.ts';
import { InstanceActions, StatusText } from '../parts/instance-actions.ts';
import { InstanceSettingsForm } from '../parts/instance-settings.ts';
import { SandboxScanButton } from '../parts/sandbox-scan.ts';
import { href, navigate } from '../router.ts';

const LINKING = new Set(['qr', 'pairing']);

/** One instance: its status live, the QR that renews itself until scanned, pairing, settings. */
export function InstancePage(props: { instanceId: string }) {
  const t = useT();
  const path = `/instances/${enc(props.instanceId)}`;
  const [instance, setInstance] = useState<Instance | undefined>();
  const [qr, setQr] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const loadQr = () =>
    get<QrAnswer>(`${path}/qr`).then(
      (answer) => setQr(answer.qrDataUrl),
      () => setQr(null),
    );
  useEffect(() => {
    get<Instance>(path).then(
      (found) => {
        setInstance(found);
        if (LINKING.has(found.status)) void loadQr();
      },
      (err: Error) => setError(err.message),
    );
  }, [path]);
  useLiveEvents((e) => {
    if (e.instance.id !== instance?.id) return;
    if (e.event === 'instance.qr') {
      const dataUrl = e.data.qrDataUrl;
      if (typeof dataUrl === 'string') setQr(dataUrl);
      else void loadQr();
    } else if (e.event === 'instance.status') {
      const status = String(e.data.status);
      const phone = typeof e.data.phone === 'string' ? e.data.phone : instance.phone;
      setInstance({ ...instance, status, phone });
      if (LINKING.has(status)) void loadQr();
      else setQr(null);
    }
  });
  if (error) return html`<p role="alert" class="error">${t('common.error', { message: error })}</p>`;
  if (!instance) return html`<p>${t('common.loading')}</p>`;
  return html`<section>
    <p><a href=${href('instances')}>${t('common.back')}</a></p>
    <h1>${instance.name}</h1>
    <p>${t('instance.status')}: <span role="status" aria-live="polite"><${StatusText} status=${instance.status} /></span></p>
    <${InstanceActions}
      instance=${instance}
      onChanged=${setInstance}
      onDeleted=${() => navigate('instances')}
      onError=${setError}
    />
    ${
      instance.status === 'connected'
        ? html`<p>${t('instance.linked', { phone: instance.phone ?? '' })}</p>
          <p><a href=${href('instances', instance.id, 'chats')}>${t('instance.chats')}</a></p>`
        : html`<${LinkPanel} path=${path} qr=${qr} />`
    }
    <${InstanceSettingsForm} path=${path} instance=${instance} onSaved=${setInstance} />
  </section>`;
}

function LinkPanel(props: { path: string; qr: string | null }) {
  const t = useT();
  const [code, setCode] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const requestCode = async (e: Event) => {
    e.preventDefault();
    const phone = ((e.target as HTMLFormElement).elements.namedItem('phone') as HTMLInputElement).value;
    try {
      setError(undefined);
      const answer = await post<{ pairingCode: string }>(`${props.path}/pairing-code`, {
        phoneNumber: phone,
      });
      setCode(answer.pairingCode);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return html`<section aria-labelledby="link-title" class="link">
    <h2 id="link-title">${t('instance.qrTitle')}</h2>
    <p>${t('instance.qrHelp')}</p>
    ${
      props.qr
        ? html`<img class="qr" src=${props.qr} alt=${t('instance.qrAlt')} width="320" height="320" />`
        : html`<p>${t('instance.qrWaiting')}</p>`
    }
    <${SandboxScanButton} path=${props.path} />
    <h3>${t('instance.pairingTitle')}</h3>
    <form class="inline" onSubmit=${requestCode}>
      <label>${t('instance.pairingPhone')} <input name="phone" inputmode="tel" required /></label>
      <button type="submit">${t('instance.pairingSubmit')}</button>
    </form>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    ${code && html`<p class="pairing-code" role="status">${t('instance.pairingCode', { code })}</p>`}
  </section>`;
}
