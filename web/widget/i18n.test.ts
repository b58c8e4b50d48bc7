import { describe, expect, it } from 'vitest';
import { LANGUAGES, pickLanguage, t, TEXTS, type TextKey } from './i18n';

const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
const keys = Object.keys(TEXTS.en) as TextKey[];

describe('the catalogue', () => {
  it('ships English first, and every shipped language', () => {
    expect(LANGUAGES[0]).toBe('en');
    expect(Object.keys(TEXTS).sort()).toEqual([...LANGUAGES].sort());
  });

  it.each(LANGUAGES)('has every text in %s, with the placeholders of the English one', (lang) => {
    expect(Object.keys(TEXTS[lang]).sort()).toEqual([...keys].sort());
    for (const k of keys) {
      expect(TEXTS[lang][k].trim(), `${lang}.${k}`).not.toBe('');
      expect(TEXTS[lang][k], `${lang}.${k}`).toBe(TEXTS[lang][k].trim());
      expect(placeholders(TEXTS[lang][k]), `${lang}.${k}`).toEqual(placeholders(TEXTS.en[k]));
    }
  });

  it('is translated, not copied', () => {
    const same = keys.filter((k) => TEXTS.de[k] === TEXTS.en[k]);
    expect(same).toEqual([]);
  });
});

describe('pickLanguage', () => {
  const cases: [string[], string[], string][] = [
    [['de-DE', 'en'], ['en', 'de'], 'de'],
    [['de-AT'], ['en', 'de'], 'de'], // the primary subtag
    [['DE'], ['en', 'de'], 'de'], // tags are case-insensitive
    [['fr-FR', 'de'], ['en', 'de'], 'de'], // the first one enabled
    [['en-GB', 'de'], ['en', 'de'], 'en'],
    [['de'], ['en'], 'en'], // not enabled
    [['fr'], ['en', 'de'], 'en'], // none matches: English
    [['fr'], ['de'], 'de'], // English off: the first enabled
    [[], ['de', 'en'], 'en'],
    [['fr'], ['xx', 'de'], 'de'], // an enabled language the widget does not ship is skipped
    [['xx'], ['xx'], 'en'],
    [['de'], [], 'en'],
  ];
  it.each(cases)('%j with %j enabled picks %s', (browser, enabled, want) => {
    expect(pickLanguage(browser, enabled)).toBe(want);
  });
});

describe('t', () => {
  it('reads the catalogue', () => {
    expect(t('en', 'send')).toBe('Send message');
    expect(t('de', 'send')).toBe('Nachricht senden');
  });

  it('prefers a non-empty override', () => {
    expect(t('de', 'send', { send: 'Abschicken' })).toBe('Abschicken');
    expect(t('de', 'send', { send: '' })).toBe('Nachricht senden');
    expect(t('de', 'send', { retry: 'Nochmal' })).toBe('Nachricht senden');
    expect(t('en', 'send', null)).toBe('Send message');
  });

  it('fills placeholders, in overrides too, and leaves unknown ones', () => {
    expect(t('en', 'open_unread', undefined, { n: 3 })).toBe('Open chat, 3 unread');
    expect(t('de', 'typing', undefined, { name: 'Ann' })).toBe('Ann schreibt…');
    expect(t('en', 'typing', { typing: '{name} writes ({name})…' }, { name: 'Ann' })).toBe('Ann writes (Ann)…');
    expect(t('en', 'chat_with', { chat_with: 'Chat {x} {constructor} {name}' }, { name: 'Shop' })).toBe('Chat {x} {constructor} Shop');
    expect(t('en', 'typing')).toBe('{name} is typing…');
  });
});
