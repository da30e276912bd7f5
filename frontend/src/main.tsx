import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadConfig, setConfig } from './config';
import { initI18n } from './i18n';
import { AuthProvider, createUserManager } from './auth/AuthProvider';
import { App } from './App';
import { registerServiceWorker } from './pwa/register';
import './styles.css';

async function start() {
  const root = createRoot(document.getElementById('root')!);
  await initI18n();
  try {
    const config = await loadConfig();
    setConfig(config);
    const manager = createUserManager(config);
    root.render(
      <StrictMode>
        <AuthProvider manager={manager}>
          <App />
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
