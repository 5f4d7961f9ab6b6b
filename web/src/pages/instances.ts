import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { getAll, type Instance, post } from '../api.ts';
import { useT } from '../i18n/index.ts';
import { useLiveEvents } from '../live.ts';
import { InstanceActions, StatusText } from '../parts/instance-actions.ts';
import { href, navigate } from '../router.ts';

/** Every instance the session can see, with its status kept live by the event stream. */
export function InstancesPage() {
  const t = useT();
  const [instances, setInstances] = useState<Instance[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);
  const reload = () =>
    getAll<Instance>('/instances').then(setInstances, (err: Error) => setError(err.message));
  useEffect(() => void reload(), []);
  useLiveEvents((e) => {
    if (e.event !== 'instance.status') return;
    const status = String(e.data.status);
    setInstances((list) => {
      if (!list?.some((i) => i.id === e.instance.id)) {
        void reload(); // one we have not seen: created in another tab or by the API
        return list;
      }
      return list.map((i) => (i.id === e.instance.id ? { ...i, status } : i));
    });
  });
  const replace = (next: Instance) => setInstances((list) => list?.map((i) => (i.id === next.id ? next : i)));
  const create = async (e: Event) => {
    e.preventDefault();
    const name = ((e.target as HTMLFormElement).elements.namedItem('name') as HTMLInputElement).value;
    try {
      const created = await post<Instance>('/instances', { name });
      navigate('instances', created.id);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return html`<section>
    <h1>${t('instances.title')}</h1>
    ${error && html`<p role="alert" class="error">${t('common.error', { message: error })}</p>`}
    <button type="button" aria-expanded=${creating} onClick=${() => setCreating(!creating)}>
      ${t('instances.new')}
    </button>
    ${
      creating &&
      html`<form class="inline" onSubmit=${create}>
      <label>${t('instances.name')} <input name="name" required maxlength="64" pattern="[A-Za-z0-9][A-Za-z0-9._\\-]*" /></label>
      <button type="submit">${t('instances.create')}</button>
    </form>`
    }
    ${
      instances === undefined
        ? html`<p>${t('common.loading')}</p>`
        : html`<${InstanceTable} instances=${instances} onChanged=${replace} onDeleted=${reload} onError=${setError} />`
    }
  </section>`;
}

function InstanceTable(props: {
  instances: Instance[];
  onChanged: (i: Instance) => void;
  onDeleted: () => void;
  onError: (message: string) => void;
}) {
  const t = useT();
  if (props.instances.length === 0) return html`<p>${t('common.none')}</p>`;
  return html`<table>
    <thead>
      <tr>
        <th scope="col">${t('instances.name')}</th>
        <th scope="col">${t('instances.status')}</th>
        <th scope="col">${t('instances.phone')}</th>
        <th scope="col">${t('instances.actions')}</th>
      </tr>
    </thead>
    <tbody>
      ${props.instances.map(
        (i) => html`<tr key=${i.id} data-instance=${i.name}>
          <th scope="row"><a href=${href('instances', i.id)}>${i.name}</a></th>
          <td><${StatusText} status=${i.status} /></td>
          <td>${i.phone ?? ''}</td>
          <td>
            <${InstanceActions}
              instance=${i}
              onChanged=${props.onChanged}
              onDeleted=${props.onDeleted}
              onError=${props.onError}
            />
          </td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}
