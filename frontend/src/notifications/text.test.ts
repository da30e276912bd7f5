import { describe, expect, it } from 'vitest';
import { initI18n } from '../i18n';
import { notification, PAYLOADS } from '../test/notifications';
import { KNOWN_KINDS, kindName, notificationText, relativeTime, safeAppPath } from './text';

async function tIn(language: string) {
  const i18n = await initI18n(language);
  return i18n.getFixedT(language);
}

// What each kind's words must mention, from its payload (names, crews, events).
const MENTIONS: Record<(typeof KNOWN_KINDS)[number], string[]> = {
  'safety.alert_raised': ['Bob', 'Near the stage'],
  'safety.alert_acknowledged': ['Alice'],
  'safety.alert_resolved': ['Bob'],
  'safety.check_in_missed': ['Bob', 'Front row'],
  'crew.join_requested': ['Carl', 'Front row'],
  'crew.join_approved': ['Front row'],
  'crew.join_rejected': ['Front row'],
  'crew.invite_used': ['Dana', 'Front row'],
  'event.waitlist_promoted': ['Jazz night'],
  'event.changed': ['Jazz night'],
  'event.cancelled': ['Jazz night'],
  'event.reminder': ['Jazz night', 'Kulturens hus'],
  'account.banned': ['Spam'],
  'account.unbanned': [],
};

describe('notificationText', () => {
  it('has the fixtures for every kind', () => {
    expect(Object.keys(PAYLOADS).sort()).toEqual([...KNOWN_KINDS].sort());
  });

  for (const language of ['en', 'sv']) {
    it(`renders every kind in ${language} from its payload, not the server's words`, async () => {
      const t = await tIn(language);
      for (const kind of KNOWN_KINDS) {
        const n = notification(kind);
        const { title, body } = notificationText(n, t, language);
        expect(title, kind).not.toBe('');
        expect(title, kind).not.toBe(n.title);
        expect(title, kind).not.toMatch(/{{|notifications\./);
        expect(body, kind).not.toMatch(/{{|notifications\./);
        for (const word of MENTIONS[kind]) expect(`${title} ${body}`, kind).toContain(word);
        expect(kindName(kind, t), kind).not.toContain('.');
      }
    });
  }

  it('speaks each language', async () => {
    const en = await tIn('en');
    const sv = await tIn('sv');
    for (const kind of KNOWN_KINDS) {
      const n = notification(kind);
      expect(notificationText(n, sv, 'sv').title, kind).not.toBe(notificationText(n, en, 'en').title);
    }
    expect(notificationText(notification('safety.alert_acknowledged'), en, 'en')).toEqual({ title: 'Alice answered your alert', body: 'On my way' });
    expect(notificationText(notification('safety.alert_acknowledged'), sv, 'sv')).toEqual({ title: 'Alice har svarat på ditt larm', body: 'På väg' });
    expect(notificationText(notification('event.changed'), en, 'en').body).toMatch(/^Changed: start time, venue\. It starts /);
    expect(notificationText(notification('event.changed'), sv, 'sv').body).toMatch(/^Ändrat: starttid, lokal\. Det börjar /);
  });

  it("falls back to the server's title and body for an unknown kind or a payload without names", async () => {
    const t = await tIn('en');
    expect(notificationText(notification('party.started', { title: 'A party', body: 'Now' }), t, 'en')).toEqual({ title: 'A party', body: 'Now' });
    expect(notificationText(notification('crew.join_approved', { payload: {}, title: 'You are in', body: '' }), t, 'en')).toEqual({ title: 'You are in', body: '' });
    expect(kindName('party.started', t)).toBe('party.started');
  });

  it('says how long ago, in the language', async () => {
    const en = await tIn('en');
    const sv = await tIn('sv');
    const now = Date.parse('2026-12-05T21:00:00Z');
    expect(relativeTime('2026-12-05T20:59:50Z', now, 'en', en)).toBe('just now');
    expect(relativeTime('2026-12-05T20:55:00Z', now, 'en', en)).toBe('5 minutes ago');
    expect(relativeTime('2026-12-05T18:00:00Z', now, 'sv', sv)).toBe('för 3 timmar sedan');
    expect(relativeTime('2026-12-04T21:00:00Z', now, 'en', en)).toBe('yesterday');
  });

  it('links only within the app', () => {
    expect(safeAppPath('/safety?alert=a1')).toBe('/safety?alert=a1');
    expect(safeAppPath('//evil.example/x')).toBe('/');
    expect(safeAppPath('https://evil.example/')).toBe('/');
    expect(safeAppPath(undefined)).toBe('/');
  });
});
