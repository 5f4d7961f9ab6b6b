import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, post, type Session } from './api.ts';
import {
  I18n,
  initialLanguage,
  LANGUAGES,
  type Language,
  rememberLanguage,
  translator,
  useT,
} from './i18n/index.ts';
import { connectLive, disconnectLive, useLiveState } from './live.ts';
import { CampaignsPage } from './pages/campaigns.ts';
import { ChatPage } from './pages/chat.ts';
import { InstancePage } from './pages/instance.ts';
import { InstancesPage } from './pages/instances.ts';
import { OverviewPage } from './pages/overview.ts';
import { SignInPage } from './pages/sign-in.ts';
import { WebhooksPage } from './pages/webhooks.ts';
import { href, useRoute } from './router.ts';

/** The dashboard: the sign-in page until there is a session, then the pages behind the nav. */
export function App() {
  const [language, setLanguage] = useState<Language>(initialLanguage);
  const t = useMemo(() => translator(language), [language]);
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    get<Session>('/auth/session').then(setSession, () => setSession(null));
  }, []);
  useEffect(() => {
    rememberLanguage(language);
  }, [language]);
  useEffect(() => {
    if (session) connectLive();
    else disconnectLive();
  }, [session]);
  const signOut = async () => {
    await post('/auth/logout').catch(() => undefined);
    setSession(null);
  };
  let body = html`<p>${t('common.loading')}</p>`;
  if (session === null) body = html`<${SignInPage} onSignedIn=${setSession} />`;
  else if (session) body = html`<${Shell} session=${session} onSignOut=${signOut} />`;
  return html`<${I18n.Provider} value=${t}>
    <header class="top">
      <span class="brand">${t('app.title')}</span>
      <${LanguagePicker} language=${language} onChange=${setLanguage} />
    </header>
    ${body}
  </${I18n.Provider}>`;
}

function LanguagePicker(props: { language: Language; onChange: (l: Language) => void }) {
  const t = useT();
  return html`<span class="language">
    <label for="language">${t('lang.label')}</label>
    <select
      id="language"
      value=${props.language}
      onChange=${(e: Event) => props.onChange((e.target as HTMLSelectElement).value as Language)}
    >
      ${LANGUAGES.map((l) => html`<option value=${l.code} lang=${l.code}>${l.label}</option>`)}
    </select>
  </span>`;
}

function Shell(props: { session: Session; onSignOut: () => void }) {
  const t = useT();
  const route = useRoute();
  const live = useLiveState();
  const { session } = props;
  const who =
    session.kind === 'admin'
      ? t('nav.signedInAdmin')
      : t('nav.signedInTenant', { tenant: session.tenantId ?? '' });
  const link = (page: string, label: string) =>
    html`<a href=${href(page)} aria-current=${(route[0] ?? 'instances') === page ? 'page' : undefined}>${label}</a>`;
  return html`<nav aria-label=${t('nav.label')}>
      ${link('overview', t('nav.overview'))} ${link('instances', t('nav.instances'))}
      ${link('campaigns', t('nav.campaigns'))} ${link('webhooks', t('nav.webhooks'))}
      <span class="who">${who}</span>
      <span class=${live ? 'live on' : 'live off'}>${live ? t('common.live') : t('common.offline')}</span>
      <button type="button" onClick=${props.onSignOut}>${t('nav.signOut')}</button>
    </nav>
    <main>${page(route, session)}</main>`;
}

function page(route: string[], session: Session) {
  const [section, id, sub] = route;
  switch (section) {
    case 'overview':
      return html`<${OverviewPage} session=${session} />`;
    case 'campaigns':
      return html`<${CampaignsPage} />`;
    case 'webhooks':
      return html`<${WebhooksPage} />`;
    default:
      if (id && sub === 'chats') return html`<${ChatPage} key=${id} instanceId=${id} />`;
      if (id) return html`<${InstancePage} key=${id} instanceId=${id} />`;
      return html`<${InstancesPage} />`;
  }
}
