/** `{{name}}` placeholders in a campaign template, filled per recipient within bounded sizes. */

/** The longest text one message may carry, as for a single send. */
export const MAX_MESSAGE_TEXT = 65_536;
/** The most text one campaign may render in all (its rows are held in memory at once). */
export const MAX_CAMPAIGN_TEXT = 32 * 1024 * 1024;

const VAR = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

export type Vars = Record<string, string | number | boolean>;

export interface ParsedTemplate {
  /** Literal text around the placeholders: `literals.length === names.length + 1`. */
  literals: string[];
  names: string[];
}

export function parseTemplate(template: string): ParsedTemplate {
  const literals: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const match of template.matchAll(VAR)) {
    literals.push(template.slice(last, match.index));
    names.push(match[1] ?? '');
    last = match.index + match[0].length;
  }
  literals.push(template.slice(last));
  return { literals, names };
}

/** A recipient's own value of `name`: never one inherited from Object.prototype (`constructor`). */
const ownValue = (vars: Vars, name: string): string | undefined =>
  Object.hasOwn(vars, name) && vars[name] !== undefined && vars[name] !== null
    ? String(vars[name])
    : undefined;

export type Rendered = { text: string } | { missing: string[] } | { tooLong: number };

/**
 * Fills the placeholders; returns the names a recipient lacks instead, or the length the text
 * would have when it is over `maxLength` (measured before anything is built).
 */
export function render(parsed: ParsedTemplate, vars: Vars, maxLength = MAX_MESSAGE_TEXT): Rendered {
  const values = parsed.names.map((name) => ownValue(vars, name));
  const missing = parsed.names.filter((_, i) => values[i] === undefined);
  if (missing.length) return { missing: [...new Set(missing)] };
  let length = 0;
  for (const literal of parsed.literals) length += literal.length;
  for (const value of values) length += value?.length ?? 0;
  if (length > maxLength) return { tooLong: length };
  let text = parsed.literals[0] ?? '';
  values.forEach((value, i) => {
    text += `${value}${parsed.literals[i + 1] ?? ''}`;
  });
  return { text };
}
