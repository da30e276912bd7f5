import { describe, expect, it } from 'vitest';
import { apiUrl, parseConfig, wsUrl } from './config';

describe('runtime config', () => {
  it('reads issuer, client and API base, with our own street map unless another style is set', () => {
    const config = parseConfig({ issuer: 'http://idp/realms/crewup/', clientId: 'crewup-spa', apiBase: '/x' });
    expect(config).toEqual({ issuer: 'http://idp/realms/crewup', clientId: 'crewup-spa', apiBase: '/x/', mapStyleUrl: '/map/style.json', adminUrl: '/admin/' });
    expect(parseConfig({ issuer: 'i', clientId: 'c', mapStyleUrl: 'https://tiles.example/styles/bright.json' }).mapStyleUrl).toBe('https://tiles.example/styles/bright.json');
  });

  it('refuses a config without an issuer or client', () => {
    expect(() => parseConfig({ clientId: 'c' })).toThrow(/issuer/);
    expect(() => parseConfig(null)).toThrow();
  });

  it('builds API and socket URLs under the base', () => {
    const config = parseConfig({ issuer: 'i', clientId: 'c', apiBase: '/' });
    expect(apiUrl('api/v1/events/', config)).toBe(`${window.location.origin}/api/v1/events/`);
    expect(wsUrl('ws/groups/1/chat/', config)).toBe(`ws://${window.location.host}/ws/groups/1/chat/`);
  });
});
