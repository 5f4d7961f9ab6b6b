import type { MediaType } from '../domain/message.ts';
import { SendError } from '../engine/engine.ts';
import { readBounded } from '../net/bounded-body.ts';
import { assertFetchableUrl, fetchDispatcher, refusalOf, UrlRefused } from '../net/url-guard.ts';
import { MEDIA_LIMITS } from './message-input.ts';

const FETCH_TIMEOUT_MS = 30_000;

/** Downloads media given by URL for a send: size-capped, time-limited, never to private hosts unless allowed. */
export async function fetchMedia(url: string, type: MediaType, allowPrivate: boolean): Promise<Buffer> {
  try {
    await assertFetchableUrl(url, allowPrivate);
  } catch (err) {
    if (err instanceof UrlRefused) throw new SendError('ZG_ERR_MEDIA_URL_REFUSED', err.message, false);
    throw err;
  }
  const abort = new AbortController();
  const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]);
  const unreachable = (err: unknown) =>
    new SendError('ZG_ERR_MEDIA_UNREACHABLE', `could not fetch ${url}: ${(err as Error).message}`, false);
  let res: Response;
  try {
    // the dispatcher checks the addresses the connection is made to, not just the ones checked above
    const dispatcher = fetchDispatcher(allowPrivate);
    res = await fetch(url, { redirect: 'error', signal, ...(dispatcher ? { dispatcher } : {}) });
  } catch (err) {
    const refused = refusalOf(err);
    if (refused) throw new SendError('ZG_ERR_MEDIA_URL_REFUSED', refused.message, false);
    throw unreachable(err);
  }
  const limit = MEDIA_LIMITS[type];
  const tooLarge = () =>
    new SendError('ZG_ERR_MEDIA_TOO_LARGE', `${url} is larger than ${limit} bytes`, false);
  try {
    if (res.status >= 500)
      throw new SendError('ZG_ERR_MEDIA_UNREACHABLE', `${url} answered ${res.status}`, true);
    if (!res.ok) throw new SendError('ZG_ERR_MEDIA_UNREACHABLE', `${url} answered ${res.status}`, false);
    if (Number(res.headers.get('content-length') ?? 0) > limit) throw tooLarge();
    // read as a stream and stop at the limit: an endless body must not be held in memory whole
    const body = await readBounded(res.body, limit).catch((err: unknown) => {
      throw unreachable(err);
    });
    if (body.truncated) throw tooLarge();
    return body.bytes;
  } finally {
    // whatever was not read is not wanted: the connection goes rather than wait for the rest
    abort.abort();
  }
}
