import type { LinkPreview, MessageContent } from '../domain/message.ts';
import { Errors, ZapgateError } from '../errors.ts';

/** What a send may ask for on top of its content, as `prepareMessage` reads it. */
export interface FeatureInput {
  type: string;
  text?: string;
  mentions?: string[] | 'all';
  viewOnce?: boolean;
  linkPreview?: LinkPreview | true;
}

/** The operator's switches for the features of a send. */
export interface SendFeatureOptions {
  /** LINK_PREVIEWS=1: `linkPreview: true` has the gateway fetch the page. */
  linkPreviews: boolean;
}

const VIEW_ONCE_TYPES: ReadonlySet<string> = new Set(['image', 'video', 'audio']);
const isGroupJid = (jid: string): boolean => jid.endsWith('@g.us');

/** The first http(s) link in a text, without the punctuation that ends a sentence after it. */
export function firstUrlIn(text: string): string | undefined {
  const found = /https?:\/\/[^\s<>"']+/i.exec(text)?.[0];
  return found?.replace(/[.,;:!?)\]}'"]+$/, '');
}

const isHttpUrl = (raw: string): boolean => {
  try {
    const { protocol } = new URL(raw);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
};

/** `mentions`: jids of the list, or (to a group only) every participant, filled in when it is sent. */
export function mentionsOf(
  input: FeatureInput,
  chatJid: string,
  jidOf: (to: string) => string,
): Pick<MessageContent, 'mentions' | 'mentionAll'> {
  if (input.mentions === 'all') {
    if (!isGroupJid(chatJid))
      throw new ZapgateError(
        'ZG_ERR_NOT_A_GROUP',
        400,
        `mentions "all" mentions every participant of a group; ${chatJid} is not a group`,
        { field: 'mentions' },
      );
    return { mentionAll: true };
  }
  return input.mentions?.length ? { mentions: input.mentions.map(jidOf) } : {};
}

export function viewOnceOf(input: FeatureInput): Pick<MessageContent, 'viewOnce'> {
  if (!input.viewOnce) return {};
  if (!VIEW_ONCE_TYPES.has(input.type))
    throw Errors.validation(`viewOnce is for an image, a video or an audio, not a ${input.type}`, {
      field: 'viewOnce',
    });
  return { viewOnce: true };
}

/** `linkPreview` checked against the text: a given card's link must be in it, `true` needs one. */
export function linkPreviewOf(
  input: FeatureInput,
  options: SendFeatureOptions,
): Pick<MessageContent, 'linkPreview'> {
  const preview = input.linkPreview;
  if (preview === undefined) return {};
  const text = input.text ?? '';
  if (preview === true) {
    if (!options.linkPreviews)
      throw new ZapgateError(
        'ZG_ERR_LINK_PREVIEWS_OFF',
        400,
        'this gateway does not build link previews (LINK_PREVIEWS=1 turns them on); give the preview as { url, title, description?, thumbnailUrl? }',
        { field: 'linkPreview' },
      );
    if (!firstUrlIn(text))
      throw Errors.validation('linkPreview: true needs an http(s) link in the text', {
        field: 'linkPreview',
      });
    return { linkPreview: true };
  }
  if (!isHttpUrl(preview.url) || !text.includes(preview.url))
    throw Errors.validation('linkPreview.url must be an http(s) link that appears in the text', {
      field: 'linkPreview.url',
    });
  if (preview.thumbnailUrl !== undefined && !isHttpUrl(preview.thumbnailUrl))
    throw Errors.validation('linkPreview.thumbnailUrl must be an http(s) URL', {
      field: 'linkPreview.thumbnailUrl',
    });
  return {
    linkPreview: {
      url: preview.url,
      title: preview.title,
      ...(preview.description ? { description: preview.description } : {}),
      ...(preview.thumbnailUrl ? { thumbnailUrl: preview.thumbnailUrl } : {}),
    },
  };
}
