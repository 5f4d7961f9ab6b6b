import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_TEXT, parseTemplate, render } from './campaign-template.ts';

describe('campaign templates', () => {
  it('fills every placeholder, spaces inside the braces allowed', () => {
    const parsed = parseTemplate('Hi {{name}}, order {{ order }} ships {{name}}!');
    expect(render(parsed, { name: 'Ana', order: 42 })).toEqual({ text: 'Hi Ana, order 42 ships Ana!' });
  });

  it('reports each missing variable once', () => {
    expect(render(parseTemplate('{{a}} {{b}} {{a}}'), { b: 'x' })).toEqual({ missing: ['a'] });
  });

  it('treats names of Object.prototype as missing, not as its functions', () => {
    const parsed = parseTemplate('{{constructor}} {{toString}} {{__proto__}}');
    expect(render(parsed, {})).toEqual({ missing: ['constructor', 'toString', '__proto__'] });
  });

  it('measures the text before building it and refuses one over the limit', () => {
    const parsed = parseTemplate('{{v}}'.repeat(10_000));
    const outcome = render(parsed, { v: 'x'.repeat(1_000) });
    expect(outcome).toEqual({ tooLong: 10_000_000 });
    expect(render(parseTemplate('{{v}}'), { v: 'x'.repeat(MAX_MESSAGE_TEXT) })).toEqual({
      text: 'x'.repeat(MAX_MESSAGE_TEXT),
    });
  });
});
