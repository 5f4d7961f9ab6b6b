import type { MessageContent } from '../domain/message.ts';
import type { OutgoingLinkPreview } from '../engine/engine.ts';
import { readBounded } from '../net/bounded-body.ts';
import { assertFetchableUrl, fetchDispatcher } from '../net/url-guard.ts';
import type { Logger } from '../observability/logger.ts';
import { fetchMedia } from './media-source.ts';
import { pageMetaOf } from './page-meta.ts';
import { firstUrlIn } from './send-features.ts';

/** A page's head is near its start: this much of it is read, the rest never downloaded. */
const PAGE_MAX_BYTES = 512 * 1024;
/** Shorter than media's: the message waits for its card, and a card is not worth a long wait. */
const PAGE_TIMEOUT_MS = 10_000;

/** The host of a URL, all that is logged of it (its path and query may carry anything). */
const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
};

/** Fetches a page through the same guard as media by URL; its HTML, as much as the cap allows. */
async function fetchPage(url: string, allowPrivate: boolean): Promise<string> {
  await assertFetchableUrl(url, allowPrivate);
  const abort = new AbortController();
  const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(PAGE_TIMEOUT_MS)]);
  try {
    // redirects are followed: the guarded dispatcher checks the address of every hop's connection
    const dispatcher = fetchDispatcher(allowPrivate);
    const res = await fetch(url, {
      redirect: 'follow',
      signal,
      headers: { accept: 'text/html,application/xhtml+xml' },
      ...(dispatcher ? { dispatcher } : {}),
    });
    if (!res.ok) throw new Error(`the page answered ${res.status}`);
    const type = res.headers.get('content-type') ?? '';
    if (!/html/i.test(type)) throw new Error(`the page is ${type || 'of no declared type'}, not HTML`);
    const body = await readBounded(res.body, PAGE_MAX_BYTES);
    return body.bytes.toString('utf8');
  } finally {
    abort.abort();
  }
}

/** An image for the card; none when it cannot be had (the card goes without a thumbnail). */
async function thumbnailOf(url: string, allowPrivate: boolean, log: Logger): Promise<Buffer | undefined> {
  try {
    return await fetchMedia(url, 'image', allowPrivate);
  } catch (err) {
    log.warn({ host: hostOf(url), reason: (err as Error).message }, 'link preview thumbnail not fetched');
    return undefined;
  }
}

/**
 * The card for a text's link, built when the row is sent rather than when it is accepted: accepting
 * stays one fast insert (no page fetch inside the request), the fetch happens on the process that
 * sends (as media by URL does), and a message queued long stays fresh. A page that cannot be had
 * gives no card, never a failed message; the reason is logged with the host alone.
 */
export async function linkPreviewFor(
  content: MessageContent,
  allowPrivate: boolean,
  log: Logger,
): Promise<OutgoingLinkPreview | undefined> {
  const preview = content.linkPreview;
  if (!preview) return undefined;
  if (preview !== true) {
    const thumbnail = preview.thumbnailUrl
      ? await thumbnailOf(preview.thumbnailUrl, allowPrivate, log)
      : undefined;
    return {
      url: preview.url,
      title: preview.title,
      ...(preview.description ? { description: preview.description } : {}),
      ...(thumbnail ? { thumbnail } : {}),
    };
  }
  const url = firstUrlIn(content.text ?? '');
  if (!url) return undefined;
  try {
    const meta = pageMetaOf(await fetchPage(url, allowPrivate), url);
    if (!meta.title) throw new Error('the page has no title');
    const thumbnail = meta.imageUrl ? await thumbnailOf(meta.imageUrl, allowPrivate, log) : undefined;
    return {
      url,
      title: meta.title,
      ...(meta.description ? { description: meta.description } : {}),
      ...(thumbnail ? { thumbnail } : {}),
    };
  } catch (err) {
    log.warn(
      { host: hostOf(url), reason: (err as Error).message },
      'link preview not built; the text goes without it',
    );
    return undefined;
  }
}
