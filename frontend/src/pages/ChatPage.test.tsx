import { act, screen } from '@testing-library/react';
import type { ComponentProps } from 'react';
import { Route, Routes } from 'react-router-dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage } from '../api/groups';
import { BAN_RECHECK_MS } from '../auth/AccountStatus';
import { SafetyContextForTests } from '../safety/SafetyProvider';
import { FakeSocket, json } from '../test/fakes';
import { renderWithApp } from '../test/render';
import ChatPage from './ChatPage';

// The crew chat of a member banned with it open, and let back in: no reload, the same page.

const alice = { id: 'u-alice', username: 'alice', display_name: 'Alice' };
const bob = { id: 'u-bob', username: 'bob', display_name: 'Bob' };
const banned = () => json({ error: { code: 'user_banned', message: 'Your account is banned.', fields: {} } }, 403);

function message(sequence: number, body: string, sender = bob): ChatMessage {
  return { id: `m${sequence}`, group_id: 'c1', sequence, kind: 'text', sender, body, data: {}, created_at: '2026-12-05T21:00:00Z', edited_at: null, deleted_at: null };
}

/** The API of one crew, `c1`, alice and bob in it; every request refused while `state.banned`. */
function fakeApi(history: ChatMessage[]) {
  const state = { banned: false };
  const fetchMock = vi.fn(async (url: string) => {
    const path = new URL(url, 'http://app').pathname;
    if (state.banned) return banned();
    if (path === '/api/v1/users/me/') return json({ id: alice.id, username: 'alice' });
    if (path === '/api/v1/groups/c1/') return json({ id: 'c1', name: 'Front row' });
    if (path === '/api/v1/groups/c1/members/') return json({ count: 2, next: null, previous: null, results: [{ user: alice, role: 'owner' }, { user: bob, role: 'member' }] });
    if (path === '/api/v1/groups/c1/messages/') return json({ results: history, first_sequence: history[0]?.sequence ?? null, last_sequence: history.at(-1)?.sequence ?? null });
    return json({ error: { code: 'not_found', message: 'Not found.', fields: {} } }, 404);
  });
  vi.stubGlobal('fetch', fetchMock);
  return { state, fetchMock };
}

async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

type SafetyValue = NonNullable<ComponentProps<typeof SafetyContextForTests.Provider>['value']>;

async function renderChat() {
  await renderWithApp(
    <SafetyContextForTests.Provider value={{ onAlertFrame: () => {} } as unknown as SafetyValue}>
      <Routes>
        <Route path="/crews/:id/chat" element={<ChatPage />} />
      </Routes>
    </SafetyContextForTests.Provider>,
    { path: '/crews/c1/chat' },
  );
  await advance(0);
}

const chatSockets = () => FakeSocket.instances.filter((s) => s.url.includes('/ws/groups/c1/chat/'));
const state = () => screen.getByTestId('chat-state').getAttribute('data-state');

beforeEach(() => {
  FakeSocket.instances = [];
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('ChatPage, the crew\'s notices', () => {
  it('names who raised an alert in its notice (the notice itself has no sender)', async () => {
    const notice: ChatMessage = {
      ...message(1, 'Bob raised a lost alert.'),
      kind: 'safety_alert',
      sender: null,
      data: { alert_id: 'a1', change: 'raised', alert: { id: 'a1', alert_type: 'lost', status: 'open', sender: bob } },
    };
    fakeApi([notice]);
    await renderChat();
    expect(screen.getByText('Safety alert from Bob')).toBeInTheDocument();
  });

  it('words each change of an alert by its data, not by the English the server stored', async () => {
    const alert = { id: 'a1', alert_type: 'lost', status: 'resolved', sender: bob };
    fakeApi([
      { ...message(1, "Bob's lost alert was resolved."), kind: 'safety_alert', sender: null, data: { alert_id: 'a1', change: 'resolved', alert } },
      { ...message(2, "Bob's lost alert was cancelled."), kind: 'safety_alert', sender: null, data: { alert_id: 'a2', change: 'cancelled', alert } },
    ]);
    await renderChat();
    expect(screen.getByText("Bob's safety alert is resolved")).toBeInTheDocument();
    expect(screen.getByText("Bob's safety alert was a false alarm")).toBeInTheDocument();
  });
});

describe('ChatPage, banned and let back in', () => {
  it('says banned and shows nobody online while banned; lifted, it opens again by itself, catches up, and shows who is online now', async () => {
    // given alice in the chat, bob online too
    const api = fakeApi([message(1, 'Door at 18:45?')]);
    await renderChat();
    act(() => chatSockets().at(-1)!.frame({ type: 'ready', group_id: 'c1', last_sequence: 1, online: [alice.id, bob.id] }));
    expect(state()).toBe('open');
    expect(screen.getByTestId('chat-presence')).toHaveTextContent('2 online: Alice, Bob');
    act(() => chatSockets().at(-1)!.frame({ type: 'message', message: message(2, 'Yes!') }));

    // when she is banned: the error frame, then the close with its reason
    api.state.banned = true;
    act(() => {
      chatSockets().at(-1)!.frame({ type: 'error', code: 'user_banned', message: 'Your account is banned.' });
      chatSockets().at(-1)!.drop(4403, 'user_banned');
    });
    // then the page says so, shows no stale presence, and takes no message
    expect(state()).toBe('removed');
    expect(screen.getByRole('alert')).toHaveTextContent('Your account is banned; the chat is closed.');
    expect(screen.queryByTestId('chat-presence')).toBeNull();
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
    // and it stays so while the ban holds: no socket tried again
    await advance(3 * BAN_RECHECK_MS);
    expect(chatSockets()).toHaveLength(1);
    expect(state()).toBe('removed');

    // when the ban is lifted: the next check finds it
    api.state.banned = false;
    await advance(BAN_RECHECK_MS);
    // then a socket opens again from the last message shown, and its ready brings who is online now
    expect(chatSockets()).toHaveLength(2);
    expect(chatSockets().at(-1)!.url).toMatch(/\/ws\/groups\/c1\/chat\/\?after=2$/);
    act(() => chatSockets().at(-1)!.frame({ type: 'ready', group_id: 'c1', last_sequence: 3, online: [alice.id] }));
    act(() => chatSockets().at(-1)!.frame({ type: 'message', message: message(3, 'Sent while you were away') }));
    expect(state()).toBe('open');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByTestId('chat-presence')).toHaveTextContent(/^1 online: Alice$/);
    expect(screen.getByText('Door at 18:45?')).toBeInTheDocument();
    expect(screen.getByText('Sent while you were away')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled(); // (nothing typed yet)
    expect(screen.getByLabelText('Message', { exact: true })).toBeEnabled();
  });

  it('opened while banned (its history refused), it loads once the ban is lifted', async () => {
    const api = fakeApi([message(1, 'Door at 18:45?')]);
    api.state.banned = true;
    await renderChat();
    expect(chatSockets()).toHaveLength(0);
    expect(screen.queryByText('Door at 18:45?')).toBeNull();
    api.state.banned = false;
    await advance(BAN_RECHECK_MS);
    expect(screen.getByText('Door at 18:45?')).toBeInTheDocument();
    expect(chatSockets()).toHaveLength(1);
    act(() => chatSockets()[0]!.frame({ type: 'ready', group_id: 'c1', last_sequence: 1, online: [alice.id, bob.id] }));
    expect(screen.getByTestId('chat-presence')).toHaveTextContent('2 online: Alice, Bob');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Front row');
  });
});
