/** What a page says about itself for a link preview: Open Graph tags, else `<title>` and description. */
export interface PageMeta {
  title?: string;
  description?: string;
  /** Absolute URL of the page's image, resolved against the page. */
  imageUrl?: string;
}

const NAMED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** Decodes the character references a title or attribute carries (named basics and numeric). */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

const clean = (text: string | undefined): string | undefined => {
  const value = text === undefined ? undefined : decodeEntities(text).replace(/\s+/g, ' ').trim();
  return value ? value : undefined;
};

/** The attributes of one tag's source (`<meta property="og:title" content="…">`), names lowercased. */
function attributesOf(tag: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of tag.matchAll(/([a-zA-Z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
    const name = m[1]?.toLowerCase();
    if (name && !attrs.has(name)) attrs.set(name, m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

const absolute = (raw: string | undefined, base: string): string | undefined => {
  if (!raw) return undefined;
  try {
    const url = new URL(raw, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
};

/** Reads the preview fields of an HTML page (its head, or as much of it as was fetched). */
export function pageMetaOf(html: string, pageUrl: string): PageMeta {
  const meta = new Map<string, string>();
  for (const tag of html.match(/<meta\b[^>]*>/gi) ?? []) {
    const attrs = attributesOf(tag);
    const key = (attrs.get('property') ?? attrs.get('name'))?.toLowerCase();
    const content = attrs.get('content');
    if (key && content !== undefined && !meta.has(key)) meta.set(key, content);
  }
  const titleTag = /<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const title = clean(meta.get('og:title')) ?? clean(titleTag) ?? clean(meta.get('twitter:title'));
  const description = clean(meta.get('og:description')) ?? clean(meta.get('description'));
  const imageUrl = absolute(clean(meta.get('og:image')) ?? clean(meta.get('twitter:image')), pageUrl);
  return {
    ...(title ? { title } : {}),
    ...(description ? { description } : {}),
    ...(imageUrl ? { imageUrl } : {}),
  };
}
