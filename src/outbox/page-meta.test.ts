import { describe, expect, it } from 'vitest';
import { pageMetaOf } from './page-meta.ts';
import { firstUrlIn } from './send-features.ts';

const PAGE = 'https://shop.example/p/1';

describe('reading a page for its link preview', () => {
  it('prefers Open Graph tags, in any attribute order and quoting, and resolves the image', () => {
    const html = `<head><title>Fallback</title>
      <meta content='Shoes &amp; boots' property='og:title'>
      <META PROPERTY="og:description" CONTENT="Size 42 &#8211; &#x1F45F;">
      <meta property=og:image content=/img/shoe.jpg></head>`;
    expect(pageMetaOf(html, PAGE)).toEqual({
      title: 'Shoes & boots',
      description: 'Size 42 – 👟',
      imageUrl: 'https://shop.example/img/shoe.jpg',
    });
  });

  it('falls back to <title> and the description meta; drops an image that is not http(s)', () => {
    const html = `<title>\n  A   page\n</title><meta name="description" content="About it">
      <meta property="og:image" content="javascript:alert(1)">`;
    expect(pageMetaOf(html, PAGE)).toEqual({ title: 'A page', description: 'About it' });
    expect(pageMetaOf('<html><body>nothing</body></html>', PAGE)).toEqual({});
    expect(pageMetaOf('<meta property="og:title" content="   ">', PAGE)).toEqual({});
  });

  it('finds the first http(s) link of a text, without the punctuation after it', () => {
    expect(firstUrlIn('see https://a.example/x?y=1. and http://b.example')).toBe('https://a.example/x?y=1');
    expect(firstUrlIn('(http://a.example/path)')).toBe('http://a.example/path');
    expect(firstUrlIn('ftp://a.example www.b.example')).toBeUndefined();
  });
});
