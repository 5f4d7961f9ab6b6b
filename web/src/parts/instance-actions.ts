import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { del, enc, type Instance, post } from '../api.ts';
import type { MessageKey } from '../i18n/en.ts';
import { useT } from '../i18n/index.ts';

/** An instance's status in words ("connected"), in the page's language. */
export function StatusText(props: { status: string }) {
  const t = useT();
  const key = `status.${props.status}` as MessageKey;
  return html`<span class=${`status status-${props.status}`}>${t(key)}</span>`;
}

const ACTIONS = [
  ['start', 'instances.start'],
  ['stop', 'instances.stop'],
  ['restart', 'instances.restart'],
  ['logout', 'instances.logout'],
] as const;

/** Start, stop, restart, log out, and delete behind a confirmation dialog. */
export function InstanceActions(props: {
  instance: Instance;
  onChanged: (i: Instance) => void;
  onDeleted: () => void;
  onError: (message: string) => void;
}) {
  const t = useT();
  const { instance } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const act = async (action: string) => {
    setBusy(true);
    try {
      props.onChanged(await post<Instance>(`/instances/${enc(instance.id)}/${action}`));
    } catch (err) {
      props.onError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    dialog.current?.close();
    try {
      await del(`/instances/${enc(instance.id)}`);
      props.onDeleted();
    } catch (err) {
      props.onError((err as Error).message);
    }
  };
  return html`<div class="actions" role="group" aria-label=${t('instances.actions')}>
    ${ACTIONS.map(
      ([action, label]) =>
        html`<button type="button" disabled=${busy} onClick=${() => act(action)}>${t(label)}</button>`,
    )}
    <button type="button" class="danger" onClick=${() => dialog.current?.showModal()}>
      ${t('instances.delete')}
    </button>
    <dialog ref=${dialog}>
      <p>${t('instances.confirmDelete', { name: instance.name })}</p>
      <button type="button" class="danger" onClick=${remove}>
        ${t('instances.confirmDeleteButton', { name: instance.name })}
      </button>
      <button type="button" onClick=${() => dialog.current?.close()}>${t('common.cancel')}</button>
    </dialog>
  </div>`;
}
