import type { ReactNode } from 'react';
import { render } from '@testing-library/react';
import { notifyManager, type QueryClient } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router-dom';
import { AccountStatusProvider } from '../auth/AccountStatus';
import { StaticAuthProvider, type CurrentUser } from '../auth/AuthProvider';
import { initI18n } from '../i18n';
import { parseConfig, setConfig } from '../config';
import { createQueryClient } from '../api/queryClient';
import { AppQueryProvider } from '../api/QueryProvider';

export const alice: CurrentUser = { id: 'sub-alice', username: 'alice', name: 'Alice', roles: ['user'], accessToken: 'tok' };

// TanStack batches its notifications to the components with a setTimeout(0), which the tests'
// fake timers would hold back until the next advance: deliver them as microtasks, which an
// awaited act() flushes, as it flushes a plain setState after an answer.
notifyManager.setScheduler(queueMicrotask);

/** A fresh cache, as the app's, but without retries (a test's refusal shows at once). */
export function testQueryClient(): QueryClient {
  return createQueryClient({ defaultOptions: { queries: { retry: false } } });
}

export async function renderWithApp(
  ui: ReactNode,
  { user = alice as CurrentUser | null, language = 'en', path = '/', queryClient = testQueryClient() } = {},
) {
  setConfig(parseConfig({ issuer: 'http://idp/realms/crewup', clientId: 'crewup-spa', apiBase: '/' }));
  const i18n = await initI18n(language);
  await i18n.changeLanguage(language);
  const result = render(
    <StaticAuthProvider user={user}>
      <AppQueryProvider client={queryClient}>
        <AccountStatusProvider>
          <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
        </AccountStatusProvider>
      </AppQueryProvider>
    </StaticAuthProvider>,
  );
  return Object.assign(result, { queryClient });
}
