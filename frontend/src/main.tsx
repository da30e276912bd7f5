import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadConfig, setConfig } from './config';
import { initI18n } from './i18n';
import { AuthProvider, createUserManager } from './auth/AuthProvider';
import { App } from './App';
import { createQueryClient } from './api/queryClient';
import { AppQueryProvider } from './api/QueryProvider';
import { registerServiceWorker } from './pwa/register';
import './styles.css';

async function start() {
  const root = createRoot(document.getElementById('root')!);
  await initI18n();
  try {
    const config = await loadConfig();
    setConfig(config);
    const manager = createUserManager(config);
    // The one cache of API reads for the whole app (issue #15).
    const queryClient = createQueryClient();
    root.render(
      <StrictMode>
        <AuthProvider manager={manager}>
          <AppQueryProvider client={queryClient}>
            <App />
          </AppQueryProvider>
        </AuthProvider>
      </StrictMode>,
    );
  } catch (error) {
    root.render(
      <main className="panel narrow" role="alert">
        <h1>CrewUp</h1>
        <p>{String(error instanceof Error ? error.message : error)}</p>
      </main>
    );
  }
}

void start();
registerServiceWorker();
