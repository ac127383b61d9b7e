// zh-CN by default, English on request; the choice is remembered.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { dict, type Key } from './messages';

export type Lang = 'zh-CN' | 'en';
const LANG_KEY = 'kredit.lang';

function initialLang(): Lang {
  const stored = typeof localStorage !== 'undefined' ? localStorage.getItem(LANG_KEY) : null;
  return stored === 'en' ? 'en' : 'zh-CN';
}

export type T = (key: Key, vars?: Record<string, string | number>) => string;

interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: T;
  /** Picks the text of the current language from a pair, e.g. a reason's text_zh/text_en. */
  pick: (zh: string | undefined | null, en: string | undefined | null) => string;
}

const Context = createContext<I18n | null>(null);

export function translate(lang: Lang, key: Key, vars?: Record<string, string | number>): string {
  const entry = dict[key];
  let text: string = entry ? entry[lang === 'en' ? 1 : 0] : key;
  if (vars) for (const [name, value] of Object.entries(vars)) text = text.split(`{${name}}`).join(String(value));
  return text;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(LANG_KEY, next);
    setLangState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'app.name');
  }, [lang]);
  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang,
      t: (key, vars) => translate(lang, key, vars),
      pick: (zh, en) => (lang === 'en' ? en || zh || '' : zh || en || ''),
    }),
    [lang, setLang],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(Context);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}

/** A dictionary lookup that tolerates codes the UI does not know yet (falls back to the code). */
export function useLabel() {
  const { t } = useI18n();
  return (prefix: string, code: string | null | undefined) => {
    if (!code) return '—';
    const key = `${prefix}.${code}` as Key;
    return key in dict ? t(key) : code;
  };
}
