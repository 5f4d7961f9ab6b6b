import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, post } from '../api.ts';
import { useT } from '../i18n/index.ts';

interface SandboxInfo {
  sandbox: true;
  phone: string;
}

/** Asked once a page load: the route answers only in sandbox mode (a 404 anywhere else). */
let sandboxInfo: Promise<SandboxInfo | null> | undefined;
function loadSandboxInfo(): Promise<SandboxInfo | null> {
  sandboxInfo ??= get<SandboxInfo>('/sandbox').catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) return null;
    sandboxInfo = undefined; // a passing failure: ask again next time
    return null;
  });
  return sandboxInfo;
}

/**
 * Sandbox mode only: a button that has the simulator's phone scan this instance's QR code, so a
 * sandbox links without a camera. Renders nothing on a real server.
 */
export function SandboxScanButton(props: { path: string }) {
  const t = useT();
  const [info, setInfo] = useState<SandboxInfo | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    void loadSandboxInfo().then((found) => live && setInfo(found));
    return () => {
      live = false;
    };
  }, []);
  if (!info) return null;
  const scan = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await post(`${props.path}/sandbox-scan`);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="sandbox-scan">
    <p>${t('sandbox.help', { phone: info.phone })}</p>
    <button type="button" onClick=${scan} disabled=${busy} aria-busy=${busy}>
      ${busy ? t('sandbox.scanning') : t('sandbox.scan')}
    </button>
    ${error && html`<p role="alert" class="error">${error}</p>`}
  </div>`;
}
