import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError, post, type Session } from '../api.ts';
import { useT } from '../i18n/index.ts';

/** Two ways in: an API key (admin or tenant), or ADMIN_USER / ADMIN_PASSWORD. */
export function SignInPage(props: { onSignedIn: (s: Session) => void }) {
  const t = useT();
  const [error, setError] = useState<string | undefined>();
  const signIn = async (e: Event, body: Record<string, string>) => {
    e.preventDefault();
    setError(undefined);
    try {
      props.onSignedIn(await post<Session>('/auth/login', body));
    } catch (err) {
      const limited = err instanceof ApiError && err.status === 429;
      setError(limited ? t('signIn.rateLimited') : t('signIn.failed'));
    }
  };
  const field = (form: EventTarget | null, name: string) =>
    ((form as HTMLFormElement).elements.namedItem(name) as HTMLInputElement).value;
  return html`<main class="sign-in">
    <h1>${t('signIn.title')}</h1>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    <form aria-labelledby="with-key" onSubmit=${(e: Event) => signIn(e, { apiKey: field(e.target, 'apiKey') })}>
      <h2 id="with-key">${t('signIn.withKey')}</h2>
      <label>${t('signIn.apiKey')} <input name="apiKey" type="password" autocomplete="off" required /></label>
      <button type="submit">${t('signIn.submit')}</button>
    </form>
    <form
      aria-labelledby="with-password"
      onSubmit=${(e: Event) =>
        signIn(e, { username: field(e.target, 'username'), password: field(e.target, 'password') })}
    >
      <h2 id="with-password">${t('signIn.withPassword')}</h2>
      <label>${t('signIn.username')} <input name="username" autocomplete="username" required /></label>
      <label>
        ${t('signIn.password')} <input name="password" type="password" autocomplete="current-password" required />
      </label>
      <button type="submit">${t('signIn.submit')}</button>
    </form>
  </main>`;
}
