import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, request, setTokenSource } from './http';
import { setConfig, parseConfig } from '../config';

setConfig(parseConfig({ issuer: 'i', clientId: 'c', apiBase: '/' }));

function respond(status: number, body: string, type = 'application/json') {
  return vi.fn().mockResolvedValue(new Response(body, { status, headers: { 'Content-Type': type } }));
}

afterEach(() => {
  vi.unstubAllGlobals();
  setTokenSource(() => null);
});

describe('request', () => {
  it('sends the token and JSON, and parses the answer', async () => {
    const fetchMock = respond(201, '{"id": "e1"}');
    vi.stubGlobal('fetch', fetchMock);
    setTokenSource(() => 'tok');
    expect(await request('events/', { method: 'POST', body: { title: 'x' }, query: { q: 'a', type: ['bar', 'club'], empty: '' } })).toEqual({ id: 'e1' });
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(`${window.location.origin}/api/v1/events/?q=a&type=bar%2Cclub`);
    expect(init.headers.Authorization).toBe('Bearer tok');
    expect(init.body).toBe('{"title":"x"}');
  });

  it('turns the API error shape into an ApiError with field messages', async () => {
    vi.stubGlobal('fetch', respond(400, '{"error": {"code": "invalid", "message": "Bad input", "fields": {"title": ["Required."]}}}'));
    const error = (await request('events/').catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect([error.status, error.code, error.message, error.fieldError('title')]).toEqual([400, 'invalid', 'Bad input', 'Required.']);
    expect(error.isUnavailable).toBe(false);
  });

  it('tells an endpoint that is not there (a plain 404 page) from a missing object', async () => {
    vi.stubGlobal('fetch', respond(404, '<html>Page not found</html>', 'text/html'));
    expect(((await request('safety/alerts/').catch((e: unknown) => e)) as ApiError).isUnavailable).toBe(true);
    vi.stubGlobal('fetch', respond(404, '{"error": {"code": "event_not_found", "message": "No such event.", "fields": {}}}'));
    expect(((await request('events/x/').catch((e: unknown) => e)) as ApiError).isUnavailable).toBe(false);
  });

  it('reports a network failure as status 0', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')));
    expect(((await request('events/').catch((e: unknown) => e)) as ApiError).status).toBe(0);
  });
});
