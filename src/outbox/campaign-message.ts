import type { MessageContent, MessageType } from '../domain/message.ts';
import { SendError } from '../engine/engine.ts';
import { Errors, ZapgateError } from '../errors.ts';
import {
  MAX_MESSAGE_TEXT,
  type ParsedTemplate,
  parseTemplate,
  type Rendered,
  render,
  type Vars,
} from './campaign-template.ts';
import { checkedMimetype } from './media-check.ts';
import { fetchMedia } from './media-source.ts';
import { isMediaType, prepareMessage, type SendInput } from './message-input.ts';
import type { SendFeatureOptions } from './send-features.ts';

/** What a campaign sends to every recipient: one send's fields without `to` (nor a quote). */
export type CampaignMessageInput = Omit<SendInput, 'to' | 'replyTo'>;

/** Types that act on one earlier message, never sent to a list. */
export const NOT_IN_CAMPAIGNS: ReadonlySet<string> = new Set(['reaction', 'forward']);

/** The longest caption once filled, as the send schema allows for a caption. */
export const MAX_CAPTION = 4096;

/**
 * A campaign's message, checked once: its content, the media (fetched or decoded once, stored
 * once under the campaign's id), and the field of it that is a `{{variables}}` template.
 */
export interface CampaignMessage {
  type: MessageType;
  content: MessageContent;
  media?: Buffer;
  /** The field filled per recipient (text or caption), absent when the message has none. */
  templated?: { field: 'text' | 'caption'; parsed: ParsedTemplate; maxLength: number };
  /** What the campaign row keeps as its template: the text or caption as given, else ''. */
  source: string;
  ttl?: number;
  /** How the fields are named in errors: `message.` for a message, none for a bare template. */
  fieldPrefix: string;
}

/** Any number prepareMessage accepts: a campaign's message is checked before its recipients are. */
const SOME_RECIPIENT = '10000000000';
/** `mentions: "all"` is for groups: the message is checked as if to one, each recipient on its own. */
const SOME_GROUP = '120363000000000000@g.us';

/** The historical body: a bare text template. */
export function textTemplateMessage(template: string): CampaignMessage {
  return {
    type: 'text',
    content: {},
    templated: { field: 'text', parsed: parseTemplate(template), maxLength: MAX_MESSAGE_TEXT },
    source: template,
    fieldPrefix: '',
  };
}

/** The same field in a campaign body: `media` of a send is `message.media` here. */
function prefixed(err: unknown, prefix: string): unknown {
  if (!(err instanceof ZapgateError)) return err;
  const details = err.details as { field?: unknown } | undefined;
  if (typeof details?.field !== 'string') return err;
  const field = `${prefix}${details.field}`;
  return new ZapgateError(err.code, err.statusCode, `${field}: ${err.message}`, { ...details, field });
}

/**
 * Checks a campaign's message as a single send is checked. Inline media is decoded here; media by
 * URL is fetched by loadCampaignMedia, once the recipients are known to be good.
 */
export function prepareCampaignMessage(
  input: CampaignMessageInput,
  features: SendFeatureOptions = { linkPreviews: false },
): CampaignMessage {
  const fieldPrefix = 'message.';
  if (NOT_IN_CAMPAIGNS.has(input.type))
    throw Errors.validation(
      `a campaign cannot send a ${input.type}: it answers one message in one chat, not a list of recipients`,
      { field: 'message.type' },
    );
  try {
    const to = input.mentions === 'all' ? SOME_GROUP : SOME_RECIPIENT;
    const prepared = prepareMessage({ ...input, to } as SendInput, undefined, features);
    const templated = templatedField(prepared.type, prepared.content);
    return {
      type: prepared.type,
      content: prepared.content,
      ...(prepared.media ? { media: prepared.media } : {}),
      ...(templated ? { templated } : {}),
      source: templated ? (prepared.content[templated.field] ?? '') : '',
      ...(input.ttl ? { ttl: input.ttl } : {}),
      fieldPrefix,
    };
  } catch (err) {
    throw prefixed(err, fieldPrefix);
  }
}

/**
 * Gets the media once for the whole campaign, by URL through the same guard and size limits as a
 * send, and checks its bytes as inline media is checked. Gives what every row's content must say
 * of it (mime type, size); undefined for a message without media.
 */
export async function loadCampaignMedia(
  message: CampaignMessage,
  allowPrivateUrls: boolean,
): Promise<{ mimetype?: string; size: number } | undefined> {
  const { type, content } = message;
  if (!isMediaType(type)) return undefined;
  try {
    const media =
      message.media ?? (content.url ? await fetchOnce(content.url, type, allowPrivateUrls) : undefined);
    if (!media) return undefined;
    message.media = media;
    const mimetype = await checkedMimetype(type, media, content.mimetype);
    return { ...(mimetype ? { mimetype } : {}), size: media.length };
  } catch (err) {
    throw prefixed(err, message.fieldPrefix);
  }
}

function templatedField(type: MessageType, content: MessageContent): CampaignMessage['templated'] {
  if (type === 'text' && content.text)
    return { field: 'text', parsed: parseTemplate(content.text), maxLength: MAX_MESSAGE_TEXT };
  if (content.caption)
    return { field: 'caption', parsed: parseTemplate(content.caption), maxLength: MAX_CAPTION };
  return undefined;
}

/** A URL that cannot be fetched now is the caller's to fix: a coded 4xx before anything is queued. */
async function fetchOnce(
  url: string,
  type: Parameters<typeof fetchMedia>[1],
  allowPrivateUrls: boolean,
): Promise<Buffer> {
  try {
    return await fetchMedia(url, type, allowPrivateUrls);
  } catch (err) {
    if (!(err instanceof SendError)) throw err;
    const status = err.code === 'ZG_ERR_MEDIA_UNREACHABLE' ? 422 : 400;
    throw new ZapgateError(err.code, status, err.message, { field: 'url' });
  }
}

/** The content one recipient gets: the template field filled from its variables. */
export function contentFor(
  message: CampaignMessage,
  vars: Vars,
): { content: MessageContent; length: number } | Exclude<Rendered, { text: string }> {
  const { templated } = message;
  if (!templated) return { content: { ...message.content }, length: 0 };
  const rendered = render(templated.parsed, vars, templated.maxLength);
  if (!('text' in rendered)) return rendered;
  return { content: { ...message.content, [templated.field]: rendered.text }, length: rendered.text.length };
}
