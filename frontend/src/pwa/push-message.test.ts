import { describe, expect, it, vi } from 'vitest';
import { ackFailedNotification, base64UrlToBytes, notificationFor, parsePushMessage, readNotificationData, sameKey, sendAcknowledgement } from './push-message';

const ALERT = {
  id: 'n1',
  kind: 'safety.alert_raised',
  title: 'Safety alert from Bob',
  body: 'I am lost',
  url: '/safety?alert=a1',
  tag: 'alert-a1',
  urgent: true,
  ack: { url: '/api/v1/safety/alerts/a1/token-acknowledgements/', token: 'once' },
};

describe('push messages in the service worker', () => {
  it('shows a safety alert that stays, buzzes, and can be answered, in the stored language', () => {
    const { title, options } = notificationFor(parsePushMessage(ALERT), 'sv');
    expect(title).toBe('Safety alert from Bob'); // the server's words, in the user's language already
    expect(options).toMatchObject({
      body: 'I am lost',
      tag: 'alert-a1',
      requireInteraction: true,
      renotify: true,
      data: { id: 'n1', kind: 'safety.alert_raised', url: '/safety?alert=a1', ack: ALERT.ack },
    });
    expect(options.vibrate!.length).toBeGreaterThan(1);
    expect(options.actions).toEqual([
      { action: 'seen', title: 'Sett' },
      { action: 'on_my_way', title: 'På väg' },
    ]);
    expect(notificationFor(parsePushMessage(ALERT), 'en').options.actions!.map((a) => a.title)).toEqual(['Seen', 'On my way']);
  });

  it('shows other news plainly, without actions', () => {
    const { options } = notificationFor(parsePushMessage({ id: 'n2', kind: 'crew.join_approved', title: 'You are in', body: '', url: '/crews/g1/chat', tag: 'n2', urgent: false }), 'en');
    expect(options.requireInteraction).toBe(false);
    expect(options.vibrate).toBeUndefined();
    expect(options.actions).toBeUndefined();
  });

  it('never sends a token or a tap elsewhere', () => {
    const foreign = parsePushMessage({ ...ALERT, url: 'https://evil.example/', ack: { url: 'https://evil.example/steal', token: 't' } });
    expect(foreign!.url).toBe('/');
    expect(foreign!.ack).toBeNull();
    expect(parsePushMessage({ ...ALERT, kind: 'crew.join_approved' })!.ack).toBeNull();
    expect(readNotificationData({ url: '//evil.example', ack: 'x' })).toEqual({ id: '', kind: '', url: '/', ack: null });
  });

  it('still shows something for a message it cannot read (push must be visible)', () => {
    const { title, options } = notificationFor(parsePushMessage('garbage'), 'en');
    expect(title).toBe('CrewUp');
    expect(options.body).toBe('You have a new notification.');
  });

  it('answers with the token as the only credential', async () => {
    const fetchMock = vi.fn(async () => new Response('{}', { status: 201 }));
    expect(await sendAcknowledgement(ALERT.ack, 'on_my_way', 'https://crewup.example', fetchMock)).toBe(true);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('https://crewup.example/api/v1/safety/alerts/a1/token-acknowledgements/');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('omit');
    expect(init.headers).not.toHaveProperty('Authorization');
    expect(JSON.parse(String(init.body))).toEqual({ token: 'once', kind: 'on_my_way' });
  });

  it('reports a refused or unsent answer, and offers to open the app instead', async () => {
    expect(await sendAcknowledgement(ALERT.ack, 'seen', 'https://crewup.example', vi.fn(async () => new Response('', { status: 410 })))).toBe(false);
    expect(await sendAcknowledgement(ALERT.ack, 'seen', 'https://crewup.example', vi.fn(async () => Promise.reject(new TypeError('offline'))))).toBe(false);
    const followUp = ackFailedNotification(readNotificationData({ id: 'n1', url: '/safety?alert=a1', ack: ALERT.ack }), 'sv');
    expect(followUp.title).toBe('Ditt svar skickades inte');
    expect(followUp.options.actions).toEqual([{ action: 'open', title: 'Öppna CrewUp' }]);
    expect(followUp.options.data).toEqual({ id: 'n1', kind: '', url: '/safety?alert=a1', ack: null });
  });

  it('turns a VAPID key into the 65 bytes subscribe takes, and compares keys', () => {
    const bytes = base64UrlToBytes('BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U');
    expect(bytes.length).toBe(65);
    expect(bytes[0]).toBe(4);
    expect(sameKey(bytes.slice().buffer, bytes)).toBe(true);
    expect(sameKey(new Uint8Array(65), bytes)).toBe(false);
    expect(sameKey(null, bytes)).toBe(false);
  });
});
