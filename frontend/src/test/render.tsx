import type { ReactNode } from 'react';
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { AccountStatusProvider } from '../auth/AccountStatus';
import { StaticAuthProvider, type CurrentUser } from '../auth/AuthProvider';
import { initI18n } from '../i18n';
import { parseConfig, setConfig } from '../config';

export const alice: CurrentUser = { id: 'sub-alice', username: 'alice', name: 'Alice', roles: ['user'], accessToken: 'tok' };

export async function renderWithApp(ui: ReactNode, { user = alice as CurrentUser | null, language = 'en', path = '/' } = {}) {
  setConfig(parseConfig({ issuer: 'http://idp/realms/crewup', clientId: 'crewup-spa', apiBase: '/' }));
  const i18n = await initI18n(language);
  await i18n.changeLanguage(language);
  return render(
    <StaticAuthProvider user={user}>
      <AccountStatusProvider>
        <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
      </AccountStatusProvider>
    </StaticAuthProvider>,
  );
}
