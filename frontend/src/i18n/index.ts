import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en, { type Resources } from './en';
import sv from './sv';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Resources };
  }
}

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'sv', name: 'Svenska' },
] as const;

const STORAGE_KEY = 'crewup.language';

function initialLanguage(): string {
  const stored = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  if (stored && LANGUAGES.some((l) => l.code === stored)) return stored;
  const browser = typeof navigator !== 'undefined' ? navigator.language.slice(0, 2) : 'en';
  return LANGUAGES.some((l) => l.code === browser) ? browser : 'en';
}

export async function initI18n(language = initialLanguage()): Promise<typeof i18n> {
  if (!i18n.isInitialized) {
    await i18n.use(initReactI18next).init({
      resources: { en: { translation: en }, sv: { translation: sv } },
      lng: language,
      fallbackLng: 'en',
      supportedLngs: LANGUAGES.map((l) => l.code),
      interpolation: { escapeValue: false },
      returnNull: false,
      showSupportNotice: false,
    });
    i18n.on('languageChanged', (lng) => {
      document.documentElement.lang = lng;
      try {
        localStorage.setItem(STORAGE_KEY, lng);
      } catch {
        /* private mode */
      }
    });
    document.documentElement.lang = i18n.language;
  }
  return i18n;
}

export default i18n;
