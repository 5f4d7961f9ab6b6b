import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { type Dictionary, en, type MessageKey } from './en.ts';
import { ptBR } from './pt-BR.ts';

export type Language = 'en' | 'pt-BR';
export const LANGUAGES: { code: Language; label: string }[] = [
  { code: 'en', label: 'English' },
  { code: 'pt-BR', label: 'Português (Brasil)' },
];
const DICTIONARIES: Record<Language, Dictionary> = { en, 'pt-BR': ptBR };
const STORAGE_KEY = 'zapgate.language';

/** The language chosen before (kept in this browser), else the browser's first one we speak. */
export function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'pt-BR') return stored;
  for (const tag of navigator.languages ?? [navigator.language]) {
    if (tag.toLowerCase().startsWith('pt')) return 'pt-BR';
    if (tag.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}

export function rememberLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** `{name}` in a message is replaced by `vars.name`; other braces are left as they are. */
export function translator(language: Language): Translate {
  const dictionary = DICTIONARIES[language];
  return (key, vars) =>
    dictionary[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
      vars && name in vars ? String(vars[name]) : whole,
    );
}

export const I18n = createContext<Translate>(translator('en'));
export const useT = (): Translate => useContext(I18n);
